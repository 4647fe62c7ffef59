/**
 * `eventpipe collector`: the Segment-compatible HTTP endpoint. Runs until SIGTERM/SIGINT, then stops
 * accepting, lets in-flight requests get their PubAcks, drains NATS and exits 0.
 */
import { createLogger, loadConfig, requireSetting } from '@eventpipe/core';
import type { Command } from '../command.js';
import { settingsHelp, untilSignal } from '../process.js';

const SECTIONS = ['logLevel', 'sources', 'nats', 'collector'];

const usage = `Usage: eventpipe collector

Accepts Segment / RudderStack SDK calls over HTTP (POST /v1/track, /v1/batch, ... and the browser
SDK's /v1/t, /v1/b, ...), validates them and stores each event in NATS JetStream before answering 200.
Health: GET /health/live, GET /health/ready. Stops gracefully on SIGTERM or SIGINT.

Settings (environment variables):
${settingsHelp(SECTIONS)}`;

export const collectorCommand: Command = {
  name: 'collector',
  summary: 'run the HTTP collector (Segment-compatible API → NATS JetStream)',
  usage,
  run: async () => {
    const config = loadConfig(process.env);
    requireSetting(
      config.sources,
      ['sources'],
      'the collector accepts events only for configured sources, e.g. EVENTPIPE_SOURCES=web:<writeKey>',
    );
    const log = createLogger('collector', config.logLevel);
    const { startCollector } = await import('@eventpipe/collector');
    const collector = await startCollector(config, log);
    log.info(
      { url: collector.url, sources: config.sources.map((s) => s.id), stream: config.nats.stream },
      'collector listening',
    );
    const signal = await untilSignal();
    log.info({ signal }, 'shutting down: finishing in-flight requests, draining NATS');
    await collector.close();
    return 0;
  },
};
