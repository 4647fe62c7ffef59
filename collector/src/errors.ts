/**
 * Every refusal the collector sends has one shape: `{ "error": "<what is wrong>", "field", "index" }`.
 * SDKs do not retry a 4xx, so the message must tell the developer exactly what to fix; `field` is the
 * JSON pointer inside the event and `index` its position in a batch.
 */
export interface ErrorBody {
  error: string;
  /** JSON pointer of the offending field inside the event (or the request body), e.g. `/properties`. */
  field?: string;
  /** Position of the offending event in a batch request. */
  index?: number;
}

export class HttpError extends Error {
  override name = 'HttpError';
  /** Read by fastify too, so the status survives even where our error handler does not run. */
  readonly statusCode: number;
  readonly field: string | undefined;
  readonly index: number | undefined;
  readonly headers: Record<string, string>;

  constructor(
    statusCode: number,
    message: string,
    details: { field?: string; index?: number; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.statusCode = statusCode;
    this.field = details.field;
    this.index = details.index;
    this.headers = details.headers ?? {};
  }

  body(): ErrorBody {
    return {
      error: this.message,
      ...(this.field !== undefined && { field: this.field }),
      ...(this.index !== undefined && { index: this.index }),
    };
  }
}
