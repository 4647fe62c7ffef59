import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Structured JSON logs; `component` says which process wrote the line. */
export function createLogger(component: string, level: string = 'info', options: LoggerOptions = {}): Logger {
  return pino({ level, base: { component }, timestamp: pino.stdTimeFunctions.isoTime, ...options });
}
