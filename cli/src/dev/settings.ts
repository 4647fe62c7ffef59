/**
 * The settings of the commands that work on a pipeline's data (`replay`, `dead-letter`): those of the
 * running "eventpipe dev" of a data dir, under the EVENTPIPE_* variables set here, which take
 * precedence. Each command says which it used.
 */
import { ConfigError, loadConfig, type Config } from '@eventpipe/core';
import { eventpipeVariablesSet, findRunningDev } from './running.js';

/** A URL for people to read: the password, if any, left out. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(not a URL)';
  }
}

/** The config, and where it came from in words; a ConfigError when no warehouse is known. */
export function pipelineSettings(dataDir: string): { config: Config; from: string } {
  const dev = findRunningDev(dataDir);
  const config = loadConfig(process.env, dev.found ? dev.state.settings : {});
  const variables = eventpipeVariablesSet(process.env);
  const fromVariables = variables.length > 0 ? `EVENTPIPE_* variables (${variables.join(', ')})` : '';
  if (!config.warehouse.url) {
    const why = dev.found
      ? 'EVENTPIPE_WAREHOUSE_URL is set but empty'
      : `there is no running "eventpipe dev" to take it from (${dev.reason})`;
    throw new ConfigError(
      `EVENTPIPE_WAREHOUSE_URL is required, and ${why}: start "eventpipe dev", pass the --data-dir of a ` +
        `running one, or set EVENTPIPE_WAREHOUSE_URL and EVENTPIPE_S3_* for your own servers`,
    );
  }
  const from = dev.found
    ? `the running "eventpipe dev" of ${dataDir} (pid ${dev.pid})${fromVariables ? `, under ${fromVariables}` : ''}`
    : `${fromVariables || 'defaults'} (${dev.reason})`;
  return { config, from };
}
