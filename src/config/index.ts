// The cockpit's configuration: YAML file < environment < flags, validated with origins.
export { loadConfig, configPath, defaultStateDir, ENV, type LoadConfigInput, type Env } from './load.js';
export { parseConfigFlags, ConfigFlagError, CONFIG_FLAGS_USAGE, type ConfigFlags } from './flags.js';
export { ConfigError, type ConfigProblem } from './errors.js';
export { maskUrl, redactSecrets } from './maskUrl.js';
export { hasLiveSource, describeSources } from './sources.js';
export {
  isIdempotent,
  formatOrigin,
  DEFAULT_QUEUES,
  type CockpitConfig,
  type LoadedConfig,
  type Origin,
  type Provenance,
  type ThresholdsConfig,
  type ReplicaConfig,
  type SourcesConfig,
} from './types.js';
