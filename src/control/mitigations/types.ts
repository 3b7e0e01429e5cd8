// Mitigations are data: what each one is, what it needs, who may run it, what it will do
// (preview) and how (run against a MitigationBackend). The executor (execute.ts) is the only
// place that runs them, for the TUI and `lsos-cockpit act` alike.
import type { EpochMs } from '../../core/snapshot.js';
import type { Role } from '../roles/roles.js';
import type { MitigationBackend } from './backend.js';

export type TargetKind = 'queue' | 'task' | 'provider' | 'replica' | 'global';

/** Everything a mitigation may take; each mitigation lists the ones it needs. */
export interface MitigationParams {
  queue?: string;
  task?: string;
  provider?: string;
  /** Pause: until when (epoch ms). */
  until?: EpochMs;
  /** Reduce concurrency: processes per worker after. Shift traffic: SERP requests in flight. */
  concurrency?: number;
  replicas?: number;
  /** Replay: at most this many dead letters. */
  count?: number;
  campaigns?: string[];
  /** `YYYY-MM` of a monthly report. */
  month?: string;
  /** Backfill: the missed rank windows (days, `YYYY-MM-DD`). */
  days?: string[];
  keywords?: string[];
  /** Freeze writes: which write paths (default `non-critical`). */
  scope?: string;
  /** Replay: contract section 5 reason code. */
  reasonCode?: string;
  /** Replay: the one non-idempotent task name the operator typed to override. */
  overrideTask?: string;
  /** Workers to act on (default: every worker consuming the queue). */
  workers?: string[];
  /** Restore concurrency: the pool size to grow back to (from the shrink's record). */
  restoreTo?: Record<string, number>;
  /** Read failover: the read target, a replica's name or `primary` (default: the healthiest replica). */
  replica?: string;
  /** Owner notices: explicit confirmation to notify again owners already told in this incident. */
  renotify?: boolean;
}

export type ParamName = keyof MitigationParams;

export interface PreviewLine {
  /** What kind of effect: a flag written or deleted, a message published, a worker command, an OS command. */
  kind: 'flag' | 'message' | 'worker' | 'command' | 'note';
  text: string;
}

export interface Preview {
  title: string;
  lines: PreviewLine[];
  /** Problems that make the action refuse to run (unknown queue, no worker consumes it). */
  blockers: string[];
  /** Filled for replays: task names found and whether each is idempotent. */
  replayTasks?: { task: string; count: number; idempotent: boolean }[];
  simulated: boolean;
}

export interface Failure {
  target: string;
  error: string;
}

export type OutcomeStatus = 'done' | 'partial' | 'failed';

export interface Outcome {
  status: OutcomeStatus;
  /** One line per effect that happened (who acknowledged, keys written, counts). */
  details: string[];
  failures: Failure[];
  simulated: boolean;
  taskIds?: string[];
  correlationIds?: string[];
  /** Stopped by the operator before the end. */
  stopped?: boolean;
  /** Facts the undo or the in-force list needs (e.g. pool sizes before a shrink). */
  record?: Record<string, unknown>;
}

export interface RunOptions {
  signal: AbortSignal;
  onProgress?: (done: number, total: number, text?: string) => void;
}

export interface MitigationContext {
  params: MitigationParams;
  operator: string;
  reason: string;
  now: EpochMs;
  backend: MitigationBackend;
  isIdempotent(task: string): boolean;
}

/** What stays in force after a mitigation ran, for the "Mitigations in force" panel and drift. */
export type InForceKind =
  'paused-task' | 'quarantined-pool' | 'pacing' | 'frozen-writes' | 'shrunk-pool' | 'cancelled-consumer' | 'provider-shift' | 'read-target';

export interface Mitigation {
  id: string;
  title: string;
  /** Runbook section and step, e.g. `3.3`. */
  runbook: string;
  appliesTo: TargetKind;
  /** Parameters it needs (required) and may take (optional). */
  required: ParamName[];
  optional?: ParamName[];
  role: Role;
  dangerous: boolean;
  /** The id of its inverse, where the runbook allows one. */
  undo?: string;
  /** Replays: reason code from REPLAY_REASON_CODES and the idempotency rule. */
  replay?: boolean;
  /** What it puts in force (and what its undo takes out). */
  inForce?: { kind: InForceKind; removes?: boolean };
  description: string;
  preview(ctx: MitigationContext): Promise<Preview>;
  run(ctx: MitigationContext, opts: RunOptions): Promise<Outcome>;
}
