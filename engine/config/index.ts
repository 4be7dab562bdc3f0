// Daemon configuration: schema, defaults and the layered loader.
export { DaemonConfigSchema, defaultConfig, LOG_LEVELS, type DaemonConfig } from './schema.js';
export { loadConfig, ConfigError, ENV_VARS, type ConfigFlags, type LoadedConfig, type LoadOptions } from './load.js';
export { toSondeConfig } from './to-sonde-config.js';
export { toDaemonOptions } from './to-daemon-options.js';
