// The Redis source at scale keeps each script call short (issue 16): 600 queues are inspected in
// chunks of at most 250 queues per EVALSHA, all pipelined in one round trip; message reads are
// budgeted per call, so a head not read yet is an unknown lag (never "0 s, first seen"), and every
// head is read within a few ticks; a head that moved while the length stayed the same (one
// consumed, one published) is seen by the rotation. Depths and lags are compared with Redis itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisCelerySource } from '../../src/sources/redis/index.js';
import type { QueueSnapshot } from '../../src/core/snapshot.js';
import { redisAvailable, requireServer, runId, kombuRedisMessage } from '../celery/harness.js';
import { waitFor } from '../support/waitFor.js';

const DB = 11;
const URL = `redis://127.0.0.1:6379/${DB}`;
const PREFIX = `ch${runId()}_`;
const N = 600;

const ok = await requireServer('redis 127.0.0.1:6379', () => redisAvailable(URL));

describe.runIf(ok)(`${N} queues in bounded script calls (db ${DB})`, () => {
  let redis: Redis;
  const names = Array.from({ length: N }, (_, i) => `${PREFIX}q${String(i).padStart(4, '0')}`);
  const t0 = Date.now() / 1000;

  beforeAll(async () => {
    redis = new Redis(URL);
    const pipe = redis.pipeline();
    names.forEach((q, i) => {
      // LPUSH: the first pushed is the oldest, at the tail.
      pipe.lpush(q, kombuRedisMessage(q, i * 10, t0 - 120), kombuRedisMessage(q, i * 10 + 1, t0 - 60));
    });
    await pipe.exec();
  });

  afterAll(async () => {
    if (!redis) return;
    for (let i = 0; i < names.length; i += 200)
      await redis.del(...names.slice(i, i + 200), ...names.slice(i, i + 200).map((q) => `${q}.dead`));
    redis.disconnect();
  });

  it('chunks per call, one round trip, unknown until read, every head read within a few ticks, a moved head seen', async () => {
    const source = new RedisCelerySource({ url: URL, queues: names, discover: false, events: false, providerFlags: false });
    const byName = (qs: QueueSnapshot[] | undefined) => new Map((qs ?? []).map((q) => [q.name, q]));
    try {
      let patch = await source.read();
      const first = source.stats().lastTick;
      // ceil(600 / 250) queue chunks plus at least one unacked window, in one pipeline.
      expect(first?.scriptCalls).toBeGreaterThanOrEqual(4);
      let qs = byName(patch.queues);
      for (const name of names) expect(qs.get(name)?.depth, name).toBe(2);
      // Heads not read yet (the calls' read budgets) are unknown, never a made-up 0 s.
      const now1 = Date.now() / 1000;
      for (const q of qs.values()) {
        if (q.lagMethod === 'stamped') expect(Math.abs((q.lagSeconds ?? 0) - (now1 - (t0 - 120)))).toBeLessThan(2);
        else expect([q.name, q.lagMethod, q.lagSeconds]).toEqual([q.name, 'unknown', null]);
      }

      // Within a few ticks every head has been read.
      let ticks = 0;
      while ([...qs.values()].some((q) => q.lagMethod !== 'stamped') && ticks < 20) {
        patch = await source.read();
        qs = byName(patch.queues);
        ticks += 1;
        expect(source.stats().lastTick?.roundTrips).toBe(1);
      }
      expect([...qs.values()].filter((q) => q.lagMethod !== 'stamped').map((q) => q.name)).toEqual([]);

      // One consumed (the oldest, at the tail) and one published: the length stays 2, the head moved.
      const moved = names[N - 1] as string;
      await redis.rpop(moved);
      await redis.lpush(moved, kombuRedisMessage(moved, 999_999, Date.now() / 1000));
      let lag = qs.get(moved)?.lagSeconds ?? 0;
      for (ticks = 0; ticks < Math.ceil(N / 32) + 5 && lag > 100; ticks++) {
        lag = byName((await source.read()).queues).get(moved)?.lagSeconds ?? 0;
      }
      // The new head was sent at t0 - 60.
      expect(Math.abs(lag - (Date.now() / 1000 - (t0 - 60)))).toBeLessThan(3);
      expect(byName((await source.read()).queues).get(moved)?.depth).toBe(await redis.llen(moved));
    } finally {
      await source.close();
    }
  });

  it('every Q.dead is counted in rotation: a new dead letter shows within deadCountEveryTicks (4) ticks, whichever queue it is in', async () => {
    // 600 queues: Q.dead is counted for at least 250 queues a tick (ceil(600 / 4) = 150 is fewer),
    // so not every tick counts every Q.dead; with deadCountsPerTick 0 exactly ceil(600 / 4) are.
    for (const opts of [{}, { deadCountsPerTick: 0 }]) {
      const source = new RedisCelerySource({ url: URL, queues: names, discover: false, events: false, providerFlags: false, ...opts });
      const dead = (qs: QueueSnapshot[] | undefined) => new Map((qs ?? []).map((q) => [q.name, q.deadLetters]));
      try {
        // Every Q.dead is counted on a queue's first tick (no made-up 0), then in rotation.
        let seen = dead((await source.read()).queues);
        const before = new Map(names.map((n) => [n, seen.get(n) ?? -1]));
        for (let i = 0; i < 6; i++) await source.read();
        // A dead letter in every queue's Q.dead at once: each queue is somewhere in the rotation.
        const pipe = redis.pipeline();
        for (const q of names) pipe.lpush(`${q}.dead`, JSON.stringify({ headers: { lsos_exc_type: 'TimeoutError' } }));
        await pipe.exec();
        const firstSeenAt = new Map<string, number>();
        for (let tick = 1; tick <= 4; tick++) {
          seen = dead((await source.read()).queues);
          for (const q of names) if (!firstSeenAt.has(q) && seen.get(q) === (before.get(q) ?? 0) + 1) firstSeenAt.set(q, tick);
          // The rotation spreads the counting: the first tick after the push did not count them all.
          if (tick === 1) expect(firstSeenAt.size).toBeLessThan(N);
        }
        expect(names.filter((q) => !firstSeenAt.has(q))).toEqual([]);
        // And the figure is Redis's own length.
        const pipe2 = redis.pipeline();
        for (const q of names) pipe2.llen(`${q}.dead`);
        const lens = ((await pipe2.exec()) ?? []).map(([, v]) => v as number);
        expect(names.map((q) => seen.get(q))).toEqual(lens);
      } finally {
        await source.close();
      }
    }
  });

  it('spreads the reads over the calls: four large dead-letter lists are classified in one tick, each in a call of its own', async () => {
    // 40 queues fit one call; each call may read 96 messages. Four Q.dead lists of 60 letters each
    // need 50 reads to classify. In one call (heads first) only one classification fits a tick; the
    // plan spreads them over calls of their own (src/sources/redis/chunkPlan.ts).
    const small = Array.from({ length: 40 }, (_, i) => `${PREFIX}s${String(i).padStart(2, '0')}`);
    const fat = small.slice(0, 4);
    const pipe = redis.pipeline();
    small.forEach((q, i) => pipe.lpush(q, kombuRedisMessage(q, 90_000 + i, t0 - 30)));
    for (const q of fat)
      for (let i = 0; i < 60; i++)
        pipe.lpush(`${q}.dead`, JSON.stringify({ headers: { lsos_exc_type: i % 3 ? 'TimeoutError' : 'ProxyBlocked' } }));
    await pipe.exec();
    // MONITOR (read-only) shows each EVALSHA and, after it, the commands its script ran.
    const monitor = await new Redis(URL).monitor();
    const calls: string[][] = [];
    const seen = new Set<string>();
    monitor.on('monitor', (_time: string, args: string[], source: string, database: string) => {
      if (database !== String(DB)) return;
      const cmd = String(args[0]).toLowerCase();
      if (cmd === 'echo') seen.add(String(args[1]));
      if (cmd === 'evalsha' && args[3] === 'q' && args.slice(12).some((a) => small.includes(a))) calls.push([]);
      else if (source === 'lua' && cmd === 'lrange' && calls.length > 0) calls[calls.length - 1]?.push(String(args[1]));
    });
    // MONITOR shows commands in the order Redis ran them: once it shows an ECHO, it shows
    // everything after. Until it shows one, it may not be in force yet: echo again.
    const echoSeen = (marker: string) =>
      waitFor(
        async () => {
          await redis.echo(marker);
          return seen.has(marker);
        },
        { what: `${marker} in MONITOR` },
      );
    await echoSeen(`${PREFIX}monitoring`);
    const source = new RedisCelerySource({ url: URL, queues: small, discover: false, events: false, providerFlags: false });
    try {
      const patch = await source.read();
      await echoSeen(`${PREFIX}tick-done`);
      const classified = calls.map((c) => c.filter((k) => k.endsWith('.dead')).sort());
      expect(classified.flat().sort()).toEqual(fat.map((q) => `${q}.dead`).sort());
      expect(Math.max(...classified.map((c) => c.length))).toBe(1);
      // Every queue answered, and the classified ones carry their 60 letters.
      const byName = new Map((patch.queues ?? []).map((q) => [q.name, q]));
      for (const q of small) expect(byName.get(q)?.depth, q).toBe(1);
      for (const q of fat) expect(byName.get(q)?.deadLetters, q).toBe(60);
    } finally {
      await source.close();
      monitor.disconnect();
      await redis.del(...small, ...small.map((q) => `${q}.dead`));
    }
  });
});
