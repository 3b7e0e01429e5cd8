// What a mitigation does, independent of where: LiveBackend (Redis flags on db 0, Celery remote
// control and task messages, the operator's replicas command) or SimulationBackend (the embedded
// model; every result marked simulated).
import type { ControlReply, DeadLetterReplayer, ReplayRequest, ReplayResult, TaskSpec } from '../celery/types.js';
import type { FailureClass, TaskOutcome } from '../../core/snapshot.js';
import type { FrozenValue, PauseValue } from './flags.js';

export interface StepResult {
  ok: boolean;
  target: string;
  detail: string;
  /** Not known either way: a worker that did not reply to a remote-control command (it may still apply). */
  noReply?: boolean;
}

/** A worker consuming a queue, as remote control (stats/active_queues) reports it. */
export interface QueueWorker {
  worker: string;
  concurrency: number | null;
  queues: string[];
}

/**
 * A worker as remote control reports it now (stats and active_queues): its pool against its
 * normal size, and the queues it consumes. What is in force on the workers is read from here.
 */
export interface WorkerPool {
  worker: string;
  /** Pool processes now (stats `pool.processes`); null: stats did not say. */
  processes: number | null;
  /** The pool's configured size (stats `pool['max-concurrency']`, unchanged by a shrink): its normal size. */
  normal: number | null;
  /** The queues it consumes now; null: active_queues got no reply from it. */
  queues: string[] | null;
  /** When it started (stats `uptime`), epoch ms; null: not known. A shrink before then no longer holds. */
  startedAt: number | null;
}

export interface CommandResult {
  ok: boolean;
  argv: string[];
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  error: string | null;
}

/** Control flags as they stand on the system (contract section 6). */
export interface FlagState {
  paused: { task: string; value: PauseValue | null; ttlMs: number | null }[];
  providers: { pool: string; state: string | null; concurrency: number | null }[];
  activeProvider: string | null;
  pacing: string | null;
  writesFrozen: FrozenValue | null;
  /** True when the frozen flag exists but is not the contract's JSON. */
  writesFrozenMalformed?: boolean;
}

/** Task outcomes as of `at` (the clock of what saw them: the model's, or the source's last read). */
export interface TaskOutcomesAt {
  at: number;
  outcomes: readonly TaskOutcome[];
}

export interface MitigationBackend {
  readonly simulated: boolean;
  /** `live` or `simulation (<scenario>)`. */
  readonly label: string;
  /** Known queues / tasks / provider pools, for validation and previews. */
  knownQueues(): Promise<string[]>;
  knownProviders(): Promise<string[]>;

  readFlags(): Promise<FlagState>;
  pauseTask(task: string, value: PauseValue, untilMs: number): Promise<StepResult>;
  resumeTask(task: string): Promise<StepResult>;
  setProviderState(pool: string, state: 'healthy' | 'quarantined'): Promise<StepResult>;
  setActiveProvider(pool: string): Promise<StepResult>;
  setProviderConcurrency(pool: string, n: number): Promise<StepResult>;
  setPacing(profile: 'normal' | 'conservative'): Promise<StepResult>;
  freezeWrites(value: FrozenValue | null): Promise<StepResult>;

  /** Workers consuming `queue` now (remote control), with their pool sizes. */
  queueWorkers(queue: string): Promise<QueueWorker[]>;
  /** Pool shrink/grow to `target` processes on each worker; one reply per worker asked. */
  setConcurrency(workers: { worker: string; from: number; to: number }[]): Promise<ControlReply[]>;
  setConsuming(workers: string[], queue: string, consuming: boolean): Promise<ControlReply[]>;
  /**
   * Every worker that answers remote control now (or those in `destination`), with its pool and
   * queues; absent where the backend cannot tell. A worker that does not answer is not listed.
   */
  workers?(opts?: { destination?: string[] }): Promise<WorkerPool[]>;
  /** "Increase replicas": the operator-configured command (live) or the model's pool (simulation). */
  scaleReplicas(queue: string, replicas: number): Promise<CommandResult>;
  /** What the replicas command would run, or why it cannot. */
  replicasCommand(queue: string, replicas: number): { argv: string[] } | { error: string };

  publish(
    specs: TaskSpec[],
    opts: { signal: AbortSignal; onProgress?: (done: number, total: number) => void },
  ): Promise<{ published: { id: string; queue: string; task: string }[]; error: string | null }>;
  replayPreview: DeadLetterReplayer['preview'];
  replay(req: ReplayRequest): Promise<ReplayResult>;
  /**
   * "Fix deployed" on a system the cockpit can change (the simulation's model); absent live, where
   * a fix is deployed outside the cockpit and the action only records it.
   */
  deployFix?(task: string, failureClass: FailureClass | null): Promise<StepResult>;
  /** Task outcomes the backend itself knows, as of `at` on its clock (the simulation's model); absent live. */
  taskOutcomes?(): TaskOutcomesAt;
  close(): Promise<void>;
}
