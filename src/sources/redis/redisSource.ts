// The Redis Celery source: queue depth, reserved, queue lag and dead letters straight from
// kombu's keys, plus Celery events from pub/sub, merged into one snapshot patch per tick.
//
// Cost per tick, however many queues: ONE round trip, a pipeline of
//   EVALSHA inspect (all queues: depths, oldest ready message, samples, dead letters, unacked)
//   SCAN <cursor> MATCH _kombu.binding.* COUNT n   (queue discovery, one step per tick)
//   SMEMBERS of the binding keys the previous step found
//   MGET provider flags (optional)
// plus one more (EVAL with the script text) only when Redis lost the cached script.
// Nothing reads a whole list or hash; see inspectScript.ts for the per-call bounds.
import { Redis, type RedisOptions } from 'ioredis';
import {
  EventAggregator,
  applyQueueEventStats,
  type EventAggregatorOptions,
  type ProviderFlags,
  type QueueEventStats,
} from '../../core/celeryEvents.js';
import { createClassifier, type FailureRule } from '../../core/failureClass.js';
import {
  FAILURE_CLASSES,
  emptyFailures,
  type EpochMs,
  type FailureClass,
  type LagMethod,
  type QueueSnapshot,
} from '../../core/snapshot.js';
import { systemClock, type Clock, type SnapshotPatch, type Source } from '../../core/source.js';
import { DeadLetterTrend } from './deadLetterTrend.js';
import { RedisEventStream, type EventStreamStats } from './eventStream.js';
import { INSPECT_LUA, decodeInspectReply, inspectArgv, type InspectReading, type SubListReading } from './inspectScript.js';
import { BINDING_PREFIX, UNACKED_INDEX_KEY, UNACKED_KEY, queueFromBinding } from './keys.js';
import { createHash } from 'node:crypto';

/** The LSOS contract's queues (section 1). */
export const LSOS_QUEUES = ['crawl', 'rank', 'reviews', 'reporting', 'reporting.retry', 'email', 'celery'] as const;

export interface RedisSourceOptions {
  /** `redis://[user:password@]host:port/db`; the db also names the events channel `/<db>.celeryev/*`. */
  url?: string;
  host?: string;
  port?: number;
  db?: number;
  username?: string;
  password?: string;
  /** Source name in the status bar (default `redis`). */
  name?: string;
  /** Queues always shown (default: the contract's queues, with `queuePrefix`). */
  queues?: string[];
  /** LSOS queue-name prefix (test isolation), applied to the default queues and task routing. */
  queuePrefix?: string;
  /** Discover more queues from `_kombu.binding.*` (default true). */
  discover?: boolean;
  /** Only discovered queues starting with this are shown (default: all). */
  discoverPrefix?: string;
  /** SCAN COUNT of one discovery step per tick (default 1000). */
  scanCount?: number;
  /** Upper bound of queues inspected per tick (default 2000). */
  maxQueues?: number;
  /** Oldest messages per priority list checked for readability each tick (default 8). */
  sampleDepth?: number;
  /** A message larger than this is unreadable and never leaves Redis (default 256 KiB). */
  maxMessageBytes?: number;
  /** Newest dead letters classified per queue when `Q.dead` changes (default 50). */
  deadSample?: number;
  /** Re-classify dead letters every this many ticks even if the length did not change (default 30). */
  deadResampleEveryTicks?: number;
  /** Unacked entries read per tick; above it the newest stand for all (default 5000). */
  maxUnackedScan?: number;
  unackedKey?: string;
  unackedIndexKey?: string;
  /** Configured dead-letter baseline per hour, by queue name. */
  deadLetterBaselinePerHour?: Record<string, number>;
  /** Lag values kept per queue for the trend (default 30). */
  lagTrendLength?: number;
  connectTimeoutMs?: number;
  /** How long read() waits for a (re)connection before it rejects (default 1500 ms). */
  readyTimeoutMs?: number;
  commandTimeoutMs?: number;
  /** Subscribe to Celery events (default true). */
  events?: boolean;
  maxEventBytes?: number;
  /** An aggregator to share, or options for the one this source makes. */
  aggregator?: EventAggregator | EventAggregatorOptions;
  failureRules?: FailureRule[];
  /** Read `lsos:provider:*` flags in the same round trip (default: when the broker db is 0, where LSOS keeps them). */
  providerFlags?: boolean;
  /** Provider pools whose flags are read besides those seen in SERP events. */
  providers?: string[];
  clock?: Clock;
}

/** Extra per-queue detail this source adds to QueueSnapshot (optional fields, panels may ignore them). */
export interface RedisQueueDetail {
  /** Ready messages per priority list (kombu steps 0, 3, 6, 9). */
  priorityDepths: number[];
  /** The newest dead letters (bounded sample) by failure class of lsos_exc_type. */
  deadLetterClasses: Record<FailureClass, number>;
  deadLetterSample: { sampled: number; byExcType: Record<string, number> } | null;
  /** Retried attempts in the events window. */
  retried: number;
  /** Tasks finished (succeeded, failed or rejected for good) in the events window. */
  finished: number;
  /** Reserved was scaled from a sample of the unacked entries. */
  reservedEstimated: boolean;
}

export type RedisQueueSnapshot = QueueSnapshot & RedisQueueDetail;

export interface RedisTickStats {
  at: EpochMs;
  /** Network round trips this tick took. */
  roundTrips: number;
  ms: number;
  queues: number;
}

export interface RedisSourceStats {
  ticks: number;
  lastTick: RedisTickStats | null;
  totalRoundTrips: number;
  discoveredQueues: number;
  reservedEstimated: boolean;
  events: EventStreamStats | null;
  lastError: string | null;
}

interface QueueState {
  trend: DeadLetterTrend;
  lastDead: number;
  deadClasses: Record<FailureClass, number>;
  deadSample: { sampled: number; byExcType: Record<string, number> } | null;
  lagTrend: number[];
  /** Per priority list: the last full reading and its sample key. */
  samples: SubListReading[];
}

function parseConnection(o: RedisSourceOptions): { conn: RedisOptions; db: number; label: string } {
  let host = o.host ?? '127.0.0.1';
  let port = o.port ?? 6379;
  let db = o.db ?? 0;
  let username = o.username;
  let password = o.password;
  if (o.url) {
    const u = new URL(o.url);
    if (u.protocol !== 'redis:') throw new Error(`redis source: unsupported URL scheme ${u.protocol}`);
    host = u.hostname || host;
    port = u.port ? Number(u.port) : port;
    const path = u.pathname.replace(/^\//, '');
    if (path) db = Number(path);
    if (u.username) username = decodeURIComponent(u.username);
    if (u.password) password = decodeURIComponent(u.password);
  }
  if (!Number.isInteger(db) || db < 0) throw new Error(`redis source: bad db number ${String(db)}`);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`redis source: bad port ${String(port)}`);
  const conn: RedisOptions = { host, port, db };
  if (username) conn.username = username;
  if (password) conn.password = password;
  return { conn, db, label: `${host}:${port}/${db}` };
}

export class RedisCelerySource implements Source {
  readonly name: string;
  private readonly redis: Redis;
  private readonly events: RedisEventStream | null;
  readonly aggregator: EventAggregator;
  private readonly clock: Clock;
  private readonly label: string;
  private readonly db: number;
  private readonly o: {
    configured: string[];
    discover: boolean;
    discoverPrefix: string;
    scanCount: number;
    maxQueues: number;
    sampleDepth: number;
    maxMessageBytes: number;
    deadSample: number;
    deadResampleEveryTicks: number;
    maxUnackedScan: number;
    unackedKey: string;
    unackedIndexKey: string;
    baselines: Record<string, number>;
    lagTrendLength: number;
    readyTimeoutMs: number;
    providerFlags: boolean;
    providers: string[];
  };
  private readonly classify: (e: unknown) => FailureClass;
  private readonly sha = createHash('sha1').update(INSPECT_LUA).digest('hex');
  private scriptLoaded = false;
  private scanCursor = '0';
  /** Binding keys found by the last SCAN step, read with SMEMBERS in the next tick. */
  private pendingBindings: string[] = [];
  private scanCycle = 0;
  /** Discovered queue -> last SCAN cycle its binding was seen. */
  private readonly discovered = new Map<string, number>();
  private readonly queueState = new Map<string, QueueState>();
  /** Head message identity -> when the cockpit first saw it there (unstamped heads only). */
  private firstSeen = new Map<string, EpochMs>();
  private lastError: string | null = null;
  private ticks = 0;
  private totalRoundTrips = 0;
  private lastTick: RedisTickStats | null = null;
  private reservedEstimated = false;
  private closed = false;

  constructor(opts: RedisSourceOptions = {}) {
    const { conn, db, label } = parseConnection(opts);
    this.name = opts.name ?? 'redis';
    this.label = label;
    this.db = db;
    this.clock = opts.clock ?? systemClock;
    const prefix = opts.queuePrefix ?? '';
    this.o = {
      configured: opts.queues ?? LSOS_QUEUES.map((q) => prefix + q),
      discover: opts.discover ?? true,
      discoverPrefix: opts.discoverPrefix ?? '',
      scanCount: opts.scanCount ?? 1000,
      maxQueues: opts.maxQueues ?? 2000,
      sampleDepth: Math.max(1, opts.sampleDepth ?? 8),
      maxMessageBytes: opts.maxMessageBytes ?? 262_144,
      deadSample: opts.deadSample ?? 50,
      deadResampleEveryTicks: Math.max(1, opts.deadResampleEveryTicks ?? 30),
      maxUnackedScan: opts.maxUnackedScan ?? 5000,
      unackedKey: opts.unackedKey ?? UNACKED_KEY,
      unackedIndexKey: opts.unackedIndexKey ?? UNACKED_INDEX_KEY,
      baselines: opts.deadLetterBaselinePerHour ?? {},
      lagTrendLength: opts.lagTrendLength ?? 30,
      readyTimeoutMs: opts.readyTimeoutMs ?? 1500,
      providerFlags: opts.providerFlags ?? db === 0,
      providers: opts.providers ?? [],
    };
    this.classify = createClassifier(opts.failureRules);
    if (opts.aggregator instanceof EventAggregator) this.aggregator = opts.aggregator;
    else this.aggregator = new EventAggregator({ classify: this.classify, queuePrefix: prefix, ...(opts.aggregator ?? {}) });
    const connectTimeout = opts.connectTimeoutMs ?? 2000;
    const base: RedisOptions = {
      ...conn,
      connectTimeout,
      // Keep reconnecting in the background, never faster than every 250 ms nor slower than 2 s.
      retryStrategy: (times: number) => Math.min(2000, 250 * times),
    };
    // No offline queue and no per-request retries: while Redis is away a command fails at once,
    // read() rejects and the scheduler marks the source unreachable and backs off.
    this.redis = new Redis({
      ...base,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: opts.commandTimeoutMs ?? 5000,
    });
    this.redis.on('error', (err: Error) => {
      this.lastError = err.message;
    });
    this.redis.on('ready', () => {
      this.lastError = null;
    });
    this.redis.on('close', () => {
      this.lastError ??= 'connection closed';
    });
    this.events = opts.events === false ? null : new RedisEventStream(base, db, this.aggregator, this.clock, opts.maxEventBytes);
  }

  /** The pub/sub pattern events arrive on. */
  get eventChannel(): string {
    return `/${this.db}.celeryev/*`;
  }

  /** Connects (at most readyTimeoutMs) or rejects with a message that says where and why. */
  private async ensureReady(): Promise<void> {
    if (this.closed) throw new Error(`redis ${this.label}: source closed`);
    if (this.redis.status === 'ready') return;
    // Between two failed connection attempts: say so now rather than wait for the next one.
    if (this.redis.status === 'reconnecting') throw this.unreachable(this.lastError ?? 'connection lost, reconnecting');
    if (this.redis.status === 'wait' || this.redis.status === 'end') this.redis.connect().catch(() => undefined);
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.redis.off('ready', onReady);
        if (err) reject(err);
        else resolve();
      };
      const onReady = () => done();
      const timer = setTimeout(
        () => done(new Error(`redis ${this.label} unreachable: ${this.lastError ?? `no connection within ${this.o.readyTimeoutMs} ms`}`)),
        this.o.readyTimeoutMs,
      );
      this.redis.on('ready', onReady);
      if ((this.redis.status as string) === 'ready') done();
    });
  }

  /** Queues this tick: configured, then discovered (bounded by maxQueues). */
  private queueList(): string[] {
    const out = new Set(this.o.configured);
    for (const q of [...this.discovered.keys()].sort()) {
      if (out.size >= this.o.maxQueues) break;
      out.add(q);
    }
    return [...out].slice(0, this.o.maxQueues);
  }

  private state(queue: string): QueueState {
    let s = this.queueState.get(queue);
    if (!s) {
      const configured = this.o.baselines[queue];
      s = {
        trend: new DeadLetterTrend({ configuredBaselinePerHour: configured ?? null }),
        lastDead: -1,
        deadClasses: emptyFailures(),
        deadSample: null,
        lagTrend: [],
        samples: [],
      };
      this.queueState.set(queue, s);
    }
    return s;
  }

  private providerNames(): string[] {
    const names = new Set(this.o.providers);
    for (const p of this.aggregator.providerNames()) names.add(p);
    return [...names].slice(0, 64);
  }

  async read(signal?: AbortSignal): Promise<SnapshotPatch> {
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
    const started = performance.now();
    this.events?.start();
    await this.ensureReady();
    const queues = this.queueList();
    const resample = this.ticks % this.o.deadResampleEveryTicks === 0;
    const argv = inspectArgv({
      sampleDepth: this.o.sampleDepth,
      maxMessageBytes: this.o.maxMessageBytes,
      deadSample: this.o.deadSample,
      maxUnackedScan: this.o.maxUnackedScan,
      unackedKey: this.o.unackedKey,
      unackedIndexKey: this.o.unackedIndexKey,
      queues: queues.map((name) => {
        const st = this.queueState.get(name);
        return {
          name,
          lastDeadLetters: resample ? -1 : (st?.lastDead ?? -1),
          lastSampleKeys: resample ? [] : (st?.samples.map((x) => x.sampleKey) ?? []),
        };
      }),
    });
    const bindings = this.pendingBindings;
    const bindingCycle = this.scanCycle;
    const providers = this.o.providerFlags ? this.providerNames() : [];
    const flagKeys = this.o.providerFlags ? ['lsos:provider:active', ...providers.map((p) => `lsos:provider:${p}:state`)] : [];

    const pipe = this.redis.pipeline();
    if (this.scriptLoaded) pipe.evalsha(this.sha, 0, ...argv);
    else pipe.eval(INSPECT_LUA, 0, ...argv);
    if (this.o.discover) pipe.scan(this.scanCursor, 'MATCH', `${BINDING_PREFIX}*`, 'COUNT', this.o.scanCount);
    for (const key of bindings) pipe.smembers(key);
    if (flagKeys.length > 0) pipe.mget(...flagKeys);
    let roundTrips = 1;
    const results = await this.exec(pipe);
    let [scriptErr, scriptReply] = results[0] ?? [new Error('no reply'), null];
    if (scriptErr && /NOSCRIPT/.test(scriptErr.message)) {
      // Redis restarted or flushed its script cache: send the text once more.
      roundTrips += 1;
      const retry = await this.exec(this.redis.pipeline().eval(INSPECT_LUA, 0, ...argv));
      [scriptErr, scriptReply] = retry[0] ?? [new Error('no reply'), null];
    }
    if (scriptErr) {
      // A reply error is Redis answering; anything else is the connection failing under us.
      if (scriptErr.name === 'ReplyError') throw new Error(`redis ${this.label}: inspection failed: ${scriptErr.message}`);
      throw this.unreachable(scriptErr.message);
    }
    this.scriptLoaded = true;
    const reading = decodeInspectReply(scriptReply, queues);

    let i = 1;
    if (this.o.discover) {
      const [err, scan] = results[i++] ?? [null, null];
      if (!err) this.advanceDiscovery(scan);
    }
    bindings.forEach((key) => {
      const [err, members] = results[i++] ?? [null, null];
      if (!err && Array.isArray(members)) this.noteBinding(key, members, bindingCycle);
    });
    let flags: ProviderFlags | undefined;
    if (flagKeys.length > 0) {
      const [err, values] = results[i++] ?? [null, null];
      if (!err && Array.isArray(values)) flags = parseFlags(providers, values);
    }

    const now = this.clock.now();
    const patch = this.buildPatch(reading, now, flags);
    const ms = performance.now() - started;
    this.ticks += 1;
    this.totalRoundTrips += roundTrips;
    this.lastTick = { at: now, roundTrips, ms, queues: queues.length };
    return patch;
  }

  private async exec(pipe: ReturnType<Redis['pipeline']>): Promise<[Error | null, unknown][]> {
    try {
      const res = await pipe.exec();
      if (!res) throw new Error('pipeline discarded');
      return res as [Error | null, unknown][];
    } catch (err) {
      throw this.unreachable(err instanceof Error ? err.message : String(err));
    }
  }

  private unreachable(msg: string): Error {
    return new Error(
      `redis ${this.label} unreachable: ${this.lastError && !msg.includes(this.lastError) ? `${msg} (${this.lastError})` : msg}`,
    );
  }

  private advanceDiscovery(scan: unknown): void {
    if (!Array.isArray(scan) || scan.length !== 2 || typeof scan[0] !== 'string' || !Array.isArray(scan[1])) return;
    const keys = (scan[1] as unknown[]).filter((k): k is string => typeof k === 'string');
    this.pendingBindings = keys.slice(0, this.o.maxQueues);
    this.scanCursor = scan[0];
    if (this.scanCursor === '0') {
      // A full pass ended: queues whose binding vanished during it are forgotten.
      const finished = this.scanCycle;
      this.scanCycle += 1;
      for (const [q, cycle] of this.discovered) if (cycle < finished - 1) this.discovered.delete(q);
    }
  }

  private noteBinding(key: string, members: unknown[], cycle: number): void {
    for (const m of members) {
      if (typeof m !== 'string') continue;
      const q = queueFromBinding(key, m);
      if (!q || !q.startsWith(this.o.discoverPrefix)) continue;
      if (!this.discovered.has(q) && this.discovered.size >= this.o.maxQueues) continue;
      this.discovered.set(q, cycle);
    }
  }

  private buildPatch(reading: InspectReading, now: EpochMs, flags: ProviderFlags | undefined): SnapshotPatch {
    const events = this.aggregator.patch(now, flags);
    const byQueue = new Map<string, QueueEventStats>(events.queues.map((q) => [q.name, q]));
    const u = reading.unacked;
    this.reservedEstimated = u.scanned < u.total;
    const scale = u.scanned > 0 ? u.total / u.scanned : 0;
    const nextFirstSeen = new Map<string, EpochMs>();
    const queues: RedisQueueSnapshot[] = [];

    for (const r of reading.queues) {
      const st = this.state(r.queue);
      st.trend.observe(r.deadLetters, now);
      st.lastDead = r.deadLetters;
      if (r.deadSample) {
        st.deadSample = r.deadSample;
        st.deadClasses = emptyFailures();
        for (const [type, n] of Object.entries(r.deadSample.byExcType)) st.deadClasses[this.classify(type)] += n;
      } else if (r.deadLetters === 0) {
        st.deadSample = null;
        st.deadClasses = emptyFailures();
      }
      const dl = st.trend.figures(now);
      // A list unchanged since the last tick (same length and tail) keeps its last reading.
      const lists = r.lists.map((l, i) => {
        const prev = st.samples[i];
        return l.headStatus === 'unchanged' && prev && prev.sampleKey === l.sampleKey ? prev : l;
      });
      if (lists.some((l) => l.headStatus === 'unchanged')) {
        // The cache and Redis disagree (should not happen): read everything afresh next tick.
        st.samples = [];
      } else {
        st.samples = lists;
      }
      const unreadable = lists.reduce((n, l) => n + (l.unreadable ?? 0), 0);

      // Queue lag: the oldest ready message across the priority lists.
      let lag = 0;
      let anyReady = false;
      let allStamped = true;
      for (const l of lists) {
        if (l.length === 0) continue;
        anyReady = true;
        let lagS: number;
        if (l.headSentAt !== null) {
          lagS = Math.max(0, now / 1000 - l.headSentAt);
        } else {
          allStamped = false;
          const seen = this.firstSeen.get(l.headId) ?? now;
          nextFirstSeen.set(l.headId, seen);
          lagS = (now - seen) / 1000;
        }
        lag = Math.max(lag, lagS);
      }
      const lagMethod: LagMethod = !anyReady ? 'empty' : allStamped ? 'stamped' : 'first-seen';
      st.lagTrend.push(lag);
      if (st.lagTrend.length > this.o.lagTrendLength) st.lagTrend.shift();

      const ev = byQueue.get(r.queue);
      byQueue.delete(r.queue);
      const base: QueueSnapshot = {
        name: r.queue,
        depth: lists.reduce((n, l) => n + l.length, 0),
        reserved: Math.round((u.byRoutingKey[r.queue] ?? 0) * scale),
        consumers: null,
        lagSeconds: anyReady ? lag : 0,
        lagMethod,
        deadLetters: r.deadLetters,
        deadLetterGrowthPerHour: dl.growthPerHour,
        deadLetterBaselinePerHour: dl.baselinePerHour,
        deadLetterBaselineSource: dl.baselineSource,
        failuresByClass: emptyFailures(),
        topFailingTasks: [],
        drainPerMinute: 0,
        unreadable,
        lagTrend: st.lagTrend.slice(),
        // The previous 24 h only once both the events and the dead-letter list were watched that long.
        last24h:
          dl.last24h !== null && this.aggregator.observedMs(now) >= 24 * 3_600_000
            ? { failures: ev?.last24h?.failures ?? 0, succeeded: ev?.last24h?.succeeded ?? 0, deadLettered: dl.last24h }
            : null,
      };
      queues.push({
        ...applyQueueEventStats(base, ev),
        priorityDepths: lists.map((l) => l.length),
        deadLetterClasses: { ...st.deadClasses },
        deadLetterSample: st.deadSample,
        retried: ev?.retried ?? 0,
        finished: ev?.finished ?? 0,
        reservedEstimated: this.reservedEstimated,
      });
    }
    this.firstSeen = nextFirstSeen;
    // Queues inspected no more (a binding vanished) drop their state.
    if (this.queueState.size > reading.queues.length) {
      const live = new Set(reading.queues.map((q) => q.queue));
      for (const q of this.queueState.keys()) if (!live.has(q)) this.queueState.delete(q);
    }
    // Failures in queues the broker does not show (unknown tasks, other prefixes) stay visible.
    for (const ev of byQueue.values()) {
      if (ev.name !== '(unknown)' && !ev.name.startsWith(this.o.discoverPrefix)) continue;
      const total = FAILURE_CLASSES.reduce((n, c) => n + ev.failuresByClass[c], 0);
      if (total === 0 && ev.finished === 0) continue;
      queues.push({
        ...applyQueueEventStats(emptyQueue(ev.name), ev),
        priorityDepths: [0, 0, 0, 0],
        deadLetterClasses: emptyFailures(),
        deadLetterSample: null,
        retried: ev.retried,
        finished: ev.finished,
        reservedEstimated: false,
      });
    }
    return { queues, workers: events.workers, reporting: events.reporting, providers: events.providers };
  }

  stats(): RedisSourceStats {
    return {
      ticks: this.ticks,
      lastTick: this.lastTick,
      totalRoundTrips: this.totalRoundTrips,
      discoveredQueues: this.discovered.size,
      reservedEstimated: this.reservedEstimated,
      events: this.events?.stats() ?? null,
      lastError: this.lastError,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.events?.close();
    this.redis.disconnect();
  }
}

function emptyQueue(name: string): QueueSnapshot {
  return {
    name,
    depth: 0,
    reserved: 0,
    consumers: null,
    lagSeconds: null,
    lagMethod: 'unknown',
    deadLetters: 0,
    deadLetterGrowthPerHour: 0,
    deadLetterBaselinePerHour: null,
    deadLetterBaselineSource: null,
    failuresByClass: emptyFailures(),
    topFailingTasks: [],
    drainPerMinute: 0,
    unreadable: 0,
    lagTrend: [],
  };
}

function parseFlags(providers: string[], values: unknown[]): ProviderFlags {
  const active = typeof values[0] === 'string' && values[0].length > 0 && values[0].length <= 128 ? values[0] : null;
  const states: ProviderFlags['states'] = {};
  providers.forEach((p, i) => {
    const v = values[i + 1];
    if (v === 'healthy' || v === 'quarantined') states[p] = v;
  });
  return { active, states };
}
