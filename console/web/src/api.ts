/** The console's JSON API (same origin; the session cookie goes along). */

export interface Envelope {
  v: number;
  sourceId: string;
  type: string;
  messageId: string;
  receivedAt: string;
  sentAt?: string;
  ip?: string;
  userAgent?: string;
  traceparent?: string;
  batchContext?: Record<string, unknown>;
  event: Record<string, unknown>;
}

export interface Rejection {
  at: string;
  sourceId: string;
  method: string;
  route: string;
  status: number;
  reason: string;
  field?: string;
  index?: number;
  ip?: string;
  userAgent?: string;
}

export interface ColumnView {
  name: string;
  type: string;
  firstSeen?: string;
  typeChanged: boolean;
  rejectedRows?: number;
}

export interface TableView {
  name: string;
  firstSeen?: string;
  columns: ColumnView[];
  stats?: {
    rows: number;
    lastSeen?: string;
    rejectedRows: number;
    rejectedKeys: { key: string; rows: number }[];
  };
}

export type { DeadLetterDetail, DeadLetterEntry, RedriveOutcome, RedriveResult } from '@eventpipe/loader';

export interface Point {
  t: number;
  acceptedPerSecond: number | null;
  loadedPerSecond: number | null;
  latencyP50: number | null;
  latencyP95: number | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function answer<T>(response: Response): Promise<T> {
  if (response.status === 401) {
    // The session ended (token changed): the server shows the login page.
    window.location.assign('/login');
  }
  const body = (await response.json().catch(() => ({}))) as T & { error?: string };
  if (!response.ok) throw new ApiError(response.status, body.error ?? `HTTP ${response.status}`);
  return body;
}

export async function getJson<T>(path: string, params: Record<string, string> = {}): Promise<T> {
  const query = new URLSearchParams(params).toString();
  return answer<T>(
    await fetch(query ? `${path}?${query}` : path, { headers: { accept: 'application/json' } }),
  );
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return answer<T>(
    await fetch(path, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
}

export const formatTime = (iso: string | undefined) => (iso ? new Date(iso).toLocaleString() : '—');
