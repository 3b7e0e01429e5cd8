// Structural sharing in the Redis source (issue 16, scale): a queue whose figures did not change
// between two ticks is the same snapshot object (so every identity check downstream skips it),
// and one that changed is a new object with the new figures, keeping the parts of it that did not
// change (priority depths, dead-letter classes, failure counts). The clock is the test's, so a
// message waiting at a head has the same lag until the clock moves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisCelerySource } from '../../src/sources/redis/index.js';
import type { QueueSnapshot } from '../../src/core/snapshot.js';
import type { RedisQueueSnapshot } from '../../src/sources/redis/redisSource.js';
import { lagTrendValues } from '../../src/core/lagTrend.js';
import { redisAvailable, requireServer, runId, kombuRedisMessage } from '../celery/harness.js';

const DB = 14;
const URL = `redis://127.0.0.1:6379/${DB}`;
const PREFIX = `sh${runId()}_`;

const ok = await requireServer('redis 127.0.0.1:6379', () => redisAvailable(URL));

describe.runIf(ok)(`the Redis source keeps unchanged queues' snapshots (db ${DB})`, () => {
  let redis: Redis;
  const idle = `${PREFIX}idle`;
  const stuck = `${PREFIX}stuck`;
  const busy = `${PREFIX}busy`;
  const names = [idle, stuck, busy];
  const t0 = 1_900_000_000_000;

  beforeAll(async () => {
    redis = new Redis(URL);
    await redis.lpush(stuck, kombuRedisMessage(stuck, 1, t0 / 1000 - 120), kombuRedisMessage(stuck, 2, t0 / 1000 - 60));
    await redis.lpush(`${stuck}.dead`, JSON.stringify({ headers: { lsos_exc_type: 'TimeoutError' } }));
    await redis.lpush(busy, kombuRedisMessage(busy, 3, t0 / 1000 - 30));
  });

  afterAll(async () => {
    if (!redis) return;
    await redis.del(...names, ...names.map((q) => `${q}.dead`));
    redis.disconnect();
  });

  it('the same object while nothing in a queue changed; a new one, with the unchanged parts kept, when something did', async () => {
    let now = t0;
    const source = new RedisCelerySource({
      url: URL,
      queues: names,
      discover: false,
      events: false,
      providerFlags: false,
      lagTrendLength: 5,
      clock: { now: () => now },
    });
    const read = async () => new Map(((await source.read()).queues ?? []).map((q: QueueSnapshot) => [q.name, q as RedisQueueSnapshot]));
    try {
      // Past the first reads (heads, dead-letter counts and classes) and a full lag trend.
      for (let i = 0; i < 8; i++) await read();
      const a = await read();
      const b = await read();
      expect(a.get(stuck)).toMatchObject({ depth: 2, lagSeconds: 120, lagMethod: 'stamped', deadLetters: 1 });
      expect(a.get(stuck)?.deadLetterClasses.transient).toBe(1);
      expect(a.get(idle)).toMatchObject({ depth: 0, lagSeconds: 0, lagMethod: 'empty' });
      for (const name of names) expect(b.get(name), name).toBe(a.get(name));

      // A message published to one queue: that queue alone is new.
      await redis.lpush(busy, kombuRedisMessage(busy, 4, now / 1000));
      const c = await read();
      expect(c.get(busy)).not.toBe(b.get(busy));
      expect(c.get(busy)?.depth).toBe(2);
      expect(c.get(idle)).toBe(b.get(idle));
      expect(c.get(stuck)).toBe(b.get(stuck));

      // The clock moves: a waiting head's lag grows, so its queue is new, with the parts that did not change kept.
      now += 1000;
      const d = await read();
      const before = c.get(stuck) as RedisQueueSnapshot;
      const after = d.get(stuck) as RedisQueueSnapshot;
      expect(after).not.toBe(before);
      expect(after.lagSeconds).toBe(121);
      expect(after.lagTrend).not.toBe(before.lagTrend);
      expect(after.lagTrend.at(-1)).toBe(121);
      // The trend is a window over the source's log, not a copy: the last 5 values, and the old
      // snapshot's window still shows what it showed, through more ticks than the log holds.
      expect(lagTrendValues(after.lagTrend)).toEqual([120, 120, 120, 120, 121]);
      const windows: [QueueSnapshot, number[]][] = [[after, [120, 120, 120, 120, 121]]];
      for (let i = 2; i <= 12; i++) {
        now += 1000;
        const q = (await read()).get(stuck) as RedisQueueSnapshot;
        windows.push([q, [116, 117, 118, 119, 120].map((v) => Math.max(120, v + i))]);
      }
      for (const [q, values] of windows) expect(lagTrendValues(q.lagTrend)).toEqual(values);
      expect(JSON.parse(JSON.stringify(after))).toMatchObject({ lagTrend: [120, 120, 120, 120, 121] });
      expect(after.priorityDepths).toBe(before.priorityDepths);
      expect(after.deadLetterClasses).toBe(before.deadLetterClasses);
      expect(after.failuresByClass).toBe(before.failuresByClass);
      expect(after.topFailingTasks).toBe(before.topFailingTasks);
      // An empty queue has no lag to grow.
      expect(d.get(idle)).toBe(c.get(idle));
    } finally {
      await source.close();
    }
  });
});
