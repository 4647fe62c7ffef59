/** The console's JSON API (same origin; the session cookie goes along). */

// The API's shapes come from their homes as types only: erased by the build, so the bundle does not
// grow. They resolve to the workspaces' declarations, so `tsc -b` runs first (as `npm run build` does).
export type { Envelope, Rejection } from '@eventpipe/core';
export type { ColumnView, Point, RowLookup, TableView, WarehouseRow } from '@eventpipe/console';
export type { DeadLetterDetail, DeadLetterEntry, RedriveOutcome, RedriveResult } from '@eventpipe/loader';

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
