// The cockpit's configuration after validation: every field present and typed, defaults filled
// in. Where each value came from is kept beside it (Provenance), so a problem can be named with
// its origin: file:line:col, an environment variable, a flag, or the built-in default.
import type { FailureClass } from '../core/snapshot.js';
import { DEFAULT_THRESHOLDS, type TriggerThresholds } from '../core/triggers.js';

export interface RedisSourceConfig {
  url: string;
  /** Redis database number of the broker (from the URL path, else the `db` key, else 0). */
  db: number;
}

export interface AmqpSourceConfig {
  url: string;
}

/** The Redis holding LSOS's control flags (contract section 6, db 0); by default the Redis broker's server. */
export interface ControlFlagsConfig {
  url: string;
}

export interface DatabaseSourceConfig {
  /** The primary. */
  url: string;
  /** `ops_backups.status` values that mean a completed backup (compared lower-case). */
  backupOkStatuses: string[];
}

export interface ReplicaConfig {
  /** Matches the standby's `application_name` in the primary's pg_stat_replication. */
  name: string;
  url: string;
}

export interface ApiSourceConfig {
  /** Base URL; the health check is `GET {url}/health`. */
  url: string;
}

export interface SourcesConfig {
  redis: RedisSourceConfig | null;
  amqp: AmqpSourceConfig | null;
  database: DatabaseSourceConfig | null;
  replicas: ReplicaConfig[];
  api: ApiSourceConfig | null;
  /** Where mitigations write LSOS's control flags; null: the Redis broker's server (db 0), if any. */
  controlFlags: ControlFlagsConfig | null;
}

export const FRESHNESS_KINDS = ['crawl', 'rank', 'reviews'] as const;
export type FreshnessKind = (typeof FRESHNESS_KINDS)[number];

/** The runbook triggers' thresholds plus the daily checklist's. Durations in seconds. */
export interface ThresholdsConfig extends TriggerThresholds {
  /** Checklist: previous-24h failure ratio per queue above this is a breach. */
  failureRatio24h: number;
  /** Below this many finished tasks in the window a failure ratio says nothing. */
  failureRatioMinRuns: number;
  /** Checklist: a figure above this fraction of its threshold is a warning. */
  warnRatio: number;
  /** Checklist: an active campaign whose last crawl/rank/review is older than this is stale. */
  freshnessSeconds: Record<FreshnessKind, number>;
  /** Checklist: the last completed backup must be younger than this. */
  backupMaxAgeSeconds: number;
}

export interface FailureClassRule {
  failureClass: Exclude<FailureClass, 'unclassified'>;
  /** Exact exception class names. */
  names: string[];
  prefixes: string[];
  suffixes: string[];
}

export interface TaskConfig {
  /** Replay may republish it without an explicit override (runbook 8.3). */
  idempotent: boolean;
}

export const SOURCE_NAMES = ['redis', 'amqp', 'postgres', 'api'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

export interface CockpitConfig {
  sources: SourcesConfig;
  queues: string[];
  thresholds: ThresholdsConfig;
  /** Ordered: the first matching rule decides; a name no rule matches is `unclassified`. */
  failureClasses: FailureClassRule[];
  tasks: Record<string, TaskConfig>;
  /** Where incident journals live. */
  stateDir: string;
  /** The integrity checks file (runbook 6.4), null: the built-in examples. */
  integrityChecksFile: string | null;
  pollIntervalMs: Record<SourceName, number>;
  /** PostgreSQL statement timeout of every cockpit session. */
  statementTimeoutMs: number;
}

/** Where a value came from. */
export type Origin =
  | { kind: 'default' }
  | { kind: 'file'; file: string; line: number; col: number }
  | { kind: 'env'; name: string }
  | { kind: 'flag'; flag: string };

/** Config path (e.g. `sources.database.url`, `thresholds.queueLag`) -> origin of its value. */
export type Provenance = Record<string, Origin>;

export interface LoadedConfig {
  config: CockpitConfig;
  provenance: Provenance;
  /** The config file read, null when none was (the default file may be absent). */
  file: string | null;
}

export function formatOrigin(o: Origin): string {
  switch (o.kind) {
    case 'default':
      return 'default';
    case 'file':
      return `${o.file}:${o.line}:${o.col}`;
    case 'env':
      return `environment variable ${o.name}`;
    case 'flag':
      return `flag ${o.flag}`;
  }
}

/** Contract section 1. */
export const DEFAULT_QUEUES: readonly string[] = ['crawl', 'rank', 'reviews', 'reporting', 'reporting.retry', 'email', 'celery'];

export const DEFAULT_BACKUP_OK_STATUSES: readonly string[] = ['ok', 'success', 'succeeded', 'completed', 'complete', 'done'];

export const DEFAULT_CHECKLIST_THRESHOLDS: Omit<ThresholdsConfig, keyof TriggerThresholds> = {
  failureRatio24h: 0.05,
  failureRatioMinRuns: 20,
  warnRatio: 0.8,
  freshnessSeconds: { crawl: 24 * 3600, rank: 24 * 3600, reviews: 48 * 3600 },
  // Daily backups plus a couple of hours of slack for a slow run.
  backupMaxAgeSeconds: 26 * 3600,
};

export const DEFAULT_THRESHOLDS_CONFIG: ThresholdsConfig = { ...DEFAULT_THRESHOLDS, ...DEFAULT_CHECKLIST_THRESHOLDS };

/** Contract section 4, default rules, in order. */
export const DEFAULT_FAILURE_CLASS_RULES: readonly FailureClassRule[] = [
  {
    failureClass: 'transient',
    names: ['ConnectionError', 'TimeoutError', 'OperationalError', 'SoftTimeLimitExceeded', 'TimeLimitExceeded', 'WorkerLostError'],
    prefixes: [],
    suffixes: ['Timeout'],
  },
  { failureClass: 'validation', names: ['ValidationError', 'ValueError', 'IntegrityError'], prefixes: ['Invalid'], suffixes: [] },
  {
    failureClass: 'provider',
    names: ['ProviderError', 'ProxyBlocked', 'CaptchaDetected', 'RateLimited'],
    prefixes: ['Provider'],
    suffixes: [],
  },
  {
    failureClass: 'parser',
    names: ['ParserError', 'JSONDecodeError', 'XMLSyntaxError', 'UnicodeDecodeError'],
    prefixes: [],
    suffixes: ['ParseError'],
  },
];

export const DEFAULT_POLL_INTERVAL_MS: Record<SourceName, number> = { redis: 1000, amqp: 2000, postgres: 5000, api: 5000 };

export const DEFAULT_STATEMENT_TIMEOUT_MS = 2000;

/** The failure class of an exception class name under the configured rules (first match wins). */
export function classifyFailure(rules: readonly FailureClassRule[], excType: string): FailureClass {
  // Celery may report a dotted path (`requests.exceptions.ConnectionError`): the class name is the last part.
  const name = excType.slice(excType.lastIndexOf('.') + 1);
  for (const r of rules) {
    if (r.names.includes(name) || r.prefixes.some((p) => name.startsWith(p)) || r.suffixes.some((s) => name.endsWith(s))) {
      return r.failureClass;
    }
  }
  return 'unclassified';
}

/** The trigger thresholds part, for the store's session. */
export function triggerThresholds(t: ThresholdsConfig): TriggerThresholds {
  return {
    queueLagSeconds: t.queueLagSeconds,
    deadLetterSpikeFactor: t.deadLetterSpikeFactor,
    deadLetterBaselineFloorPerHour: t.deadLetterBaselineFloorPerHour,
    reportFailureRatio: t.reportFailureRatio,
    reportMinRuns: t.reportMinRuns,
    serpFailureRate: t.serpFailureRate,
    serpMinCampaigns: t.serpMinCampaigns,
    replicaLagSeconds: t.replicaLagSeconds,
    clearRatio: t.clearRatio,
  };
}

/** A task replay may republish without override: declared idempotent (contract 5: undeclared = not). */
export function isIdempotent(config: CockpitConfig, task: string): boolean {
  return config.tasks[task]?.idempotent === true;
}
