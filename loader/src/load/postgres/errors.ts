/**
 * Which load errors a retry can fix. The runner retries a batch on a transient error (with backoff,
 * without acking) and splits it to find the poison message on a permanent one, so a wrong "permanent"
 * dead-letters good events and a wrong "transient" retries a bad one until `max_deliver`. Hence:
 *
 * - permanent: the data itself — class 22 (data exception: invalid input syntax, value out of range,
 *   bad datetime, untranslatable character), class 23 (a constraint the row breaks, e.g. a null id),
 *   class 54 (program limits: too many columns, row or index entry too big), and the few class 42
 *   errors a value or name can cause (datatype mismatch, name too long), plus an identifier our own
 *   quoting refuses.
 * - transient: everything else — connection lost or refused (class 08, node socket errors), the
 *   server shutting down or starting (57P01, 57P03), serialization failures and deadlocks (class 40),
 *   lock and statement timeouts (55P03, 57014), out of resources (class 53), and 23505 on the
 *   bookkeeping tables, which means a concurrent loader committed the same batch (the retry then
 *   finds it in `loads` and reports `alreadyLoaded`).
 */
import { InvalidIdentifierError } from '../dialect.js';

const PERMANENT_CLASSES = new Set(['22', '23', '54']);
const PERMANENT_CODES = new Set(['42804', '42P18', '42622', '42601']);
const TRANSIENT_CODES = new Set(['23505']);

export function isPermanentLoadError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if (error instanceof InvalidIdentifierError) return true;
  const code = (error as { code?: unknown }).code;
  // Node's socket errors (ECONNRESET, …) have string codes too, but never 5-character SQLSTATEs of these classes.
  if (typeof code !== 'string' || code.length !== 5) return false;
  if (TRANSIENT_CODES.has(code)) return false;
  return PERMANENT_CODES.has(code) || PERMANENT_CLASSES.has(code.slice(0, 2));
}
