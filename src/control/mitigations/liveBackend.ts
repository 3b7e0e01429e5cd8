// The real system: control flags on Redis db 0 (contract section 6), Celery remote control and
// task messages through src/control/celery, and the operator's replicas command.
import type { Redis } from 'ioredis';
import type { ControlReply, DeadLetterReplayer, RemoteControl, ReplayRequest, TaskPublisher, TaskSpec } from '../celery/types.js';
import type { ReplicasCommand } from '../roles/roles.js';
import type { CommandResult, FlagState, MitigationBackend, QueueWorker, StepResult, WorkerPool } from './backend.js';
import { writeFlag } from '../../sources/connect/redis.js';
import { fillArgv, runCommand } from './commandRunner.js';
import { flagKeys, parseFrozenValue, parsePauseValue, type FrozenValue, type PauseValue } from './flags.js';
import { compareText } from '../../domain/textOrder.js';

export interface LiveBackendOptions {
  /**
   * A client on the flags' Redis, db 0 (the backend checks it and refuses another db). null: no
   * Redis configured (an LSOS on RabbitMQ only): flag actions fail saying so; the rest works.
   */
  flags: Redis | null;
  publisher?: TaskPublisher | null;
  control?: RemoteControl | null;
  replayer?: DeadLetterReplayer | null;
  replicasCommand?: ReplicasCommand | null;
  queues: string[];
  /** Provider pools known from config or the SERP source (empty: any name is taken). */
  providers?: string[];
  /** How long to wait for workers' replies (default 2 s). */
  controlTimeoutMs?: number;
  /** How long a consumer change may take to show in active_queues after the reply (default 15 s). */
  confirmTimeoutMs?: number;
  /** Pool name of a queue's workers for the {pool} placeholder (default: the queue, dots as dashes). */
  poolOf?: (queue: string) => string;
}

const MAX_SCAN = 10_000;

export class LiveBackend implements MitigationBackend {
  readonly simulated = false;
  readonly label = 'live';

  constructor(private readonly o: LiveBackendOptions) {
    const db = o.flags ? ((o.flags.options as { db?: number }).db ?? 0) : 0;
    if (db !== 0) throw new Error(`control flags live on Redis db 0 (contract section 6), the client given uses db ${db}`);
  }

  async knownQueues(): Promise<string[]> {
    return this.o.queues;
  }

  /** Configured pools; empty (any name taken) when none are: a fallback may have no flag yet. */
  async knownProviders(): Promise<string[]> {
    return this.o.providers ?? [];
  }

  private redis(): Redis {
    if (!this.o.flags) throw new Error('no Redis configured for the control flags (contract section 6: Redis db 0)');
    return this.o.flags;
  }

  private async scan(match: string): Promise<string[]> {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.redis().scan(cursor, 'MATCH', match, 'COUNT', 500);
      out.push(...keys);
      cursor = next;
    } while (cursor !== '0' && out.length < MAX_SCAN);
    return out;
  }

  async readFlags(): Promise<FlagState> {
    if (!this.o.flags) return { paused: [], providers: [], activeProvider: null, pacing: null, writesFrozen: null };
    const r = this.o.flags;
    const pauseKeys = await this.scan('lsos:pause:*');
    const stateKeys = await this.scan('lsos:provider:*:state');
    const concKeys = await this.scan('lsos:provider:*:concurrency');
    const pools = [...new Set([...stateKeys.map((k) => k.split(':')[2] ?? ''), ...concKeys.map((k) => k.split(':')[2] ?? '')])].filter(
      Boolean,
    );
    const p = r.pipeline();
    for (const k of pauseKeys) p.get(k).pttl(k);
    for (const pool of pools) p.get(flagKeys.providerState(pool)).get(flagKeys.providerConcurrency(pool));
    p.get(flagKeys.providerActive).get(flagKeys.pacing).get(flagKeys.writesFrozen);
    const res = ((await p.exec()) ?? []).map(([err, v]) => (err ? null : v));
    let i = 0;
    const next = () => res[i++] ?? null;
    const paused = pauseKeys.map((k) => {
      const value = parsePauseValue(next() as string | null);
      const ttl = next() as number | null;
      return { task: k.slice('lsos:pause:'.length), value, ttlMs: typeof ttl === 'number' && ttl >= 0 ? ttl : null };
    });
    const providers = pools.map((pool) => {
      const state = next() as string | null;
      const c = next() as string | null;
      return { pool, state, concurrency: c !== null && /^\d+$/.test(c) ? Number(c) : null };
    });
    const activeProvider = next() as string | null;
    const pacing = next() as string | null;
    const frozenRaw = next() as string | null;
    const writesFrozen = parseFrozenValue(frozenRaw);
    return {
      paused,
      providers,
      activeProvider,
      pacing,
      writesFrozen,
      ...(frozenRaw !== null && !writesFrozen ? { writesFrozenMalformed: true } : {}),
    };
  }

  private async step(target: string, detail: string, fn: () => Promise<unknown>): Promise<StepResult> {
    try {
      await fn();
      return { ok: true, target, detail };
    } catch (e) {
      return { ok: false, target, detail: `${target}: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  pauseTask(task: string, value: PauseValue, untilMs: number): Promise<StepResult> {
    const key = flagKeys.pause(task);
    const ttl = Math.max(1, Math.round(untilMs - Date.now()));
    return this.step(key, `${key} set until ${value.until} (TTL ${Math.round(ttl / 1000)} s)`, () =>
      writeFlag(this.redis(), key, JSON.stringify(value), { ttlMs: ttl }),
    );
  }

  resumeTask(task: string): Promise<StepResult> {
    const key = flagKeys.pause(task);
    return this.step(key, `${key} deleted`, async () => {
      const n = await this.redis().del(key);
      if (n === 0) throw new Error('was not set (already lapsed or removed)');
    });
  }

  setProviderState(pool: string, state: 'healthy' | 'quarantined'): Promise<StepResult> {
    const key = flagKeys.providerState(pool);
    return this.step(key, `${key} = ${state}`, () => writeFlag(this.redis(), key, state));
  }

  setActiveProvider(pool: string): Promise<StepResult> {
    return this.step(flagKeys.providerActive, `${flagKeys.providerActive} = ${pool}`, () =>
      writeFlag(this.redis(), flagKeys.providerActive, pool),
    );
  }

  setProviderConcurrency(pool: string, n: number): Promise<StepResult> {
    const key = flagKeys.providerConcurrency(pool);
    return this.step(key, `${key} = ${n}`, () => writeFlag(this.redis(), key, String(n)));
  }

  setPacing(profile: 'normal' | 'conservative'): Promise<StepResult> {
    return this.step(flagKeys.pacing, `${flagKeys.pacing} = ${profile}`, () => writeFlag(this.redis(), flagKeys.pacing, profile));
  }

  freezeWrites(value: FrozenValue | null): Promise<StepResult> {
    const key = flagKeys.writesFrozen;
    if (value === null) return this.step(key, `${key} deleted`, () => this.redis().del(key));
    return this.step(key, `${key} = ${JSON.stringify(value)}`, () => writeFlag(this.redis(), key, JSON.stringify(value)));
  }

  private control(): RemoteControl {
    if (!this.o.control) throw new Error('no Celery remote control configured (needs a broker)');
    return this.o.control;
  }

  async queueWorkers(queue: string): Promise<QueueWorker[]> {
    const ctl = this.control();
    const timeoutMs = this.o.controlTimeoutMs ?? 2000;
    const [queues, stats] = await Promise.all([ctl.call('active_queues', {}, { timeoutMs }), ctl.call('stats', {}, { timeoutMs })]);
    const out: QueueWorker[] = [];
    for (const r of queues) {
      const names = queueNames(r.raw);
      if (!names.includes(queue)) continue;
      out.push({ worker: r.worker, queues: names, concurrency: poolSize(stats.find((s) => s.worker === r.worker)?.raw) });
    }
    return out.sort((a, b) => compareText(a.worker, b.worker));
  }

  /**
   * Every worker that answers (or those in `destination`): its pool from `stats` (processes now,
   * `max-concurrency` its configured size, which a shrink leaves as it was; `uptime` when it
   * started) and its queues from `active_queues`. Both asked at once; silence is not an error.
   */
  async workers(opts: { destination?: string[] } = {}): Promise<WorkerPool[]> {
    const ctl = this.control();
    const timeoutMs = this.o.controlTimeoutMs ?? 2000;
    const to = opts.destination?.length ? { destination: opts.destination } : {};
    const askedAt = Date.now();
    const [queues, stats] = await Promise.all([
      ctl.call('active_queues', {}, { ...to, timeoutMs }),
      ctl.call('stats', {}, { ...to, timeoutMs }),
    ]);
    const names = [...new Set([...queues.map((r) => r.worker), ...stats.map((r) => r.worker)])].sort();
    return names.map((worker) => {
      const q = queues.find((r) => r.worker === worker);
      const st = stats.find((r) => r.worker === worker)?.raw;
      const uptime = typeof st === 'object' && st !== null ? (st as Record<string, unknown>).uptime : undefined;
      return {
        worker,
        processes: processCount(st),
        normal: maxConcurrency(st),
        queues: q && q.ok ? queueNames(q.raw) : null,
        startedAt: typeof uptime === 'number' && Number.isFinite(uptime) ? askedAt - uptime * 1000 : null,
      };
    });
  }

  async setConcurrency(plan: { worker: string; from: number; to: number }[]) {
    const ctl = this.control();
    const replies = [];
    for (const p of plan) {
      if (p.from === p.to) continue;
      const command = p.to < p.from ? 'pool_shrink' : 'pool_grow';
      replies.push(
        ...(await ctl.call(
          command,
          { n: Math.abs(p.from - p.to) },
          { destination: [p.worker], timeoutMs: this.o.controlTimeoutMs ?? 2000 },
        )),
      );
    }
    return replies;
  }

  async setConsuming(workers: string[], queue: string, consuming: boolean) {
    if (workers.length === 0) return [];
    const replies = await this.control().call(
      consuming ? 'add_consumer' : 'cancel_consumer',
      { queue },
      { destination: workers, timeoutMs: this.o.controlTimeoutMs ?? 2000 },
    );
    return this.confirmConsuming(replies, queue, consuming);
  }

  /**
   * Celery replies to add_consumer / cancel_consumer before it acts (the change is scheduled on
   * the worker's event loop), so a reply alone does not mean the worker stopped (or started)
   * taking the queue. Each worker that replied ok is asked for its active_queues until the change
   * shows, up to a ceiling; one where it never shows is reported as not done, with why.
   */
  private async confirmConsuming(replies: ControlReply[], queue: string, consuming: boolean): Promise<ControlReply[]> {
    const ceilingMs = this.o.confirmTimeoutMs ?? 15_000;
    const timeoutMs = this.o.controlTimeoutMs ?? 2000;
    const waiting = new Set(replies.filter((r) => r.ok).map((r) => r.worker));
    const deadline = Date.now() + ceilingMs;
    while (waiting.size > 0) {
      const seen = await this.control().call('active_queues', {}, { destination: [...waiting], timeoutMs });
      for (const r of seen) if (queueNames(r.raw).includes(queue) === consuming) waiting.delete(r.worker);
      if (waiting.size === 0 || Date.now() >= deadline) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    const still = consuming ? 'does not consume' : 'still consumes';
    return replies.map((r) =>
      waiting.has(r.worker)
        ? { ...r, ok: false, detail: `${r.detail}, but ${still} ${queue} ${ceilingMs / 1000} s later (active_queues)` }
        : r,
    );
  }

  replicasCommand(queue: string, replicas: number): { argv: string[] } | { error: string } {
    const c = this.o.replicasCommand;
    if (!c) return { error: 'no replicas command configured (mitigation.replicas_command in the roles file)' };
    return fillArgv(c.argv, { queue, pool: this.o.poolOf?.(queue) ?? queue.replace(/\./g, '-'), replicas: String(replicas) });
  }

  async scaleReplicas(queue: string, replicas: number): Promise<CommandResult> {
    const cmd = this.replicasCommand(queue, replicas);
    if ('error' in cmd)
      return { ok: false, argv: [], exitCode: null, signal: null, timedOut: false, stdout: '', stderr: '', error: cmd.error };
    return runCommand(cmd.argv, this.o.replicasCommand?.timeoutMs ?? 60_000);
  }

  async publish(specs: TaskSpec[], opts: { signal: AbortSignal; onProgress?: (done: number, total: number) => void }) {
    if (!this.o.publisher) return { published: [], error: 'no task publisher configured (needs a broker)' };
    return this.o.publisher.publishMany(specs, opts);
  }

  async replayPreview(queue: string, opts?: { sample?: number }) {
    if (!this.o.replayer) throw new Error('no dead-letter replayer configured (needs a broker)');
    return this.o.replayer.preview(queue, opts);
  }

  async replay(req: ReplayRequest) {
    if (!this.o.replayer) throw new Error('no dead-letter replayer configured (needs a broker)');
    return this.o.replayer.replay(req);
  }

  async close(): Promise<void> {
    /* the clients belong to the caller */
  }
}

/** Queue names from an `active_queues` reply (a list of queue declarations). */
function queueNames(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((q) => (typeof q === 'object' && q !== null ? String((q as Record<string, unknown>).name ?? '') : '')).filter(Boolean);
}

function statsPool(raw: unknown): Record<string, unknown> | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const pool = (raw as Record<string, unknown>).pool;
  return typeof pool === 'object' && pool !== null ? (pool as Record<string, unknown>) : null;
}

/** Pool processes now, from a `stats` reply; null when it does not list them. */
export function processCount(raw: unknown): number | null {
  const p = statsPool(raw);
  return p && Array.isArray(p.processes) ? p.processes.length : null;
}

/** The pool's configured size from a `stats` reply (`max-concurrency`: a shrink or grow leaves it as started). */
export function maxConcurrency(raw: unknown): number | null {
  const max = statsPool(raw)?.['max-concurrency'];
  return typeof max === 'number' && Number.isInteger(max) && max > 0 ? max : null;
}

/** Pool size from a `stats` reply: pool['max-concurrency'], else the number of processes. */
export function poolSize(raw: unknown): number | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const pool = (raw as Record<string, unknown>).pool;
  if (typeof pool !== 'object' || pool === null) return null;
  const p = pool as Record<string, unknown>;
  if (Array.isArray(p.processes)) return p.processes.length;
  const max = p['max-concurrency'];
  return typeof max === 'number' ? max : null;
}
