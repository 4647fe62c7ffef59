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

export interface DeadLetter {
  source_id: string;
  message_id: string;
  stream_sequence: string;
  origin: string;
  reason: string;
  envelope: string;
  first_failed_at: string;
  last_failed_at: string;
  attempts: number;
}

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

export async function getJson<T>(path: string, params: Record<string, string> = {}): Promise<T> {
  const query = new URLSearchParams(params).toString();
  const response = await fetch(query ? `${path}?${query}` : path, {
    headers: { accept: 'application/json' },
  });
  if (response.status === 401) {
    // The session ended (token changed): the server shows the login page.
    window.location.assign('/login');
  }
  const body = (await response.json().catch(() => ({}))) as T & { error?: string };
  if (!response.ok) throw new ApiError(response.status, body.error ?? `HTTP ${response.status}`);
  return body;
}

export const formatTime = (iso: string | undefined) => (iso ? new Date(iso).toLocaleString() : '—');
