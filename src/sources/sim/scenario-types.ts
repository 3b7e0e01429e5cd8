// A scenario, once parsed and merged over the default LSOS topology: the starting state and the
// perturbations scheduled at simulated offsets from the start.

import type { Severity } from '../../core/incident.js';
import type { FailureClass } from '../../core/snapshot.js';

export interface BacklogSpec {
  /** Ready messages already in the queue at the start. */
  count: number;
  /** Age of the oldest of them at the start; they are spread evenly from that age to now. */
  oldestAgeMs: number;
}

export interface QueueSpec {
  name: string;
  /** Share of messages whose producer stamps `lsos_sent_at` (contract section 2), 0..1. */
  stampedShare: number;
  /** Mean dead-letter growth per hour over the trailing 7 days; null: the cockpit must observe one. */
  deadLetterBaselinePerHour: number | null;
  /** Messages already in `Q.dead` at the start. */
  deadLetters: number;
  backlog: BacklogSpec | null;
}

/** What a task writes: primary degradation slows writers, frozen writes stop non-critical ones. */
export type WriteKind = 'none' | 'critical' | 'non-critical';

/** Part of a monthly report run: a dead-lettered step fails the run, the final step completes it. */
export type ReportRole = 'none' | 'step' | 'final';

export interface TaskSpec {
  name: string;
  /** Home queue (where producers route it). */
  queue: string;
  /** New emissions per minute by producers (0: only emitted by a chain or by the operator). */
  ratePerMinute: number;
  /** Mean execution time. */
  durationMs: number;
  maxRetries: number;
  /** Per-execution failure probability by class (the provider class of SERP work comes from the pool). */
  failure: Record<FailureClass, number>;
  /** Exception class names raised per failure class (contract section 4 names). */
  exceptions: Record<FailureClass, string[]>;
  /** Sends SERP requests through the active provider pool. */
  usesProvider: boolean;
  /** Subject to the pacing profile (crawl and SERP work). */
  paced: boolean;
  writes: WriteKind;
  /** Task emitted when this one succeeds (a Celery chain). */
  then: string | null;
  report: ReportRole;
}

export interface WorkerPoolSpec {
  pool: string;
  queues: string[];
  replicas: number;
  concurrency: number;
}

export interface ProviderPoolSpec {
  name: string;
  /** Probability that one SERP request fails with a provider error. */
  failureProbability: number;
  /** SERP requests in flight allowed for the pool. */
  concurrency: number;
  state: 'healthy' | 'quarantined';
}

export interface ReplicaSpec {
  name: string;
  /** Normal replay lag, seconds. */
  lagSeconds: number;
}

export interface DatabaseSpec {
  maxConnections: number;
  /** Connections in use on a quiet day. */
  baseConnections: number;
  replicas: ReplicaSpec[];
  /** `lsos:db:read_target` at the start: a replica's name or `primary`. */
  readTarget: string;
  lastBackupAgeMs: number | null;
  failedMigrations: number;
}

export interface ApiSpec {
  latencyMs: number;
}

interface EventBase {
  /** Offset from the start of the simulation. */
  atMs: number;
  /** For events that wear off (a rollback, a recovery): how long they last; null: until changed. */
  durationMs: number | null;
  /** Line of the event in the scenario file, for the record. */
  line: number | null;
}

export type ScenarioEvent = EventBase &
  (
    | { kind: 'provider-degrade'; pool: string; failureProbability: number }
    | { kind: 'parser-deploy'; task: string; failureProbability: number; exception: string }
    | { kind: 'task-failure'; task: string; failureClass: FailureClass; probability: number; exception: string }
    | { kind: 'report-render-failure'; task: string; probability: number; exception: string }
    | { kind: 'replica-stall'; replica: string; paused: boolean }
    | { kind: 'worker-pool-dies'; pool: string; workers: number | null }
    | { kind: 'worker-dies'; hostname: string }
    | { kind: 'surge'; task: string; factor: number }
    | { kind: 'primary-degraded'; reason: string }
    | { kind: 'primary-down' }
    | { kind: 'failed-migration'; migration: string }
    | { kind: 'blocking-queries'; count: number; query: string }
    | { kind: 'cross-tenant-risk'; detail: string; campaigns: string[] }
    | { kind: 'data-corruption'; detail: string; campaigns: string[]; severity: Severity }
    | { kind: 'api-unhealthy'; detail: string }
    /** The fix of a task's failure is deployed: the failures a scenario event injected into it end (one class, or all). */
    | { kind: 'fix-deployed'; task: string; failureClass: FailureClass | null }
  );

export type ScenarioEventKind = ScenarioEvent['kind'];

export interface Scenario {
  name: string;
  title: string;
  description: string;
  /** The file it came from, null when parsed from text without one. */
  file: string | null;
  /** Seed used when the caller gives none. */
  seed: number | null;
  /** Active campaigns (rank, review and report work is spread over them). */
  campaigns: number;
  queues: QueueSpec[];
  tasks: TaskSpec[];
  workers: WorkerPoolSpec[];
  providers: { active: string; pools: ProviderPoolSpec[] };
  database: DatabaseSpec;
  api: ApiSpec;
  /** Sorted by atMs (stable: same offset keeps file order). */
  events: ScenarioEvent[];
}
