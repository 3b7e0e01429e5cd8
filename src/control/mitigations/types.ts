// Mitigations are data: what each one is, what it needs, who may run it, what it will do
// (preview) and how (run against a MitigationBackend). The executor (execute.ts) is the only
// place that runs them, for the TUI and `lsos-cockpit act` alike.
import type { DeadLetterGroup, ReplayGuard } from '../../core/replayGuard.js';
import type { EpochMs, FailureClass } from '../../core/snapshot.js';
import type { InForceKind } from '../../core/inForce.js';
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
  /** Replay: only dead letters of this failure class. Fix deployed: the class the fix is for. */
  failureClass?: FailureClass;
  /** Replay without evidence of a fix (runbook 3.4): `override` replays anyway, recorded as an override. */
  fixCheck?: 'require' | 'override';
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
  /** Filled for replays: the dead letters it would move, by task and class, and the fix evidence. */
  replayGroups?: DeadLetterGroup[];
  replayGuard?: ReplayGuard;
  simulated: boolean;
}

export interface Failure {
  target: string;
  error: string;
}

/**
 * `no-reply`: no step failed, but a worker never answered a remote-control command: it may still
 * apply (Celery carries out a command read late; only the reply is dropped), so it is recorded as
 * "no reply: may still apply", shown in force unconfirmed and checked until confirmed either way.
 */
export type OutcomeStatus = 'done' | 'partial' | 'failed' | 'no-reply';

export interface Outcome {
  status: OutcomeStatus;
  /** One line per effect that happened (who acknowledged, keys written, counts). */
  details: string[];
  failures: Failure[];
  /** Steps whose outcome is not known (a worker that did not reply): neither done nor failed. */
  unconfirmed?: Failure[];
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

/** What stays in force after a mitigation ran (one list, src/core/inForce.ts, the PIR's too). */
export type { InForceKind };

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
