/**
 * What `eventpipe dev` prints when ready: for people, how to send an event and see it in SQL; for
 * scripts (`--json`), one line with the same facts. Pure, so the exact texts are tested.
 */

/** The `--json` line's fields; scripts and tests depend on these names. */
export interface DevInfo {
  collectorUrl: string;
  writeKey: string;
  sourceId: string;
  warehouseUrl: string;
  warehouseSchema: string;
  s3Url: string;
  bucket: string;
  /** Prometheus `/metrics` of the in-process collector and loader. */
  metricsUrls: { collector: string; loader: string };
  /** The console (live events, schema, dead letters) and the admin token that opens it. */
  consoleUrl: string;
  consoleToken: string;
}

export function devJsonLine(info: DevInfo): string {
  const {
    collectorUrl,
    writeKey,
    sourceId,
    warehouseUrl,
    warehouseSchema,
    s3Url,
    bucket,
    metricsUrls,
    consoleUrl,
    consoleToken,
  } = info;
  return JSON.stringify({
    collectorUrl,
    writeKey,
    sourceId,
    warehouseUrl,
    warehouseSchema,
    s3Url,
    bucket,
    metricsUrls: { collector: metricsUrls.collector, loader: metricsUrls.loader },
    consoleUrl,
    consoleToken,
  });
}

export function devBanner(info: DevInfo, readyMs: number, dataDir: string): string {
  const curl = [
    `curl -u '${info.writeKey}:' -H 'content-type: application/json' \\`,
    `    -d '{"userId":"user_1","event":"Signed Up","properties":{"plan":"pro"}}' \\`,
    `    ${info.collectorUrl}/v1/track`,
  ];
  const sdk = [
    `import { Analytics } from '@segment/analytics-node';`,
    `const analytics = new Analytics({ writeKey: '${info.writeKey}', host: '${info.collectorUrl}' });`,
    `analytics.track({ userId: 'user_1', event: 'Order Completed', properties: { revenue: 42 } });`,
    `await analytics.closeAndFlush();`,
  ];
  return [
    `eventpipe dev is ready in ${(readyMs / 1000).toFixed(1)} s (data in ${dataDir})`,
    '',
    `  collector   ${info.collectorUrl}`,
    `  source      ${info.sourceId}   write key ${info.writeKey}`,
    `  warehouse   ${info.warehouseUrl}   schema "${info.warehouseSchema}"`,
    `  S3 archive  ${info.s3Url}/${info.bucket}`,
    `  metrics     ${info.metricsUrls.collector}   ${info.metricsUrls.loader}`,
    `  console     ${info.consoleUrl}   admin token ${info.consoleToken}`,
    '',
    'Send an event:',
    ...curl.map((l) => `  ${l}`),
    '',
    'Or from Node (npm i @segment/analytics-node):',
    ...sdk.map((l) => `  ${l}`),
    '',
    'Or some demo traffic:  npx eventpipe send --demo --count 500',
    '',
    'Query the warehouse (rows appear within seconds):',
    `  psql '${info.warehouseUrl}' -c 'select event, count(*) from ${info.warehouseSchema}.tracks group by 1'`,
    '',
    'Ctrl-C stops everything; data stays in the data dir for the next start.',
  ].join('\n');
}
