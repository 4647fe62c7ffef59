import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { traceLogFields } from './telemetry/log-fields.js';

export type { Logger };

/**
 * Structured JSON logs; `component` says which process wrote the line. Written to stdout unless a
 * `destination` is given (`eventpipe dev --json` keeps stdout for its one JSON line: logs go to stderr).
 */
export function createLogger(
  component: string,
  level: string = 'info',
  options: LoggerOptions = {},
  destination?: DestinationStream,
): Logger {
  const settings: LoggerOptions = {
    level,
    base: { component },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: traceLogFields,
    ...options,
  };
  return destination ? pino(settings, destination) : pino(settings);
}
