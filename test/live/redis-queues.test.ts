// The Redis source against a real Celery worker on the shared Redis (db 11, a random queue
// prefix per run): depth, reserved, queue lag (stamped, priority lists, first-seen),
// unreadable messages and queue discovery, each compared with the truth read from the broker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCelerySource, type RedisQueueSnapshot } from '../../src/sources/redis/index.js';
import type { SnapshotPatch } from '../../src/core/source.js';
import {
  CeleryWorker,
  RedisTruth,
  TcpProxy,
  celeryAvailable,
  publishTasks,
  redisAvailable,
  requireServer,
  runId,
  sleep,
  until,
  type CeleryEnvOptions,
} from '../celery/harness.js';
import { bracketed, expectBetween } from '../support/timing.js';

const DB = 11;
const URL = `redis://127.0.0.1:6379/${DB}`;
const PREFIX = `rq${runId()}_`;
const ENV: CeleryEnvOptions = { brokerUrl: URL, queuePrefix: PREFIX };
const q = (name: string) => PREFIX + name;

const ok =
  (await requireServer('redis 127.0.0.1:6379', () => redisAvailable(URL))) &&
  (await requireServer('celery (Debian python3-celery)', celeryAvailable));

function queueOf(patch: SnapshotPatch, name: string): RedisQueueSnapshot {
  const found = patch.queues?.find((x) => x.name === name);
  if (!found) throw new Error(`queue ${name} not in patch: ${patch.queues?.map((x) => x.name).join(', ')}`);
  return found as RedisQueueSnapshot;
}

/** Independent of the source: what a Celery worker would accept, decided in JS. */
function readable(raw: string): boolean {
  if (raw.length > 262_144) return false;
  try {
    const env = JSON.parse(raw) as Record<string, any>;
    const h = env['headers'];
    const p = env['properties'];
    if (!h || typeof h.task !== 'string' || typeof h.id !== 'string') return false;
    if (env['content-type'] !== 'application/json') return false;
    if (
      !p ||
      typeof p.delivery_tag !== 'string' ||
      typeof p.delivery_info?.routing_key !== 'string' ||
      typeof p.delivery_info?.exchange !== 'string'
    )
      return false;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(env['body'])) return false;
    const body = JSON.parse(Buffer.from(env['body'], 'base64').toString('utf8'));
    return Array.isArray(body) && body.length === 3;
  } catch {
    return false;
  }
}

describe.runIf(ok)('Redis source vs a real Celery worker (db 11)', () => {
  let worker: CeleryWorker;
  let truth: RedisTruth;
  let source: RedisCelerySource;

  beforeAll(async () => {
    truth = new RedisTruth(URL);
    // Consumes crawl and rank only: reviews, reporting, email and celery have no consumer.
    worker = await CeleryWorker.start({ ...ENV, name: `rq-${PREFIX}`, queues: ['crawl', 'rank'], concurrency: 2 });
    source = new RedisCelerySource({ url: URL, queuePrefix: PREFIX, discoverPrefix: PREFIX, events: false });
  });

  afterAll(async () => {
    await worker?.kill9();
    await source?.close();
    await truth?.cleanup(PREFIX);
    await truth?.close();
  });

  it('depth and reserved equal LLEN and the unacked entries per queue', async () => {
    // 12 slow tasks on a 2-process worker: 2 run, 6 are prefetched (unacked with acks_late), 4 wait.
    await publishTasks(ENV, [{ name: 'crawl.fetch_page', kwargs: { url: 'https://example.com', sleep: 4 }, count: 12 }]);
    await until(async () => ((await truth.unackedByQueue())[q('crawl')] ?? 0) >= 8, 10_000);
    // Compare only when the broker held still around the read.
    let checked = false;
    for (let attempt = 0; attempt < 10 && !checked; attempt++) {
      const before = { depth: await truth.depth(q('crawl')), unacked: await truth.unackedByQueue() };
      const patch = await source.read();
      const after = { depth: await truth.depth(q('crawl')), unacked: await truth.unackedByQueue() };
      if (JSON.stringify(before) !== JSON.stringify(after)) continue;
      const crawl = queueOf(patch, q('crawl'));
      expect(crawl.depth).toBe(after.depth);
      expect(crawl.reserved).toBe(after.unacked[q('crawl')]);
      expect(crawl.reserved).toBeGreaterThan(0);
      expect(crawl.depth).toBeGreaterThan(0);
      expect(queueOf(patch, q('rank')).reserved).toBe(after.unacked[q('rank')] ?? 0);
      checked = true;
    }
    expect(checked).toBe(true);
  });

  it('queue lag is now - lsos_sent_at of the oldest ready message (within 1 s)', async () => {
    await publishTasks(ENV, [{ name: 'reviews.sync_reviews', kwargs: { campaign_id: 4 }, count: 3 }]);
    await sleep(2500); // real time passing makes the age worth measuring
    // The lag is taken at some instant during the read: between the message's ages at either end.
    const { value: patch, before, after } = await bracketed(() => source.read());
    const ages = await truth.tailAges(q('reviews'), before);
    const agesAfter = await truth.tailAges(q('reviews'), after);
    const reviews = queueOf(patch, q('reviews'));
    expect(reviews.lagMethod).toBe('stamped');
    expect(ages[0]).not.toBeNull();
    expect(ages[0]).toBeGreaterThan(2.4);
    expectBetween(reviews.lagSeconds, ages[0] as number, agesAfter[0] as number, 1, 'reviews lag');
    expect(reviews.depth).toBe(await truth.depth(q('reviews')));
  });

  it('across priority lists the oldest ready message sets the lag', async () => {
    const now = Date.now() / 1000;
    await publishTasks(ENV, [
      { name: 'reporting.render_pdf', kwargs: { campaign_id: 1, month: '2024-05' }, priority: 9, stampAt: now - 300 },
      { name: 'reporting.render_pdf', kwargs: { campaign_id: 2, month: '2024-05' }, priority: 0, stampAt: now - 100 },
      { name: 'reporting.render_pdf', kwargs: { campaign_id: 3, month: '2024-05' }, priority: 4 },
    ]);
    const { value: patch, before, after } = await bracketed(() => source.read());
    const oldestAt = async (nowMs: number) =>
      Math.max(...(await truth.tailAges(q('reporting'), nowMs)).filter((a): a is number => a !== null));
    const reporting = queueOf(patch, q('reporting'));
    const oldest = await oldestAt(before);
    expect(oldest).toBeGreaterThan(299);
    expectBetween(reporting.lagSeconds, oldest, await oldestAt(after), 1, 'reporting lag');
    expect(reporting.lagMethod).toBe('stamped');
    const lists = await Promise.all(truth.subLists(q('reporting')).map((k) => truth.redis.llen(k)));
    expect(reporting.priorityDepths).toEqual(lists);
    expect(lists.filter((n) => n > 0)).toHaveLength(3);
  });

  it("an unstamped head message gives a 'first-seen' lag that grows from when the cockpit saw it", async () => {
    await publishTasks(ENV, [{ name: 'email.deliver_report', kwargs: { campaign_id: 5, month: '2024-05' }, nostamp: true }]);
    expect(await truth.tailAges(q('email'))).toEqual([null, null, null, null]);
    const seenFrom = Date.now(); // it is first seen at some instant of the next read
    const first = queueOf(await source.read(), q('email'));
    expect(first.lagMethod).toBe('first-seen');
    expect(first.lagSeconds).toBeLessThan(0.5);
    await sleep(1500); // the lag grows with real time: let some pass
    const second = queueOf(await source.read(), q('email'));
    const waited = (Date.now() - seenFrom) / 1000;
    expect(second.lagMethod).toBe('first-seen');
    expect(second.lagSeconds).toBeGreaterThan(1.2);
    expect(second.lagSeconds).toBeLessThanOrEqual(waited + 0.5);
    // A stamped message behind it does not make the estimate 'stamped'.
    await publishTasks(ENV, [{ name: 'email.deliver_report', kwargs: { campaign_id: 6, month: '2024-05' } }]);
    expect(queueOf(await source.read(), q('email')).lagMethod).toBe('first-seen');
  });

  it('malformed messages in a queue with no consumer are counted unreadable, without a crash and without hauling 5 MB', async () => {
    const key = q('celery');
    await publishTasks(ENV, [{ name: 'misc.noop', queue: 'celery' }]);
    const good = JSON.parse((await truth.redis.rpop(key)) as string) as Record<string, unknown>;
    const variant = (over: Record<string, unknown>) => JSON.stringify({ ...good, ...over });
    // The oldest (tail) is a readable control; the five malformed ones are newer.
    await truth.redis.rpush(key, variant({ body: Buffer.from('[[], {}, {}]').toString('base64') }));
    await truth.redis.lpush(
      key,
      'this is not json {',
      variant({ body: '!!not*base64!!' }),
      variant({ headers: undefined }),
      Buffer.from([0xff, 0xfe, 0x00, 0x7b]), // wrong encoding: not UTF-8 JSON at all
      variant({ body: 'W'.repeat(5 * 1024 * 1024) }), // 5 MB
    );
    await publishTasks(ENV, [{ name: 'misc.noop', queue: 'celery', count: 2 }]);
    const all = await truth.redis.lrangeBuffer(key, 0, -1);
    const expectedUnreadable = all.filter((b) => !readable(b.toString('utf8'))).length;
    expect(expectedUnreadable).toBe(5);

    const proxy = new TcpProxy(6379);
    await proxy.start();
    const viaProxy = new RedisCelerySource({
      url: `redis://127.0.0.1:${proxy.port}/${DB}`,
      queuePrefix: PREFIX,
      discover: false,
      events: false,
    });
    try {
      await viaProxy.read(); // first tick sends the script text
      // Readability is sampled for a few queues per tick (deepSamplesPerTick, 4), the least recently
      // sampled first: earlier tests leave other queues of this db non-empty, so it may take some ticks.
      const tick = async () => {
        const before = proxy.bytesDown;
        const q = queueOf(await viaProxy.read(), key);
        expect(proxy.bytesDown - before).toBeLessThan(64 * 1024); // the 5 MB message never leaves Redis
        return q;
      };
      let celery = await tick();
      for (let n = 0; n < 10 && celery.unreadable !== expectedUnreadable; n++) celery = await tick();
      expect(celery.unreadable).toBe(expectedUnreadable);
      expect(celery.depth).toBe(all.length);
      // And again: a bad message never turns into a failed read.
      expect(queueOf(await viaProxy.read(), key).unreadable).toBe(expectedUnreadable);
    } finally {
      await viaProxy.close();
      await proxy.close();
    }
  });

  it('discovers a queue from its _kombu.binding.* set', async () => {
    await publishTasks(ENV, [{ name: 'misc.noop', queue: 'extra', count: 2 }]);
    const found = await until(async () => (await source.read()).queues?.find((x) => x.name === q('extra')), 10_000, 50);
    expect(found?.depth).toBe(await truth.depth(q('extra')));
    expect(source.stats().discoveredQueues).toBeGreaterThanOrEqual(1);
  });
});
