// The cockpit's configuration: YAML file < environment < flags, validated with origins.
export { loadConfig, configPath, defaultStateDir, ENV, type LoadConfigInput, type Env } from './load.js';
export { parseConfigFlags, ConfigFlagError, CONFIG_FLAGS_USAGE, type ConfigFlags } from './flags.js';
export { ConfigError, type ConfigProblem } from './errors.js';
export { maskUrl, redactSecrets } from './maskUrl.js';
export { hasLiveSource, describeSources, buildLiveSources, checklistThresholds, type LiveSource, type BrokerFactories } from './sources.js';
export {
  classifyFailure,
  isIdempotent,
  triggerThresholds,
  formatOrigin,
  DEFAULT_QUEUES,
  DEFAULT_FAILURE_CLASS_RULES,
  DEFAULT_THRESHOLDS_CONFIG,
  type CockpitConfig,
  type LoadedConfig,
  type Origin,
  type Provenance,
  type ThresholdsConfig,
  type FailureClassRule,
  type ReplicaConfig,
  type SourcesConfig,
} from './types.js';
