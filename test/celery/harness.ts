// Test harness around the real LSOS Celery app (lsos_app.py): start/stop/kill real workers in
// their own process groups, publish tasks through real Celery, read the truth straight from the
// broker, and run private Redis servers and a latency/cut TCP proxy for fault tests.
//
// Broker-neutral parts (workers, publishing, requireServer, TcpProxy) serve the RabbitMQ suites
// too: pass `brokerUrl: 'amqp://guest:guest@127.0.0.1:5672//'` and a unique `queuePrefix`.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

export const CELERY_DIR = path.dirname(fileURLToPath(import.meta.url));
/** Debian's Python, which has Celery 5.2 (the pyenv python3 first on PATH has not). */
export const PYTHON = '/usr/bin/python3';

export interface CeleryEnvOptions {
  brokerUrl: string;
  queuePrefix?: string;
  maxRetries?: number;
  sentEvents?: boolean;
  extra?: Record<string, string>;
}

/** The environment lsos_app.py reads. */
export function celeryEnv(o: CeleryEnvOptions): NodeJS.ProcessEnv {
  return {
    ...process.env,
    LSOS_BROKER_URL: o.brokerUrl,
    LSOS_QUEUE_PREFIX: o.queuePrefix ?? '',
    LSOS_MAX_RETRIES: String(o.maxRetries ?? 2),
    LSOS_SENT_EVENT: o.sentEvents === false ? '0' : '1',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    ...(o.extra ?? {}),
  };
}

/** A short random id for queue prefixes and node names, so reruns and parallel runs never meet. */
export function runId(): string {
  return Math.random().toString(36).slice(2, 8);
}

// ---------------------------------------------------------------------------------------------
// Workers

export interface WorkerOptions extends CeleryEnvOptions {
  /** Node name before the `@` (the host is appended like Celery's %h). */
  name: string;
  /** Logical queue names (the prefix is added), e.g. ['crawl', 'rank']. */
  queues: string[];
  concurrency?: number;
  pool?: 'prefork' | 'solo' | 'threads';
  /** Seconds between event heartbeats (Celery's default is 2). */
  heartbeatInterval?: number;
  readyTimeoutMs?: number;
  extraArgs?: string[];
}

export class CeleryWorker {
  private readonly lines: string[] = [];
  private exited: Promise<number | null>;
  private exitCode: number | null | undefined = undefined;

  private constructor(
    readonly opts: WorkerOptions,
    readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.length === 0) continue;
        this.lines.push(line);
        if (this.lines.length > 3000) this.lines.shift();
      }
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.on('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      });
    });
  }

  /** `name@host`, as the worker names itself in events. */
  get hostname(): string {
    return `${this.opts.name}@${os.hostname()}`;
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  log(): string {
    return this.lines.join('\n');
  }

  static async start(opts: WorkerOptions): Promise<CeleryWorker> {
    const prefix = opts.queuePrefix ?? '';
    const args = [
      '-m',
      'celery',
      '-A',
      'lsos_app',
      'worker',
      '-E',
      '-Q',
      opts.queues.map((q) => prefix + q).join(','),
      '-c',
      String(opts.concurrency ?? 2),
      '-n',
      `${opts.name}@%h`,
      '-P',
      opts.pool ?? 'prefork',
      '--without-mingle',
      '--without-gossip',
      '-l',
      'info',
      ...(opts.heartbeatInterval ? ['--heartbeat-interval', String(opts.heartbeatInterval)] : []),
      ...(opts.extraArgs ?? []),
    ];
    // detached: its own process group, so stop/kill reach the pool children too.
    const child = spawn(PYTHON, args, { cwd: CELERY_DIR, env: celeryEnv(opts), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const w = new CeleryWorker(opts, child);
    // A generous ceiling: Python and the prefork pool start slowly on a busy machine.
    await w.waitReady(opts.readyTimeoutMs ?? 90_000);
    return w;
  }

  /** Resolves on the worker's own "<node> ready." log line. */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const marker = `${this.hostname} ready.`;
    while (Date.now() < deadline) {
      if (this.lines.some((l) => l.includes(marker))) return;
      if (!this.running)
        throw new Error(
          `celery worker ${this.hostname} exited (${String(this.exitCode)}) before ready:\n${this.lines.slice(-30).join('\n')}`,
        );
      await sleep(50);
    }
    await this.kill9();
    throw new Error(`celery worker ${this.hostname} not ready within ${timeoutMs} ms:\n${this.lines.slice(-30).join('\n')}`);
  }

  private signalGroup(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, sig);
    } catch {
      // already gone
    }
  }

  /** Warm shutdown (TERM: finish running tasks, send worker-offline), then KILL after the timeout. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.signalGroup('SIGTERM');
    const done = await Promise.race([this.exited.then(() => true), sleep(timeoutMs).then(() => false)]);
    if (!done) await this.kill9();
    else this.signalGroup('SIGKILL'); // stray pool children, if any
  }

  /** kill -9 of the whole group: no worker-offline event, unacked messages stay in `unacked`. */
  async kill9(): Promise<void> {
    this.signalGroup('SIGKILL');
    await Promise.race([this.exited, sleep(5000)]);
  }
}

// ---------------------------------------------------------------------------------------------
// Publishing through real Celery

export interface PublishSpec {
  name: string;
  kwargs?: Record<string, unknown>;
  args?: unknown[];
  count?: number;
  /** Logical queue (prefix added); default: LSOS routing by task name. */
  queue?: string;
  countdown?: number;
  etaIn?: number;
  priority?: number;
  /** Publish without lsos_sent_at. */
  nostamp?: boolean;
  /** A back-dated lsos_sent_at (epoch seconds). */
  stampAt?: number;
}

export interface Published {
  id: string;
  name: string;
  queue: string;
}

/** Publishes with `send_task` from a Python process (publish.py); resolves with the task ids. */
export async function publishTasks(env: CeleryEnvOptions, tasks: PublishSpec[]): Promise<Published[]> {
  const spec = {
    tasks: tasks.map((t) => ({
      name: t.name,
      kwargs: t.kwargs,
      args: t.args,
      count: t.count,
      queue: t.queue,
      countdown: t.countdown,
      eta_in: t.etaIn,
      priority: t.priority,
      nostamp: t.nostamp,
      stamp_at: t.stampAt,
    })),
  };
  const out = await run(PYTHON, ['publish.py'], { cwd: CELERY_DIR, env: celeryEnv(env), input: JSON.stringify(spec), timeoutMs: 60_000 });
  const line = out.stdout.trim().split('\n').pop() ?? '';
  const parsed = JSON.parse(line) as { published: Published[] };
  return parsed.published;
}

// ---------------------------------------------------------------------------------------------
// Truth straight from Redis (test-only reads: whole lists and hashes are fine here)

export const KOMBU_SEP = '\x06\x16';

/** A Celery 5 message as kombu's Redis transport stores it, stamped with lsos_sent_at (epoch s). */
export function kombuRedisMessage(queue: string, i: number, sentAt: number): string {
  const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  return JSON.stringify({
    body: Buffer.from(JSON.stringify([[], {}, { callbacks: null, errbacks: null, chain: null, chord: null }])).toString('base64'),
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers: { lang: 'py', task: 'crawl.fetch_page', id, retries: 0, root_id: id, lsos_sent_at: sentAt },
    properties: {
      correlation_id: id,
      delivery_mode: 2,
      delivery_info: { exchange: '', routing_key: queue },
      priority: 0,
      body_encoding: 'base64',
      delivery_tag: `tag-${queue}-${i}`,
    },
  });
}

export class RedisTruth {
  readonly redis: Redis;

  constructor(url: string) {
    this.redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  }

  subLists(queue: string): string[] {
    return [queue, `${queue}${KOMBU_SEP}3`, `${queue}${KOMBU_SEP}6`, `${queue}${KOMBU_SEP}9`];
  }

  /** LLEN summed over the four priority lists. */
  async depth(queue: string): Promise<number> {
    let n = 0;
    for (const k of this.subLists(queue)) n += await this.redis.llen(k);
    return n;
  }

  /** Entries of `unacked` per routing key (HGETALL: fine for a test, never for the cockpit). */
  async unackedByQueue(): Promise<Record<string, number>> {
    const all = await this.redis.hgetall('unacked');
    const out: Record<string, number> = {};
    for (const v of Object.values(all)) {
      const arr = JSON.parse(v) as [unknown, string, string];
      out[arr[2]] = (out[arr[2]] ?? 0) + 1;
    }
    return out;
  }

  /** now - lsos_sent_at of each sub-list's tail (the oldest ready message); null if unstamped/empty. */
  async tailAges(queue: string, nowMs = Date.now()): Promise<(number | null)[]> {
    const out: (number | null)[] = [];
    for (const k of this.subLists(queue)) {
      const tail = await this.redis.lrange(k, -1, -1);
      const raw = tail[0];
      if (raw === undefined) {
        out.push(null);
        continue;
      }
      const env = JSON.parse(raw) as { headers?: { lsos_sent_at?: number } };
      const sent = env.headers?.lsos_sent_at;
      out.push(typeof sent === 'number' ? nowMs / 1000 - sent : null);
    }
    return out;
  }

  async deadLetters(queue: string): Promise<{ headers: Record<string, unknown> }[]> {
    const items = await this.redis.lrange(`${queue}.dead`, 0, -1);
    return items.map((s) => JSON.parse(s) as { headers: Record<string, unknown> });
  }

  /** Deletes every key containing `prefix` (queues, sub-lists, dead letters, bindings) and their unacked entries. */
  async cleanup(prefix: string): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await this.redis.del(...keys);
    } while (cursor !== '0');
    // A worker killed with -9 leaves its mailbox binding behind (node names carry the prefix).
    const mailboxes = await this.redis.smembers('_kombu.binding.celery.pidbox');
    const mine = mailboxes.filter((m) => m.includes(prefix));
    if (mine.length > 0) await this.redis.srem('_kombu.binding.celery.pidbox', ...mine);
    const all = await this.redis.hgetall('unacked');
    for (const [tag, v] of Object.entries(all)) {
      if (v.includes(`"${prefix}`)) await this.redis.multi().hdel('unacked', tag).zrem('unacked_index', tag).exec();
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// Servers

/**
 * Integration suites must run under CI=true: a missing server fails the suite there. Elsewhere the
 * suite is skipped, loudly. Use: `const ok = await requireServer('redis', () => ping()); describe.runIf(ok)(...)`.
 */
export async function requireServer(name: string, check: () => Promise<unknown>, timeoutMs = 15_000): Promise<boolean> {
  try {
    await Promise.race([check(), sleep(timeoutMs).then(() => Promise.reject(new Error(`no answer within ${timeoutMs} ms`)))]);
    return true;
  } catch (err) {
    const why = `${name} unavailable: ${err instanceof Error ? err.message : String(err)}`;
    if (process.env['CI'] === 'true') throw new Error(`${why} (CI=true: integration suites must run, not skip)`);
    console.warn(`\n*** SKIPPING integration suite: ${why} ***\n`);
    return false;
  }
}

export async function redisAvailable(url: string): Promise<void> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  r.on('error', () => undefined);
  try {
    await r.connect();
    await r.ping();
  } finally {
    r.disconnect();
  }
}

/** Is Debian's Celery importable? */
export async function celeryAvailable(): Promise<void> {
  await run(PYTHON, ['-c', 'import celery, kombu, redis'], { cwd: CELERY_DIR, timeoutMs: 20_000 });
}

/** A private redis-server on its own port and directory (fault tests never touch the shared one). */
export class PrivateRedis {
  private child: ChildProcess | null = null;
  private readonly dir = mkdtempSync(path.join(os.tmpdir(), 'lsos-redis-'));

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir],
      {
        stdio: 'ignore',
        detached: true,
      },
    );
    this.child = child;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      try {
        await redisAvailable(this.url);
        return;
      } catch {
        await sleep(50);
      }
    }
    throw new Error(`private redis-server on ${this.port} did not start`);
  }

  /** kill -9: the cockpit sees the connection drop with no goodbye. */
  async kill(): Promise<void> {
    const c = this.child;
    this.child = null;
    if (!c || c.exitCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await Promise.race([gone, sleep(3000)]);
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => resolve(a.port));
    });
  });
}

export { TcpProxy } from '../support/tcpProxy.js';

// ---------------------------------------------------------------------------------------------
// Small helpers

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Below this a ceiling is raised to it: a loaded machine is slow, not wrong. */
const MIN_CEILING_MS = 30_000;

/**
 * Polls `fn` until it returns a truthy value or the ceiling passes (then returns the last value).
 * The ceiling is at least 30 s whatever `timeoutMs` says: it only matters when the condition
 * never comes, and a short one fails tests on a busy machine.
 */
export async function until<T>(fn: () => Promise<T> | T, timeoutMs = MIN_CEILING_MS, everyMs = 200): Promise<T> {
  const deadline = Date.now() + Math.max(timeoutMs, MIN_CEILING_MS);
  let v = await fn();
  while (!v && Date.now() < deadline) {
    await sleep(everyMs);
    v = await fn();
  }
  return v;
}

export async function run(
  cmd: string,
  args: string[],
  o: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${String(code)}: ${stderr.slice(-2000)}`));
    });
    // A child that exits without reading its input closes the pipe: EPIPE is not the test's failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(o.input ?? '');
  });
}

// ---------------------------------------------------------------------------------------------
// What the worker says about itself (test/celery/lsos_probe.py, `celery inspect stats`)

/** One task run as lsos_probe.py records it (LSOS_PROBE_FILE): its id, lineage and lsos_* headers. */
export interface ProbeRecord {
  id: string;
  task: string;
  root_id: string | null;
  parent_id: string | null;
  retries: number;
  queue: string;
  hostname: string;
  headers: Record<string, unknown>;
}

/** Every task run recorded in the probe file so far (none while it does not exist). */
export function readProbe(file: string): ProbeRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as ProbeRecord);
}

export interface PoolStats {
  pool: { processes: number[]; 'max-concurrency': number };
}

/** Celery's own `celery inspect stats` for one worker: the truth for its pool size. */
export async function celeryInspectStats(env: CeleryEnvOptions, hostname: string): Promise<PoolStats> {
  const out = await run(PYTHON, ['-m', 'celery', '-A', 'lsos_app', 'inspect', 'stats', '-d', hostname, '-j', '-t', '3'], {
    cwd: CELERY_DIR,
    env: celeryEnv(env),
    timeoutMs: 30_000,
  });
  const parsed = JSON.parse(out.stdout.slice(out.stdout.indexOf('{'))) as Record<string, PoolStats>;
  const stats = parsed[hostname];
  if (!stats) throw new Error(`celery inspect stats: no reply from ${hostname}`);
  return stats;
}
