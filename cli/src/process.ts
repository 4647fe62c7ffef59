/** What every long-running eventpipe command shares: its settings help and its shutdown signal. */
import { listSettings } from '@eventpipe/core';

/**
 * The EVENTPIPE_* variables a command reads (paths starting with one of `prefixes`), with their
 * descriptions and defaults, for its `--help`.
 */
export function settingsHelp(prefixes: readonly string[]): string {
  const settings = listSettings().filter((s) =>
    prefixes.some((p) => s.path === p || s.path.startsWith(`${p}.`)),
  );
  const width = Math.max(...settings.map((s) => s.env.length));
  return settings
    .map(({ env, schema }) => {
      const notes = [
        schema.description as string | undefined,
        schema.default !== undefined ? `default ${JSON.stringify(schema.default)}` : undefined,
      ].filter(Boolean);
      return `  ${env.padEnd(width)}  ${notes.join('; ')}`.trimEnd();
    })
    .join('\n');
}

/**
 * Resolves on the first SIGINT or SIGTERM, so the command can shut down gracefully; a second signal
 * means the operator is done waiting, and the process exits at once.
 */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      process.off('SIGINT', handler).off('SIGTERM', handler);
      process.once('SIGINT', () => process.exit(130)).once('SIGTERM', () => process.exit(143));
      resolve(signal);
    };
    process.on('SIGINT', handler).on('SIGTERM', handler);
  });
}
