// Redis going away mid-run: a private redis-server (never the shared one) is killed with -9
// while the scheduler polls the source. read() must reject quickly with a clear error, the
// scheduler must mark the source unreachable, and both must recover when Redis is back,
// events included (a real worker's worker-online over the re-established subscription).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCelerySource } from '../../src/sources/redis/index.js';
import { SourceScheduler } from '../../src/runtime/scheduler.js';
import { createCockpitStore } from '../../src/ui/state/store.js';
import { systemClock } from '../../src/core/source.js';
import {
  CeleryWorker,
  PrivateRedis,
  RedisTruth,
  celeryAvailable,
  freePort,
  publishTasks,
  requireServer,
  sleep,
  until,
} from '../celery/harness.js';

const ok =
  (await requireServer('redis-server binary', async () => {
    const { run } = await import('../celery/harness.js');
    await run('redis-server', ['--version']);
  })) && (await requireServer('celery (Debian python3-celery)', celeryAvailable));

describe.runIf(ok)('Redis down and back (private redis-server)', () => {
  let redis: PrivateRedis;
  let source: RedisCelerySource;
  let worker: CeleryWorker | null = null;

  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    // db 0 of a private server: the LSOS control flags (contract section 6) are read in the same round trip.
    source = new RedisCelerySource({ url: redis.url, readyTimeoutMs: 1000, connectTimeoutMs: 1000, providers: ['brightpool', 'serpfast'] });
  });

  afterAll(async () => {
    await worker?.kill9();
    await source?.close();
    await redis?.stop();
  });

  it('rejects fast with a clear error while Redis is down, and recovers when it returns', async () => {
    const env = { brokerUrl: redis.url };
    await publishTasks(env, [{ name: 'crawl.fetch_page', kwargs: { url: 'https://a' }, count: 3 }]);
    const first = await source.read();
    expect(first.queues?.find((q) => q.name === 'crawl')?.depth).toBe(3);

    const store = createCockpitStore();
    const scheduler = new SourceScheduler(source, store, {
      intervalMs: 200,
      backoffMs: 200,
      maxBackoffMs: 400,
      timeoutMs: 3000,
      clock: systemClock,
    });
    const status = () => store.getState().snapshot.sources.find((s) => s.name === 'redis');
    scheduler.start();
    try {
      await until(() => status()?.state === 'ok', 5000, 50);

      await redis.kill();
      const t0 = performance.now();
      const err = await source.read().then(
        () => null,
        (e: unknown) => e as Error,
      );
      const rejectMs = performance.now() - t0;
      expect(err).toBeInstanceOf(Error);
      expect(err?.message).toMatch(new RegExp(`redis 127\\.0\\.0\\.1:${redis.port}/0 unreachable`));
      // At once or within its 1 s ready timeout (plus what a busy machine adds): before the 5 s
      // command timeout it would otherwise wait for.
      expect(rejectMs).toBeLessThan(4500);
      // The scheduler marks it unreachable, keeping the last good data.
      expect(await until(() => status()?.state === 'unreachable', 5000, 50)).toBe(true);
      expect(status()?.error).toMatch(/unreachable/);
      expect(store.getState().snapshot.queues.find((q) => q.name === 'crawl')?.depth).toBe(3);
      // Still down a moment later: still a quick, clean rejection.
      await sleep(500);
      const t1 = performance.now();
      await expect(source.read()).rejects.toThrow(/unreachable/);
      expect(performance.now() - t1).toBeLessThan(4500);

      // Back (a fresh, empty server on the same port).
      await redis.start();
      expect(await until(() => status()?.state === 'ok', 10_000, 50)).toBe(true);
      const truth = new RedisTruth(redis.url);
      try {
        await truth.redis.set('lsos:provider:brightpool:state', 'quarantined');
        await truth.redis.set('lsos:provider:serpfast:state', 'healthy');
        await truth.redis.set('lsos:provider:active', 'serpfast');
        const after = await source.read();
        expect(after.queues?.find((q) => q.name === 'crawl')?.depth).toBe(await truth.depth('crawl'));
        expect(after.providers?.map((p) => [p.name, p.state, p.active])).toEqual([
          ['brightpool', await truth.redis.get('lsos:provider:brightpool:state'), false],
          ['serpfast', await truth.redis.get('lsos:provider:serpfast:state'), true],
        ]);
        expect(source.stats().lastTick?.roundTrips).toBe(1);
        // Events flow again through the re-subscribed connection.
        worker = await CeleryWorker.start({ ...env, name: 'down-w', queues: ['crawl'], concurrency: 1 });
        const online = await until(
          async () => (await source.read()).workers?.find((w) => w.hostname === worker?.hostname)?.online,
          10_000,
          100,
        );
        expect(online).toBe(true);
      } finally {
        await truth.close();
      }
    } finally {
      await scheduler.stop();
    }
  });
});
