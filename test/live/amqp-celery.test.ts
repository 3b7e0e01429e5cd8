// The RabbitMQ source against real Celery 5.2 workers (-E) on the shared RabbitMQ, in a private
// vhost: the LSOS app (test/celery/lsos_app.py) declares the contract's topology (x-dead-letter
// to lsos.dlx, Q.dead), fails tasks on demand, rejects for good with Reject(requeue=False) and
// late acks. Every figure is compared with the broker's own (rabbitmqctl) or with what was
// published through real Celery.
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RabbitMqSource, type RabbitQueueSnapshot } from '../../src/sources/amqp/index.js';
import type { SnapshotPatch } from '../../src/core/source.js';
import { CeleryWorker, celeryAvailable, publishTasks, requireServer, runId, type CeleryEnvOptions } from '../celery/harness.js';
import { LOAD_SLACK_MS, bracketed, expectBetween } from '../support/timing.js';
import { amqpUrl, createVhost, deleteVhost, queueTruth, rabbitReady, waitFor } from './amqp-support.js';

const VHOST = `lsos-test-amqp-celery-${process.pid}`;
const LSOS_QUEUES = ['crawl', 'rank', 'reviews', 'reporting', 'reporting.retry', 'email', 'celery'];
const ready =
  (await rabbitReady('amqp-celery (RabbitMQ source vs real Celery workers)')) &&
  (await requireServer('Debian Celery 5.2', celeryAvailable, 20_000));

const env: CeleryEnvOptions = { brokerUrl: amqpUrl(VHOST), maxRetries: 1 };
const workers: CeleryWorker[] = [];
let src: RabbitMqSource;
let last: SnapshotPatch = {};

async function read(): Promise<Map<string, RabbitQueueSnapshot>> {
  last = await src.read(new AbortController().signal);
  return new Map((last.queues as RabbitQueueSnapshot[]).map((q) => [q.name, q]));
}

async function startWorker(name: string, queues: string[]): Promise<CeleryWorker> {
  const w = await CeleryWorker.start({ ...env, name: `${name}-${runId()}`, queues, concurrency: 2 });
  workers.push(w);
  return w;
}

describe.skipIf(!ready)('RabbitMQ source with real Celery workers (private vhost)', () => {
  let w1: CeleryWorker;

  beforeAll(async () => {
    await createVhost(VHOST);
    // The worker declares its queues, celeryev and (on worker_ready) lsos.dlx + every Q.dead.
    w1 = await startWorker('w1', ['crawl', 'rank', 'reporting']);
    src = new RabbitMqSource({ url: amqpUrl(VHOST), queues: LSOS_QUEUES, tapRetryMs: 0 });
    await waitFor('event and dead-letter taps', async () => {
      await read();
      return src.stats().eventTap === null && src.stats().deadLetterTap === null;
    });
  });

  afterAll(async () => {
    for (const w of workers) await w.kill9().catch(() => undefined);
    await src?.close().catch(() => undefined);
    await deleteVhost(VHOST);
  });

  it('reports depth and consumers equal to the broker’s figures, and undeclared queues as such', async () => {
    // reviews has no consumer: its tasks wait. Workers consume crawl, rank, reporting.
    await publishTasks(env, [{ name: 'reviews.sync_reviews', kwargs: { campaign_id: 1 }, count: 5 }]);
    const truth = await queueTruth(VHOST);
    const q = await read();
    for (const name of LSOS_QUEUES) {
      const t = truth.get(name);
      const s = q.get(name);
      if (!t) {
        expect(s?.status, name).toBe('not-declared');
        continue;
      }
      expect(s?.status, name).toBe('ok');
      expect(s?.depth, `${name} depth`).toBe(t.ready);
      expect(s?.consumers, `${name} consumers`).toBe(t.consumers);
      expect(s?.deadLetters, `${name}.dead`).toBe(truth.get(`${name}.dead`)?.ready ?? 0);
    }
    expect(q.get('reviews')).toMatchObject({ depth: 5, consumers: 0 });
    expect(q.get('crawl')?.consumers).toBe(1);
  });

  it('reads the lag of a Celery-published task within 1 s of its lsos_sent_at age, and labels unstamped heads', async () => {
    const stampAt = Date.now() / 1000 - 600;
    const [published] = await publishTasks(env, [{ name: 'email.deliver_report', kwargs: { campaign_id: 3, month: '2026-10' }, stampAt }]);
    expect(published?.queue).toBe('email');
    // The lag is taken at some instant during the read: between the message's ages at either end.
    const { value: q, before, after } = await bracketed(read);
    expect(q.get('email')?.lagMethod).toBe('stamped');
    expectBetween(q.get('email')?.lagSeconds, before / 1000 - stampAt, after / 1000 - stampAt, 1, 'email lag');

    // An unstamped message at the head of another idle queue: first-seen lower bound, labelled.
    await publishTasks(env, [
      { name: 'reporting.render_pdf', kwargs: { campaign_id: 3, month: '2026-10' }, queue: 'reporting.retry', nostamp: true },
    ]);
    const a = (await read()).get('reporting.retry');
    await new Promise((r) => setTimeout(r, 1200));
    const b = (await read()).get('reporting.retry');
    expect(a?.lagMethod).toBe('first-seen');
    expect((b?.lagSeconds ?? 0) - (a?.lagSeconds ?? 0)).toBeGreaterThanOrEqual(1.1);
  });

  it('counts failures per class and top failing tasks from real events, and shows the dead letters with x-death', async () => {
    const published = await publishTasks(env, [
      { name: 'crawl.fetch_page', kwargs: { url: 'https://a', fail: 'TimeoutError' }, count: 2 },
      { name: 'crawl.fetch_page', kwargs: { url: 'https://b', fail: 'ValidationError' } },
      { name: 'crawl.fetch_page', kwargs: { url: 'https://c', fail: 'ParserError' } },
      { name: 'crawl.fetch_page', kwargs: { url: 'https://d', fail: 'ValueError', fail_mode: 'reject' } },
      { name: 'crawl.fetch_page', kwargs: { url: 'https://ok' }, count: 3 },
      { name: 'rank.check_serp', kwargs: { campaign_id: 11, provider: 'brightpool', keyword: 'k', fail: 'ProxyBlocked' } },
      { name: 'rank.check_serp', kwargs: { campaign_id: 12, provider: 'brightpool', keyword: 'k', fail: 'ProxyBlocked' } },
      { name: 'rank.check_serp', kwargs: { campaign_id: 13, provider: 'brightpool', keyword: 'k', fail: 'CaptchaDetected' } },
      { name: 'rank.check_serp', kwargs: { campaign_id: 14, provider: 'brightpool', keyword: 'k' }, count: 2 },
      { name: 'rank.check_serp', kwargs: { campaign_id: 15, provider: 'fallbackpool', keyword: 'k', fail: 'LsosMysteryError' } },
      { name: 'reporting.aggregate_kpis', kwargs: { campaign_id: 21, month: '2026-10', fail: 'InvalidPayload' } },
      { name: 'reporting.aggregate_kpis', kwargs: { campaign_id: 22, month: '2026-10' }, count: 2 },
    ]);
    const crawlIds = published.slice(0, 5).map((p) => p.id); // the five crawl tasks that die
    const rejectedId = published[4]?.id;

    // Truth: every task that dies for good is dead-lettered by RabbitMQ into Q.dead.
    const truth = await waitFor(
      'all final failures dead-lettered',
      async () => {
        const t = await queueTruth(VHOST);
        return t.get('crawl.dead')?.ready === 5 && t.get('rank.dead')?.ready === 4 && t.get('reporting.dead')?.ready === 1 ? t : null;
      },
      60_000,
      500,
    );

    const q = await waitFor(
      'events and dead letters seen',
      async () => {
        const m = await read();
        const crawl = m.get('crawl');
        const rank = m.get('rank');
        // A Reject sends task-rejected only; the aggregator waits its grace period (5 s) for a
        // task-failed before counting it, so wait for that too.
        return crawl &&
          rank &&
          crawl.recentDeadLetters.length === 5 &&
          rank.recentDeadLetters.length === 4 &&
          crawl.failuresByClass.unclassified === 1
          ? m
          : null;
      },
      30_000,
      300,
    );
    const crawl = q.get('crawl') as RabbitQueueSnapshot;
    const rank = q.get('rank') as RabbitQueueSnapshot;
    const reporting = q.get('reporting') as RabbitQueueSnapshot;

    // Dead-letter counts are the broker's.
    expect(crawl.deadLetters).toBe(truth.get('crawl.dead')?.ready);
    expect(rank.deadLetters).toBe(truth.get('rank.dead')?.ready);
    expect(reporting.deadLetters).toBe(truth.get('reporting.dead')?.ready);

    // Failure classes from real task-failed events (contract section 4 rules). A final failure
    // arrives as task-rejected(requeue=false) then task-failed (late acks, acks_on_failure_or_timeout
    // off); a Reject carries no exception on the wire (only task-rejected): it is unclassified.
    expect(crawl.failuresByClass).toEqual({ transient: 2, validation: 1, provider: 0, parser: 1, unclassified: 1 });
    expect(rank.failuresByClass).toEqual({ transient: 0, validation: 0, provider: 3, parser: 0, unclassified: 1 });
    expect(reporting.failuresByClass).toEqual({ transient: 0, validation: 1, provider: 0, parser: 0, unclassified: 0 });
    expect(rank.topFailingTasks[0]).toEqual({ task: 'rank.check_serp', count: 3, failureClass: 'provider' });
    expect(crawl.topFailingTasks[0]).toEqual({ task: 'crawl.fetch_page', count: 2, failureClass: 'transient' });
    expect(crawl.drainPerMinute).toBeGreaterThan(0);

    // Dead-letter details: x-death from RabbitMQ, exception class from the task-failed event.
    const byId = new Map(crawl.recentDeadLetters.map((d) => [d.taskId, d]));
    expect(new Set(byId.keys())).toEqual(new Set(crawlIds));
    for (const d of crawl.recentDeadLetters) {
      expect(d).toMatchObject({
        queue: 'crawl',
        task: 'crawl.fetch_page',
        reason: 'rejected',
        deathCount: 1,
        seenVia: 'live',
        unreadable: null,
      });
      expect(d.deadAt).toBeGreaterThan(Date.now() - 120_000);
      expect(d.sentAt).toBeGreaterThan(Date.now() - 120_000); // lsos_sent_at kept through dead-lettering
    }
    const excOf = (i: number) => byId.get(published[i]?.id ?? '')?.exceptionType ?? null;
    expect([excOf(0), excOf(1), excOf(2), excOf(3)].sort()).toEqual(['ParserError', 'TimeoutError', 'TimeoutError', 'ValidationError']);
    expect(byId.get(rejectedId ?? '')?.exceptionType).toBeNull();
    expect(new Set(rank.recentDeadLetters.map((d) => d.exceptionType))).toEqual(
      new Set(['ProxyBlocked', 'CaptchaDetected', 'LsosMysteryError']),
    );

    // Monthly reports and SERP providers from the same events.
    expect(last.reporting).toMatchObject({ runs: 3, failures: 1, failedCampaigns: ['21'] });
    const bright = last.providers?.find((p) => p.name === 'brightpool');
    expect(bright).toMatchObject({ campaignsAffected: 3, campaignsTotal: 4 });
  });

  it('sees a killed worker go offline within Celery’s expiry window, and come back', async () => {
    const w2 = await startWorker('w2', ['reviews']);
    const online = await waitFor('w2 online', async () => {
      await read();
      return last.workers?.find((w) => w.hostname === w2.hostname && w.online) ?? null;
    });
    expect((await queueTruth(VHOST)).get('reviews')?.consumers).toBe(1);
    expect(online.lastHeartbeatAt).toBeGreaterThan(Date.now() - 10_000);

    // kill -9: no worker-offline event; Celery's rule: offline once now > last heartbeat + freq * 2 (2 s * 2).
    await w2.kill9();
    const killedAt = Date.now();
    const off = await waitFor(
      'w2 offline',
      async () => {
        await read();
        return last.workers?.find((w) => w.hostname === w2.hostname && !w.online) ?? null;
      },
      15_000,
      100,
    );
    const detectedAfter = Date.now() - killedAt;
    console.log(
      `[amqp-celery] killed worker offline after ${detectedAfter} ms (last heartbeat ${killedAt - (off.lastHeartbeatAt ?? 0)} ms before the kill)`,
    );
    expect(detectedAfter).toBeLessThan(4_000 + 2_000 + LOAD_SLACK_MS); // window + one heartbeat interval + polling
    expect(off.offlineSince).toBe((off.lastHeartbeatAt ?? 0) + 4_000);
    // w1 is still alive.
    expect(last.workers?.find((w) => w.hostname === w1.hostname)?.online).toBe(true);

    // The same node name comes back.
    const again = await CeleryWorker.start({ ...env, name: w2.opts.name, queues: ['reviews'], concurrency: 1 });
    workers.push(again);
    const back = await waitFor('w2 back online', async () => {
      await read();
      return last.workers?.find((w) => w.hostname === w2.hostname && w.online) ?? null;
    });
    expect(back.offlineSince).toBeNull();

    // A warm stop sends worker-offline: offline at once, without waiting for the window.
    await again.stop();
    const gone = await waitFor(
      'w2 offline after warm stop',
      async () => {
        await read();
        return last.workers?.find((w) => w.hostname === w2.hostname && !w.online) ?? null;
      },
      5_000,
      100,
    );
    expect(gone.online).toBe(false);
  });

  it('Celery-published tasks peeked at by 15 reads keep their count and order', async () => {
    // A queue nobody consumes now (w2 is gone): 30 tasks, peeked at by 15 reads.
    const conn = await amqp.connect(amqpUrl(VHOST));
    const ch = await conn.createChannel();
    await ch.purgeQueue('reviews');
    const published = await publishTasks(env, [{ name: 'reviews.sync_reviews', kwargs: { campaign_id: 9 }, count: 30 }]);
    for (let i = 0; i < 15; i++) expect((await read()).get('reviews')?.depth).toBe(30);
    // Drain with a raw consumer in Celery's place to see the order RabbitMQ hands out.
    const order: string[] = [];
    for (;;) {
      const m = await ch.get('reviews', { noAck: true });
      if (!m) break;
      order.push(String((m.properties.headers as Record<string, unknown>).id));
    }
    await conn.close();
    expect(order).toEqual(published.map((p) => p.id));
  });
});
