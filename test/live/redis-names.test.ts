// Queue names reach the inspection script as bytes inside one argument (each name's length, then
// its bytes) rather than one argument per name. A key name may hold any byte: NUL, CR LF, the
// priority separator's bytes, multi-byte UTF-8, more than 255 bytes. Each such queue's depth, lag
// and dead letters must come back as Redis has them, through both runs that read names this way
// (queues whose Q.dead is counted this tick, and the rest), and one name that is a prefix of
// another must not be read as it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisCelerySource } from '../../src/sources/redis/index.js';
import type { QueueSnapshot } from '../../src/core/snapshot.js';
import { redisAvailable, requireServer, runId, kombuRedisMessage } from '../celery/harness.js';
import { waitFor } from '../support/waitFor.js';

const DB = 11;
const URL = `redis://127.0.0.1:6379/${DB}`;
const P = `nm${runId()}_`;

const ok = await requireServer('redis 127.0.0.1:6379', () => redisAvailable(URL));

describe.runIf(ok)(`queue names of any bytes (db ${DB})`, () => {
  let redis: Redis;
  const names = [
    `${P}plain`,
    `${P}plain\u0000more`,
    `${P}nul\u0000`,
    `${P}crlf\r\n$3\r\nx`,
    `${P}ctl\u0006\u0016x`,
    `${P}ünï😀`,
    `${P}${'L'.repeat(300)}`,
    `${P}`,
  ];
  const t0 = Date.now() / 1000;

  beforeAll(async () => {
    redis = new Redis(URL);
    const pipe = redis.pipeline();
    // Queue k holds k + 1 messages, the oldest sent k + 10 s before t0.
    names.forEach((q, k) => {
      for (let m = 0; m <= k; m++) pipe.lpush(q, kombuRedisMessage(q, k * 100 + m, t0 - (k + 10) + m * 0.001));
    });
    await pipe.exec();
  });

  afterAll(async () => {
    if (!redis) return;
    await redis.del(...names, ...names.map((q) => `${q}.dead`));
    redis.disconnect();
  });

  it('each queue reads as Redis has it, in both runs, a name never read as its prefix', async () => {
    // Few reads planned, one Q.dead counted per tick besides the rotation: most queues go through
    // the run that only counts, the others through the one that counts Q.dead.
    const source = new RedisCelerySource({
      url: URL,
      queues: names,
      discover: false,
      events: false,
      providerFlags: false,
      headRefreshPerTick: 0,
      deepSamplesPerTick: 0,
      deadSamplesPerTick: 0,
      subListChecksPerTick: 0,
      deadCountsPerTick: 1,
      deadCountEveryTicks: 4,
    });
    const byName = (qs: readonly QueueSnapshot[]) => new Map(qs.map((q) => [q.name, q]));
    try {
      let qs = byName((await source.read()).queues ?? []);
      await waitFor(async () => {
        qs = byName((await source.read()).queues ?? []);
        return names.every((q) => qs.get(q)?.lagMethod === 'stamped');
      });
      const now = Date.now() / 1000;
      names.forEach((q, k) => {
        const s = qs.get(q);
        expect(s?.depth, JSON.stringify(q)).toBe(k + 1);
        expect(Math.abs((s?.lagSeconds ?? 0) - (now - (t0 - (k + 10)))), JSON.stringify(q)).toBeLessThan(2);
      });
      expect(qs.size).toBe(names.length);

      // One more message in every other queue and k dead letters in each: seen where they are.
      const pipe = redis.pipeline();
      names.forEach((q, k) => {
        if (k % 2 === 0) pipe.lpush(q, kombuRedisMessage(q, k * 100 + 99, t0));
        for (let d = 0; d < k; d++) pipe.lpush(`${q}.dead`, kombuRedisMessage(q, k * 100 + 50 + d, t0));
      });
      await pipe.exec();
      await waitFor(async () => {
        qs = byName((await source.read()).queues ?? []);
        return names.every((q, k) => qs.get(q)?.depth === k + 1 + (k % 2 === 0 ? 1 : 0) && qs.get(q)?.deadLetters === k);
      });
      for (const [k, q] of names.entries()) {
        expect([q, qs.get(q)?.depth, qs.get(q)?.deadLetters]).toEqual([q, Number(await redis.llen(q)), k]);
      }
    } finally {
      await source.close();
    }
  });
});
