// One tick costs one round trip however many queues: 200 real Celery queues (db 13, random
// prefix) read through a TCP proxy that adds latency, so round trips show on the clock as well
// as in the source's own count. Also the bounded reading of a large `unacked` hash.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCelerySource } from '../../src/sources/redis/index.js';
import {
  RedisTruth,
  TcpProxy,
  celeryAvailable,
  publishTasks,
  redisAvailable,
  requireServer,
  runId,
  until,
  type CeleryEnvOptions,
} from '../celery/harness.js';

const DB = 13;
const URL = `redis://127.0.0.1:6379/${DB}`;
const PREFIX = `sc${runId()}_`;
const ENV: CeleryEnvOptions = { brokerUrl: URL, queuePrefix: PREFIX };
const N = 200;
const DELAY_MS = 30; // each way: one round trip costs at least 60 ms

const ok =
  (await requireServer('redis 127.0.0.1:6379', () => redisAvailable(URL))) &&
  (await requireServer('celery (Debian python3-celery)', celeryAvailable));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

describe.runIf(ok)('constant round trips per tick (db 13)', () => {
  let truth: RedisTruth;
  let proxy: TcpProxy;
  const names = Array.from({ length: N }, (_, i) => `${PREFIX}s${i}`);

  beforeAll(async () => {
    truth = new RedisTruth(URL);
    // Real Celery publishes: each queue gets its list and its _kombu.binding.* set; i % 3 + 1 messages.
    await publishTasks(
      ENV,
      names.map((_, i) => ({ name: 'crawl.fetch_page', queue: `s${i}`, count: (i % 3) + 1, kwargs: { url: `https://x/${i}` } })),
    );
    proxy = new TcpProxy(6379, DELAY_MS);
    await proxy.start();
  });

  afterAll(async () => {
    await proxy?.close();
    await truth?.cleanup(PREFIX);
    await truth?.close();
  });

  it(`${N} queues cost the same single round trip as 7`, async () => {
    const url = `redis://127.0.0.1:${proxy.port}/${DB}`;
    const small = new RedisCelerySource({ url, queuePrefix: PREFIX, discover: false, events: false, providerFlags: false });
    const large = new RedisCelerySource({
      url,
      queuePrefix: PREFIX,
      discoverPrefix: PREFIX,
      events: false,
      providerFlags: false,
      scanCount: 5000,
    });
    try {
      // Discovery: one SCAN step per tick, SMEMBERS of what it found on the next.
      await until(async () => ((await large.read()).queues?.length ?? 0) >= N + 7, 20_000, 0);
      await small.read();
      const ticks = { small: [] as number[], large: [] as number[] };
      const trips = { small: [] as number[], large: [] as number[] };
      let patch = await large.read();
      for (let i = 0; i < 5; i++) {
        for (const [key, src] of [
          ['small', small],
          ['large', large],
        ] as const) {
          const t0 = performance.now();
          const p = await src.read();
          ticks[key].push(performance.now() - t0);
          trips[key].push(src.stats().lastTick?.roundTrips ?? -1);
          if (key === 'large') patch = p;
        }
      }
      expect(trips.small).toEqual([1, 1, 1, 1, 1]);
      expect(trips.large).toEqual([1, 1, 1, 1, 1]);
      // On the clock: one round trip is >= 60 ms here, two would be >= 120 ms.
      expect(median(ticks.large)).toBeGreaterThanOrEqual(2 * DELAY_MS);
      expect(median(ticks.large)).toBeLessThan(4 * DELAY_MS);
      expect(median(ticks.small)).toBeLessThan(4 * DELAY_MS);
      expect(patch.queues?.length).toBe(N + 7);
      // Every depth against LLEN, read directly.
      const pipe = truth.redis.pipeline();
      for (const n of names) pipe.llen(n);
      const lens = (await pipe.exec())?.map(([, v]) => v as number) ?? [];
      const depths = names.map((n) => patch.queues?.find((q) => q.name === n)?.depth);
      expect(depths).toEqual(lens);
      expect(lens.reduce((a, b) => a + b, 0)).toBe(names.reduce((n, _, i) => n + (i % 3) + 1, 0));
    } finally {
      await small.close();
      await large.close();
    }
  });

  it('reserved from a large unacked hash: exact up to the scan bound, scaled from the newest entries beyond it', async () => {
    // Entries shaped like kombu's: [envelope, exchange, routing_key] keyed by delivery tag.
    const [raw] = await truth.redis.lrange(names[0] as string, -1, -1);
    const env = JSON.parse(raw as string) as unknown;
    const pipe = truth.redis.pipeline();
    for (let i = 0; i < 1000; i++) {
      const tag = `${PREFIX}tag${i}`;
      const rk = i % 10 < 7 ? names[0] : names[1];
      pipe.hset('unacked', tag, JSON.stringify([env, '', rk]));
      pipe.zadd('unacked_index', Date.now() / 1000 + i / 1000, tag);
    }
    await pipe.exec();
    const exactTruth = await truth.unackedByQueue();
    const exact = new RedisCelerySource({
      url: URL,
      queuePrefix: PREFIX,
      queues: names.slice(0, 2),
      discover: false,
      events: false,
      providerFlags: false,
    });
    const sampled = new RedisCelerySource({
      url: URL,
      queuePrefix: PREFIX,
      queues: names.slice(0, 2),
      discover: false,
      events: false,
      providerFlags: false,
      maxUnackedScan: 200,
    });
    try {
      const e = await exact.read();
      expect(e.queues?.map((q) => q.reserved)).toEqual([exactTruth[names[0] as string], exactTruth[names[1] as string]]);
      const s = await sampled.read();
      expect(sampled.stats().reservedEstimated).toBe(true);
      const [r0, r1] = s.queues?.map((q) => q.reserved) ?? [];
      // The newest 200 hold the same 7:3 mix, so the scaled estimate lands close.
      expect(Math.abs((r0 ?? 0) - (exactTruth[names[0] as string] ?? 0))).toBeLessThanOrEqual(0.1 * (exactTruth[names[0] as string] ?? 0));
      expect(Math.abs((r1 ?? 0) - (exactTruth[names[1] as string] ?? 0))).toBeLessThanOrEqual(
        0.1 * (exactTruth[names[1] as string] ?? 0) + 5,
      );
    } finally {
      await exact.close();
      await sampled.close();
    }
  });
});
