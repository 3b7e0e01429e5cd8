// Dead-letter replay on Redis: each dead letter moves from `Q.dead` to its queue's priority list
// in one EVAL (check it is still the one read, record it in the ledger, LPUSH the rewritten
// envelope, remove it from Q.dead), so a SIGKILL or a dropped connection can never split a move:
// every dead letter is either still in Q.dead or in the queue, exactly once.
//
// Order: the oldest dead letter (the tail; LSOS LPUSHes them) goes first. A dead letter that is
// not replayed (task not allowed, filtered out, unreadable) stays where it is, in its place:
// the script works at an offset from the tail that grows past each skipped one.
//
// Ledger: hash `lsos:replay:ledger:<Q>`, field = the dead letter's identity (task id, delivery
// tag, lsos_sent_at, retries, prior replay count), value = who/when/why. HSETNX in the same EVAL;
// a dead letter whose identity is already there is a copy of one already replayed: it is removed
// without publishing (counted `alreadyDone`). Because the move is atomic, a crash never needs the
// ledger to recover; it guards against duplicate copies and is the record of what was replayed.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { openRedis } from '../../sources/connect/redis.js';
import { deadLetterQueueOf } from '../../domain/queues.js';
import { MAX_MESSAGE_BYTES, redisPriorityKey, validateTaskMessage } from './message.js';
import {
  batchFor,
  checkReplayRequest,
  deadLetterIdentity,
  effectiveRate,
  errText,
  Pacer,
  replayHeaders,
  wanted,
  abortableSleep,
} from './replay.js';
import type { DeadLetterDetail, DeadLetterReplayer, ReplayPreview, ReplayRequest, ReplayResult } from './types.js';

export interface RedisReplayerOptions {
  url?: string;
  client?: Redis;
  /** Ledger hash key prefix (default `lsos:replay:ledger:`); the queue name is appended. */
  ledgerPrefix?: string;
  /** Ledger entries are kept this long after the last replay (default 30 days). */
  ledgerTtlSeconds?: number;
  /** One replay per queue at a time: lock `lsos:replay:lock:<Q>`, refreshed per batch (default 5 s TTL). */
  lockTtlMs?: number;
  /** Dead letters per EVAL (default: a tenth of a second's worth at the rate, 1..100). */
  batchSize?: number;
  /** Clock, for tests. */
  now?: () => number;
}

// KEYS: 1 dead list, 2 ledger, 3 lock, 4..7 the queue's priority lists (steps 0, 3, 6, 9)
// ARGV: 1 lock token, 2 tail offset, 3 ledger ttl s, 4 lock ttl ms, then per dead letter 6 values:
//   kind ('s' skip | 'm' move), the exact text read, new envelope, priority list index (1-4),
//   identity, ledger entry.
// Returns {offset, kinds}: kinds has one letter per dead letter handled ('s', 'm' moved, 'd' copy
// of one already replayed), fewer than sent when the list changed under us (the caller re-reads);
// offset -1: the lock was lost.
const MOVE_SCRIPT = `
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return {-1, ''} end
local off = tonumber(ARGV[2])
local kinds = {}
for i = 5, #ARGV, 6 do
  local cur = redis.call('LINDEX', KEYS[1], -(off + 1))
  if cur ~= ARGV[i + 1] then break end
  if ARGV[i] == 's' then
    off = off + 1
    kinds[#kinds + 1] = 's'
  else
    if redis.call('HSETNX', KEYS[2], ARGV[i + 4], ARGV[i + 5]) == 1 then
      redis.call('LPUSH', KEYS[3 + tonumber(ARGV[i + 3])], ARGV[i + 2])
      kinds[#kinds + 1] = 'm'
    else
      kinds[#kinds + 1] = 'd'
    end
    if off == 0 then
      redis.call('RPOP', KEYS[1])
    else
      local tomb = '__lsos_replay_tombstone__' .. ARGV[1]
      redis.call('LSET', KEYS[1], -(off + 1), tomb)
      redis.call('LREM', KEYS[1], -1, tomb)
    end
  end
end
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[4]))
return {off, table.concat(kinds)}
`;

// Takes the lock again if it lapsed (a long pacing wait), unless someone else holds it.
const REFRESH_SCRIPT = `local v = redis.call('GET', KEYS[1])
if v == ARGV[1] or not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2])) return 1 end return 0`;

const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

interface Envelope {
  headers: Record<string, unknown>;
  properties: Record<string, unknown> & { delivery_info?: Record<string, unknown> };
  [k: string]: unknown;
}

interface Decision {
  raw: string;
  kind: 's' | 'm';
  unreadable?: boolean;
  id?: string;
  env?: string;
  prio?: number;
  identity?: string;
}

export class RedisDeadLetterReplayer implements DeadLetterReplayer {
  private readonly redis: Redis;
  private readonly owned: boolean;

  constructor(private readonly opts: RedisReplayerOptions) {
    if (opts.client) {
      this.redis = opts.client;
      this.owned = false;
    } else if (opts.url) {
      this.redis = openRedis(opts.url, { maxRetriesPerRequest: 3 });
      this.redis.on('error', () => undefined);
      this.owned = true;
    } else throw new Error('RedisDeadLetterReplayer needs url or client');
  }

  ledgerKey(queue: string): string {
    return `${this.opts.ledgerPrefix ?? 'lsos:replay:ledger:'}${queue}`;
  }

  private lockKey(queue: string): string {
    return `lsos:replay:lock:${queue}`;
  }

  async preview(queue: string, opts: { sample?: number; details?: boolean } = {}): Promise<ReplayPreview> {
    const dead = deadLetterQueueOf(queue);
    const total = await this.redis.llen(dead);
    const sample = Math.min(total, opts.sample ?? 10_000);
    const byTask: Record<string, number> = {};
    const details = new Map<string, DeadLetterDetail>();
    for (let i = 0; i < sample; i += 500) {
      const items = await this.redis.lrange(dead, -Math.min(sample, i + 500), -(i + 1));
      for (const raw of items) {
        const head = opts.details ? deadLetterHead(raw) : null;
        const name = head?.task ?? taskName(raw) ?? '(unreadable)';
        byTask[name] = (byTask[name] ?? 0) + 1;
        if (!opts.details) continue;
        // LSOS's dead-letter headers (contract section 3): the exception class and when it failed.
        const excType = head?.excType ?? null;
        const key = `${name}\u0000${excType ?? ''}`;
        const d = details.get(key) ?? { task: name, excType, count: 0, oldestFailedAt: null, newestFailedAt: null };
        d.count += 1;
        const at = head?.failedAt ?? null;
        if (at !== null) {
          d.oldestFailedAt = d.oldestFailedAt === null ? at : Math.min(d.oldestFailedAt, at);
          d.newestFailedAt = d.newestFailedAt === null ? at : Math.max(d.newestFailedAt, at);
        }
        details.set(key, d);
      }
    }
    return opts.details ? { total, byTask, details: [...details.values()] } : { total, byTask };
  }

  /** Reads one dead letter and decides what happens to it. */
  private decide(raw: string, req: ReplayRequest, now: number): Decision {
    if (raw.length > MAX_MESSAGE_BYTES) return { raw, kind: 's', unreadable: true };
    let env: Envelope;
    try {
      env = JSON.parse(raw) as Envelope;
    } catch {
      return { raw, kind: 's', unreadable: true };
    }
    if (
      typeof env !== 'object' ||
      env === null ||
      typeof env.headers !== 'object' ||
      env.headers === null ||
      typeof env.properties !== 'object' ||
      env.properties === null
    ) {
      return { raw, kind: 's', unreadable: true };
    }
    const task = env.headers['task'];
    if (typeof task !== 'string') return { raw, kind: 's', unreadable: true };
    if (!wanted(req, task, env.headers)) return { raw, kind: 's' };
    const origTag = typeof env.properties['delivery_tag'] === 'string' ? env.properties['delivery_tag'] : undefined;
    const headers = replayHeaders(env.headers, {
      deadQueue: deadLetterQueueOf(req.queue),
      operator: req.operator,
      reasonCode: req.reasonCode,
      nowMs: now,
    });
    const { redelivered: _r, ...props } = env.properties;
    const next: Envelope = {
      ...env,
      headers,
      properties: {
        ...props,
        // Back to the queue it came from, through the default exchange, as a fresh delivery.
        delivery_info: { exchange: '', routing_key: req.queue },
        delivery_tag: randomUUID(),
      },
    };
    const text = JSON.stringify(next);
    // A dead letter that would crash a worker stays dead.
    if (validateTaskMessage(text, 'redis').length > 0) return { raw, kind: 's', unreadable: true };
    const prioKey = redisPriorityKey(req.queue, typeof props['priority'] === 'number' ? props['priority'] : 0);
    const prio = [req.queue, ...[3, 6, 9].map((s) => `${req.queue}\x06\x16${s}`)].indexOf(prioKey) + 1;
    return { raw, kind: 'm', id: env.headers['id'] as string, env: text, prio, identity: deadLetterIdentity(env.headers, origTag) };
  }

  private async takeLock(key: string, token: string, ttl: number, signal?: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + ttl + 1000;
    for (;;) {
      if ((await this.redis.set(key, token, 'PX', ttl, 'NX')) === 'OK') return true;
      if (Date.now() > deadline || signal?.aborted) return false;
      await abortableSleep(200, signal);
    }
  }

  async replay(req: ReplayRequest): Promise<ReplayResult> {
    const result: ReplayResult = { replayed: 0, skipped: 0, alreadyDone: 0, total: 0, stopped: false, error: null, ids: [] };
    const problems = checkReplayRequest(req);
    if (problems.length > 0) return { ...result, error: problems.join('; ') };
    const now = this.opts.now ?? Date.now;
    const dead = deadLetterQueueOf(req.queue);
    const lockTtl = this.opts.lockTtlMs ?? 5000;
    const token = randomUUID();
    const lockKey = this.lockKey(req.queue);
    const keys = [dead, this.ledgerKey(req.queue), lockKey, req.queue, ...[3, 6, 9].map((s) => `${req.queue}\x06\x16${s}`)];
    const rate = effectiveRate(req);
    const batch = this.opts.batchSize ?? batchFor(rate);
    const ttl = String(this.opts.ledgerTtlSeconds ?? 30 * 86400);
    let unreadable = 0;
    try {
      if (!(await this.takeLock(lockKey, token, lockTtl, req.signal)))
        return { ...result, error: `another replay of ${req.queue} holds the lock`, stopped: !!req.signal?.aborted };
      // Paced from here: the wait for a crashed run's lock must not count as sending time.
      const pacer = new Pacer(rate);
      const present = await this.redis.llen(dead);
      const max = req.max ?? Infinity;
      result.total = Math.min(present, max);
      let examined = 0;
      let offset = 0;
      const report = () =>
        req.onProgress?.({ replayed: result.replayed, skipped: result.skipped, alreadyDone: result.alreadyDone, total: result.total });
      while (examined < present && result.replayed + result.alreadyDone < max) {
        if (req.signal?.aborted) {
          result.stopped = true;
          break;
        }
        const room = max - result.replayed - result.alreadyDone;
        const k = Math.min(batch, present - examined);
        const items = await this.redis.lrange(dead, -(offset + k), -(offset + 1));
        if (items.length === 0) break;
        items.reverse(); // tail (oldest) first
        const decisions: Decision[] = [];
        let moves = 0;
        for (const raw of items) {
          const d = this.decide(raw, req, now());
          if (d.kind === 'm') {
            if (moves >= room) break;
            moves++;
          }
          decisions.push(d);
        }
        await pacer.before(moves, req.signal);
        if ((await this.redis.eval(REFRESH_SCRIPT, 1, lockKey, token, String(lockTtl))) !== 1)
          throw new Error('replay lock lost (another replay took over?)');
        const argv: string[] = [token, String(offset), ttl, String(lockTtl)];
        for (const d of decisions) {
          const entry =
            d.kind === 'm' ? JSON.stringify({ id: d.id, at: now() / 1000, by: req.operator, reason: req.reasonCode, to: req.queue }) : '';
          argv.push(d.kind, d.raw, d.env ?? '', String(d.prio ?? 1), d.identity ?? '', entry);
        }
        const [newOffset, kinds] = (await this.redis.eval(MOVE_SCRIPT, keys.length, ...keys, ...argv)) as [number, string];
        if (newOffset === -1) throw new Error('replay lock lost (another replay took over?)');
        offset = newOffset;
        for (let i = 0; i < kinds.length; i++) {
          const d = decisions[i] as Decision;
          const kind = kinds[i];
          if (kind === 'm') {
            result.replayed++;
            result.ids.push(d.id as string);
          } else if (kind === 'd') result.alreadyDone++;
          else {
            result.skipped++;
            if (d.unreadable) unreadable++;
          }
        }
        examined += kinds.length;
        pacer.done(moves);
        report();
      }
    } catch (err) {
      result.error = errText(err);
    } finally {
      await this.redis.eval(RELEASE_SCRIPT, 1, lockKey, token).catch(() => undefined);
    }
    return { ...result, unreadable };
  }

  async close(): Promise<void> {
    if (this.owned) this.redis.disconnect();
  }
}

/** A dead letter's task, `lsos_exc_type` and `lsos_failed_at` (epoch ms); null when unreadable. */
function deadLetterHead(raw: string): { task: string; excType: string | null; failedAt: number | null } | null {
  if (raw.length > MAX_MESSAGE_BYTES) return null;
  try {
    const h = (JSON.parse(raw) as { headers?: Record<string, unknown> }).headers ?? {};
    if (typeof h['task'] !== 'string') return null;
    const exc = h['lsos_exc_type'];
    const at = h['lsos_failed_at'];
    return {
      task: h['task'],
      excType: typeof exc === 'string' && exc.length <= 200 ? exc : null,
      failedAt: typeof at === 'number' && Number.isFinite(at) ? Math.round(at * 1000) : null,
    };
  } catch {
    return null;
  }
}

function taskName(raw: string): string | null {
  if (raw.length > MAX_MESSAGE_BYTES) return null;
  try {
    const env = JSON.parse(raw) as { headers?: { task?: unknown } };
    return typeof env.headers?.task === 'string' ? env.headers.task : null;
  } catch {
    return null;
  }
}
