/**
 * Dead letters people can act on, wired from one Config: list them, show one with its envelope, and
 * redrive them through the loader. `eventpipe dead-letter` and the console both call this, so a
 * redrive from either is the same code path.
 *
 * Connections are opened when first needed: listing touches only the warehouse, showing a large
 * Redshift dead letter also S3, and only a redrive connects to NATS.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { requireSetting, type Config, type Logger } from '@eventpipe/core';
import { s3ClientConfig } from '../stage.js';
import { fetchFromS3, resolveEnvelope } from './envelope.js';
import {
  redriveDeadLetters,
  type RedriveProgress,
  type RedriveResult,
  type RedriveSelection,
} from './redrive.js';
import { DEAD_LETTER_ID_PATTERN, type DeadLetterFilter } from './sql.js';
import { createDeadLetterStore, type DeadLetterEntry, type TableDrops } from './store.js';
import { deadLetterReason } from '../pipeline/dead-letter.js';
import { postgresRules, redshiftRules } from '../schema/index.js';
import { schemaName } from '../transform/names.js';

/** A dead letter with its envelope, as `show` prints it. */
export interface DeadLetterDetail extends DeadLetterEntry {
  /** The envelope's JSON text, fetched from S3 when its row held a reference. */
  envelopeJson: string;
  /** Where the envelope was fetched from, when it was not in the row. */
  storedAt?: string;
}

export interface DeadLetters {
  list(filter?: Omit<DeadLetterFilter, 'withEnvelope'>): Promise<DeadLetterEntry[]>;
  /** The dead letter with this ID (redriven or not), or undefined. */
  show(id: string): Promise<DeadLetterDetail | undefined>;
  redrive(
    selection: RedriveSelection,
    onProgress?: (progress: RedriveProgress) => void,
  ): Promise<RedriveResult>;
  /**
   * Everything that did not load cleanly since `since`: dead letters by source and reason, and per
   * table the rows loaded with `_rejected` values or enrichment errors.
   */
  summary(since: Date, sourceId?: string): Promise<DropSummary>;
  close(): Promise<void>;
}

export interface DropSummary {
  since: string;
  /** Dead letters whose latest failure is since then, by source, reason (as the metric labels it) and status. */
  deadLetters: { sourceId: string; reason: string; pending: number; redriven: number }[];
  /** Tables with a `_rejected` or `_enrichment_errors` column, with the rows loaded since then. */
  tables: TableDrops[];
}

/** How long a redrive waits for NATS to answer before failing (the CLI must not hang on an outage). */
const NATS_TIMEOUT_MS = 5_000;

export function openDeadLetters(config: Config, log: Logger): DeadLetters {
  const url = requireSetting(
    config.warehouse.url,
    ['warehouse', 'url'],
    'dead letters are kept in the warehouse',
  );
  const kind = config.warehouse.kind;
  const pool = new pg.Pool({
    connectionString: url,
    max: 2,
    application_name: 'eventpipe-dead-letters',
    // Redshift: TLS verified, as the loader connects.
    ...(kind === 'redshift' ? { ssl: { rejectUnauthorized: true } } : {}),
  });
  pool.on('error', (error) => log.warn({ err: error }, 'idle warehouse connection lost'));
  const store = createDeadLetterStore(pool, kind, config.warehouse.metaSchema);

  let s3: S3Client | undefined;
  const fetchStored = fetchFromS3(() => (s3 ??= new S3Client(s3ClientConfig(config.s3))));

  let nats: Promise<NatsConnection> | undefined;
  const natsConnection = () =>
    (nats ??= connect({
      servers: config.nats.url.split(',').map((s) => s.trim()),
      name: 'eventpipe-dead-letters',
      user: config.nats.user,
      pass: config.nats.password,
      token: config.nats.token,
      timeout: NATS_TIMEOUT_MS,
    }));

  return {
    list: (filter = {}) => store.list(filter),

    async show(id) {
      if (!DEAD_LETTER_ID_PATTERN.test(id)) {
        throw new Error(`"${id}" is not a dead letter id (12 hex digits, as list shows them)`);
      }
      const [entry] = await store.list({ ids: [id], includeRedriven: true, withEnvelope: true });
      if (!entry) return undefined;
      const { json, storedAt } = await resolveEnvelope(entry.envelopeJson ?? 'null', fetchStored);
      return { ...entry, envelopeJson: json, ...(storedAt !== undefined && { storedAt }) };
    },

    async redrive(selection, onProgress) {
      const result = await redriveDeadLetters(selection, {
        store,
        fetchStored,
        subjectPrefix: config.nats.subjectPrefix,
        onProgress,
        publish: async (subject, payload, msgID) => {
          const js = jetstream(await natsConnection(), { timeout: NATS_TIMEOUT_MS });
          const ack = await js.publish(subject, payload, { msgID });
          return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
        },
      });
      log.info(
        {
          selected: result.selected,
          redriven: result.redriven,
          alreadyRedriven: result.alreadyRedriven,
          skipped: result.skipped,
          notFound: result.notFound,
        },
        'dead letters redriven',
      );
      return result;
    },

    async summary(since, sourceId) {
      const entries = await store.list({ since, sourceId, includeRedriven: true });
      const groups = new Map<string, DropSummary['deadLetters'][number]>();
      for (const entry of entries) {
        const reason = deadLetterReason(entry);
        const key = `${entry.sourceId}\0${reason}`;
        const group = groups.get(key) ?? { sourceId: entry.sourceId, reason, pending: 0, redriven: 0 };
        if (entry.redriven) group.redriven += 1;
        else group.pending += 1;
        groups.set(key, group);
      }
      const rules = kind === 'redshift' ? redshiftRules : postgresRules;
      const schema = sourceId === undefined ? undefined : schemaName(sourceId, rules.maxIdentifierBytes);
      return {
        since: since.toISOString(),
        deadLetters: [...groups.values()].sort((a, b) =>
          a.sourceId === b.sourceId ? (a.reason < b.reason ? -1 : 1) : a.sourceId < b.sourceId ? -1 : 1,
        ),
        tables: await store.drops(since, schema),
      };
    },

    async close() {
      const connection = nats && (await nats.catch(() => undefined));
      await connection?.drain();
      s3?.destroy();
      await pool.end();
    },
  };
}
