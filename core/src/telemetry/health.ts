/**
 * The one answer shape of `/health/live` and `/health/ready`, for every eventpipe process (collector,
 * loader, operator), so a probe, a dashboard or a person with curl reads them all the same way:
 *
 * - live: 200 `{"status":"live"}`, or 503 `{"status":"not live","reason":"…"}` (restart the process)
 * - ready: 200 `{"status":"ready"}`, or 503 `{"status":"not ready","reason":"…"}`
 */

export type HealthBody =
  | { status: 'live' }
  | { status: 'not live'; reason: string }
  | { status: 'ready' }
  | { status: 'not ready'; reason: string };

export interface HealthAnswer {
  statusCode: 200 | 503;
  body: HealthBody;
}

/** `/health/live`, given why the process can no longer work, or undefined while it can. */
export function liveAnswer(notLive: string | undefined): HealthAnswer {
  return notLive === undefined
    ? { statusCode: 200, body: { status: 'live' } }
    : { statusCode: 503, body: { status: 'not live', reason: notLive } };
}

/** `/health/ready`, given why the process is not ready, or undefined when it is. */
export function readyAnswer(notReady: string | undefined): HealthAnswer {
  return notReady === undefined
    ? { statusCode: 200, body: { status: 'ready' } }
    : { statusCode: 503, body: { status: 'not ready', reason: notReady } };
}
