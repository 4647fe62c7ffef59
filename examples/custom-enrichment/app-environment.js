// @ts-check
/**
 * An example custom enrichment for eventpipe: a plain ES module whose default export is an
 * enrichment ({ name, options, create }). Point the loader at it by path, e.g.
 *
 *   EVENTPIPE_LOADER_ENRICHMENTS='["user-agent","./examples/custom-enrichment/app-environment.js"]'
 *
 * It adds two columns to every event table:
 *   - `app_environment`: the event's `properties.environment` (or another property, see options),
 *     else the configured default, so staging traffic can be filtered out in SQL;
 *   - `email_sha256` (only with `hashEmail: true`): the SHA-256 of the trimmed, lower-cased e-mail
 *     trait, the form ad platforms match audiences on, without loading the address itself.
 */
import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';

/** Options are a TypeBox schema: the loader validates them (and fills defaults) at start-up. */
const options = Type.Object(
  {
    property: Type.String({ minLength: 1, default: 'environment' }),
    default: Type.Optional(Type.String()),
    hashEmail: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);

/** @param {unknown} value @returns {value is Record<string, unknown>} */
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

/** @type {import('@eventpipe/loader').Enrichment<typeof options>} */
const appEnvironment = {
  name: 'app-environment',
  options,
  // `create` runs once per loader process: do the expensive set-up (open files, build tables) here.
  create({ property, default: fallback, hashEmail }) {
    // The per-event function must be synchronous and must not edit the envelope.
    return (envelope) => {
      const { event } = envelope;
      /** @type {Record<string, unknown>} */
      const fields = {};
      const environment = isObject(event.properties) ? event.properties[property] : undefined;
      if (typeof environment === 'string' && environment !== '') fields.app_environment = environment;
      else if (fallback !== undefined) fields.app_environment = fallback;

      if (hashEmail) {
        const traits = event.type === 'identify' ? event.traits : event.context?.traits;
        const email = isObject(traits) ? traits.email : undefined;
        // Throwing is fine: the event still loads, is marked in `_enrichment_errors` and counted.
        if (email !== undefined && typeof email !== 'string')
          throw new TypeError('traits.email is not a string');
        if (email)
          fields.email_sha256 = createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
      }
      return fields;
    };
  },
};

export default appEnvironment;
