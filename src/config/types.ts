// The cockpit's configuration after validation: every field present and typed, defaults filled
// in. Where each value came from is kept beside it (Provenance), so a problem can be named with
// its origin: file:line:col, an environment variable, a flag, or the built-in default.
import type { FailureClassRule } from '../domain/failureClasses.js';
import { LSOS_QUEUES } from '../domain/queues.js';
import type { Thresholds } from '../domain/thresholds.js';

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

/** The runbook triggers' thresholds plus the daily checklist's, each described in src/domain/thresholds.ts. */
export type ThresholdsConfig = Thresholds;

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
  /**
   * Replay guard (runbook 3.4): how long a task must run without a new failure of the class that
   * dead-lettered it before its dead letters may be replayed (default 5 min).
   */
  replayQuietPeriodMs?: number;
  /**
   * After a resolve, how long a trigger firing again offers to reopen the same incident instead of
   * opening a new one (src/core/lifecycle.ts; default 30 min; 0: never offered).
   */
  reopenWindowMs?: number;
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

/** The queues watched when the config names none: the contract's (src/domain/queues.ts). */
export const DEFAULT_QUEUES: readonly string[] = LSOS_QUEUES;

export const DEFAULT_BACKUP_OK_STATUSES: readonly string[] = ['ok', 'success', 'succeeded', 'completed', 'complete', 'done'];

export const DEFAULT_POLL_INTERVAL_MS: Record<SourceName, number> = { redis: 1000, amqp: 2000, postgres: 5000, api: 5000 };

export const DEFAULT_STATEMENT_TIMEOUT_MS = 2000;

/** A task replay may republish without override: declared idempotent (contract 5: undeclared = not). */
export function isIdempotent(config: CockpitConfig, task: string): boolean {
  return config.tasks[task]?.idempotent === true;
}
