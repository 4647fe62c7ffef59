/** The envelope's JetStream de-duplication id (`Nats-Msg-Id`). */

/**
 * Characters a `Nats-Msg-Id` header value cannot carry as they are: NATS header values cannot hold CR or
 * LF, are trimmed of surrounding whitespace (so `"x "` would collide with `"x"`), and other control or
 * non-ASCII characters are left to each server and client to interpret. Printable ASCII other than
 * `%` (the escape character itself) passes unchanged, which keeps every usual id (UUIDs) readable.
 * Without the `u` flag the pattern matches UTF-16 code units, so a lone surrogate is escaped too.
 */
const NOT_HEADER_SAFE = /[^!-$&-~]/g;

function escapeCodeUnit(char: string): string {
  const code = char.charCodeAt(0);
  return code < 0x100 ? `%${code.toString(16).padStart(2, '0')}` : `%u${code.toString(16).padStart(4, '0')}`;
}

/**
 * JetStream de-duplication id: one per event, stable across client retries, and safe as a header value
 * for every messageId the spec allows. Unsafe code units are written `%hh` or `%uhhhh` (as JavaScript's
 * `escape()` does); since `%` itself is always escaped and `u` is not a hex digit, the encoding is
 * one-to-one, so two distinct ids never share a `Nats-Msg-Id`. The envelope keeps the messageId as sent.
 */
export function natsMessageId(sourceId: string, messageId: string): string {
  return `${sourceId}:${messageId.replace(NOT_HEADER_SAFE, escapeCodeUnit)}`;
}
