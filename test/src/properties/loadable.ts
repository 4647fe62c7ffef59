/**
 * "Accepted means loadable", checked without a warehouse: what the collector published is taken
 * through the loader's pure steps exactly as a loader would (decode → enrich → transform → schema
 * plan) and then through the SQL and COPY text each dialect would send. Any throw, any identifier
 * that is not a valid quoted name, any text PostgreSQL cannot store, is a finding: such an event got
 * a 200 and would end as a dead letter.
 */
import assert from 'node:assert/strict';
import { createLogger, decodeEnvelope } from '@eventpipe/core';
import {
  copyLine,
  createEnricher,
  DEFAULT_ENRICHMENTS,
  planTable,
  postgresDialect,
  postgresRules,
  redshiftRules,
  redshiftSql,
  transform,
  type DialectRules,
  type Enricher,
  type SourceBatch,
} from '@eventpipe/loader/internal';

/** A quoted identifier: one pair of quotes around characters where every inner quote is doubled. */
const QUOTED = /^"(?:[^"\0]|"")+"$/u;
/** A lone UTF-16 surrogate: cannot be written as UTF-8, so PostgreSQL and Redshift refuse it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const dialects: { rules: DialectRules; quoteIdent(name: string): string }[] = [
  { rules: postgresRules, quoteIdent: postgresDialect.quoteIdent },
  { rules: redshiftRules, quoteIdent: redshiftSql.quoteIdent },
];

function assertIdentifier(quoteIdent: (name: string) => string, name: string, rules: DialectRules) {
  const quoted = quoteIdent(name);
  assert.match(quoted, QUOTED, `${rules.name}: ${JSON.stringify(name)} quoted as ${quoted}`);
  assert.ok(
    !LONE_SURROGATE.test(name),
    `${rules.name}: identifier ${JSON.stringify(name)} has a lone surrogate`,
  );
  assert.ok(Buffer.byteLength(name) <= rules.maxIdentifierBytes, `${rules.name}: ${name} is too long`);
}

const COPY_ESCAPES: Record<string, string> = { t: '\t', n: '\n', r: '\r' };
const unescapeCopyText = (field: string) => field.replace(/\\(.)/g, (_m, c: string) => COPY_ESCAPES[c] ?? c);

/** Throws when a string or key inside a parsed JSON value holds NUL or a lone surrogate. */
function assertStorableJson(value: unknown, where: string): void {
  const check = (text: string) =>
    assert.ok(
      !text.includes('\0') && !LONE_SURROGATE.test(text),
      `${where}: jsonb cannot store ${JSON.stringify(text).slice(0, 200)}`,
    );
  if (typeof value === 'string') check(value);
  else if (Array.isArray(value)) for (const item of value) assertStorableJson(item, where);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      check(key);
      assertStorableJson(item, where);
    }
  }
}

/** Every table of `sources` planned as new and written as the dialect's DDL, merge and (PostgreSQL) COPY text. */
export function assertPlannable(
  sources: SourceBatch[],
  rules: DialectRules,
  quoteIdent: (name: string) => string,
) {
  for (const source of sources) {
    assertIdentifier(quoteIdent, source.schema, rules);
    for (const table of source.tables) {
      assertIdentifier(quoteIdent, table.table, rules);
      const names = new Set<string>();
      for (const column of table.columns) {
        assertIdentifier(quoteIdent, column.name, rules);
        assert.ok(!names.has(column.name), `${rules.name}: column ${column.name} twice in ${table.table}`);
        names.add(column.name);
      }
      const plan = planTable(undefined, table, rules);
      const ref = { schema: source.schema, table: table.table };
      const sql = rules.name === 'postgres' ? postgresDialect : redshiftSql;
      for (const migration of plan.migrations) sql.migration(ref, migration);
      sql.merge(ref, 'staging', plan.batch);
      if (rules.name !== 'postgres') continue;
      for (const row of plan.batch.rows) {
        const line = copyLine(row, plan.batch.columns);
        assert.ok(!line.includes('\0'), `COPY line holds NUL: ${JSON.stringify(line).slice(0, 200)}`);
        assert.ok(
          !LONE_SURROGATE.test(line),
          `COPY line holds a lone surrogate: ${JSON.stringify(line).slice(0, 200)}`,
        );
        const fields = line.slice(0, -1).split('\t');
        assert.equal(fields.length, plan.batch.columns.length, 'COPY line has one field per column');
        for (const [index, column] of plan.batch.columns.entries()) {
          if (column.type !== 'json') continue;
          const value = row[column.name];
          if (value === null || value === undefined) continue;
          const text = unescapeCopyText(fields[index]!);
          // jsonb refuses the \u0000 escape and a lone surrogate's escape, in keys as in strings.
          assertStorableJson(JSON.parse(text), `${table.table}.${column.name}`);
        }
      }
    }
  }
}

export interface LoadableChecker {
  /** True when the loader decodes `payload` as an envelope (else it is a dead letter by design). */
  decodes(payload: string): boolean;
  /** Throws (AssertionError or the step's own error) when the published payloads could not load. */
  check(payloads: readonly string[]): void;
}

/** The loader's default enrichments, built once (the GeoIP database takes a moment to open). */
export async function loadableChecker(): Promise<LoadableChecker> {
  const enrich: Enricher = await createEnricher(DEFAULT_ENRICHMENTS, createLogger('fuzz', 'silent'));
  return {
    decodes: (payload) => decodeEnvelope(Buffer.from(payload)).ok,
    check(payloads) {
      const envelopes = payloads.map((payload) => {
        const decoded = decodeEnvelope(Buffer.from(payload));
        assert.ok(decoded.ok, `published payload does not decode: ${decoded.ok ? '' : decoded.reason}`);
        return decoded.envelope;
      });
      const enriched = enrich(envelopes);
      for (const event of enriched) {
        assert.equal(
          event.enrichmentErrors,
          undefined,
          `enrichments failed: ${event.enrichmentErrors?.join(', ')}`,
        );
      }
      for (const { rules, quoteIdent } of dialects)
        assertPlannable(transform(enriched, rules), rules, quoteIdent);
    },
  };
}
