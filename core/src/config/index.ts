export { ConfigSchema, SourceSchema, SOURCE_ID_PATTERN, type Config, type Source } from './schema.js';
export { loadConfig, listSettings, envName, requireSetting, ConfigError, ENV_PREFIX } from './env.js';
