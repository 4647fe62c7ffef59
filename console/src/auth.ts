/**
 * The console's one credential, the admin token: checked in constant time, by digest, so neither
 * the comparison's duration nor an early exit on length tells an attacker how close a guess was.
 * After a login the browser holds a session cookie derived from the token, never the token itself;
 * changing the token ends every session.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'eventpipe_console_session';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export function secretMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || given === '') return false;
  return timingSafeEqual(digest(expected), digest(given));
}

export function sessionValue(adminToken: string): string {
  return createHmac('sha256', adminToken).update('eventpipe console session v1').digest('base64url');
}

/** `Authorization: Bearer <token>`, for scripts and curl. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** Does the request carry the token (as a bearer token) or a session made from it (as the cookie)? */
export function isAdmin(adminToken: string, authorization: string | undefined, cookie: string | undefined) {
  return (
    secretMatches(sessionValue(adminToken), cookie) || secretMatches(adminToken, bearerToken(authorization))
  );
}
