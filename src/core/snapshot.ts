// The snapshot model: what the runbook watches, at one instant.
// Every source (the simulation, Redis, RabbitMQ, PostgreSQL, HTTP) produces a part of a
// Snapshot; triggers, escalation and the panels read nothing else. Pure data, no I/O.
import type { LagMethod } from '../domain/duration.js';
import { FAILURE_CLASSES, type FailureClass } from '../domain/failureClasses.js';
import type { FreshnessKind } from '../domain/thresholds.js';
import type { Signal } from './signals.js';
import type { LagTrend } from './lagTrend.js';

import type { EpochMs } from '../domain/time.js';
export type { EpochMs };

// The failure classes are a domain fact (contract section 4); the snapshot counts by them.
export { FAILURE_CLASSES, type FailureClass };

/** How a queue's lag was obtained (contract section 2): src/domain/duration.ts. */
export type { LagMethod };

export interface TaskFailureCount {
  task: string;
  count: number;
  failureClass: FailureClass;
}

export interface QueueSnapshot {
  name: string;
  /** Ready messages (all priority sub-queues summed). */
  depth: number;
  /** Messages reserved by workers but not acknowledged. */
  reserved: number;
  /** Consumers attached, where the broker says (null: unknown). */
  consumers: number | null;
  /** Queue lag in seconds; null when it could not be determined. */
  lagSeconds: number | null;
  lagMethod: LagMethod;
  /** Messages in the dead-letter queue `Q.dead`. */
  deadLetters: number;
  /** Dead-letter growth per hour, over the recent window. */
  deadLetterGrowthPerHour: number;
  /** Baseline dead-letter growth per hour (contract section 3), null until known. */
  deadLetterBaselinePerHour: number | null;
  /** Where the baseline came from: trailing 7 days, or the cockpit's own observation window. */
  deadLetterBaselineSource: '7d' | 'observed' | 'configured' | null;
  /** Failures per class over the recent window (1 h). */
  failuresByClass: Record<FailureClass, number>;
  /** Top failing task names in this queue, most failures first. */
  topFailingTasks: TaskFailureCount[];
  /** Messages completed per minute (drain rate). */
  drainPerMinute: number;
  /**
   * Tasks that finished (succeeded or failed for good) in the same window as failuresByClass, and
   * the seconds that window really covers; absent when the source has no task events.
   */
  finishedInWindow?: number;
  eventWindowSeconds?: number;
  /** Messages that could not be read (malformed, wrong encoding, too large). */
  unreadable: number;
  /**
   * Recent queue lag values, oldest first, for a trend sparkline: an array, or a window over a
   * source's append-only log (LagTrendWindow, no copy per reading); read with `length` and `at`.
   */
  lagTrend: LagTrend;
  /** Optional: the time between two lagTrend values, when the source samples on a clock (the sparkline's label says the window). */
  lagTrendEveryMs?: number;
  /**
   * Optional (added for the daily checklist): the previous 24 hours, when a source keeps that much
   * history. Without it the checklist judges the failure ratio on the 1-hour window and says so.
   */
  last24h?: { failures: number; succeeded: number; deadLettered: number } | null;
  /**
   * Per task run from this queue: when it last succeeded and last failed for good, per failure
   * class (task events; the simulation's model). The replay guard's evidence of a fix
   * (src/core/replayGuard.ts); absent when the source has no task events.
   */
  taskOutcomes?: TaskOutcome[];
}

/** When a task last succeeded, and last failed for good (dead-lettered) per failure class. */
export interface TaskOutcome {
  task: string;
  lastSuccessAt: EpochMs | null;
  lastFailureAt: Partial<Record<FailureClass, EpochMs>>;
}

export interface WorkerSnapshot {
  hostname: string;
  queues: string[];
  concurrency: number;
  /** Tasks executing right now. */
  active: number;
  lastHeartbeatAt: EpochMs | null;
  online: boolean;
  /** When the worker went offline (Celery's expiry rule), null while online. */
  offlineSince: EpochMs | null;
}

export interface BlockingQuery {
  blockedPid: number;
  blockingPid: number;
  /** How long the blocked query has waited, seconds. */
  waitingSeconds: number;
  /** The blocked query, truncated and sanitised. */
  query: string;
  /** Optional: what the blocking session is running (or last ran), truncated and sanitised. */
  blockingQuery?: string;
  /** Optional: the blocking session's state (`idle in transaction` is the usual culprit). */
  blockingState?: string | null;
}

export interface ReplicaSnapshot {
  name: string;
  /** Replay lag in seconds; null when unknown. */
  lagSeconds: number | null;
  replayPaused: boolean;
  /** Which side the lag was read from. */
  seenFrom: 'primary' | 'replica' | 'both' | 'simulated';
  reachable: boolean;
  /** Optional: why the cockpit could not read the replica itself (its own connection failed). */
  error?: string | null;
  /** Optional: the standby as the primary's pg_stat_replication sees it (null: not streaming). */
  fromPrimary?: StandbyFromPrimary | null;
  /** Optional: the lag as the replica itself reports it (null: replica not read). */
  fromReplicaSeconds?: number | null;
  /**
   * Optional: this configured replica was promoted and is the primary the cockpit reads now (no
   * longer a replica: no lag, never a lag breach; shown as "promoted: now the primary").
   */
  promoted?: boolean;
}

/** One row of the primary's pg_stat_replication. */
export interface StandbyFromPrimary {
  applicationName: string;
  clientAddr: string | null;
  /** `streaming`, `catchup`, `startup`, `backup`, `stopping`. */
  state: string;
  syncState: string | null;
  /** PostgreSQL's measured lags in seconds; null once the standby has caught up and WAL is idle. */
  writeLagSeconds: number | null;
  flushLagSeconds: number | null;
  replayLagSeconds: number | null;
  /** WAL the primary has written that the standby has not replayed yet, bytes. */
  replayLagBytes: number | null;
}

/** Optional database figures read by the PostgreSQL source (added for the checklist and panels). */
export interface ArchiverSnapshot {
  /** `archive_mode`: `on`, `off` or `always`. */
  mode: string;
  archivedCount: number;
  lastArchivedWal: string | null;
  lastArchivedAt: EpochMs | null;
  failedCount: number;
  lastFailedWal: string | null;
  lastFailedAt: EpochMs | null;
}

export interface BackupSnapshot {
  /** Newest `ops_backups.finished_at` with a completed status. */
  lastOkAt: EpochMs | null;
  /** Newest `finished_at` of any status, and that row's status. */
  lastFinishedAt: EpochMs | null;
  lastStatus: string | null;
  /** Newest `finished_at` with a status that is not a completed one. */
  lastFailedAt: EpochMs | null;
}

export type { FreshnessKind };

export interface StaleCampaign {
  id: string;
  name: string;
  /** Seconds since its last crawl/rank/review; null when it never had one. */
  ageSeconds: number | null;
}

export interface FreshnessSnapshot {
  kind: FreshnessKind;
  thresholdSeconds: number;
  activeCampaigns: number;
  /** Active campaigns older than the threshold, or never run. */
  staleCampaigns: number;
  /** Active campaigns that never had one. */
  neverRun: number;
  /** Oldest age among active campaigns that had one; null when none had. */
  oldestAgeSeconds: number | null;
  /** The stalest campaigns, worst first (a few). */
  worst: StaleCampaign[];
}

export interface DatabaseSnapshot {
  primaryReachable: boolean;
  connections: number;
  maxConnections: number;
  /**
   * Optional: slots of max_connections reserved for superusers and `pg_use_reserved_connections`
   * (superuser_reserved_connections + reserved_connections); the application can use the rest.
   */
  reservedConnections?: number;
  blocking: BlockingQuery[];
  /** Migrations that failed (from the deploy pipeline / schema table). */
  failedMigrations: number;
  /** Primary degradation: a reason when the primary is degraded, else null. */
  primaryDegraded: string | null;
  replicas: ReplicaSnapshot[];
  /** Last successful backup, null if unknown. */
  lastBackupAt: EpochMs | null;
  /** Optional: why the primary could not be read (masked), null when it was. */
  primaryError?: string | null;
  /** Optional: when the primary's figures were last read; older than `at` when it is unreachable. */
  primaryCheckedAt?: EpochMs | null;
  /** Optional: pg_stat_archiver (WAL archiving); undefined when no source reads it. */
  archiver?: ArchiverSnapshot | null;
  /** Optional: `ops_backups`; null when the table does not exist. */
  backup?: BackupSnapshot | null;
  /** Optional: `campaigns` freshness per kind; null when the table does not exist. */
  freshness?: FreshnessSnapshot[] | null;
  /** Optional: parts of the primary that could not be read, e.g. `{ freshness: 'statement timeout' }`. */
  partErrors?: Partial<Record<'replication' | 'blocking' | 'archiver' | 'backup' | 'freshness', string>>;
}

export interface ReportingSnapshot {
  /** Monthly report runs that finished (success or failure) in the sliding window. */
  runs: number;
  failures: number;
  windowMinutes: number;
  /** Failed campaigns in the window (for blast radius). */
  failedCampaigns: string[];
}

export interface ProviderSnapshot {
  name: string;
  state: 'healthy' | 'quarantined';
  active: boolean;
  requests: number;
  failures: number;
  /** Campaigns with at least one SERP failure on this provider in the window. */
  campaignsAffected: number;
  /** Campaigns served by this provider in the window. */
  campaignsTotal: number;
}

export interface ApiHealth {
  healthy: boolean;
  latencyMs: number | null;
  detail: string;
  checkedAt: EpochMs | null;
}

export type SourceState = 'ok' | 'stale' | 'unreachable' | 'simulated' | 'connecting';

/**
 * Where a source reads from now, when that can change under it: the master a Sentinel-backed
 * broker found, the node of a failover list it is connected to. Never a password.
 */
export interface SourceEndpoint {
  /** What the address is to the source: `master`, `node`. */
  role: string;
  /** host:port. */
  address: string;
}

export interface SourceStatus {
  name: string;
  state: SourceState;
  /** Where it reads from now (kept from the last good reading while unreachable); absent or null: one fixed server. */
  endpoint?: SourceEndpoint | null;
  /** When the last good data arrived. */
  lastGoodAt: EpochMs | null;
  /** Since when the source has been unreachable, null while reachable. */
  unreachableSince: EpochMs | null;
  error: string | null;
}

export interface Snapshot {
  /** When this snapshot was taken. */
  at: EpochMs;
  /** True when the data comes from the embedded simulation. */
  simulated: boolean;
  scenario: string | null;
  queues: QueueSnapshot[];
  workers: WorkerSnapshot[];
  database: DatabaseSnapshot;
  reporting: ReportingSnapshot;
  providers: ProviderSnapshot[];
  api: ApiHealth;
  /**
   * Signals that are not thresholds, raised by a source (the security tool, the simulation):
   * cross-tenant exposure risk (SEV-1 by the matrix), data corruption risk (src/core/signals.ts).
   */
  signals: Signal[];
  sources: SourceStatus[];
}

export function emptyFailures(): Record<FailureClass, number> {
  return { transient: 0, validation: 0, provider: 0, parser: 0, unclassified: 0 };
}

export function emptySnapshot(at: EpochMs = 0): Snapshot {
  return {
    at,
    simulated: false,
    scenario: null,
    queues: [],
    workers: [],
    database: {
      primaryReachable: true,
      connections: 0,
      maxConnections: 100,
      blocking: [],
      failedMigrations: 0,
      primaryDegraded: null,
      replicas: [],
      lastBackupAt: null,
    },
    reporting: { runs: 0, failures: 0, windowMinutes: 60, failedCampaigns: [] },
    providers: [],
    api: { healthy: true, latencyMs: null, detail: 'not checked', checkedAt: null },
    signals: [],
    sources: [],
  };
}

export function totalFailures(q: QueueSnapshot): number {
  let n = 0;
  for (const c of FAILURE_CLASSES) n += q.failuresByClass[c];
  return n;
}
