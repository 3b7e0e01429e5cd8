// The embedded LSOS simulation: a small discrete-time model, not a recording. Producers emit
// tasks at per-task rates, workers (concurrency slots) drain their queues, executions fail by
// failure class, failures are retried as new publishes and dead-lettered once retries are spent,
// workers heartbeat, replicas replay, and scheduled perturbations break things. Mitigation controls
// change the same model. Same seed + same steps = identical snapshots: all randomness is one Prng.

import { SIGNAL_DEFAULT_SEVERITY, type Signal } from '../../core/signals.js';
import type { Clock } from '../../core/source.js';
import {
  FAILURE_CLASSES,
  type ApiHealth,
  type EpochMs,
  type FailureClass,
  type Snapshot,
  type WorkerSnapshot,
} from '../../core/snapshot.js';
import { formatDurationSpec } from '../../domain/duration.js';
import { deadLetterQueueOf, isLaneFor, workQueueOf } from '../../domain/queues.js';
import type { ControlName, ControlResult, ControlState, ControlValue, PacingProfile, ReplayResult, ScaleResult } from './controls.js';
import { DatabaseModel, type BlockingSource, type DatabaseInputs } from './database-model.js';
import { isRetried } from './failure-classes.js';
import { classifyException } from '../../domain/failureClasses.js';
import { HEARTBEAT_FREQ_S, heartbeatExpiresAt, isOnline } from './heartbeat.js';
import { Prng, allocate } from './prng.js';
import { ProviderPool } from './provider-model.js';
import { QueueModel, type DeadLetterBucket, type Lane } from './queue-model.js';
import { ReportingModel } from './reporting-model.js';
import { workerHostnames } from './scenario.js';
import type { Scenario, ScenarioEvent, TaskSpec, WorkerPoolSpec } from './scenario-types.js';

/** Internal step: step(dt) is cut into steps of at most this, so results do not depend on how time is fed. */
export const STEP_MS = 250;
/** The model runs this long before the start so rates and windows begin in a steady state. */
const WARMUP_MS = 60_000;
const HEARTBEAT_MS = HEARTBEAT_FREQ_S * 1000;
const API_CHECK_EVERY_MS = 10_000;
const DEFAULT_SEED = 1;
/** How long the scenario's existing dead letters have been sitting in `Q.dead`. */
const INITIAL_DEAD_LETTER_AGE_MS = 3_600_000;

export interface SimulationOptions {
  seed?: number;
  /** Simulated start time; defaults to Date.now(). Epoch ms, UTC. */
  startAt?: EpochMs;
}

interface WorkerModel {
  hostname: string;
  pool: string;
  /** Queues it consumes now (Celery add_consumer / cancel_consumer change this). */
  queues: string[];
  concurrency: number;
  /** False once it died: no heartbeats, no draining. */
  alive: boolean;
  lastHeartbeatAt: EpochMs | null;
  busy: Map<Lane, number>;
  busyTotal: number;
}

interface ActiveEffect {
  event: ScenarioEvent;
  startedAt: EpochMs;
  endsAt: EpochMs | null;
  /** First backend pid for blocking queries this effect causes. */
  pidBase: number;
}

/** A task's behaviour this step, after perturbations and controls. */
interface TaskNow {
  failure: Record<FailureClass, number>;
  exception: Partial<Record<FailureClass, string>>;
  surge: number;
  durationMs: number;
}

export interface AppliedEvent {
  at: EpochMs;
  kind: ScenarioEvent['kind'];
  description: string;
  line: number | null;
}

export class LsosSimulation {
  readonly clock: Clock;
  readonly seed: number;
  readonly startAt: EpochMs;
  private now: EpochMs;
  private readonly historyFrom: EpochMs;
  private readonly prng: Prng;
  private readonly tasks = new Map<string, TaskSpec>();
  private readonly queues = new Map<string, QueueModel>();
  private readonly workers: WorkerModel[] = [];
  private readonly pools: WorkerPoolSpec[];
  private readonly poolNextIndex = new Map<string, number>();
  private readonly providers = new Map<string, ProviderPool>();
  private activeProvider: string;
  private providerInFlight = 0;
  private pacing: PacingProfile = 'normal';
  private writesFrozenSince: EpochMs | null = null;
  private readTarget: string;
  /** Paused task emissions (`lsos:pause:<task>`): until when, null for no end. */
  private readonly pauses = new Map<string, EpochMs | null>();
  private readonly reporting: ReportingModel;
  private readonly database: DatabaseModel;
  private effects: ActiveEffect[] = [];
  private nextEvent = 0;
  private nextPid = 4100;
  /** Signals raised by scenario events (src/core/signals.ts): the security tool's, an integrity finding. */
  private readonly signals: Signal[] = [];
  private api: ApiHealth;
  private nextApiCheckAt: EpochMs;
  private readonly taskNow = new Map<string, TaskNow>();
  private readonly applied: AppliedEvent[] = [];

  constructor(
    readonly scenario: Scenario,
    opts: SimulationOptions = {},
  ) {
    this.seed = (opts.seed ?? scenario.seed ?? DEFAULT_SEED) >>> 0;
    this.startAt = opts.startAt ?? Date.now();
    this.prng = new Prng(this.seed);
    this.historyFrom = this.startAt - WARMUP_MS;
    this.now = this.historyFrom;
    this.clock = { now: () => this.now };

    for (const t of scenario.tasks) this.tasks.set(t.name, structuredClone(t));
    for (const q of scenario.queues) this.queues.set(q.name, new QueueModel(q, this.startAt));
    this.pools = scenario.workers.map((p) => ({ ...p, queues: [...p.queues] }));
    for (const pool of this.pools) {
      for (const hostname of workerHostnames(pool)) this.addWorker(pool, hostname, this.now - Math.floor(this.prng.next() * HEARTBEAT_MS));
      this.poolNextIndex.set(pool.pool, pool.replicas + 1);
    }
    for (const p of scenario.providers.pools) this.providers.set(p.name, new ProviderPool(p, scenario.campaigns));
    this.activeProvider = scenario.providers.active;
    this.readTarget = scenario.database.readTarget;
    this.reporting = new ReportingModel(scenario.campaigns);
    const backupAge = scenario.database.lastBackupAgeMs;
    this.database = new DatabaseModel(scenario.database, backupAge === null ? null : this.startAt - backupAge);
    this.api = { healthy: true, latencyMs: scenario.api.latencyMs, detail: 'status ok', checkedAt: null };
    this.nextApiCheckAt = this.now;

    // Warm up with no perturbation, then lay down the scenario's starting backlog and dead letters.
    this.runUntil(this.startAt);
    this.seedStartingState();
    this.applyDueEvents();
    this.refreshTaskNow();
  }

  // --- Time ---

  /** Advance the simulation by dtMs of simulated time (in internal steps of at most STEP_MS). */
  step(dtMs: number): void {
    if (!Number.isFinite(dtMs) || dtMs < 0) throw new RangeError(`step: dtMs must be a finite number >= 0, got ${dtMs}`);
    this.runUntil(this.now + dtMs);
  }

  /** Advance to simulated time t (no-op when t is not in the future). */
  advanceTo(t: EpochMs): void {
    if (t > this.now) this.runUntil(t);
  }

  /** Simulated milliseconds since the start. */
  get elapsedMs(): number {
    return this.now - this.startAt;
  }

  private runUntil(t: EpochMs): void {
    while (this.now < t) this.tick(Math.min(STEP_MS, t - this.now));
  }

  private tick(dt: number): void {
    this.now += dt;
    this.applyDueEvents();
    this.expire();
    this.refreshTaskNow();
    this.arrive(dt);
    this.complete(dt);
    this.dispatch();
    this.heartbeats();
    this.database.step(dt, this.now, this.databaseInputs(), this.prng);
    this.checkApi();
    for (const q of this.queues.values()) q.sampleLag(this.now);
  }

  // --- Starting state ---

  private seedStartingState(): void {
    for (const q of this.queues.values()) {
      const home = [...this.tasks.values()].filter((t) => t.queue === q.name);
      if (home.length === 0) continue;
      // Existing messages are split over the queue's tasks by their emission rates.
      const weights = home.map((t) => Math.max(1, Math.round(t.ratePerMinute * 100)));
      const backlog = q.spec.backlog;
      if (backlog && backlog.count > 0) {
        // Spread evenly from the oldest age to now, in at most 240 cohorts, ahead of anything the
        // warm-up left in the queue (laid newest first, each in front of the last).
        const buckets = Math.max(1, Math.min(backlog.count, 240));
        const lanes = home.map((t) => q.lane(t, 0).index);
        for (let b = buckets - 1; b >= 0; b--) {
          const n = Math.floor(backlog.count / buckets) + (b < backlog.count % buckets ? 1 : 0);
          const sentAt = this.startAt - backlog.oldestAgeMs + (b * backlog.oldestAgeMs) / buckets;
          const stamped = this.stampedPart(n, q.spec.stampedShare);
          for (const [count, isStamped] of [
            [n - stamped, false],
            [stamped, true],
          ] as const) {
            const counts: number[] = [];
            allocate(weights, count).forEach((c, i) => (counts[lanes[i]!] = c));
            q.ready.pushFront(
              sentAt,
              isStamped,
              Array.from(counts, (c) => c ?? 0),
            );
          }
        }
      }
      if (q.spec.deadLetters > 0) {
        const split = allocate(weights, q.spec.deadLetters);
        home.forEach((t, i) => {
          const exception = t.exceptions.transient[0] ?? 'TimeoutError';
          const bucket = {
            task: t.name,
            exception,
            failureClass: classifyException(exception),
            reason: 'max_retries' as const,
            attempt: t.maxRetries,
          };
          q.addDeadLetters(this.startAt - INITIAL_DEAD_LETTER_AGE_MS, bucket, split[i] ?? 0, false);
        });
      }
    }
  }

  private addWorker(pool: WorkerPoolSpec, hostname: string, lastHeartbeatAt: EpochMs): WorkerModel {
    const w: WorkerModel = {
      hostname,
      pool: pool.pool,
      queues: [...pool.queues],
      concurrency: pool.concurrency,
      alive: true,
      lastHeartbeatAt,
      busy: new Map(),
      busyTotal: 0,
    };
    this.workers.push(w);
    return w;
  }

  // --- Perturbations ---

  private applyDueEvents(): void {
    const events = this.scenario.events;
    while (this.nextEvent < events.length) {
      const ev = events[this.nextEvent];
      if (!ev || this.startAt + ev.atMs > this.now) break;
      this.nextEvent++;
      this.applyEvent(ev);
    }
  }

  private applyEvent(ev: ScenarioEvent): void {
    this.applied.push({ at: this.now, kind: ev.kind, description: describeEvent(ev), line: ev.line });
    switch (ev.kind) {
      case 'worker-pool-dies': {
        const victims = this.workers.filter((w) => w.pool === ev.pool && w.alive);
        victims.slice(0, ev.workers ?? victims.length).forEach((w) => this.killWorker(w));
        return;
      }
      case 'worker-dies': {
        const w = this.workers.find((x) => x.hostname === ev.hostname && x.alive);
        if (w) this.killWorker(w);
        return;
      }
      case 'failed-migration':
        this.database.failedMigrations++;
        return;
      case 'fix-deployed':
        this.endFaults(ev.task, ev.failureClass);
        return;
      case 'cross-tenant-risk':
      case 'data-corruption':
        this.signals.push({
          // Named by whose data is involved (the trigger's target), else by its place.
          id: ev.campaigns.length > 0 ? ev.campaigns.join('+') : `signal-${this.signals.length + 1}`,
          kind: ev.kind,
          severity: ev.kind === 'data-corruption' ? ev.severity : SIGNAL_DEFAULT_SEVERITY[ev.kind],
          detail: ev.detail,
          campaigns: [...ev.campaigns],
          evidence: [ev.detail],
          raisedBy: ev.kind === 'cross-tenant-risk' ? 'the security tool (simulated)' : 'an integrity check (simulated)',
          raisedAt: this.now,
          active: true,
        });
        return;
      default:
        this.effects.push({
          event: ev,
          startedAt: this.now,
          endsAt: ev.durationMs === null ? null : this.now + ev.durationMs,
          pidBase: this.nextPid,
        });
        this.nextPid += 100;
    }
  }

  /** The failures scenario events injected into `task` (of one class, or all) end: its fix is deployed. */
  private endFaults(task: string, failureClass: FailureClass | null): number {
    const hits = (ev: ScenarioEvent): boolean => {
      if (!('task' in ev) || ev.task !== task) return false;
      if (ev.kind === 'parser-deploy') return failureClass === null || failureClass === 'parser';
      if (ev.kind === 'task-failure') return failureClass === null || failureClass === ev.failureClass;
      if (ev.kind === 'report-render-failure') return failureClass === null || failureClass === classifyException(ev.exception);
      return false;
    };
    const before = this.effects.length;
    this.effects = this.effects.filter((e) => !hits(e.event));
    this.refreshTaskNow();
    return before - this.effects.length;
  }

  private expire(): void {
    this.effects = this.effects.filter((e) => e.endsAt === null || e.endsAt > this.now);
    for (const [task, until] of this.pauses) if (until !== null && until <= this.now) this.pauses.delete(task);
  }

  // The three below run every step (240 times in the warm-up before the first frame): loops, not
  // filter and map (start-up, issue 16).
  private active<K extends ScenarioEvent['kind']>(kind: K): Extract<ScenarioEvent, { kind: K }>[] {
    const out: Extract<ScenarioEvent, { kind: K }>[] = [];
    for (const e of this.effects) if (e.event.kind === kind) out.push(e.event as Extract<ScenarioEvent, { kind: K }>);
    return out;
  }

  private isActive(kind: ScenarioEvent['kind']): boolean {
    for (const e of this.effects) if (e.event.kind === kind) return true;
    return false;
  }

  private primaryDegradedReason(): string | null {
    for (let i = this.effects.length - 1; i >= 0; i--) {
      const ev = this.effects[i]!.event;
      if (ev.kind === 'primary-degraded') return ev.reason ?? null;
    }
    return null;
  }

  /** Effective failure probabilities, exceptions, surges and durations for this step. */
  private refreshTaskNow(): void {
    for (const p of this.providers.values()) p.degradedFailureProbability = null;
    for (const ev of this.active('provider-degrade')) {
      const p = this.providers.get(ev.pool);
      if (p) p.degradedFailureProbability = ev.failureProbability;
    }
    const degraded = this.primaryDegradedReason() !== null;
    const primaryDown = this.isActive('primary-down');
    const conservative = this.pacing === 'conservative';
    const pool = this.providers.get(this.activeProvider);
    for (const t of this.tasks.values()) {
      // Each task's record is reset in place, every step (a new one per task per step was most of
      // the warm-up's garbage; start-up, issue 16).
      let now = this.taskNow.get(t.name);
      if (now === undefined) {
        now = { failure: { ...t.failure }, exception: {}, surge: 1, durationMs: t.durationMs };
        this.taskNow.set(t.name, now);
      } else {
        for (const c of FAILURE_CLASSES) now.failure[c] = t.failure[c];
        for (const _ in now.exception) {
          now.exception = {};
          break;
        }
        now.surge = 1;
        now.durationMs = t.durationMs;
      }
      // Slower pacing spaces out crawl and SERP requests.
      if (conservative && t.paced) now.durationMs *= 1.5;
      if (t.usesProvider && pool) now.failure.provider = Math.max(now.failure.provider, pool.failureProbability(conservative));
      if (primaryDown && t.writes !== 'none') {
        // Writers cannot reach the primary at all: connection refused / timeouts.
        now.failure.transient = 0.95;
        now.exception.transient = 'OperationalError';
      } else if (degraded && t.writes !== 'none') {
        // A degraded primary makes writers slow and time out (psycopg OperationalError).
        now.durationMs *= 2;
        now.failure.transient = Math.min(1, now.failure.transient + (this.writesFrozenSince === null ? 0.15 : 0.05));
        now.exception.transient = 'OperationalError';
      }
    }
    for (const e of this.effects) {
      const ev = e.event;
      const target = 'task' in ev ? this.taskNow.get(ev.task) : undefined;
      if (!target) continue;
      if (ev.kind === 'parser-deploy') {
        target.failure.parser = ev.failureProbability;
        target.exception.parser = ev.exception;
      } else if (ev.kind === 'task-failure') {
        target.failure[ev.failureClass] = ev.probability;
        target.exception[ev.failureClass] = ev.exception;
      } else if (ev.kind === 'report-render-failure') {
        const c = classifyException(ev.exception);
        target.failure[c] = ev.probability;
        target.exception[c] = ev.exception;
      } else if (ev.kind === 'surge') {
        target.surge *= ev.factor;
      }
    }
  }

  // --- Producers, workers, broker ---

  private isPaused(task: string): boolean {
    return this.pauses.has(task);
  }

  /** Whether LSOS producers emit this task now (pause flag, frozen non-critical writes). */
  private canEmit(t: TaskSpec): boolean {
    return !this.isPaused(t.name) && !(this.writesFrozenSince !== null && t.writes === 'non-critical');
  }

  private publish(
    q: QueueModel,
    t: TaskSpec,
    attempt: number,
    n: number,
    sentAt: EpochMs = this.now,
    stampedShare = q.spec.stampedShare,
  ): void {
    if (n <= 0) return;
    const lane = q.lane(t, attempt);
    const stamped = this.stampedPart(n, stampedShare);
    q.ready.push(sentAt, true, lane.index, stamped);
    q.ready.push(sentAt, false, lane.index, n - stamped);
  }

  /** How many of n new messages carry `lsos_sent_at`. */
  private stampedPart(n: number, share: number): number {
    return share >= 1 ? n : share <= 0 ? 0 : this.prng.binomial(n, share);
  }

  private arrive(dt: number): void {
    for (const t of this.tasks.values()) {
      if (t.ratePerMinute <= 0 || !this.canEmit(t)) continue;
      const surge = this.taskNow.get(t.name)?.surge ?? 1;
      const n = this.prng.poisson((t.ratePerMinute * surge * dt) / 60_000);
      const q = this.queues.get(t.queue);
      if (q) this.publish(q, t, 0, n);
    }
  }

  private complete(dt: number): void {
    for (const w of this.workers) {
      if (!w.alive) continue;
      for (const [lane, busy] of w.busy) {
        const duration = this.taskNow.get(lane.task.name)?.durationMs ?? lane.task.durationMs;
        const done = this.prng.binomial(busy, 1 - Math.exp(-dt / duration));
        if (done <= 0) continue;
        if (busy - done > 0) w.busy.set(lane, busy - done);
        else w.busy.delete(lane);
        w.busyTotal -= done;
        lane.queue.reserved -= done;
        if (lane.task.usesProvider) this.providerInFlight -= done;
        this.finish(lane, done);
      }
    }
  }

  /** `done` executions of a lane ended: split them into successes and failures by class. */
  private finish(lane: Lane, done: number): void {
    const q = lane.queue;
    const t = lane.task;
    const now = this.taskNow.get(t.name);
    q.recordDrained(this.now, done);
    let remaining = done;
    let cumulative = 0;
    let providerFailures = 0;
    let total = 0;
    for (const c of FAILURE_CLASSES) total += now?.failure[c] ?? 0;
    const scale = total > 1 ? 1 / total : 1;
    for (const c of FAILURE_CLASSES) {
      const p = (now?.failure[c] ?? 0) * scale;
      if (p <= 0 || remaining <= 0) continue;
      const k = this.prng.binomial(remaining, Math.min(1, p / Math.max(1e-12, 1 - cumulative)));
      cumulative += p;
      if (k <= 0) continue;
      remaining -= k;
      if (c === 'provider') providerFailures += k;
      this.fail(lane, c, k, now?.exception[c]);
    }
    if (t.usesProvider) this.providers.get(this.activeProvider)?.record(this.now, done, providerFailures, this.prng);
    if (remaining > 0) this.succeed(lane, remaining);
  }

  private fail(lane: Lane, c: FailureClass, k: number, override: string | undefined): void {
    const q = lane.queue;
    const t = lane.task;
    const names = override ? [override] : t.exceptions[c];
    const perName = names.length === 1 ? [k] : names.map(() => 0);
    if (names.length > 1) for (let i = 0; i < k; i++) perName[this.prng.int(names.length)]! += 1;
    q.recordFailures(this.now, t.name, c, k);
    const retried = isRetried(c) && lane.attempt < t.maxRetries;
    if (retried) {
      // Celery's retry is a new publish at the tail, with a fresh lsos_sent_at.
      this.publish(q, t, lane.attempt + 1, k);
      return;
    }
    q.recordOutcome(this.now, t.name, c);
    names.forEach((exception, i) => {
      const n = perName[i] ?? 0;
      q.addDeadLetters(
        this.now,
        { task: t.name, exception, failureClass: c, reason: isRetried(c) ? 'max_retries' : 'rejected', attempt: lane.attempt },
        n,
      );
    });
    if (t.report !== 'none') this.reporting.runsFailed(this.now, k, this.prng);
  }

  private succeed(lane: Lane, n: number): void {
    const t = lane.task;
    lane.queue.recordOutcome(this.now, t.name, null);
    if (t.report === 'final') this.reporting.runsSucceeded(this.now, n);
    const next = t.then === null ? undefined : this.tasks.get(t.then);
    if (!next || !this.canEmit(next)) return;
    // A chain stays in the isolated retry lane when it runs there.
    const target = isLaneFor(lane.queue.name, next.queue) ? lane.queue : this.queues.get(next.queue);
    if (target) this.publish(target, next, 0, n);
  }

  private dispatch(): void {
    const pool = this.providers.get(this.activeProvider);
    // No SERP traffic to a quarantined pool (contract section 6): SERP work waits in its queue.
    const providerCap = pool && pool.state === 'healthy' ? pool.concurrency : 0;
    for (const w of this.workers) {
      if (!w.alive) continue;
      let free = w.concurrency - w.busyTotal;
      if (free <= 0) continue;
      const ready: QueueModel[] = [];
      for (const name of w.queues) {
        const q = this.queues.get(name);
        if (q && q.ready.depth > 0) ready.push(q);
      }
      for (let i = 0; i < ready.length && free > 0; i++) {
        const q = ready[i]!;
        let n = Math.min(Math.ceil(free / (ready.length - i)), q.ready.depth);
        // The pool's concurrency caps SERP requests in flight; a queue holding SERP work is capped whole.
        if (q.lanes.some((l) => l.task.usesProvider)) n = Math.min(n, Math.max(0, providerCap - this.providerInFlight));
        if (n <= 0) continue;
        const taken = q.ready.take(n, q.lanes.length);
        taken.forEach((c, idx) => {
          const lane = q.lanes[idx];
          if (!lane || c <= 0) return;
          w.busy.set(lane, (w.busy.get(lane) ?? 0) + c);
          w.busyTotal += c;
          q.reserved += c;
          free -= c;
          if (lane.task.usesProvider) this.providerInFlight += c;
        });
      }
    }
  }

  private heartbeats(): void {
    for (const w of this.workers) {
      if (!w.alive) continue;
      if (w.lastHeartbeatAt === null) w.lastHeartbeatAt = this.now;
      else if (this.now - w.lastHeartbeatAt >= HEARTBEAT_MS) {
        w.lastHeartbeatAt += Math.floor((this.now - w.lastHeartbeatAt) / HEARTBEAT_MS) * HEARTBEAT_MS;
      }
    }
  }

  /** The broker gives a lost consumer's unacknowledged messages back, at the head of the queue. */
  private releaseBusy(w: WorkerModel): void {
    const byQueue = new Map<QueueModel, number[]>();
    for (const [lane, n] of w.busy) {
      const counts = byQueue.get(lane.queue) ?? [];
      while (counts.length <= lane.index) counts.push(0);
      counts[lane.index] = (counts[lane.index] ?? 0) + n;
      byQueue.set(lane.queue, counts);
      lane.queue.reserved -= n;
      if (lane.task.usesProvider) this.providerInFlight -= n;
    }
    for (const [q, counts] of byQueue) {
      const head = q.ready.peek();
      q.ready.pushFront(head?.sentAt ?? this.now, head?.stamped ?? true, counts);
    }
    w.busy.clear();
    w.busyTotal = 0;
  }

  private killWorker(w: WorkerModel): void {
    w.alive = false;
    this.releaseBusy(w);
  }

  // --- Database and API ---

  private databaseInputs(): DatabaseInputs {
    let busyWriters = 0;
    for (const w of this.workers) for (const [lane, n] of w.busy) if (lane.task.writes !== 'none') busyWriters += n;
    const stalls = new Map<string, { paused: boolean }>();
    const blocking: BlockingSource[] = [];
    let primaryDown = false;
    for (const e of this.effects) {
      const ev = e.event;
      if (ev.kind === 'replica-stall') stalls.set(ev.replica, { paused: ev.paused || (stalls.get(ev.replica)?.paused ?? false) });
      else if (ev.kind === 'blocking-queries') blocking.push({ since: e.startedAt, count: ev.count, query: ev.query, pidBase: e.pidBase });
      else if (ev.kind === 'primary-down') primaryDown = true;
      else if (ev.kind === 'primary-degraded') {
        blocking.push({
          since: e.startedAt,
          count: 2,
          query: 'UPDATE rank_results SET position = $1 WHERE campaign_id = $2 AND keyword = $3',
          pidBase: e.pidBase,
        });
      }
    }
    return {
      primaryDegraded: this.primaryDegradedReason(),
      primaryDown,
      writesFrozenSince: this.writesFrozenSince,
      readTarget: this.readTarget,
      busyWriters,
      stalls,
      blocking,
    };
  }

  private checkApi(): void {
    if (this.now < this.nextApiCheckAt) return;
    this.nextApiCheckAt = this.now + API_CHECK_EVERY_MS;
    const unhealthy = this.active('api-unhealthy');
    const down = this.active('primary-down').length > 0;
    const jitter = 0.8 + 0.4 * this.prng.next();
    if (down) {
      this.api = { healthy: false, latencyMs: null, detail: 'no answer within 2 s', checkedAt: this.now };
    } else if (unhealthy.length > 0) {
      const detail = unhealthy[unhealthy.length - 1]?.detail ?? 'unhealthy';
      this.api = { healthy: false, latencyMs: Math.round(300 * jitter), detail, checkedAt: this.now };
    } else {
      const latency = Math.round(this.scenario.api.latencyMs * (this.primaryDegradedReason() ? 8 : 1) * jitter);
      // Contract section 8: no answer within 2 s is unhealthy.
      this.api =
        latency < 2000
          ? { healthy: true, latencyMs: latency, detail: 'status ok', checkedAt: this.now }
          : { healthy: false, latencyMs: null, detail: 'no answer within 2 s', checkedAt: this.now };
    }
  }

  // --- Reading the model ---

  snapshot(): Snapshot {
    const now = this.now;
    const workers: WorkerSnapshot[] = this.workers.map((w) => {
      const online = isOnline(w.lastHeartbeatAt, now);
      return {
        hostname: w.hostname,
        queues: [...w.queues],
        concurrency: w.concurrency,
        active: w.busyTotal,
        lastHeartbeatAt: w.lastHeartbeatAt === null ? null : Math.round(w.lastHeartbeatAt),
        online,
        offlineSince: online || w.lastHeartbeatAt === null ? null : Math.round(heartbeatExpiresAt(w.lastHeartbeatAt)),
      };
    });
    return {
      at: now,
      simulated: true,
      scenario: this.scenario.name,
      queues: [...this.queues.values()].map((q) =>
        q.snapshot(now, this.workers.filter((w) => w.alive && w.queues.includes(q.name)).length, this.historyFrom),
      ),
      workers,
      database: this.database.snapshot(now),
      reporting: this.reporting.snapshot(now),
      providers: [...this.providers.values()].map((p) => p.snapshot(now, p.name === this.activeProvider)),
      api: { ...this.api },
      signals: this.signals.map((x) => ({ ...x, campaigns: [...x.campaigns], evidence: [...x.evidence] })),
      sources: [],
    };
  }

  /** Current control flags and Celery-side settings. */
  controlState(): ControlState {
    return {
      paused: [...this.pauses].map(([task, until]) => ({ task, until })),
      providers: [...this.providers.values()].map((p) => ({ pool: p.name, state: p.state, concurrency: p.concurrency })),
      activeProvider: this.activeProvider,
      pacing: this.pacing,
      writesFrozen: this.writesFrozenSince !== null,
      readTarget: this.readTarget,
    };
  }

  /** Perturbations applied so far, oldest first. */
  appliedEvents(): AppliedEvent[] {
    return this.applied.map((e) => ({ ...e }));
  }

  /** What sits in `Q.dead`, by task, exception and reason. */
  deadLetterBreakdown(queue: string): DeadLetterBucket[] {
    return this.queues.get(workQueueOf(queue))?.deadLetterBreakdown() ?? [];
  }

  // --- Controls (runbook mitigations) ---

  private result(control: ControlName, target: string, before: ControlValue, after: ControlValue, detail: string): ControlResult {
    return { control, target, ok: true, changed: before !== after, before, after, detail, at: this.now };
  }

  private refuse(control: ControlName, target: string, detail: string): ControlResult {
    return { control, target, ok: false, changed: false, before: null, after: null, detail, at: this.now };
  }

  /** Set `lsos:pause:<task>`: producers skip emitting it until `untilMs` (null: until resumed). */
  pauseTask(task: string, untilMs: EpochMs | null): ControlResult {
    if (!this.tasks.has(task)) return this.refuse('pauseTask', task, `unknown task ${task}`);
    if (untilMs !== null && untilMs <= this.now) return this.refuse('pauseTask', task, 'the pause would end before it starts');
    const before = this.pauses.has(task) ? (this.pauses.get(task) ?? 'indefinitely') : null;
    this.pauses.set(task, untilMs);
    const after = untilMs ?? 'indefinitely';
    const how = untilMs === null ? 'until resumed' : `for ${formatDurationSpec(untilMs - this.now)}`;
    return this.result('pauseTask', task, before, after, `emissions of ${task} paused ${how}`);
  }

  resumeTask(task: string): ControlResult {
    if (!this.tasks.has(task)) return this.refuse('resumeTask', task, `unknown task ${task}`);
    const was = this.pauses.has(task);
    this.pauses.delete(task);
    return this.result(
      'resumeTask',
      task,
      was ? 'paused' : 'running',
      'running',
      was ? `emissions of ${task} resumed` : `${task} was not paused`,
    );
  }

  setProviderState(pool: string, state: 'healthy' | 'quarantined'): ControlResult {
    const p = this.providers.get(pool);
    if (!p) return this.refuse('setProviderState', pool, `unknown provider pool ${pool}`);
    if (state !== 'healthy' && state !== 'quarantined')
      return this.refuse('setProviderState', pool, `state must be healthy or quarantined`);
    const before = p.state;
    p.state = state;
    const warn =
      state === 'quarantined' && pool === this.activeProvider ? '; it is the active pool, so SERP work waits until traffic is shifted' : '';
    return this.result('setProviderState', pool, before, state, `${pool} ${state}${warn}`);
  }

  setActiveProvider(pool: string): ControlResult {
    const p = this.providers.get(pool);
    if (!p) return this.refuse('setActiveProvider', pool, `unknown provider pool ${pool}`);
    if (p.state === 'quarantined') return this.refuse('setActiveProvider', pool, `${pool} is quarantined: mark it healthy first`);
    const before = this.activeProvider;
    this.activeProvider = pool;
    this.refreshTaskNow();
    return this.result('setActiveProvider', pool, before, pool, `SERP traffic now goes to ${pool}`);
  }

  setProviderConcurrency(pool: string, n: number): ControlResult {
    const p = this.providers.get(pool);
    if (!p) return this.refuse('setProviderConcurrency', pool, `unknown provider pool ${pool}`);
    if (!Number.isInteger(n) || n < 0)
      return this.refuse('setProviderConcurrency', pool, `concurrency must be a whole number >= 0, got ${n}`);
    const before = p.concurrency;
    p.concurrency = n;
    this.refreshTaskNow();
    return this.result('setProviderConcurrency', pool, before, n, `${pool}: ${before} -> ${n} SERP requests in flight`);
  }

  setPacing(profile: PacingProfile): ControlResult {
    if (profile !== 'normal' && profile !== 'conservative')
      return this.refuse('setPacing', String(profile), 'profile must be normal or conservative');
    const before = this.pacing;
    this.pacing = profile;
    this.refreshTaskNow();
    return this.result('setPacing', 'lsos:pacing:profile', before, profile, `pacing profile ${profile}`);
  }

  freezeWrites(frozen: boolean): ControlResult {
    const before = this.writesFrozenSince !== null;
    if (frozen && this.writesFrozenSince === null) this.writesFrozenSince = this.now;
    if (!frozen) this.writesFrozenSince = null;
    this.refreshTaskNow();
    return this.result(
      'freezeWrites',
      'lsos:writes:frozen',
      before,
      frozen,
      frozen ? 'non-critical write paths refuse work' : 'write paths open again',
    );
  }

  /** Celery pool grow/shrink on one worker. */
  setWorkerConcurrency(hostname: string, n: number): ControlResult {
    const w = this.workers.find((x) => x.hostname === hostname);
    if (!w) return this.refuse('setWorkerConcurrency', hostname, `unknown worker ${hostname}`);
    if (!w.alive) return this.refuse('setWorkerConcurrency', hostname, `${hostname} does not answer (offline)`);
    if (!Number.isInteger(n) || n < 0)
      return this.refuse('setWorkerConcurrency', hostname, `concurrency must be a whole number >= 0, got ${n}`);
    const before = w.concurrency;
    w.concurrency = n;
    return this.result('setWorkerConcurrency', hostname, before, n, `${hostname}: pool ${before} -> ${n} processes`);
  }

  /** Celery add_consumer / cancel_consumer. */
  setConsuming(hostname: string, queue: string, consuming: boolean): ControlResult {
    const w = this.workers.find((x) => x.hostname === hostname);
    if (!w) return this.refuse('setConsuming', hostname, `unknown worker ${hostname}`);
    if (!w.alive) return this.refuse('setConsuming', hostname, `${hostname} does not answer (offline)`);
    if (!this.queues.has(queue)) return this.refuse('setConsuming', hostname, `unknown queue ${queue}`);
    const before = w.queues.includes(queue);
    if (consuming && !before) w.queues.push(queue);
    if (!consuming) w.queues = w.queues.filter((q) => q !== queue);
    return {
      ...this.result('setConsuming', hostname, before, consuming, `${hostname} ${consuming ? 'consumes' : 'no longer consumes'} ${queue}`),
      target: `${hostname}/${queue}`,
    };
  }

  /**
   * "Increase replicas": make `replicas` healthy workers serve the queue's pool. Dead workers are
   * not counted (they serve nothing) and stay listed offline; new ones come online at once, and
   * removed ones shut down warmly (their reserved messages go back to the queue).
   */
  scaleWorkers(queue: string, replicas: number): ScaleResult {
    const fail = (detail: string): ScaleResult => ({ ...this.refuse('scaleWorkers', queue, detail), added: [], removed: [] });
    if (!this.queues.has(queue)) return fail(`unknown queue ${queue}`);
    if (!Number.isInteger(replicas) || replicas < 0 || replicas > 500)
      return fail(`replicas must be a whole number from 0 to 500, got ${replicas}`);
    let pool = this.pools.find((p) => p.queues[0] === queue) ?? this.pools.find((p) => p.queues.includes(queue));
    if (!pool) {
      pool = { pool: queue.replace(/\./g, '-'), queues: [queue], replicas: 0, concurrency: 4 };
      this.pools.push(pool);
    }
    const live = this.workers.filter((w) => w.pool === pool.pool && w.alive);
    const added: string[] = [];
    const removed: string[] = [];
    for (let i = live.length; i < replicas; i++) {
      const n = this.poolNextIndex.get(pool.pool) ?? 1;
      this.poolNextIndex.set(pool.pool, n + 1);
      added.push(this.addWorker(pool, `celery@${pool.pool}-${n}`, this.now).hostname);
    }
    for (const w of live.slice(replicas).reverse()) {
      this.releaseBusy(w);
      this.workers.splice(this.workers.indexOf(w), 1);
      removed.push(w.hostname);
    }
    const detail =
      `${pool.pool}: ${live.length} -> ${replicas} healthy workers` +
      (added.length ? ` (added ${added.join(', ')})` : '') +
      (removed.length ? ` (removed ${removed.join(', ')})` : '');
    return { ...this.result('scaleWorkers', queue, live.length, replicas, detail), added, removed };
  }

  /** `lsos:db:read_target`: a replica's name or `primary`. */
  setReadTarget(name: string): ControlResult {
    if (name !== 'primary' && !this.database.hasReplica(name)) {
      return this.refuse('setReadTarget', name, `unknown read target ${name} (primary or ${this.database.replicaNames().join(', ')})`);
    }
    const before = this.readTarget;
    this.readTarget = name;
    return this.result('setReadTarget', name, before, name, `read-only queries now go to ${name}`);
  }

  /**
   * The operator's "fix deployed" on the model: the failures scenario events injected into the
   * task (of one class, or all) end, as when a scenario's `fix-deployed` event comes. Refused
   * when nothing injected is failing it (the model's baseline failures are not a bug to fix).
   */
  deployFix(task: string, failureClass: FailureClass | null = null): ControlResult {
    if (!this.tasks.has(task)) return this.refuse('deployFix', task, `unknown task ${task}`);
    const ended = this.endFaults(task, failureClass);
    const what = failureClass ? `${failureClass} failures` : 'failures';
    if (ended === 0) return this.refuse('deployFix', task, `no injected ${what} of ${task} to fix (only its normal failure rates)`);
    this.applied.push({
      at: this.now,
      kind: 'fix-deployed',
      description: describeEvent({ kind: 'fix-deployed', task, failureClass, atMs: this.now - this.startAt, durationMs: null, line: null }),
      line: null,
    });
    return this.result('deployFix', task, 'failing', 'fixed', `fix for ${task} deployed: its injected ${what} stop`);
  }

  /** Publish `count` new messages of a task (a re-run or a backfill), stamped with now. */
  enqueue(task: string, queue: string, count: number): ControlResult {
    const t = this.tasks.get(task);
    const q = this.queues.get(queue);
    if (!t) return this.refuse('enqueue', task, `unknown task ${task}`);
    if (!q) return this.refuse('enqueue', task, `unknown queue ${queue}`);
    if (!Number.isInteger(count) || count <= 0) return this.refuse('enqueue', task, `count must be a whole number > 0, got ${count}`);
    const before = q.ready.depth;
    this.publish(q, t, 0, count, this.now, 1);
    return { ...this.result('enqueue', `${task} -> ${queue}`, before, q.ready.depth, `${count} × ${task} published to ${queue}`) };
  }

  /**
   * Move up to `max` dead letters from `Q.dead` back to `Q`. A replay is the original envelope
   * (contract section 5): it keeps its `retries` count and its original `lsos_sent_at` (the model
   * knows only when the bucket was last dead-lettered, so that time stands in for it).
   */
  replayDeadLetters(queue: string, max: number, only?: (b: DeadLetterBucket) => boolean): ReplayResult {
    const name = workQueueOf(queue);
    const q = this.queues.get(name);
    if (!q) return { ...this.refuse('replayDeadLetters', queue, `unknown queue ${queue}`), moved: 0 };
    if (!Number.isInteger(max) || max <= 0)
      return { ...this.refuse('replayDeadLetters', queue, `max must be a whole number > 0, got ${max}`), moved: 0 };
    const before = q.deadTotal;
    let moved = 0;
    for (const b of q.takeDeadLetters(max, only)) {
      const t = this.tasks.get(b.task);
      if (!t) continue;
      this.publish(q, t, b.attempt, b.count, Math.min(b.lastDeadAt, this.now), 1);
      moved += b.count;
    }
    return {
      ...this.result(
        'replayDeadLetters',
        deadLetterQueueOf(name),
        before,
        q.deadTotal,
        `${moved} dead letters replayed from ${deadLetterQueueOf(name)} to ${name}`,
      ),
      moved,
    };
  }
}

function describeEvent(ev: ScenarioEvent): string {
  const lasting = ev.durationMs === null ? '' : ` for ${formatDurationSpec(ev.durationMs)}`;
  switch (ev.kind) {
    case 'provider-degrade':
      return `SERP provider ${ev.pool} degrades: ${Math.round(ev.failureProbability * 100)}% of requests fail${lasting}`;
    case 'parser-deploy':
      return `deploy breaks the parser of ${ev.task}: ${Math.round(ev.failureProbability * 100)}% ${ev.exception}${lasting}`;
    case 'task-failure':
      return `${ev.task} fails ${Math.round(ev.probability * 100)}% with ${ev.exception} (${ev.failureClass})${lasting}`;
    case 'report-render-failure':
      return `report rendering ${ev.task} fails ${Math.round(ev.probability * 100)}% with ${ev.exception}${lasting}`;
    case 'replica-stall':
      return `replica ${ev.replica} replay ${ev.paused ? 'paused' : 'stalls'}${lasting}`;
    case 'worker-pool-dies':
      return `worker pool ${ev.pool} dies${ev.workers === null ? '' : ` (${ev.workers} workers)`}`;
    case 'worker-dies':
      return `worker ${ev.hostname} dies`;
    case 'surge':
      return `arrivals of ${ev.task} surge ×${ev.factor}${lasting}`;
    case 'primary-degraded':
      return `primary degraded: ${ev.reason}${lasting}`;
    case 'primary-down':
      return `primary unreachable${lasting}`;
    case 'failed-migration':
      return `migration failed: ${ev.migration}`;
    case 'blocking-queries':
      return `${ev.count} blocked queries behind one lock${lasting}`;
    case 'cross-tenant-risk':
      return `cross-tenant risk raised: ${ev.detail}`;
    case 'data-corruption':
      return `data corruption risk raised (${ev.severity}): ${ev.detail}`;
    case 'api-unhealthy':
      return `API unhealthy: ${ev.detail}${lasting}`;
    case 'fix-deployed':
      return `the fix for ${ev.task}${ev.failureClass ? ` (${ev.failureClass} failures)` : ''} is deployed`;
  }
}
