// A refused configuration: every problem names where the bad value came from (file:line:col,
// environment variable or flag) and what is wrong, with any URL already masked.

export interface ConfigProblem {
  /** `config.yaml:4:10`, `environment variable DATABASE_URL`, `flag --redis-url`, `default`. */
  origin: string;
  /** The config key, e.g. `sources.database.url`. */
  path: string;
  message: string;
}

/** A file of junk gives thousands of problems: the message lists the first ones and says how many more. */
export const MAX_PROBLEMS_SHOWN = 20;
const MAX_PROBLEM_CHARS = 400;

function line(p: ConfigProblem): string {
  const text = `${p.origin}: ${p.message}`;
  return text.length <= MAX_PROBLEM_CHARS
    ? text
    : `${text.slice(0, MAX_PROBLEM_CHARS)}… (${text.length - MAX_PROBLEM_CHARS} more characters)`;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: readonly ConfigProblem[]) {
    const shown = problems.slice(0, MAX_PROBLEMS_SHOWN).map(line);
    if (problems.length > MAX_PROBLEMS_SHOWN) shown.push(`… and ${problems.length - MAX_PROBLEMS_SHOWN} more problems`);
    super(shown.join('\n'));
  }
}
