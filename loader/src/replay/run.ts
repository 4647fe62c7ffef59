/**
 * `eventpipe replay` wired from one Config, with the loader's own warehouse, enrich step, transform
 * and stager (imported from the loader's wiring, so a replay loads exactly as the loader would,
 * with the enrichments `loader.enrichments` configures).
 */
import { inStepSpan } from '../tracing.js';
import { S3Client } from '@aws-sdk/client-s3';
import type { Config, Logger } from '@eventpipe/core';
import { createEnrichStep, createWarehouse } from '../loader.js';
import { createStager, s3ClientConfig } from '../stage.js';
import { transform } from '../transform/index.js';
import { replayArchive, type ReplayDeps, type ReplayRequest, type ReplaySummary } from './replay.js';

export type ReplayHooks = Pick<ReplayDeps, 'onObjects' | 'onProgress'>;

export async function runReplay(
  config: Config,
  log: Logger,
  request: Omit<ReplayRequest, 'batchMaxEvents'>,
  hooks: ReplayHooks = {},
): Promise<ReplaySummary> {
  // One span for the whole replay; its batches' load steps are its children.
  return inStepSpan('replay', () => replay(config, log, request, hooks));
}

async function replay(
  config: Config,
  log: Logger,
  request: Omit<ReplayRequest, 'batchMaxEvents'>,
  hooks: ReplayHooks,
): Promise<ReplaySummary> {
  // Configuration first: a bad enrichment stops the replay before anything is connected.
  const enrich = await createEnrichStep(config, log);
  const s3 = new S3Client(s3ClientConfig(config.s3));
  const stager = createStager(config.s3, log);
  const warehouse = createWarehouse(config, { log, stager });
  try {
    if (!request.dryRun) await warehouse.init();
    return await replayArchive(
      { ...request, batchMaxEvents: config.loader.batchMaxEvents },
      {
        s3,
        bucket: config.s3.bucket,
        prefix: config.s3.prefix,
        enrich,
        transform,
        warehouse,
        log,
        stager,
        stageRowFiles: config.loader.stageRowFiles,
        ...hooks,
      },
    );
  } finally {
    await warehouse.close();
    stager.close();
    s3.destroy();
  }
}
