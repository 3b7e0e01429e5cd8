// Celery events (`-E`) turned into what the runbook watches: worker liveness, failures per queue
// and failure class, top failing tasks, drain rate, the monthly report failure ratio and SERP
// provider health. Pure: no I/O, the caller passes the receive time. Transports (Redis pub/sub,
// AMQP `celeryev`) decode their envelope and hand the body to parseEventPayload.
//
// Facts this relies on (celery-wire/celery-5.2-wire.md section 3, verified on a real worker):
// - worker-side task events arrive batched as `task.multi`: a JSON array; worker events and
//   `task-sent` arrive as single objects;
// - only task-sent and task-received carry the task `name` (and `kwargs` as a Python repr);
//   started/succeeded/failed/retried/rejected/revoked carry only `uuid`;
// - task-failed/task-retried carry `exception` as a repr, e.g. "ValueError('disk full')".
//
// Memory bounds (however long it runs, however many events arrive), with the defaults:
// - tasks seen (uuid -> name, queue, campaign, provider): LRU of `maxTasks` (20 000) entries,
//   and an entry is dropped as soon as its task finishes;
// - workers: at most `maxWorkers` (1 000); an offline worker is kept `workerRetentionMs` (1 h);
// - per queue (at most `maxQueues`, 500, least recently active evicted): windowed counters made
//   of `windowMs / bucketMs` buckets (60 x 1 min) with at most `maxTaskKeysPerQueue` (100)
//   distinct (task, failure class) keys, extra keys folded into `(other)`, plus 24 hour buckets
//   of two counters for the previous 24 h;
// - providers: at most `maxProviders` (64), each with at most `maxCampaignsPerProvider` (10 000)
//   campaigns remembered; failed reporting campaigns: at most `maxFailedCampaigns` (5 000).
// Roughly: 20 000 x ~200 B of task info + 500 x 60 x 100 counters at worst, a few tens of MB
// in the very worst case; typically well under 10 MB.

import type {
  EpochMs,
  FailureClass,
  ProviderSnapshot,
  QueueSnapshot,
  ReportingSnapshot,
  TaskFailureCount,
  TaskOutcome,
  WorkerSnapshot,
} from './snapshot.js';
import { FAILURE_CLASSES, emptyFailures } from './snapshot.js';
import { HEARTBEAT_EXPIRE_WINDOW, heartbeatLifetimeSeconds } from '../domain/duration.js';
import { createClassifier } from '../domain/failureClasses.js';
import { compareText } from '../domain/textOrder.js';

// ---------------------------------------------------------------------------------------------
// Events and their validation

export interface CeleryEvent {
  /** `worker-online`, `worker-heartbeat`, `worker-offline`, `task-sent`, `task-received`, ... */
  type: string;
  /** Worker node name (`w1@host`), or `gen<pid>@host` for task-sent (a client). */
  hostname: string;
  /** Epoch seconds on the sender's clock. */
  timestamp: number;
  /** Hours, positive west of UTC (Python's time.timezone convention); 0 when absent. */
  utcoffset: number;
  pid?: number;
  clock?: number;
  /** Worker events: heartbeat frequency in seconds. */
  freq?: number;
  /** Worker events: tasks executing now / processed so far. */
  active?: number;
  processed?: number;
  uuid?: string;
  name?: string;
  args?: string;
  /** Python repr of the kwargs, e.g. "{'campaign_id': 12, 'provider': 'brightpool'}". */
  kwargs?: string;
  retries?: number;
  queue?: string;
  routing_key?: string;
  exchange?: string;
  /** Exception repr (task-failed, task-retried). */
  exception?: string;
  /** task-rejected: whether the message went back to the queue. */
  requeue?: boolean;
  /** task-revoked: expired rather than revoked by hand. */
  expired?: boolean;
  runtime?: number;
}

const MAX_STRING = { name: 256, hostname: 256, uuid: 128, kwargs: 4096, args: 1024, exception: 1024, queue: 256 } as const;

function str(v: unknown, max: number): string | undefined {
  if (typeof v !== 'string') return undefined;
  return v.length > max ? v.slice(0, max) : v;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** One event object, or null when it lacks what Celery itself requires (type, hostname, timestamp; uuid for tasks). */
export function parseEvent(raw: unknown): CeleryEvent | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const r = raw as Record<string, unknown>;
  const type = r['type'];
  if (typeof type !== 'string' || !/^(worker|task)-[a-z-]{2,32}$/.test(type)) return null;
  const hostname = str(r['hostname'], MAX_STRING.hostname);
  const timestamp = num(r['timestamp']);
  if (!hostname || timestamp === undefined) return null;
  const ev: CeleryEvent = { type, hostname, timestamp, utcoffset: num(r['utcoffset']) ?? 0 };
  const uuid = str(r['uuid'], MAX_STRING.uuid);
  if (type.startsWith('task-')) {
    if (!uuid) return null;
    ev.uuid = uuid;
  }
  const set = <K extends keyof CeleryEvent>(k: K, v: CeleryEvent[K] | undefined) => {
    if (v !== undefined) ev[k] = v;
  };
  set('pid', num(r['pid']));
  set('clock', num(r['clock']));
  set('freq', num(r['freq']));
  set('active', num(r['active']));
  set('processed', num(r['processed']));
  set('name', str(r['name'], MAX_STRING.name));
  set('args', str(r['args'], MAX_STRING.args));
  set('kwargs', str(r['kwargs'], MAX_STRING.kwargs));
  set('retries', num(r['retries']));
  set('queue', str(r['queue'], MAX_STRING.queue));
  set('routing_key', str(r['routing_key'], MAX_STRING.queue));
  set('exchange', str(r['exchange'], MAX_STRING.queue));
  set('exception', str(r['exception'], MAX_STRING.exception));
  set('runtime', num(r['runtime']));
  if (typeof r['requeue'] === 'boolean') ev.requeue = r['requeue'];
  if (typeof r['expired'] === 'boolean') ev.expired = r['expired'];
  return ev;
}

/**
 * The events in one event message body (already JSON-decoded): a `task.multi` array or a single
 * object. Invalid entries of an array are skipped (and counted through `onInvalid`); null when
 * the body is not an event payload at all.
 */
export function parseEventPayload(body: unknown, onInvalid?: (count: number) => void): CeleryEvent[] | null {
  if (Array.isArray(body)) {
    const out: CeleryEvent[] = [];
    let bad = 0;
    for (const item of body) {
      const ev = parseEvent(item);
      if (ev) out.push(ev);
      else bad += 1;
    }
    if (bad > 0) onInvalid?.(bad);
    return out;
  }
  const ev = parseEvent(body);
  if (!ev) {
    onInvalid?.(1);
    return null;
  }
  return [ev];
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The JSON body of a kombu envelope as kombu's Redis transport publishes it (events on
 * `/<db>.celeryev/*`): `{"body": <base64>, "content-type": "application/json", "properties":
 * {"body_encoding": "base64", ...}}`. Null for anything else (not JSON, wrong encoding, too big).
 */
export function decodeKombuJsonBody(raw: string | Buffer, maxBytes = 1_048_576): unknown | null {
  if (raw.length > maxBytes) return null;
  let env: unknown;
  try {
    env = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof env !== 'object' || env === null || Array.isArray(env)) return null;
  const e = env as Record<string, unknown>;
  if (e['content-type'] !== 'application/json') return null;
  const body = e['body'];
  const props = e['properties'];
  const encoding = typeof props === 'object' && props !== null ? (props as Record<string, unknown>)['body_encoding'] : undefined;
  if (typeof body !== 'string') return null;
  let text = body;
  if (encoding === 'base64') {
    if (body.length % 4 !== 0 || !BASE64.test(body)) return null;
    const buf = Buffer.from(body, 'base64');
    text = buf.toString('utf8');
    // Wrong encoding: bytes that are not UTF-8 turn into U+FFFD.
    if (text.includes('\uFFFD')) return null;
  } else if (encoding !== undefined && encoding !== null) {
    return null;
  }
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Python literal reprs (the `kwargs` of task-received / task-sent)

export type PyValue = string | number | boolean | null | PyValue[] | { [k: string]: PyValue };

class PyReprParser {
  i = 0;
  constructor(
    readonly s: string,
    readonly maxDepth = 8,
  ) {}

  ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i] ?? '')) this.i += 1;
  }

  value(depth: number): PyValue {
    if (depth > this.maxDepth) throw new Error('too deep');
    this.ws();
    const c = this.s[this.i];
    if (c === undefined) throw new Error('eof');
    if (c === '{') return this.dict(depth);
    if (c === '[') return this.seq(']', depth);
    if (c === '(') return this.seq(')', depth);
    if (c === "'" || c === '"') return this.string();
    if (/[bru]/i.test(c) && /['"]/.test(this.s[this.i + 1] ?? '')) {
      const raw = c.toLowerCase() === 'r';
      this.i += 1;
      return this.string(raw);
    }
    for (const [word, v] of [
      ['True', true],
      ['False', false],
      ['None', null],
    ] as const) {
      if (this.s.startsWith(word, this.i) && !/\w/.test(this.s[this.i + word.length] ?? '')) {
        this.i += word.length;
        return v;
      }
    }
    const m = /^[+-]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 64));
    if (m) {
      this.i += m[0].length;
      const n = Number(m[0].replace(/_/g, ''));
      if (!Number.isFinite(n)) throw new Error('bad number');
      return n;
    }
    throw new Error(`unexpected ${c}`);
  }

  string(raw = false): string {
    const q = this.s[this.i];
    this.i += 1;
    let out = '';
    while (this.i < this.s.length) {
      const c = this.s[this.i] as string;
      if (c === q) {
        this.i += 1;
        return out;
      }
      if (c === '\\' && !raw) {
        const n = this.s[this.i + 1];
        this.i += 2;
        switch (n) {
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case '0':
            out += '\0';
            break;
          case 'x':
            out += this.hex(2);
            break;
          case 'u':
            out += this.hex(4);
            break;
          case 'U':
            out += this.hex(8);
            break;
          case undefined:
            throw new Error('eof in escape');
          default:
            out += n;
        }
        continue;
      }
      out += c;
      this.i += 1;
    }
    throw new Error('unterminated string');
  }

  hex(n: number): string {
    const h = this.s.slice(this.i, this.i + n);
    if (!/^[0-9a-fA-F]+$/.test(h) || h.length !== n) throw new Error('bad escape');
    this.i += n;
    const cp = parseInt(h, 16);
    if (cp > 0x10ffff) throw new Error('bad code point');
    return String.fromCodePoint(cp);
  }

  seq(close: string, depth: number): PyValue[] {
    this.i += 1;
    const out: PyValue[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === close) {
        this.i += 1;
        return out;
      }
      out.push(this.value(depth + 1));
      this.ws();
      if (this.s[this.i] === ',') this.i += 1;
      else if (this.s[this.i] !== close) throw new Error('expected , or close');
    }
  }

  /** Fills `into` as it goes, so a truncated repr still yields its leading keys. */
  dict(depth: number, into: { [k: string]: PyValue } = {}): { [k: string]: PyValue } {
    this.i += 1;
    for (;;) {
      this.ws();
      if (this.s[this.i] === '}') {
        this.i += 1;
        return into;
      }
      const k = this.value(depth + 1);
      this.ws();
      if (this.s[this.i] !== ':') throw new Error('expected :');
      this.i += 1;
      const v = this.value(depth + 1);
      into[typeof k === 'string' ? k : JSON.stringify(k)] = v;
      this.ws();
      if (this.s[this.i] === ',') this.i += 1;
      else if (this.s[this.i] !== '}') throw new Error('expected , or }');
    }
  }
}

/** Parses a Python literal repr (strings, numbers, True/False/None, lists, tuples, dicts); undefined if it is not one. */
export function parsePyLiteral(repr: string, maxLength = 4096): PyValue | undefined {
  if (repr.length > maxLength) return undefined;
  const p = new PyReprParser(repr);
  try {
    const v = p.value(0);
    p.ws();
    return p.i === repr.length ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The simple top-level entries of a kwargs repr. Lenient on purpose: Celery truncates long reprs
 * (`saferepr`) and values may be non-literals (`datetime.date(...)`); the entries before the first
 * unparseable one are returned.
 */
export function parseKwargsRepr(repr: string | undefined, maxLength = 4096): Record<string, PyValue> {
  if (!repr) return {};
  const s = repr.length > maxLength ? repr.slice(0, maxLength) : repr;
  const p = new PyReprParser(s);
  const out: { [k: string]: PyValue } = {};
  p.ws();
  if (s[p.i] !== '{') return out;
  try {
    p.dict(0, out);
  } catch {
    // keep what was parsed
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Worker liveness, exactly as celery.events.state decides it

/** celery/events/state.py Worker.heartbeat_max: heartbeats kept per worker. */
const HEARTBEAT_MAX = 4;
/** celery/events/state.py Worker.__init__: freq defaults to 60 until a worker event says otherwise. */
const DEFAULT_FREQ = 60;

/**
 * When a heartbeat expires, in epoch seconds: celery.events.state.heartbeat_expires
 * (`timestamp + freq * (expire_window / 1e2)`). A worker is alive while `now < expires`
 * (Worker.alive) and only while it has heartbeats (an offline event clears them).
 */
export function heartbeatExpires(timestamp: number, freq = DEFAULT_FREQ, expireWindow = HEARTBEAT_EXPIRE_WINDOW): number {
  return timestamp + heartbeatLifetimeSeconds(freq, expireWindow);
}

/** Python's celery.utils.time.utcoffset(): hours west of UTC, floor-divided. */
export function localUtcOffsetHours(date = new Date()): number {
  return Math.floor(date.getTimezoneOffset() / 60);
}

interface WorkerState {
  hostname: string;
  freq: number;
  /** Celery's `heartbeats` list in epoch seconds, sorted, at most HEARTBEAT_MAX. */
  heartbeats: number[];
  lastHeartbeatAt: EpochMs | null;
  /** When an offline event arrived (heartbeats cleared), else null. */
  offlineEventAt: EpochMs | null;
  active: number;
  processed: number;
  lastEventAt: EpochMs;
}

// ---------------------------------------------------------------------------------------------
// Windowed counters

const OTHER = '(other)';

/**
 * Counts per key over a sliding window made of fixed buckets. Running totals are kept, so adding
 * is O(1) and reading a total is O(1); expired buckets are subtracted as time moves on.
 * Memory: the buckets are rows of one flat array (a ring, one row per bucket of the window) and
 * each key a column, at most `maxKeys` keys (extra keys fold into `(other)`). Its size is fixed
 * once the keys are known: a counter's memory does not grow as the window fills (one small Map
 * per bucket did: 500 queues x 6 counters x 60 buckets was most of the live cockpit's heap growth).
 */
export class WindowedCounter {
  /** Key -> column, in the order keys were first counted (as entries() reports them). */
  private readonly columns = new Map<string, number>();
  private readonly freeColumns: number[] = [];
  private usedColumns = 0;
  private width = 0;
  /** Row r (bucket index mod bucketsInWindow), column c: counts[r * width + c]. */
  private counts = new Float64Array(0);
  private totals = new Float64Array(0);
  /** The bucket index each row holds, NaN when the row is empty (allocated on the first add). */
  private rows: Float64Array | null = null;
  private live = 0;
  /**
   * The sum of the totals, kept as they change: sum() runs for every queue's counters every tick
   * (three dead-letter windows a queue at 2,000 queues), and iterating the columns each time was
   * one of the largest costs of a tick. Counts are whole numbers, so adding and taking away is exact.
   */
  private total = 0;
  private newest = Number.NEGATIVE_INFINITY;
  private oldest = Number.POSITIVE_INFINITY;
  private changes = 0;

  constructor(
    readonly bucketMs: number,
    readonly bucketsInWindow: number,
    readonly maxKeys = 100,
  ) {}

  add(key: string, at: EpochMs, n = 1): void {
    this.advance(at);
    let index = Math.floor(at / this.bucketMs);
    // A clock step backwards lands in the newest bucket rather than reopening an old one.
    if (this.live > 0 && index < this.newest) index = this.newest;
    const rows = this.rows ?? (this.rows = new Float64Array(this.bucketsInWindow).fill(Number.NaN));
    const r = this.row(index);
    if (rows[r] !== index) {
      if (!Number.isNaN(rows[r] as number)) this.drop(r);
      rows[r] = index;
      this.live++;
      this.newest = index;
      if (index < this.oldest) this.oldest = index;
    }
    let col = this.columns.get(key);
    if (col === undefined) {
      const k = this.columns.size < this.maxKeys ? key : OTHER;
      col = this.columns.get(k) ?? this.assign(k);
    }
    this.counts[r * this.width + col] = (this.counts[r * this.width + col] as number) + n;
    this.totals[col] = (this.totals[col] as number) + n;
    this.total += n;
    this.changes += 1;
  }

  /** Changes whenever a total or the set of keys may have: equal versions, equal counts. */
  get version(): number {
    return this.changes;
  }

  /** Drops buckets that fell out of the window ending at `now`. */
  advance(now: EpochMs): void {
    const minIndex = Math.floor(now / this.bucketMs) - this.bucketsInWindow + 1;
    if (this.live === 0 || this.oldest >= minIndex || !this.rows) return;
    let oldest = Number.POSITIVE_INFINITY;
    for (let r = 0; r < this.rows.length; r++) {
      const index = this.rows[r] as number;
      if (Number.isNaN(index)) continue;
      if (index < minIndex) this.drop(r);
      else if (index < oldest) oldest = index;
    }
    this.oldest = oldest;
    // A key whose count left the window gives its column back.
    for (const [key, col] of this.columns) {
      if ((this.totals[col] as number) > 0) continue;
      this.columns.delete(key);
      for (let r = 0; r < this.bucketsInWindow; r++) this.counts[r * this.width + col] = 0;
      this.total -= this.totals[col] as number;
      this.totals[col] = 0;
      this.freeColumns.push(col);
      this.changes += 1;
    }
  }

  get(key: string): number {
    const col = this.columns.get(key);
    return col === undefined ? 0 : (this.totals[col] as number);
  }

  sum(): number {
    return this.total;
  }

  *entries(): IterableIterator<[string, number]> {
    for (const [key, col] of this.columns) yield [key, this.totals[col] as number];
  }

  get size(): number {
    return this.columns.size;
  }

  get bucketCount(): number {
    return this.live;
  }

  /**
   * How much time the counts cover at `now`: the window's full buckets plus the current, partial
   * one, and never more than has been observed since `since`. A rate divides by this, not by the
   * nominal window (which undercounts until the window is full).
   */
  coveredMs(now: EpochMs, since: EpochMs | null): number {
    const nominal = (this.bucketsInWindow - 1) * this.bucketMs + (now - Math.floor(now / this.bucketMs) * this.bucketMs);
    return since === null ? nominal : Math.max(0, Math.min(nominal, now - since));
  }

  private row(index: number): number {
    const r = index % this.bucketsInWindow;
    return r < 0 ? r + this.bucketsInWindow : r;
  }

  private drop(r: number): void {
    const base = r * this.width;
    for (const col of this.columns.values()) {
      const v = this.counts[base + col] as number;
      if (v === 0) continue;
      this.totals[col] = (this.totals[col] as number) - v;
      this.total -= v;
      this.counts[base + col] = 0;
      this.changes += 1;
    }
    (this.rows as Float64Array)[r] = Number.NaN;
    this.live--;
  }

  private assign(key: string): number {
    let col = this.freeColumns.pop();
    if (col === undefined) {
      col = this.usedColumns++;
      if (col >= this.width) this.widen(Math.min(Math.max(1, this.width * 2), this.maxKeys + 1));
    }
    this.columns.set(key, col);
    return col;
  }

  private widen(width: number): void {
    const counts = new Float64Array(this.bucketsInWindow * width);
    // Copied cell by cell: a subarray view per row was most of what a new queue's counters allocated.
    for (let r = 0; r < this.bucketsInWindow; r++)
      for (let c = 0; c < this.width; c++) counts[r * width + c] = this.counts[r * this.width + c] as number;
    const totals = new Float64Array(width);
    totals.set(this.totals);
    this.counts = counts;
    this.totals = totals;
    this.width = width;
  }
}

/**
 * A map of id -> value, oldest first, bounded (the least recently touched goes first); entries whose
 * time is before a cut-off are pruned.
 */
class RecentMap<V> {
  private readonly m = new Map<string, V>();
  constructor(
    readonly max: number,
    private readonly timeOf: (v: V) => EpochMs,
  ) {}

  touch(id: string, v: V): void {
    this.m.delete(id);
    this.m.set(id, v);
    if (this.m.size > this.max) {
      const first = this.m.keys().next();
      if (!first.done) this.m.delete(first.value);
    }
  }

  get(id: string): V | undefined {
    return this.m.get(id);
  }

  has(id: string): boolean {
    return this.m.has(id);
  }

  delete(id: string): void {
    this.m.delete(id);
  }

  prune(before: EpochMs): void {
    for (const [id, v] of this.m) {
      if (this.timeOf(v) >= before) break;
      this.m.delete(id);
    }
  }

  get size(): number {
    return this.m.size;
  }

  keys(): string[] {
    return [...this.m.keys()];
  }
}

/** Ids by when they were last seen. */
class RecentSet extends RecentMap<EpochMs> {
  constructor(max: number) {
    super(max, (at) => at);
  }
}

// ---------------------------------------------------------------------------------------------
// The aggregator

export interface EventAggregatorOptions {
  /** Window of failures per class, report ratio and SERP rates (default 1 h, the runbook's). */
  windowMs?: number;
  /** Bucket size of those windows (default 1 min). */
  bucketMs?: number;
  /** Window of the drain rate (default 5 min, 10 s buckets). */
  drainWindowMs?: number;
  maxTasks?: number;
  maxWorkers?: number;
  workerRetentionMs?: number;
  maxQueues?: number;
  maxTaskKeysPerQueue?: number;
  maxProviders?: number;
  maxCampaignsPerProvider?: number;
  maxFailedCampaigns?: number;
  /** How many top failing tasks per queue (default 5). */
  topFailingTasks?: number;
  /** Exception -> failure class (default: contract section 4 rules). */
  classify?: (exception: unknown) => FailureClass;
  /** Exact task name -> queue, for tasks whose queue no task-sent event told us. */
  taskRoutes?: Record<string, string>;
  /** LSOS queue-name prefix (test isolation): `t1_` makes crawl.* go to `t1_crawl`. */
  queuePrefix?: string;
  /** Task names starting with this are monthly report work (default `reporting.`). */
  reportingTaskPrefix?: string;
  /** The SERP task (default `rank.check_serp`), its kwargs carrying campaign_id and provider. */
  serpTask?: string;
  /** This host's utcoffset in Celery's convention (default from the system). */
  localUtcOffsetHours?: number;
  /** Tasks whose last success / failure per class are remembered (default 2 000, least recent dropped). */
  maxTaskOutcomes?: number;
  /**
   * How long a task-rejected (requeue=false) waits for the task-failed that usually follows it
   * (default 5 s). With acks_late and acks_on_failure_or_timeout=False, Celery rejects the message
   * first and then sends task-failed with the exception (celery/worker/request.py on_failure);
   * a task that raised Reject sends task-rejected only.
   */
  rejectGraceMs?: number;
  /**
   * How long a task's retry or outcome waits for the task-received (or task-sent) that names it
   * (default 5 s). Celery's main worker process sends task-received, the pool process that ran the
   * task sends the rest, and each flushes its own task.multi batch: a retry or failure can arrive
   * before the event that says which task and queue it was. After this it is counted unattributed.
   */
  unnamedGraceMs?: number;
  /**
   * How long a task is remembered after its outcome, for a task-retried that arrives after it
   * (default 30 s). Each pool process flushes its own task.multi batch: the retry of an attempt
   * one process ran can arrive after the outcome of the next attempt, run by another (a loaded
   * worker: test/live/events-redis.test.ts saw 18 of 19 retries).
   */
  lateRetryMs?: number;
}

/** The events that need their task's name (from task-received or task-sent) to be counted. */
const NEEDS_NAME = new Set(['task-succeeded', 'task-failed', 'task-rejected', 'task-retried']);
/** Events held per task at most while its name is awaited (a task is retried a few times, not hundreds). */
const MAX_HELD_PER_TASK = 32;

/** The queues LSOS routes by task-name prefix (contract section 1); anything else goes to `celery`. */
export const LSOS_TASK_QUEUES = ['crawl', 'rank', 'reviews', 'reporting', 'email'] as const;

interface TaskInfo {
  name: string;
  queue: string;
  campaignId: string | null;
  provider: string | null;
  /** The exception of the last retried attempt (a later Reject carries none). */
  lastException: string | null;
  /** When its outcome arrived (0 until then): a late retry still counts for a while (lateRetryMs). */
  finishedAt: EpochMs;
}

/** What the events say about one queue. */
export interface QueueEventStats {
  name: string;
  failuresByClass: Record<FailureClass, number>;
  topFailingTasks: TaskFailureCount[];
  /** Tasks finished (succeeded, failed, rejected for good) per minute over the drain window. */
  drainPerMinute: number;
  /** Retried attempts in the window (each raised an exception but is not a final failure). */
  retried: number;
  /** Tasks finished in the window. */
  finished: number;
  /** Seconds the failure and finished counts actually cover (less than the window until it is full). */
  windowSeconds: number;
  /** Seconds the drain rate was computed over. */
  drainWindowSeconds: number;
  /** The previous 24 hours, once the aggregator has observed that long (else null). */
  last24h: { failures: number; succeeded: number } | null;
  /** Per task: its last success and last failure for good per class (the replay guard's evidence). */
  taskOutcomes: TaskOutcome[];
}

export interface EventPatch {
  workers: WorkerSnapshot[];
  queues: QueueEventStats[];
  reporting: ReportingSnapshot;
  providers: ProviderSnapshot[];
}

export interface ProviderFlags {
  /** `lsos:provider:active` */
  active: string | null;
  /** `lsos:provider:<pool>:state` per pool. */
  states: Record<string, 'healthy' | 'quarantined'>;
}

interface QueueStats {
  /** Hour buckets over 24 h: `failures`, `succeeded`. */
  day: WindowedCounter;
  failures: WindowedCounter;
  failingTasks: WindowedCounter;
  retried: WindowedCounter;
  finished: WindowedCounter;
  drain: WindowedCounter;
  /**
   * What patch() gave out last, with the counter versions it was made from: kept while they are
   * the same (structural sharing, so a queue whose failures did not change keeps its objects).
   */
  given: {
    failuresVersion: number;
    failuresByClass: Record<FailureClass, number>;
    tasksVersion: number;
    topFailingTasks: TaskFailureCount[];
    last24h: { failures: number; succeeded: number } | null;
  } | null;
}

/** Never changed once given out: the taskOutcomes of a queue none of whose tasks finished. */
const NO_OUTCOMES: TaskOutcome[] = [];

interface ProviderStats {
  requests: WindowedCounter;
  campaigns: RecentSet;
  failedCampaigns: RecentSet;
}

const SEP = '\u0000';

export interface AggregatorStats {
  events: number;
  invalid: number;
  tasksRemembered: number;
  /** Tasks whose retries or outcomes wait for the event that names them. */
  tasksAwaitingName: number;
  workers: number;
  queues: number;
  providers: number;
  /** Terminal events whose task was never seen received/sent (cockpit started late, or evicted). */
  unattributed: number;
}

export class EventAggregator {
  private readonly o: Required<Omit<EventAggregatorOptions, 'taskRoutes' | 'classify'>> & {
    taskRoutes: Record<string, string>;
    classify: (e: unknown) => FailureClass;
  };
  private readonly tasks = new Map<string, TaskInfo>();
  private readonly workers = new Map<string, WorkerState>();
  private readonly queues = new Map<string, QueueStats>();
  private readonly providers = new Map<string, ProviderStats>();
  private readonly reportRuns: WindowedCounter;
  private readonly reportFailedCampaigns: RecentSet;
  private readonly names = new Map<string, string>();
  /** uuid -> a task whose outcome arrived in the last lateRetryMs, oldest first (made in the constructor). */
  private readonly finishedTasks: RecentMap<TaskInfo>;
  /** uuid -> when its task-rejected(requeue=false) arrived, waiting for a task-failed. */
  private readonly pendingRejects = new Map<string, EpochMs>();
  /** uuid -> its events that arrived before the event naming it, oldest task first (see unnamedGraceMs). */
  private readonly unnamed = new Map<string, { at: EpochMs; ev: CeleryEvent }[]>();
  private counts = { events: 0, invalid: 0, unattributed: 0 };
  /** First event's arrival: rates are over the time actually observed until a window is full. */
  private startedAt: EpochMs | null = null;
  /** `queue\0task` -> last success and last failure per class, least recently finished first. */
  private readonly outcomes = new Map<string, TaskOutcome & { queue: string }>();
  /** The same entries by queue, in the same order; the queues changed since the last patch; the lists patch() gave out per queue. */
  private readonly queueOutcomes = new Map<string, Map<string, TaskOutcome & { queue: string }>>();
  private readonly changedOutcomes = new Set<string>();
  private readonly outcomeLists = new Map<string, TaskOutcome[]>();

  constructor(opts: EventAggregatorOptions = {}) {
    const windowMs = opts.windowMs ?? 3_600_000;
    const bucketMs = opts.bucketMs ?? 60_000;
    this.o = {
      windowMs,
      bucketMs,
      drainWindowMs: opts.drainWindowMs ?? 300_000,
      maxTasks: opts.maxTasks ?? 20_000,
      maxWorkers: opts.maxWorkers ?? 1_000,
      workerRetentionMs: opts.workerRetentionMs ?? 3_600_000,
      maxQueues: opts.maxQueues ?? 500,
      maxTaskKeysPerQueue: opts.maxTaskKeysPerQueue ?? 100,
      maxProviders: opts.maxProviders ?? 64,
      maxCampaignsPerProvider: opts.maxCampaignsPerProvider ?? 10_000,
      maxFailedCampaigns: opts.maxFailedCampaigns ?? 5_000,
      topFailingTasks: opts.topFailingTasks ?? 5,
      classify: opts.classify ?? createClassifier(),
      taskRoutes: opts.taskRoutes ?? {},
      queuePrefix: opts.queuePrefix ?? '',
      reportingTaskPrefix: opts.reportingTaskPrefix ?? 'reporting.',
      serpTask: opts.serpTask ?? 'rank.check_serp',
      localUtcOffsetHours: opts.localUtcOffsetHours ?? localUtcOffsetHours(),
      rejectGraceMs: opts.rejectGraceMs ?? 5000,
      unnamedGraceMs: opts.unnamedGraceMs ?? 5000,
      lateRetryMs: opts.lateRetryMs ?? 30_000,
      maxTaskOutcomes: opts.maxTaskOutcomes ?? 2000,
    };
    this.reportRuns = new WindowedCounter(bucketMs, Math.ceil(windowMs / bucketMs), 4);
    this.reportFailedCampaigns = new RecentSet(this.o.maxFailedCampaigns);
    this.finishedTasks = new RecentMap(this.o.maxTasks, (t) => t.finishedAt);
  }

  /** The queue a task goes to when no task-sent event said: routes, then the name's prefix. */
  queueForTask(name: string): string {
    const routed = this.o.taskRoutes[name];
    if (routed) return routed;
    const head = name.split('.')[0] ?? '';
    const q = (LSOS_TASK_QUEUES as readonly string[]).includes(head) ? head : 'celery';
    return this.o.queuePrefix + q;
  }

  /** Counts a payload the transport could not decode, for the diagnostics. */
  noteInvalid(n = 1): void {
    this.counts.invalid += n;
  }

  /** Feeds one event; `receivedAt` is the cockpit's clock when it arrived (Celery's local_received). */
  ingest(ev: CeleryEvent, receivedAt: EpochMs): void {
    this.counts.events += 1;
    if (this.startedAt === null) this.startedAt = receivedAt;
    this.flushUnnamed(receivedAt);
    this.flushRejects(receivedAt);
    this.finishedTasks.prune(receivedAt - this.o.lateRetryMs);
    // celery.events.receiver.event_from_message: timestamps are shifted by the sender's utcoffset.
    const ts = ev.timestamp - (ev.utcoffset - this.o.localUtcOffsetHours) * 3600;
    if (ev.type.startsWith('worker-')) {
      this.workerEvent(ev, ts, receivedAt);
      return;
    }
    if (ev.type !== 'task-sent') this.taskEventHeartbeat(ev.hostname, ts, receivedAt);
    this.taskEvent(ev, receivedAt);
  }

  private intern(s: string): string {
    const hit = this.names.get(s);
    if (hit !== undefined) return hit;
    if (this.names.size < 10_000) this.names.set(s, s);
    return s;
  }

  private worker(hostname: string, at: EpochMs): WorkerState {
    let w = this.workers.get(hostname);
    if (!w) {
      w = {
        hostname,
        freq: DEFAULT_FREQ,
        heartbeats: [],
        lastHeartbeatAt: null,
        offlineEventAt: null,
        active: 0,
        processed: 0,
        lastEventAt: at,
      };
      this.workers.set(hostname, w);
      if (this.workers.size > this.o.maxWorkers) this.evictWorker();
    }
    w.lastEventAt = at;
    return w;
  }

  private evictWorker(): void {
    // Drop the worker silent the longest.
    let oldest: WorkerState | null = null;
    for (const w of this.workers.values()) if (!oldest || w.lastEventAt < oldest.lastEventAt) oldest = w;
    if (oldest) this.workers.delete(oldest.hostname);
  }

  /** Worker.event in celery/events/state.py: keeps the last 4 heartbeats, sorted (bisect.insort). */
  private addHeartbeat(w: WorkerState, seconds: number): void {
    const hb = w.heartbeats;
    if (hb.length > HEARTBEAT_MAX - 1) hb.shift();
    if (hb.length > 0 && seconds > (hb[hb.length - 1] as number)) hb.push(seconds);
    else {
      let i = hb.length;
      while (i > 0 && (hb[i - 1] as number) > seconds) i -= 1;
      hb.splice(i, 0, seconds);
    }
    w.lastHeartbeatAt = Math.round((hb[hb.length - 1] as number) * 1000);
  }

  private workerEvent(ev: CeleryEvent, ts: number, receivedAt: EpochMs): void {
    const w = this.worker(ev.hostname, receivedAt);
    if (ev.freq !== undefined && ev.freq > 0) w.freq = ev.freq;
    if (ev.active !== undefined) w.active = ev.active;
    if (ev.processed !== undefined) w.processed = ev.processed;
    if (ev.type === 'worker-offline') {
      // State: `if type_ == 'offline': heartbeats[:] = []`.
      w.heartbeats = [];
      w.offlineEventAt = receivedAt;
      w.active = 0;
      return;
    }
    // Worker events record local_received, the receiver's clock (State._create_dispatcher).
    if (!ts) return;
    w.offlineEventAt = null;
    this.addHeartbeat(w, receivedAt / 1000);
  }

  /**
   * State._create_dispatcher, task branch: a task event from a worker also counts as a heartbeat,
   * via `worker.event(None, local_received, timestamp)`. The arguments land positionally as
   * (timestamp=local_received, local_received=timestamp), so what Celery stores is the event's own
   * (utcoffset-adjusted) timestamp. Reproduced as is.
   */
  private taskEventHeartbeat(hostname: string, ts: number, receivedAt: EpochMs): void {
    const w = this.worker(hostname, receivedAt);
    if (!ts) return;
    this.addHeartbeat(w, ts);
  }

  private queueStats(queue: string): QueueStats {
    let q = this.queues.get(queue);
    if (q) {
      // Keep insertion order = recency for eviction.
      this.queues.delete(queue);
      this.queues.set(queue, q);
      return q;
    }
    const n = Math.ceil(this.o.windowMs / this.o.bucketMs);
    const drainBucket = 10_000;
    q = {
      day: new WindowedCounter(3_600_000, 24, 2),
      failures: new WindowedCounter(this.o.bucketMs, n, FAILURE_CLASSES.length),
      failingTasks: new WindowedCounter(this.o.bucketMs, n, this.o.maxTaskKeysPerQueue),
      retried: new WindowedCounter(this.o.bucketMs, n, 1),
      finished: new WindowedCounter(this.o.bucketMs, n, 1),
      drain: new WindowedCounter(drainBucket, Math.ceil(this.o.drainWindowMs / drainBucket), 1),
      given: null,
    };
    this.queues.set(queue, q);
    if (this.queues.size > this.o.maxQueues) {
      const first = this.queues.keys().next();
      if (!first.done) this.queues.delete(first.value);
    }
    return q;
  }

  private provider(name: string): ProviderStats {
    let p = this.providers.get(name);
    if (p) {
      this.providers.delete(name);
      this.providers.set(name, p);
      return p;
    }
    const n = Math.ceil(this.o.windowMs / this.o.bucketMs);
    p = {
      requests: new WindowedCounter(this.o.bucketMs, n, 2),
      campaigns: new RecentSet(this.o.maxCampaignsPerProvider),
      failedCampaigns: new RecentSet(this.o.maxCampaignsPerProvider),
    };
    this.providers.set(name, p);
    if (this.providers.size > this.o.maxProviders) {
      const first = this.providers.keys().next();
      if (!first.done) this.providers.delete(first.value);
    }
    return p;
  }

  private remember(ev: CeleryEvent): void {
    const uuid = ev.uuid as string;
    const prev = this.tasks.get(uuid);
    const name = ev.name ? this.intern(ev.name) : prev?.name;
    if (!name) return;
    const sentQueue = ev.queue || ev.routing_key;
    const queue = sentQueue ? this.intern(sentQueue) : (prev?.queue ?? this.intern(this.queueForTask(name)));
    let campaignId = prev?.campaignId ?? null;
    let provider = prev?.provider ?? null;
    if (ev.kwargs !== undefined) {
      const kw = parseKwargsRepr(ev.kwargs);
      const c = kw['campaign_id'];
      if (typeof c === 'string' || typeof c === 'number') campaignId = String(c);
      const p = kw['provider'];
      if (typeof p === 'string' && p.length > 0 && p.length <= 128) provider = this.intern(p);
    }
    this.tasks.delete(uuid);
    this.tasks.set(uuid, { name, queue, campaignId, provider, lastException: prev?.lastException ?? null, finishedAt: 0 });
    this.finishedTasks.delete(uuid);
    if (this.tasks.size > this.o.maxTasks) {
      const first = this.tasks.keys().next();
      if (!first.done) this.tasks.delete(first.value);
    }
    // What arrived before this event named the task is counted now, in the order it happened.
    const held = this.unnamed.get(uuid);
    if (held) {
      this.unnamed.delete(uuid);
      for (const h of held) this.taskEvent(h.ev, h.at, false);
    }
  }

  /** Holds an event of a task not named yet (see unnamedGraceMs); false when it cannot be held. */
  private holdUnnamed(uuid: string, ev: CeleryEvent, at: EpochMs): boolean {
    const held = this.unnamed.get(uuid);
    if (held) {
      if (held.length >= MAX_HELD_PER_TASK) return false;
      held.push({ at, ev });
      return true;
    }
    this.unnamed.set(uuid, [{ at, ev }]);
    if (this.unnamed.size > this.o.maxTasks) this.flushUnnamed(Number.POSITIVE_INFINITY, 1);
    return true;
  }

  /** Events whose task was never named within the grace: counted as they are (unattributed). */
  private flushUnnamed(now: EpochMs, limit = Number.POSITIVE_INFINITY): void {
    let n = 0;
    for (const [uuid, held] of this.unnamed) {
      if (n >= limit || now - (held[0]?.at ?? now) < this.o.unnamedGraceMs) break;
      this.unnamed.delete(uuid);
      for (const h of held) this.taskEvent(h.ev, h.at, false);
      n += 1;
    }
  }

  private taskEvent(ev: CeleryEvent, at: EpochMs, mayHold = true): void {
    const uuid = ev.uuid as string;
    // A late retry of a finished task needs no name: the task is still known (finishedTasks).
    const known = this.tasks.has(uuid) || (ev.type === 'task-retried' && this.finishedTasks.has(uuid));
    if (mayHold && NEEDS_NAME.has(ev.type) && !known && this.holdUnnamed(uuid, ev, at)) return;
    switch (ev.type) {
      case 'task-sent':
      case 'task-received':
        this.remember(ev);
        return;
      case 'task-succeeded':
        this.finish(uuid, at, null);
        return;
      case 'task-failed':
        this.pendingRejects.delete(uuid);
        this.finish(uuid, at, ev.exception ?? '');
        return;
      case 'task-rejected':
        // requeue=true puts it back: not an outcome. requeue=false: wait briefly for task-failed.
        if (ev.requeue === false) {
          if (!this.tasks.has(uuid)) this.finish(uuid, at, 'Reject');
          else if (!this.pendingRejects.has(uuid)) {
            this.pendingRejects.set(uuid, at);
            if (this.pendingRejects.size > this.o.maxTasks) this.flushRejects(Number.POSITIVE_INFINITY, 1);
          }
        }
        return;
      case 'task-revoked':
        this.tasks.delete(uuid);
        return;
      case 'task-retried':
        this.retried(uuid, at, ev.exception ?? '');
        return;
      default:
        return;
    }
  }

  /**
   * Rejected tasks no task-failed followed: they raised Reject, so the exception is the one of
   * their last retried attempt, if any. `limit` bounds how many are settled in one call.
   */
  private flushRejects(now: EpochMs, limit = Number.POSITIVE_INFINITY): void {
    let n = 0;
    for (const [uuid, at] of this.pendingRejects) {
      if (n >= limit || now - at < this.o.rejectGraceMs) break;
      this.pendingRejects.delete(uuid);
      this.finish(uuid, at, this.tasks.get(uuid)?.lastException ?? 'Reject');
      n += 1;
    }
  }

  private retried(uuid: string, at: EpochMs, exception: string): void {
    const t = this.tasks.get(uuid) ?? this.finishedTasks.get(uuid);
    if (!t) {
      this.counts.unattributed += 1;
      return;
    }
    t.lastException = exception;
    this.queueStats(t.queue).retried.add('n', at);
    // Every attempt of a SERP check is a request to the provider: a retried one failed.
    if (t.name === this.o.serpTask) this.serpOutcome(t, at, true);
  }

  /** A task reached its outcome: succeeded (exception null) or failed for good. */
  private finish(uuid: string, at: EpochMs, exception: string | null): void {
    const t = this.tasks.get(uuid);
    this.tasks.delete(uuid);
    if (!t) {
      this.counts.unattributed += 1;
      if (exception === null) return;
      // Still a failure the operator must see, attributed to no known queue.
      const q = this.queueStats('(unknown)');
      const cls = this.o.classify(exception);
      q.failures.add(cls, at);
      q.failingTasks.add(`(unknown)${SEP}${cls}`, at);
      return;
    }
    // Kept for lateRetryMs: a retry of an earlier attempt may still be on its way.
    t.finishedAt = at;
    this.finishedTasks.touch(uuid, t);
    const q = this.queueStats(t.queue);
    q.finished.add('n', at);
    q.drain.add('n', at);
    const failed = exception !== null;
    q.day.add(failed ? 'failures' : 'succeeded', at);
    const cls = failed ? this.o.classify(exception) : null;
    if (cls !== null) {
      q.failures.add(cls, at);
      q.failingTasks.add(`${t.name}${SEP}${cls}`, at);
    }
    this.outcome(t, at, cls);
    if (t.name.startsWith(this.o.reportingTaskPrefix)) {
      this.reportRuns.add('runs', at);
      if (failed) {
        this.reportRuns.add('failures', at);
        if (t.campaignId !== null) this.reportFailedCampaigns.touch(t.campaignId, at);
      }
    }
    if (t.name === this.o.serpTask) this.serpOutcome(t, at, failed);
  }

  /** Remembers the task's last success, or its last failure for good of class `cls`. */
  private outcome(t: TaskInfo, at: EpochMs, cls: FailureClass | null): void {
    const key = `${t.queue}${SEP}${t.name}`;
    const o = this.outcomes.get(key) ?? { queue: t.queue, task: t.name, lastSuccessAt: null, lastFailureAt: {} };
    if (cls === null) o.lastSuccessAt = Math.max(o.lastSuccessAt ?? at, at);
    else o.lastFailureAt[cls] = Math.max(o.lastFailureAt[cls] ?? at, at);
    this.outcomes.delete(key);
    this.outcomes.set(key, o);
    let byTask = this.queueOutcomes.get(t.queue);
    if (!byTask) this.queueOutcomes.set(t.queue, (byTask = new Map()));
    byTask.delete(key);
    byTask.set(key, o);
    this.changedOutcomes.add(t.queue);
    if (this.outcomes.size > this.o.maxTaskOutcomes) {
      const first = this.outcomes.entries().next();
      if (!first.done) {
        const [oldKey, old] = first.value;
        this.outcomes.delete(oldKey);
        const of = this.queueOutcomes.get(old.queue);
        of?.delete(oldKey);
        if (of?.size === 0) this.queueOutcomes.delete(old.queue);
        this.changedOutcomes.add(old.queue);
      }
    }
    // Bounded even if nobody asks for patches.
    if (this.changedOutcomes.size > this.o.maxTaskOutcomes) this.groupOutcomes();
  }

  private serpOutcome(t: TaskInfo, at: EpochMs, failed: boolean): void {
    if (!t.provider) return;
    const p = this.provider(t.provider);
    p.requests.add('requests', at);
    if (failed) p.requests.add('failures', at);
    if (t.campaignId !== null) {
      p.campaigns.touch(t.campaignId, at);
      if (failed) p.failedCampaigns.touch(t.campaignId, at);
    }
  }

  /** Worker liveness by Celery's rule at `now`. */
  private workerSnapshot(w: WorkerState, now: EpochMs): WorkerSnapshot {
    const last = w.heartbeats[w.heartbeats.length - 1];
    // Worker.alive: `bool(self.heartbeats and nowfun() < self.heartbeat_expires)`.
    const expiresAt = last === undefined ? null : heartbeatExpires(last, w.freq) * 1000;
    const online = expiresAt !== null && now < expiresAt;
    let offlineSince: EpochMs | null = null;
    if (!online) offlineSince = w.offlineEventAt ?? (expiresAt !== null ? Math.round(expiresAt) : w.lastEventAt);
    return {
      hostname: w.hostname,
      queues: [],
      concurrency: 0,
      active: online ? w.active : 0,
      lastHeartbeatAt: w.lastHeartbeatAt,
      online,
      offlineSince,
    };
  }

  /** Everything the events say at `now`. Also drops what fell out of the windows. */
  patch(now: EpochMs, flags?: ProviderFlags): EventPatch {
    this.flushUnnamed(now);
    this.flushRejects(now);
    this.finishedTasks.prune(now - this.o.lateRetryMs);
    const workers: WorkerSnapshot[] = [];
    for (const w of [...this.workers.values()]) {
      const s = this.workerSnapshot(w, now);
      if (!s.online && s.offlineSince !== null && now - s.offlineSince > this.o.workerRetentionMs) {
        this.workers.delete(w.hostname);
        continue;
      }
      workers.push(s);
    }
    workers.sort((a, b) => compareText(a.hostname, b.hostname));

    this.groupOutcomes();
    const queues: QueueEventStats[] = [];
    // Rates are over the time the counts really cover: until a window is full that is the time
    // observed (a 5 s look divided by a 10 s floor halved the drain rate). 1 s keeps a first
    // event from dividing by zero.
    const day = this.observedMs(now) >= 24 * 3_600_000;
    for (const [name, q] of this.queues) {
      q.day.advance(now);
      q.failures.advance(now);
      q.failingTasks.advance(now);
      q.retried.advance(now);
      q.finished.advance(now);
      q.drain.advance(now);
      if (q.day.bucketCount + q.failures.bucketCount + q.finished.bucketCount + q.retried.bucketCount + q.drain.bucketCount === 0) {
        this.queues.delete(name);
        continue;
      }
      const given = q.given;
      let failuresByClass = given?.failuresByClass;
      if (!given || failuresByClass === undefined || given.failuresVersion !== q.failures.version) {
        failuresByClass = emptyFailures();
        for (const c of FAILURE_CLASSES) failuresByClass[c] = q.failures.get(c);
      }
      let top = given?.topFailingTasks;
      if (!given || top === undefined || given.tasksVersion !== q.failingTasks.version) {
        const all: TaskFailureCount[] = [];
        for (const [key, count] of q.failingTasks.entries()) {
          const [task, cls] = key === OTHER ? [OTHER, 'unclassified'] : key.split(SEP);
          all.push({ task: task ?? key, count, failureClass: (cls as FailureClass) ?? 'unclassified' });
        }
        all.sort((a, b) => b.count - a.count || compareText(a.task, b.task));
        top = all.slice(0, this.o.topFailingTasks);
      }
      let last24h: QueueEventStats['last24h'] = null;
      if (day) {
        const failures = q.day.get('failures');
        const succeeded = q.day.get('succeeded');
        const p = given?.last24h;
        last24h = p && p.failures === failures && p.succeeded === succeeded ? p : { failures, succeeded };
      }
      // Kept in place (the aggregator's own record, never given out): no object per queue a tick.
      if (given) {
        given.failuresVersion = q.failures.version;
        given.failuresByClass = failuresByClass;
        given.tasksVersion = q.failingTasks.version;
        given.topFailingTasks = top;
        given.last24h = last24h;
      } else
        q.given = {
          failuresVersion: q.failures.version,
          failuresByClass,
          tasksVersion: q.failingTasks.version,
          topFailingTasks: top,
          last24h,
        };
      const drainSpanMs = Math.max(1000, q.drain.coveredMs(now, this.startedAt));
      const windowMs = Math.max(1000, q.finished.coveredMs(now, this.startedAt));
      queues.push({
        name,
        failuresByClass,
        topFailingTasks: top,
        drainPerMinute: q.drain.sum() / (drainSpanMs / 60_000),
        retried: q.retried.sum(),
        finished: q.finished.sum(),
        windowSeconds: Math.round(windowMs / 1000),
        drainWindowSeconds: Math.round(drainSpanMs / 1000),
        last24h,
        taskOutcomes: this.outcomeLists.get(name) ?? NO_OUTCOMES,
      });
    }

    this.reportRuns.advance(now);
    this.reportFailedCampaigns.prune(now - this.o.windowMs);
    const reporting: ReportingSnapshot = {
      runs: this.reportRuns.get('runs'),
      failures: this.reportRuns.get('failures'),
      windowMinutes: Math.round(this.o.windowMs / 60_000),
      failedCampaigns: this.reportFailedCampaigns.keys(),
    };

    const providers: ProviderSnapshot[] = [];
    const names = new Set([...this.providers.keys(), ...Object.keys(flags?.states ?? {})]);
    if (flags?.active) names.add(flags.active);
    for (const name of names) {
      const p = this.providers.get(name);
      if (p) {
        p.requests.advance(now);
        p.campaigns.prune(now - this.o.windowMs);
        p.failedCampaigns.prune(now - this.o.windowMs);
      }
      providers.push({
        name,
        state: flags?.states[name] ?? 'healthy',
        active: flags?.active === name,
        requests: p?.requests.get('requests') ?? 0,
        failures: p?.requests.get('failures') ?? 0,
        campaignsAffected: p?.failedCampaigns.size ?? 0,
        campaignsTotal: p?.campaigns.size ?? 0,
      });
    }
    providers.sort((a, b) => compareText(a.name, b.name));
    return { workers, queues, reporting, providers };
  }

  /**
   * Each queue's task outcomes as patch() gives them out (copies: the remembered ones change in
   * place). Only a queue with a change since the last call gets a new list; the others keep theirs.
   */
  private groupOutcomes(): void {
    for (const q of this.changedOutcomes) {
      const byTask = this.queueOutcomes.get(q);
      if (!byTask) {
        // A queue whose outcomes all went (evicted) has none.
        this.outcomeLists.delete(q);
        continue;
      }
      const list: TaskOutcome[] = [];
      for (const o of byTask.values()) list.push({ task: o.task, lastSuccessAt: o.lastSuccessAt, lastFailureAt: { ...o.lastFailureAt } });
      this.outcomeLists.set(q, list);
    }
    this.changedOutcomes.clear();
  }

  /** How long events have been observed (since the first one arrived). */
  observedMs(now: EpochMs): number {
    return this.startedAt === null ? 0 : now - this.startedAt;
  }

  /** Provider pools seen in SERP events (most recently active last). */
  providerNames(): string[] {
    return [...this.providers.keys()];
  }

  stats(): AggregatorStats {
    return {
      ...this.counts,
      tasksRemembered: this.tasks.size,
      tasksAwaitingName: this.unnamed.size,
      workers: this.workers.size,
      queues: this.queues.size,
      providers: this.providers.size,
    };
  }
}

/** Folds what the events say about a queue into the broker's view of it. */
export function applyQueueEventStats(q: QueueSnapshot, s: QueueEventStats | undefined): QueueSnapshot {
  if (!s) return q;
  return {
    ...q,
    failuresByClass: s.failuresByClass,
    topFailingTasks: s.topFailingTasks,
    drainPerMinute: s.drainPerMinute,
    finishedInWindow: s.finished,
    eventWindowSeconds: s.windowSeconds,
    taskOutcomes: s.taskOutcomes,
  };
}
