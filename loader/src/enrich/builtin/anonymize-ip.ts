/**
 * `anonymize-ip`: replaces `context_ip` with the address truncated to its network (IPv4 /24, IPv6
 * /48), for GDPR. It must run after `geoip`, which needs the full address; the runner refuses a
 * pipeline that lists them the other way round.
 *
 * Only the warehouse column changes: the raw archive keeps the envelope as received.
 */
import { Type } from '@sinclair/typebox';
import type { Enrichment } from '../types.js';
import { clientIp } from '../event-fields.js';
import { anonymizeIp as truncate, parseIp } from '../ip.js';

const options = Type.Object({}, { additionalProperties: false });

export const anonymizeIp: Enrichment<typeof options> = {
  name: 'anonymize-ip',
  options,
  after: ['geoip'],
  create() {
    return (envelope) => {
      const text = clientIp(envelope);
      if (text === undefined) return undefined;
      const ip = parseIp(text);
      // Not an address we can truncate (a proxy list, garbage): drop it rather than load it whole.
      return { context_ip: ip === undefined ? null : truncate(ip) };
    };
  },
};
