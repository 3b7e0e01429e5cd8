// The embedded simulation as a backend: every control goes to LsosSimulation and every result is
// marked simulated (shown as SIMULATED). Nothing here reaches a real system.
import { randomUUID } from 'node:crypto';
import type { ControlReply, DeadLetterDetail, ReplayPreview, ReplayRequest, ReplayResult, TaskSpec } from '../celery/types.js';
import type { FailureClass } from '../../core/snapshot.js';
import type { ControlResult } from '../../sources/sim/controls.js';
import type { LsosSimulation } from '../../sources/sim/simulation.js';
import type { CommandResult, FlagState, MitigationBackend, QueueWorker, StepResult, TaskOutcomesAt, WorkerPool } from './backend.js';
import { type FrozenValue, type PauseValue } from './flags.js';

const step = (r: ControlResult): StepResult => ({ ok: r.ok, target: r.target, detail: `SIMULATED: ${r.detail}` });
const reply = (r: ControlResult, worker: string): ControlReply => ({ worker, ok: r.ok, detail: `SIMULATED: ${r.detail}`, raw: r });

export class SimulationBackend implements MitigationBackend {
  readonly simulated = true;
  readonly label: string;
  /** Who set the flags whose value the model does not keep (pause and freeze metadata). */
  private readonly pauseMeta = new Map<string, PauseValue>();
  private frozenMeta: FrozenValue | null = null;
  /** Each worker's pool size when first read: what a shrink is measured against. */
  private readonly normalSize = new Map<string, number>();

  constructor(private readonly sim: LsosSimulation) {
    this.label = `simulation (${sim.scenario.name})`;
    for (const w of sim.snapshot().workers) this.normalSize.set(w.hostname, w.concurrency);
  }

  private now(): number {
    return this.sim.clock.now();
  }

  async knownQueues(): Promise<string[]> {
    return this.sim.snapshot().queues.map((q) => q.name);
  }

  async knownProviders(): Promise<string[]> {
    return this.sim.controlState().providers.map((p) => p.pool);
  }

  async readFlags(): Promise<FlagState> {
    const c = this.sim.controlState();
    const now = this.now();
    return {
      paused: c.paused
        .filter((p) => p.until === null || p.until > now)
        .map((p) => ({ task: p.task, value: this.pauseMeta.get(p.task) ?? null, ttlMs: p.until === null ? null : p.until - now })),
      providers: c.providers.map((p) => ({ pool: p.pool, state: p.state, concurrency: p.concurrency })),
      activeProvider: c.activeProvider,
      pacing: c.pacing,
      writesFrozen: c.writesFrozen ? (this.frozenMeta ?? { by: '?', reason: '?', at: '?', scope: 'non-critical' }) : null,
    };
  }

  async pauseTask(task: string, value: PauseValue, untilMs: number): Promise<StepResult> {
    // The pause runs on simulated time, for as long as asked: its length is measured on the clock
    // `until` was reckoned on (the value's `at`, the executor's now), never against the wall
    // clock, which may be hours away from the model's (a pause then lasted 1 ms).
    const asked = Date.parse(value.at);
    const lengthMs = Number.isFinite(asked) ? untilMs - asked : untilMs - Date.now();
    const r = this.sim.pauseTask(task, this.now() + Math.max(1, lengthMs));
    if (r.ok) this.pauseMeta.set(task, value);
    return step(r);
  }

  async resumeTask(task: string): Promise<StepResult> {
    const was = this.sim.controlState().paused.some((p) => p.task === task);
    const r = this.sim.resumeTask(task);
    this.pauseMeta.delete(task);
    return was || !r.ok ? step(r) : { ok: false, target: task, detail: `SIMULATED: lsos:pause:${task} was not set` };
  }

  async setProviderState(pool: string, state: 'healthy' | 'quarantined') {
    return step(this.sim.setProviderState(pool, state));
  }

  async setActiveProvider(pool: string) {
    return step(this.sim.setActiveProvider(pool));
  }

  async setProviderConcurrency(pool: string, n: number) {
    return step(this.sim.setProviderConcurrency(pool, n));
  }

  async setPacing(profile: 'normal' | 'conservative') {
    return step(this.sim.setPacing(profile));
  }

  async freezeWrites(value: FrozenValue | null) {
    const r = this.sim.freezeWrites(value !== null);
    if (r.ok) this.frozenMeta = value;
    return step(r);
  }

  async queueWorkers(queue: string): Promise<QueueWorker[]> {
    return this.sim
      .snapshot()
      .workers.filter((w) => w.online && w.queues.includes(queue))
      .map((w) => ({ worker: w.hostname, concurrency: w.concurrency, queues: [...w.queues] }));
  }

  async setConcurrency(plan: { worker: string; from: number; to: number }[]): Promise<ControlReply[]> {
    for (const p of plan) if (!this.normalSize.has(p.worker)) this.normalSize.set(p.worker, p.from);
    return plan.map((p) => reply(this.sim.setWorkerConcurrency(p.worker, p.to), p.worker));
  }

  async setConsuming(workers: string[], queue: string, consuming: boolean): Promise<ControlReply[]> {
    return workers.map((w) => reply(this.sim.setConsuming(w, queue, consuming), w));
  }

  /** The model's online workers; a pool's normal size is the one it had when first read. */
  async workers(opts: { destination?: string[] } = {}): Promise<WorkerPool[]> {
    const only = opts.destination?.length ? new Set(opts.destination) : null;
    return this.sim
      .snapshot()
      .workers.filter((w) => w.online && (!only || only.has(w.hostname)))
      .map((w) => {
        if (!this.normalSize.has(w.hostname)) this.normalSize.set(w.hostname, w.concurrency);
        return {
          worker: w.hostname,
          processes: w.concurrency,
          normal: this.normalSize.get(w.hostname) ?? null,
          queues: [...w.queues],
          startedAt: null,
        };
      });
  }

  replicasCommand(queue: string, replicas: number): { argv: string[] } {
    return { argv: ['(simulated)', 'scale', queue, `--replicas=${replicas}`] };
  }

  async scaleReplicas(queue: string, replicas: number): Promise<CommandResult> {
    const r = this.sim.scaleWorkers(queue, replicas);
    return {
      ok: r.ok,
      argv: this.replicasCommand(queue, replicas).argv,
      exitCode: r.ok ? 0 : 1,
      signal: null,
      timedOut: false,
      stdout: `SIMULATED: ${r.detail}`,
      stderr: '',
      error: r.ok ? null : r.detail,
    };
  }

  async publish(specs: TaskSpec[], opts: { signal: AbortSignal; onProgress?: (done: number, total: number) => void }) {
    const published: { id: string; queue: string; task: string }[] = [];
    for (const s of specs) {
      if (opts.signal.aborted) break;
      const r = this.sim.enqueue(s.task, s.queue, 1);
      if (!r.ok) return { published, error: `SIMULATED: ${r.detail}` };
      published.push({ id: s.id ?? randomUUID(), queue: s.queue, task: s.task });
      opts.onProgress?.(published.length, specs.length);
    }
    return { published, error: null };
  }

  async replayPreview(queue: string, opts: { details?: boolean } = {}): Promise<ReplayPreview> {
    const byTask: Record<string, number> = {};
    const details: DeadLetterDetail[] = [];
    let total = 0;
    for (const b of this.sim.deadLetterBreakdown(queue)) {
      byTask[b.task] = (byTask[b.task] ?? 0) + b.count;
      total += b.count;
      // As LSOS writes them on Redis: the exception class and when it failed (the bucket's span).
      const same = details.find((d) => d.task === b.task && d.excType === b.exception);
      if (same) {
        same.count += b.count;
        same.oldestFailedAt = Math.min(same.oldestFailedAt ?? b.firstDeadAt, b.firstDeadAt);
        same.newestFailedAt = Math.max(same.newestFailedAt ?? b.lastDeadAt, b.lastDeadAt);
      } else
        details.push({ task: b.task, excType: b.exception, count: b.count, oldestFailedAt: b.firstDeadAt, newestFailedAt: b.lastDeadAt });
    }
    return opts.details ? { total, byTask, details } : { total, byTask };
  }

  async deployFix(task: string, failureClass: FailureClass | null): Promise<StepResult> {
    return step(this.sim.deployFix(task, failureClass));
  }

  taskOutcomes(): TaskOutcomesAt {
    const s = this.sim.snapshot();
    return { at: s.at, outcomes: s.queues.flatMap((q) => q.taskOutcomes ?? []) };
  }

  /**
   * The model replays whole buckets and does not know task ids; it moves, in batches, only the
   * buckets the request allows (other tasks' and classes' dead letters stay), so progress and
   * stop behave as live.
   */
  async replay(req: ReplayRequest): Promise<ReplayResult> {
    const accept = (b: { task: string; exception: string }) =>
      req.allowedTasks(b.task) &&
      (!req.tasks || req.tasks.includes(b.task)) &&
      (!req.only || req.only({ task: b.task, excType: b.exception }));
    const buckets = this.sim.deadLetterBreakdown(req.queue);
    const total = buckets.reduce((n, b) => n + b.count, 0);
    const allowedCount = buckets.filter(accept).reduce((n, b) => n + b.count, 0);
    const target = Math.min(allowedCount, req.max ?? allowedCount);
    const skipped = total - allowedCount;
    let replayed = 0;
    let stopped = false;
    const batch = 50;
    while (replayed < target) {
      if (req.signal?.aborted) {
        stopped = true;
        break;
      }
      const r = this.sim.replayDeadLetters(req.queue, Math.min(batch, target - replayed), accept);
      if (!r.ok) return { replayed, skipped, alreadyDone: 0, total, stopped, error: `SIMULATED: ${r.detail}`, ids: [] };
      if (r.moved === 0) break;
      replayed += r.moved;
      req.onProgress?.({ replayed, skipped, alreadyDone: 0, total });
      await new Promise((res) => setTimeout(res, 5));
    }
    return { replayed, skipped, alreadyDone: 0, total, stopped, error: null, ids: [] };
  }

  async close(): Promise<void> {}
}
