// A refused configuration: every problem names where the bad value came from (file:line:col,
// environment variable or flag) and what is wrong, with any URL already masked.

export interface ConfigProblem {
  /** `config.yaml:4:10`, `environment variable DATABASE_URL`, `flag --redis-url`, `default`. */
  origin: string;
  /** The config key, e.g. `sources.database.url`. */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map((p) => `${p.origin}: ${p.message}`).join('\n'));
  }
}
