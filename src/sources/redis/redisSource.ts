// The Redis Celery source: queue depth, reserved, queue lag and dead letters straight from
// kombu's keys, plus Celery events from pub/sub, merged into one snapshot patch per tick.
//
// Cost per tick, however many queues: ONE round trip, a pipeline of
//   EVALSHA inspect 'q' per chunk of at most queuesPerCall queues (every queue's depth, the dead-letter
//     lengths this tick counts, and the message reads it asks for: heads, readability samples,
//     dead-letter classes)
//   EVALSHA inspect 'u' per window of unackedPerCall unacked entries (reserved by queue)
//   SCAN <cursor> MATCH _kombu.binding.* COUNT n   (queue discovery, one step per tick)
//   SMEMBERS of the binding keys the previous step found
//   MGET provider flags (optional)
// plus one more (SCRIPT LOAD and the calls again) only when Redis lost the cached script, and a
// ZCARD on the very first tick (to size the unacked windows).
// Each call is short (Redis serves nobody else while a script runs): a chunk counts its queues
// (LLEN) and reads messages only within its read budget. Which heads, samples and dead letters are
// read is planned here, per tick, within budgets: a list whose length changed has its head read
// at once; every other non-empty queue's head is re-read in rotation (so a head that moved while
// the length stayed the same is seen within queues/headRefreshPerTick ticks; every tick up to
// 32 queues); readability samples and dead-letter classes likewise. Every queue's depth is read
// every tick; Q.dead's length every tick up to deadCountsPerTick (250) queues, above that in
// rotation, each queue's at least every deadCountEveryTicks (4) ticks: a new dead letter shows
// within 4 ticks at most (test/live/redis-chunks.test.ts). Nothing reads a whole list or hash;
// see inspectScript.ts.
import { Redis, type RedisOptions } from 'ioredis';
import {
  EventAggregator,
  applyQueueEventStats,
  type EventAggregatorOptions,
  type ProviderFlags,
  type QueueEventStats,
} from '../../core/celeryEvents.js';
import { createClassifier, type FailureClassRule } from '../../domain/failureClasses.js';
import {
  FAILURE_CLASSES,
  emptyFailures,
  type EpochMs,
  type FailureClass,
  type QueueSnapshot,
  type SourceEndpoint,
} from '../../core/snapshot.js';
import { systemClock, type Clock, type SnapshotPatch, type SnapshotSlice, type Source } from '../../core/source.js';
import { authOrTlsProblem } from '../connect/errors.js';
import { connectedTo, reconnectAfterSentinelRace, redisOptions } from '../connect/redis.js';
import { packChunks } from './chunkPlan.js';
import { DeadLetterTrend } from './deadLetterTrend.js';
import { RedisEventStream, type EventStreamStats } from './eventStream.js';
import {
  ASK_DEAD,
  ASK_DEEP,
  ASK_HEAD,
  ASK_SUBS,
  ASK_COUNT,
  INSPECT_LUA,
  decodeQueueChunk,
  decodeUnacked,
  nameBytes,
  queueChunkArgv,
  unackedArgv,
  type HeadReading,
  type QueueAsk,
  type QueueRecord,
  type UnackedReading,
  type UnackedWindow,
} from './inspectScript.js';
import { BINDING_PREFIX, UNACKED_INDEX_KEY, UNACKED_KEY, queueFromBinding } from './keys.js';
import { createHash } from 'node:crypto';
import { secondsSince } from '../../domain/duration.js';
import { LSOS_QUEUES } from '../../domain/queues.js';
import { LagTrendLog } from '../../core/lagTrend.js';

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
  /** Upper bound of queues inspected per tick (default 10,000; chunked, see queuesPerCall). */
  maxQueues?: number;
  /** Queues per EVALSHA call: each call stays short (default 250). */
  queuesPerCall?: number;
  /** Messages one call may read (copy into Lua) at most; the rest waits a tick (default 96). */
  readsPerCall?: number;
  /**
   * Planned message reads (heads, readability samples, dead-letter classes) per call the tick's
   * plan aims at: they are spread over the calls, and more reads make more calls (default 48).
   */
  plannedReadsPerCall?: number;
  /** Bytes of messages one call may read at most (checked before each read; default 192 KiB). */
  bytesPerCall?: number;
  /** Non-empty queues whose head is re-read per tick although their length did not change (default 32). */
  headRefreshPerTick?: number;
  /** Queues whose oldest sampleDepth messages are checked for readability per tick (default 4). */
  deepSamplesPerTick?: number;
  /** Queues whose newest dead letters are classified per tick (default 4). */
  deadSamplesPerTick?: number;
  /** Queues whose priority lists (Q\x06\x163 …) are counted per tick besides those known non-empty (default 32). */
  subListChecksPerTick?: number;
  /**
   * Every queue's Q.dead is counted at least every this many ticks (default 4), so a new dead
   * letter shows within that many ticks: ceil(queues / deadCountEveryTicks) queues per tick, the
   * longest uncounted first, at least deadCountsPerTick (so up to that many queues, every tick).
   */
  deadCountEveryTicks?: number;
  /** Queues whose Q.dead is counted per tick at least (default 250, one call's worth). */
  deadCountsPerTick?: number;
  /** Unacked entries per EVALSHA call (default 250). */
  unackedPerCall?: number;
  /** Oldest messages per priority list checked for readability each tick (default 8). */
  sampleDepth?: number;
  /** A message larger than this is unreadable and never leaves Redis (default 256 KiB). */
  maxMessageBytes?: number;
  /** Newest dead letters classified per queue when `Q.dead` changes (default 50). */
  deadSample?: number;
  /** Re-classify dead letters (and re-check readability) at least every this many ticks of a queue's turn (default 30). */
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
  failureRules?: readonly FailureClassRule[];
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
  /** EVALSHA calls in the tick's pipeline (queue chunks and unacked windows). */
  scriptCalls: number;
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
  /** Lag values, one a tick: the snapshots' lagTrend are windows over it (no copy per tick). */
  lagTrend: LagTrendLog;
  /** Per priority list (ready list first): what was last read of it. */
  lists: ListState[];
  /** The priority lists were counted at least once. */
  subsChecked: boolean;
  subsTick: number;
  /** Tick Q.dead was last counted. */
  deadCountTick: number;
  /** Ticks (this.ticks) of the last head read, readability sample, and dead-letter classification. */
  headTick: number;
  deepTick: number;
  /** Head identity when the readability sample was taken: another head makes a new sample due. */
  deepHeadId: string;
  deadTick: number;
  deadAtSample: number;
  /** The snapshot given out last tick: kept as it is while nothing in it changes. */
  snap: RedisQueueSnapshot | null;
  /**
   * This queue's ask, filled in again every tick (not an object and an array per queue a tick):
   * read() uses a tick's asks within that tick only. Its name's bytes are encoded once, here.
   * lens1 and lens4 are its lastLens without and with the priority lists.
   */
  ask: QueueAsk;
  lens1: number[];
  lens4: number[];
}

/** Newest dead letters classified in one tick. */
type DeadSample = NonNullable<QueueRecord['deadSample']>;

interface ListState {
  /** Length as last counted. */
  len: number;
  /** Length when the head was last read (-1: not read since it changed): the script compares. */
  readLen: number;
  head: HeadReading | null;
  /** The last readability sample (unreadable among `sampled`), null before the first. */
  unreadable: number | null;
  sampled: number;
}

const NEVER = -1_000_000;
/** SCAN passes between two SMEMBERS of a binding key already read. */
const REREAD_BINDING_CYCLES = 10;
const emptyList = (): ListState => ({ len: 0, readLen: -1, head: null, unreadable: null, sampled: 0 });

function parseConnection(o: RedisSourceOptions): { conn: RedisOptions; db: number; label: string } {
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? 6379;
  const db = o.db ?? 0;
  const username = o.username;
  const password = o.password;
  // A configured URL (redis://, rediss://, a sentinel:// list) is made into options in one place.
  if (o.url) {
    // The URL's database beats the db option, as before (a URL without one takes the option).
    const urlNamesDb = o.url.split(';').some((p) => /^\s*[a-z]+:\/\/[^/?]*\/\d+/i.test(p));
    const c = redisOptions(o.url, !urlNamesDb && o.db !== undefined ? { db: o.db } : {});
    return { conn: c.options, db: c.db, label: c.label };
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
  /** A broker's Celery picture: queues, workers, and what events say of reports and providers. */
  readonly owns: readonly SnapshotSlice[] = ['queues', 'workers', 'reporting', 'providers'];
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
    queuesPerCall: number;
    readsPerCall: number;
    plannedReadsPerCall: number;
    bytesPerCall: number;
    headRefreshPerTick: number;
    deepSamplesPerTick: number;
    deadSamplesPerTick: number;
    subListChecksPerTick: number;
    deadCountEveryTicks: number;
    deadCountsPerTick: number;
    unackedPerCall: number;
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
  /** unacked_index's size at the last tick (null before the first). */
  private unackedTotal: number | null = null;
  /** Delivery tag -> routing key (null: value missing), read once per delivery. */
  private readonly unackedRk = new Map<string, string | null>();
  /** Entries scored after this (at or after, while some are not read yet) are read next tick. */
  private unackedSince = { score: -Infinity, after: false };
  private scanCursor = '0';
  /** Binding keys found by the last SCAN step, read with SMEMBERS in the next tick. */
  private pendingBindings: string[] = [];
  private scanCycle = 0;
  /** Binding key -> the queues its members named, and the SCAN passes it was read and last seen in. */
  private readonly bindingMembers = new Map<string, { queues: string[]; readCycle: number; seenCycle: number }>();
  /** Discovered queue -> last SCAN cycle its binding was seen. */
  private readonly discovered = new Map<string, number>();
  /** queueList()'s answer until `discovered` gains or loses a queue. */
  private queueListCache: string[] | null = null;
  private readonly queueState = new Map<string, QueueState>();
  /** statesOf()'s answer for the list it was asked for. */
  private statesCache: { list: string[]; states: QueueState[] } | null = null;
  /** Queue name -> its place in the last tick's event figures (buildPatch). */
  private readonly eventIndex = new Map<string, number>();
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
      // Every queue is watched: the inspection is chunked (queuesPerCall per EVALSHA, one round
      // trip), so a limit here would only hide queues. A caller may still set one.
      maxQueues: opts.maxQueues ?? Number.POSITIVE_INFINITY,
      queuesPerCall: Math.max(1, opts.queuesPerCall ?? 250),
      readsPerCall: Math.max(1, opts.readsPerCall ?? 96),
      plannedReadsPerCall: Math.max(1, opts.plannedReadsPerCall ?? 48),
      bytesPerCall: Math.max(1, opts.bytesPerCall ?? 196_608),
      headRefreshPerTick: Math.max(0, opts.headRefreshPerTick ?? 32),
      deepSamplesPerTick: Math.max(0, opts.deepSamplesPerTick ?? 4),
      deadSamplesPerTick: Math.max(0, opts.deadSamplesPerTick ?? 4),
      subListChecksPerTick: Math.max(0, opts.subListChecksPerTick ?? 32),
      deadCountEveryTicks: Math.max(1, Math.floor(opts.deadCountEveryTicks ?? 4)),
      deadCountsPerTick: Math.max(0, opts.deadCountsPerTick ?? 250),
      unackedPerCall: Math.max(1, opts.unackedPerCall ?? 250),
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
    this.redis = reconnectAfterSentinelRace(
      new Redis({
        ...base,
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: opts.commandTimeoutMs ?? 5000,
      }),
    );
    // In the runbook's words (wrong password, untrusted certificate, host name mismatch), one line.
    this.redis.on('error', (err: Error) => {
      this.lastError = authOrTlsProblem(err) ?? err.message;
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

  /** Queues this tick: configured, then discovered (bounded by maxQueues); made again only when discovery found or lost one. */
  private queueList(): string[] {
    if (this.queueListCache) return this.queueListCache;
    const out = new Set(this.o.configured);
    for (const q of [...this.discovered.keys()].sort()) {
      if (out.size >= this.o.maxQueues) break;
      out.add(q);
    }
    this.queueListCache = [...out].slice(0, this.o.maxQueues);
    return this.queueListCache;
  }

  /**
   * Each queue's state, in the order of `queues` (queueList()'s answer): the same list, the same
   * array, no lookup by name per queue per tick. A state leaves queueState only with its queue's
   * leaving the list (buildPatch), which makes a new list.
   */
  private statesOf(queues: string[]): QueueState[] {
    const c = this.statesCache;
    if (c && c.list === queues) return c.states;
    const states = new Array<QueueState>(queues.length);
    for (let k = 0; k < queues.length; k++) states[k] = this.state(queues[k] as string);
    this.statesCache = { list: queues, states };
    return states;
  }

  private state(queue: string): QueueState {
    let s = this.queueState.get(queue);
    if (!s) {
      const configured = this.o.baselines[queue];
      const lens1 = [-1];
      s = {
        trend: new DeadLetterTrend({ configuredBaselinePerHour: configured ?? null }),
        lastDead: -1,
        deadClasses: emptyFailures(),
        deadSample: null,
        lagTrend: new LagTrendLog(this.o.lagTrendLength),
        lists: [emptyList(), emptyList(), emptyList(), emptyList()],
        subsChecked: false,
        subsTick: NEVER,
        deadCountTick: NEVER,
        headTick: NEVER,
        deepTick: NEVER,
        deepHeadId: '',
        deadTick: NEVER,
        deadAtSample: -1,
        snap: null,
        ask: { name: queue, flags: 0, lastDead: -1, lastLens: lens1, nameBytes: nameBytes(queue) },
        lens1,
        lens4: [-1, -1, -1, -1],
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
    let roundTrips = 0;
    if (this.unackedTotal === null) {
      // First tick: size the unacked windows (afterwards the last tick's total does).
      roundTrips += 1;
      this.unackedTotal = await this.redis.zcard(this.o.unackedIndexKey).catch((err: unknown) => {
        throw this.unreachable(err instanceof Error ? err.message : String(err));
      });
    }
    const queues = this.queueList();
    // Loops, not closures made per tick: V8 keeps a closure's optimised code only while a closure
    // made at that place lives, so a closure made anew each tick lost it at every full GC (every
    // ~6 s at 2,000 queues) and ran unoptimised until compiled again (docs/performance.md, "Tenth
    // session").
    const states = this.statesOf(queues);
    const asks = this.plan(queues, states);
    const packed = packChunks(asks, this.o);
    const chunks = new Array<QueueAsk[]>(packed.length);
    for (let c = 0; c < packed.length; c++) {
      const ix = packed[c] as number[];
      const chunk = new Array<QueueAsk>(ix.length);
      for (let i = 0; i < ix.length; i++) chunk[i] = asks[ix[i] as number] as QueueAsk;
      chunks[c] = chunk;
    }
    const limits = {
      sampleDepth: this.o.sampleDepth,
      maxMessageBytes: this.o.maxMessageBytes,
      deadSample: this.o.deadSample,
      readsPerCall: this.o.readsPerCall,
      bytesPerCall: this.o.bytesPerCall,
    };
    const scriptCalls: (string | Buffer)[][] = [];
    for (const c of chunks) scriptCalls.push(queueChunkArgv(limits, c));
    // Windows over the newest min(total, maxUnackedScan) entries, sized from the last total (with
    // room to grow); one more tick corrects a window count that fell short.
    const toScan = Math.min(this.o.maxUnackedScan, Math.ceil(this.unackedTotal * 1.25) + this.o.unackedPerCall);
    for (let from = 0; from < toScan; from += this.o.unackedPerCall)
      scriptCalls.push(
        unackedArgv(
          this.o.unackedKey,
          this.o.unackedIndexKey,
          from,
          Math.min(toScan, from + this.o.unackedPerCall) - 1,
          this.unackedSince,
          this.o.unackedPerCall,
        ),
      );
    const bindings = this.pendingBindings;
    const bindingCycle = this.scanCycle;
    const providers = this.o.providerFlags ? this.providerNames() : [];
    const flagKeys = this.o.providerFlags ? ['lsos:provider:active', ...providers.map((p) => `lsos:provider:${p}:state`)] : [];

    const pipe = this.redis.pipeline();
    if (!this.scriptLoaded) pipe.script('LOAD', INSPECT_LUA);
    for (const argv of scriptCalls) pipe.evalsha(this.sha, 0, ...argv);
    if (this.o.discover) pipe.scan(this.scanCursor, 'MATCH', `${BINDING_PREFIX}*`, 'COUNT', this.o.scanCount);
    for (const key of bindings) pipe.smembers(key);
    if (flagKeys.length > 0) pipe.mget(...flagKeys);
    roundTrips += 1;
    const results = await this.exec(pipe);
    let i = this.scriptLoaded ? 0 : 1;
    let replies = results.slice(i, i + scriptCalls.length);
    i += scriptCalls.length;
    if (replies.some(([err]) => err && /NOSCRIPT/.test(err.message))) {
      // Redis restarted or flushed its script cache: load the text once more and ask again.
      roundTrips += 1;
      const retry = this.redis.pipeline().script('LOAD', INSPECT_LUA);
      for (const argv of scriptCalls) retry.evalsha(this.sha, 0, ...argv);
      replies = (await this.exec(retry)).slice(1);
    }
    for (const [err] of replies) {
      if (!err) continue;
      // A reply error is Redis answering; anything else is the connection failing under us.
      if (err.name === 'ReplyError') throw new Error(`redis ${this.label}: inspection failed: ${err.message}`);
      throw this.unreachable(err.message);
    }
    this.scriptLoaded = true;
    const records = new Array<QueueRecord | null>(asks.length).fill(null);
    for (let k = 0; k < packed.length; k++) decodeQueueChunk(replies[k]?.[1], chunks[k] as QueueAsk[], records, packed[k]);
    const unacked = this.foldUnacked(replies.slice(chunks.length).map(([, r]) => decodeUnacked(r)));
    this.unackedTotal = unacked.total;
    const deadSamples = this.merge(asks, states, records);

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
    const patch = this.buildPatch(queues, states, deadSamples, unacked, now, flags);
    const ms = performance.now() - started;
    this.ticks += 1;
    this.totalRoundTrips += roundTrips;
    this.lastTick = { at: now, roundTrips, ms, queues: queues.length, scriptCalls: scriptCalls.length };
    return patch;
  }

  /**
   * What each queue's chunk call reads this tick. The script reads the head of every list whose
   * length changed by itself; besides that, within per-tick budgets, oldest turn first: re-read
   * heads of non-empty queues (a head can move while the length stays), readability samples where
   * the head changed since the last one, dead-letter classes where Q.dead changed, priority lists.
   */
  private plan(queues: string[], states: QueueState[]): QueueAsk[] {
    const t = this.ticks;
    // Plain loops over the states: this runs for every queue every tick (closures, slices and
    // a sort of every candidate were a third of the source's own time at 2,000 queues).
    const flags = new Array<number>(queues.length).fill(0);
    const resample = this.o.deadResampleEveryTicks;
    const cand = new Int32Array(states.length);
    let n = 0;
    for (let k = 0; k < states.length; k++) {
      const st = states[k] as QueueState;
      if (st.headTick < t && nonEmpty(st)) cand[n++] = k;
    }
    markOldest(cand, n, states, headTickOf, this.o.headRefreshPerTick, flags, ASK_HEAD);
    // Readability of the oldest messages: when first seen, when the head itself is unreadable (a
    // poison message holds the queue), else in turn every deadResampleEveryTicks ticks at most.
    n = 0;
    for (let k = 0; k < states.length; k++) {
      const st = states[k] as QueueState;
      if (nonEmpty(st) && (st.deepTick === NEVER || t - st.deepTick >= resample || (someHeadNotOk(st) && st.deepHeadId !== headIds(st))))
        cand[n++] = k;
    }
    markOldest(cand, n, states, deepTickOf, this.o.deepSamplesPerTick, flags, ASK_DEEP);
    n = 0;
    for (let k = 0; k < states.length; k++) {
      const st = states[k] as QueueState;
      if (st.lastDead !== 0 && (st.lastDead !== st.deadAtSample || t - st.deadTick >= resample)) cand[n++] = k;
    }
    markOldest(cand, n, states, deadTickOf, this.o.deadSamplesPerTick, flags, ASK_DEAD);
    // Priority lists: always where one held messages, else in turn (never counted first).
    n = 0;
    for (let k = 0; k < states.length; k++) {
      if (subsNonEmpty(states[k] as QueueState)) flags[k] = (flags[k] as number) | ASK_SUBS;
      else cand[n++] = k;
    }
    markOldest(cand, n, states, subsTickOf, this.o.subListChecksPerTick, flags, ASK_SUBS);
    // Q.dead: every asked queue's is counted; besides those, the longest uncounted in rotation,
    // n / deadCountEveryTicks per tick (at least deadCountsPerTick), so each queue's at least every
    // deadCountEveryTicks ticks (queues ahead of it in the rotation only ever leave it); a queue
    // never counted is counted at once. Half the per-queue cost at 2,000 queues was this LLEN.
    const counts = Math.max(Math.min(queues.length, this.o.deadCountsPerTick), Math.ceil(queues.length / this.o.deadCountEveryTicks));
    n = 0;
    for (let k = 0; k < states.length; k++) {
      const st = states[k] as QueueState;
      if (st.lastDead < 0) flags[k] = (flags[k] as number) | ASK_COUNT;
      else if (flags[k] === 0) cand[n++] = k;
    }
    markOldest(cand, n, states, deadCountTickOf, counts, flags, ASK_COUNT);
    const asks = new Array<QueueAsk>(queues.length);
    for (let k = 0; k < queues.length; k++) {
      const st = states[k] as QueueState;
      const f = flags[k] as number;
      const ask = st.ask;
      ask.flags = f;
      ask.lastDead = st.lastDead;
      if ((f & ASK_SUBS) !== 0) {
        for (let i = 0; i < 4; i++) st.lens4[i] = st.lists[i]?.readLen ?? -1;
        ask.lastLens = st.lens4;
      } else {
        st.lens1[0] = st.lists[0]?.readLen ?? -1;
        ask.lastLens = st.lens1;
      }
      const headId = st.lists[0]?.head?.id ?? '';
      ask.headTag = (f & ASK_HEAD) !== 0 && headId.startsWith('t:') ? headId.slice(2) : undefined;
      asks[k] = ask;
    }
    return asks;
  }

  /** Reserved per routing key from this tick's windows: each delivery's routing key is read once, then remembered. */
  private foldUnacked(windows: UnackedWindow[]): UnackedReading {
    const total = windows.reduce((n, w) => Math.max(n, w.total), 0);
    const seen = new Set<string>();
    const byRoutingKey: Record<string, number> = {};
    let scanned = 0;
    let minUnknown = Infinity;
    let maxScore = -Infinity;
    for (const w of windows) {
      for (const e of w.entries) {
        if (seen.has(e.tag)) continue; // entries can shift between windows while the pipeline runs
        seen.add(e.tag);
        maxScore = Math.max(maxScore, e.score);
        if (e.routingKey !== undefined) this.unackedRk.set(e.tag, e.routingKey);
        const rk = this.unackedRk.get(e.tag);
        if (rk === undefined) {
          minUnknown = Math.min(minUnknown, e.score);
          continue;
        }
        if (rk === null) continue;
        scanned += 1;
        byRoutingKey[rk] = (byRoutingKey[rk] ?? 0) + 1;
      }
    }
    // Forget deliveries acked since (every entry was listed), or start afresh if the cache outgrew its bound.
    if (seen.size >= total) {
      for (const tag of this.unackedRk.keys()) if (!seen.has(tag)) this.unackedRk.delete(tag);
    } else if (this.unackedRk.size > 4 * this.o.maxUnackedScan) {
      this.unackedRk.clear();
    }
    this.unackedSince = minUnknown < Infinity ? { score: minUnknown, after: false } : { score: maxScore, after: true };
    return { total, scanned: Math.min(scanned, total), byRoutingKey };
  }

  /** Folds this tick's records into each queue's state; returns the dead letters each queue classified this tick. */
  private merge(asks: QueueAsk[], states: QueueState[], records: (QueueRecord | null)[]): (DeadSample | null)[] {
    const t = this.ticks;
    const out = new Array<DeadSample | null>(asks.length);
    for (let k = 0; k < asks.length; k++) {
      const ask = asks[k] as QueueAsk;
      const st = states[k] as QueueState;
      const rec = records[k] ?? null;
      const deep = (ask.flags & ASK_DEEP) !== 0;
      let deadSample: QueueRecord['deadSample'] = null;
      // An asked queue's Q.dead was counted (unchanged when there is no record).
      if (ask.flags !== 0) st.deadCountTick = t;
      if (rec) {
        if (rec.deadLetters !== null) st.lastDead = rec.deadLetters;
        if (rec.deadSample) {
          deadSample = rec.deadSample;
          st.deadTick = t;
          st.deadAtSample = st.lastDead;
        } else if ((ask.flags & ASK_DEAD) !== 0 && !rec.deadDeferred) {
          // Asked, nothing to classify (Q.dead is empty).
          st.deadTick = t;
          st.deadAtSample = st.lastDead;
        }
        let deepDone = deep;
        rec.lists.forEach((e, i) => {
          const l = st.lists[i] as ListState;
          l.len = e.length;
          if (e.length === 0) {
            l.readLen = 0;
            l.head = null;
            l.unreadable = 0;
            l.sampled = 0;
          } else if (e.head) {
            l.readLen = e.length;
            l.head = e.head;
            if (e.head.unreadable !== null) {
              l.unreadable = e.head.unreadable;
              l.sampled = e.head.sampled;
            }
            if (deep && e.head.unreadable === null) deepDone = false;
          } else if (e.deferred) {
            deepDone = false;
          } else if (deep && l.unreadable === null) {
            deepDone = false;
          }
        });
        if (rec.lists.length === 4) {
          st.subsChecked = true;
          st.subsTick = t;
        }
        if ((ask.flags & ASK_HEAD) !== 0 && !rec.lists.some((e) => e.deferred)) st.headTick = t;
        if (deepDone) {
          st.deepTick = t;
          st.deepHeadId = headIds(st);
        }
      } else {
        // Unchanged: every length as sent, no read asked for was needed.
        if ((ask.flags & ASK_HEAD) !== 0) st.headTick = t;
        if ((ask.flags & ASK_SUBS) !== 0) {
          st.subsChecked = true;
          st.subsTick = t;
        }
        if ((ask.flags & ASK_DEAD) !== 0) {
          st.deadTick = t;
          st.deadAtSample = st.lastDead;
        }
      }
      out[k] = deadSample;
    }
    return out;
  }

  /**
   * One-shot use (`check`): runs SCAN steps, reading the bindings each finds, until a full pass
   * over the keyspace has ended, so the next read() covers every discovered queue (a tick does one
   * step). At most `maxSteps` round trips.
   */
  async discoverAll(signal?: AbortSignal, maxSteps = 100_000): Promise<void> {
    if (!this.o.discover) return;
    await this.ensureReady();
    const cycle0 = this.scanCycle;
    for (let step = 0; step < maxSteps && (this.scanCycle === cycle0 || this.pendingBindings.length > 0); step++) {
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
      const bindings = this.pendingBindings;
      const cycle = this.scanCycle;
      const more = this.scanCycle === cycle0;
      const pipe = this.redis.pipeline();
      if (more) pipe.scan(this.scanCursor, 'MATCH', `${BINDING_PREFIX}*`, 'COUNT', this.o.scanCount);
      for (const key of bindings) pipe.smembers(key);
      const results = await this.exec(pipe);
      let i = 0;
      if (more) {
        const [err, scan] = results[i++] ?? [null, null];
        if (err) throw this.unreachable(err.message);
        this.advanceDiscovery(scan);
      } else {
        this.pendingBindings = [];
      }
      bindings.forEach((key) => {
        const [err, members] = results[i++] ?? [null, null];
        if (!err && Array.isArray(members)) this.noteBinding(key, members, cycle);
      });
    }
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
    // A binding key read recently still binds the same queues: SCAN finding it again keeps them;
    // its members are read again (SMEMBERS) every REREAD_BINDING_CYCLES passes, or when new.
    const pending: string[] = [];
    for (const key of keys) {
      const known = this.bindingMembers.get(key);
      if (known && this.scanCycle - known.readCycle < REREAD_BINDING_CYCLES) {
        known.seenCycle = this.scanCycle;
        for (const q of known.queues) if (this.discovered.has(q)) this.discovered.set(q, this.scanCycle);
      } else if (pending.length < this.o.maxQueues) {
        pending.push(key);
      }
    }
    this.pendingBindings = pending;
    this.scanCursor = scan[0];
    if (this.scanCursor === '0') {
      // A full pass ended: queues whose binding vanished during it are forgotten.
      const finished = this.scanCycle;
      this.scanCycle += 1;
      for (const [q, cycle] of this.discovered) {
        if (cycle >= finished - 1) continue;
        this.discovered.delete(q);
        this.queueListCache = null;
      }
      for (const [key, b] of this.bindingMembers) if (b.seenCycle < finished - 1) this.bindingMembers.delete(key);
    }
  }

  private noteBinding(key: string, members: unknown[], cycle: number): void {
    const queues: string[] = [];
    for (const m of members) {
      if (typeof m !== 'string') continue;
      const q = queueFromBinding(key, m);
      if (!q || !q.startsWith(this.o.discoverPrefix)) continue;
      queues.push(q);
      if (!this.discovered.has(q)) {
        if (this.discovered.size >= this.o.maxQueues) continue;
        this.queueListCache = null;
      }
      this.discovered.set(q, cycle);
    }
    this.bindingMembers.set(key, { queues, readCycle: cycle, seenCycle: cycle });
  }

  /**
   * The patch: every queue's snapshot. Structural sharing: a queue whose figures did not change
   * keeps last tick's object (and an unchanged lag trend, dead-letter classes, priority depths or
   * event figures keep theirs), so whatever downstream compares by identity (store selectors,
   * rows, memoised panels) skips it. Built with plain loops and one object per changed queue.
   */
  private buildPatch(
    names: readonly string[],
    states: readonly QueueState[],
    deadSamples: readonly (DeadSample | null)[],
    u: UnackedReading,
    now: EpochMs,
    flags: ProviderFlags | undefined,
  ): SnapshotPatch {
    const events = this.aggregator.patch(now, flags);
    // Each queue's event figures by name: a Map kept from tick to tick (the names are mostly the
    // same, so setting them allocates nothing), its index checked against the name.
    const evq = events.queues;
    if (this.eventIndex.size > 2 * evq.length + 64) this.eventIndex.clear();
    for (let i = 0; i < evq.length; i++) this.eventIndex.set((evq[i] as QueueEventStats).name, i);
    const evUsed = new Uint8Array(evq.length);
    this.reservedEstimated = u.scanned < u.total;
    const estimated = this.reservedEstimated;
    const scale = u.scanned > 0 ? u.total / u.scanned : 0;
    const nextFirstSeen = new Map<string, EpochMs>();
    const queues: RedisQueueSnapshot[] = [];
    // The previous 24 h only once both the events and the dead-letter list were watched that long.
    const dayObserved = this.aggregator.observedMs(now) >= 24 * 3_600_000;
    const nowSeconds = now / 1000;

    for (let k = 0; k < names.length; k++) {
      const name = names[k] as string;
      const st = states[k] as QueueState;
      const prev = st.snap;
      const sample = deadSamples[k] ?? null;
      const deadLetters = st.lastDead < 0 ? 0 : st.lastDead;
      st.trend.observe(deadLetters, now);
      if (sample) {
        st.deadSample = sample;
        const classes = emptyFailures();
        for (const [type, n] of Object.entries(sample.byExcType)) classes[this.classify(type)] += n;
        st.deadClasses = classes;
      } else if (deadLetters === 0 && st.deadSample !== null) {
        // (Classes and sample are set together: no sample, no classes.)
        st.deadSample = null;
        st.deadClasses = emptyFailures();
      }
      const dl = st.trend.figures(now);

      // Each list as last read (merge() kept what this tick did not need to read again). Queue
      // lag: the oldest ready message across the priority lists. A head not read yet (its read
      // deferred by a call's budget, first ticks at thousands of queues) is an unknown lag, never
      // a "first seen just now" 0 s.
      let depth = 0;
      let unreadable = 0;
      let nonEmptyLists = 0;
      let unread = false;
      let stamped = true;
      let oldest = 0;
      for (let i = 0; i < st.lists.length; i++) {
        const l = st.lists[i] as ListState;
        depth += l.len;
        unreadable += l.unreadable ?? 0;
        if (l.len === 0) continue;
        nonEmptyLists += 1;
        if (l.head === null) unread = true;
        const sentAt = l.head?.sentAt ?? null;
        let lag: number;
        if (sentAt !== null) lag = Math.max(0, nowSeconds - sentAt);
        else {
          const id = l.head?.id ?? '';
          const seen = this.firstSeen.get(id) ?? now;
          nextFirstSeen.set(id, seen);
          lag = secondsSince(now, seen);
          stamped = false;
        }
        if (lag > oldest) oldest = lag;
      }
      const lagSeconds = unread ? null : oldest;
      const lagMethod: QueueSnapshot['lagMethod'] = unread ? 'unknown' : nonEmptyLists === 0 ? 'empty' : stamped ? 'stamped' : 'first-seen';
      st.lagTrend.append(lagSeconds ?? 0);
      const lagTrend = st.lagTrend.window(prev?.lagTrend);

      const evAt = this.eventIndex.get(name);
      let ev: QueueEventStats | undefined;
      if (evAt !== undefined && evq[evAt]?.name === name && evUsed[evAt] === 0) {
        ev = evq[evAt];
        evUsed[evAt] = 1;
      }
      // Without events the counts are zeros this source made: the last ones stay.
      const failuresByClass = ev
        ? ev.failuresByClass
        : prev && prev.finishedInWindow === undefined
          ? prev.failuresByClass
          : emptyFailures();
      const topFailingTasks = ev ? ev.topFailingTasks : prev && prev.topFailingTasks.length === 0 ? prev.topFailingTasks : [];
      const l0 = st.lists[0]?.len ?? 0;
      const l1 = st.lists[1]?.len ?? 0;
      const l2 = st.lists[2]?.len ?? 0;
      const l3 = st.lists[3]?.len ?? 0;
      const pd = prev?.priorityDepths;
      const priorityDepths = pd && pd.length === 4 && pd[0] === l0 && pd[1] === l1 && pd[2] === l2 && pd[3] === l3 ? pd : [l0, l1, l2, l3];
      let last24h: QueueSnapshot['last24h'] = null;
      if (dl.last24h !== null && dayObserved) {
        const failures = ev?.last24h?.failures ?? 0;
        const succeeded = ev?.last24h?.succeeded ?? 0;
        const p = prev?.last24h;
        last24h =
          p && p.failures === failures && p.succeeded === succeeded && p.deadLettered === dl.last24h
            ? p
            : { failures, succeeded, deadLettered: dl.last24h };
      }
      const reserved = Math.round((u.byRoutingKey[name] ?? 0) * scale);
      const drainPerMinute = ev ? ev.drainPerMinute : 0;
      if (
        prev &&
        prev.depth === depth &&
        prev.reserved === reserved &&
        prev.lagSeconds === lagSeconds &&
        prev.lagMethod === lagMethod &&
        prev.deadLetters === deadLetters &&
        prev.deadLetterGrowthPerHour === dl.growthPerHour &&
        prev.deadLetterBaselinePerHour === dl.baselinePerHour &&
        prev.deadLetterBaselineSource === dl.baselineSource &&
        prev.failuresByClass === failuresByClass &&
        prev.topFailingTasks === topFailingTasks &&
        prev.drainPerMinute === drainPerMinute &&
        prev.unreadable === unreadable &&
        prev.lagTrend === lagTrend &&
        prev.last24h === last24h &&
        prev.finishedInWindow === ev?.finished &&
        prev.eventWindowSeconds === ev?.windowSeconds &&
        prev.taskOutcomes === ev?.taskOutcomes &&
        prev.priorityDepths === priorityDepths &&
        prev.deadLetterClasses === st.deadClasses &&
        prev.deadLetterSample === st.deadSample &&
        prev.retried === (ev?.retried ?? 0) &&
        prev.finished === (ev?.finished ?? 0) &&
        prev.reservedEstimated === estimated
      ) {
        queues.push(prev);
        continue;
      }
      // The same fields, in the same order, as the broker's view with the events folded in
      // (applyQueueEventStats): the event fields only where the events said something.
      const q: RedisQueueSnapshot = ev
        ? {
            name,
            depth,
            reserved,
            consumers: null,
            lagSeconds,
            lagMethod,
            deadLetters,
            deadLetterGrowthPerHour: dl.growthPerHour,
            deadLetterBaselinePerHour: dl.baselinePerHour,
            deadLetterBaselineSource: dl.baselineSource,
            failuresByClass,
            topFailingTasks,
            drainPerMinute,
            unreadable,
            lagTrend,
            last24h,
            finishedInWindow: ev.finished,
            eventWindowSeconds: ev.windowSeconds,
            taskOutcomes: ev.taskOutcomes,
            priorityDepths,
            deadLetterClasses: st.deadClasses,
            deadLetterSample: st.deadSample,
            retried: ev.retried,
            finished: ev.finished,
            reservedEstimated: estimated,
          }
        : {
            name,
            depth,
            reserved,
            consumers: null,
            lagSeconds,
            lagMethod,
            deadLetters,
            deadLetterGrowthPerHour: dl.growthPerHour,
            deadLetterBaselinePerHour: dl.baselinePerHour,
            deadLetterBaselineSource: dl.baselineSource,
            failuresByClass,
            topFailingTasks,
            drainPerMinute,
            unreadable,
            lagTrend,
            last24h,
            priorityDepths,
            deadLetterClasses: st.deadClasses,
            deadLetterSample: st.deadSample,
            retried: 0,
            finished: 0,
            reservedEstimated: estimated,
          };
      st.snap = q;
      queues.push(q);
    }
    this.firstSeen = nextFirstSeen;
    // Queues inspected no more (a binding vanished) drop their state.
    if (this.queueState.size > names.length) {
      const live = new Set(names);
      for (const q of this.queueState.keys()) if (!live.has(q)) this.queueState.delete(q);
    }
    // Failures in queues the broker does not show (unknown tasks, other prefixes) stay visible.
    for (let i = 0; i < evq.length; i++) {
      if (evUsed[i] === 1) continue;
      const ev = evq[i] as QueueEventStats;
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

  /** For a Sentinel broker, the master it is connected to now (null for one fixed server: nothing to show). */
  endpoint(): SourceEndpoint | null {
    if (!this.redis.options.sentinels?.length) return null;
    const address = connectedTo(this.redis);
    return address ? { role: 'master', address } : null;
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

function nonEmpty(st: QueueState): boolean {
  for (const l of st.lists) if (l.len > 0) return true;
  return false;
}

/** A priority list (not the ready list itself) holds messages. */
function subsNonEmpty(st: QueueState): boolean {
  for (let i = 1; i < st.lists.length; i++) if ((st.lists[i] as ListState).len > 0) return true;
  return false;
}

/** A non-empty list's head was read and is not a readable message. */
function someHeadNotOk(st: QueueState): boolean {
  for (const l of st.lists) if (l.len > 0 && l.head !== null && l.head.status !== 'ok') return true;
  return false;
}

// markOldest's keys: module functions, made once (a closure made per tick loses its optimised code).
const headTickOf = (st: QueueState): number => st.headTick;
const deepTickOf = (st: QueueState): number => st.deepTick;
const deadTickOf = (st: QueueState): number => st.deadTick;
const subsTickOf = (st: QueueState): number => st.subsTick;
const deadCountTickOf = (st: QueueState): number => st.deadCountTick;

/** markOldest's numbers, kept between calls (two runs of the candidates' keys). */
let scratch = new Float64Array(0);

/**
 * Sets `bit` on the `budget` candidates (indices, ascending) whose `since` is smallest, ties to the
 * lower index: what a stable sort by `since` and the first `budget` would pick, without sorting
 * closures over every candidate (one sort of the numbers finds the cut).
 */
function markOldest(
  cand: Int32Array,
  count: number,
  states: readonly QueueState[],
  since: (st: QueueState) => number,
  budget: number,
  flags: number[],
  bit: number,
): void {
  if (budget <= 0 || count === 0) return;
  if (count <= budget) {
    for (let i = 0; i < count; i++) flags[cand[i] as number] = (flags[cand[i] as number] as number) | bit;
    return;
  }
  if (scratch.length < 2 * count) scratch = new Float64Array(4 * count);
  const keys = scratch.subarray(0, count);
  for (let i = 0; i < count; i++) keys[i] = since(states[cand[i] as number] as QueueState);
  const sorted = scratch.subarray(count, 2 * count);
  sorted.set(keys);
  const cut = sorted.sort()[budget - 1] as number;
  let left = budget;
  for (let i = 0; i < count; i++) if ((keys[i] as number) < cut) left -= 1;
  for (let i = 0; i < count; i++) {
    const key = keys[i] as number;
    if (key > cut) continue;
    if (key === cut) {
      if (left <= 0) continue;
      left -= 1;
    }
    const k = cand[i] as number;
    flags[k] = (flags[k] as number) | bit;
  }
}

/** The oldest-head identities of a queue's non-empty lists: a change makes a readability sample due. */
function headIds(st: QueueState): string {
  return st.lists.map((l) => (l.len > 0 ? (l.head?.id ?? '?') : '')).join('\n');
}
