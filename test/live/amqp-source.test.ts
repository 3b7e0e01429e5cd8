// The RabbitMQ source against the shared RabbitMQ, in a private vhost: depth and consumers
// against the broker's own figures, queue lag, the head peek leaving order and count alone,
// "not declared" queues, malformed messages, dead-letter inspection, and RabbitMQ "down" through
// a proxy that is cut. Celery-driven behaviour (real events, real Reject) is in amqp-celery.
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RabbitMqSource, RabbitMqUnreachableError, type RabbitQueueSnapshot } from '../../src/sources/amqp/index.js';
import { SourceScheduler } from '../../src/runtime/scheduler.js';
import { createCockpitStore } from '../../src/ui/state/store.js';
import { systemClock } from '../../src/core/source.js';
import { bracketed, expectBetween } from '../support/timing.js';
import { TcpProxy, amqpUrl, connectionCount, createVhost, deleteVhost, queueTruth, rabbitReady, waitFor } from './amqp-support.js';

const VHOST = `lsos-test-amqp-source-${process.pid}`;
const WORK_QUEUES = ['crawl', 'rank', 'reporting', 'mal'];
const ready = await rabbitReady('amqp-source (RabbitMQ source vs the shared RabbitMQ)');

let admin: ChannelModel;
let ch: Channel;
const sources: RabbitMqSource[] = [];

function source(opts: Partial<ConstructorParameters<typeof RabbitMqSource>[0]> = {}): RabbitMqSource {
  const s = new RabbitMqSource({ url: amqpUrl(VHOST), queues: ['crawl', 'rank', 'reporting'], tapRetryMs: 0, ...opts });
  sources.push(s);
  return s;
}

async function read(s: RabbitMqSource): Promise<Map<string, RabbitQueueSnapshot>> {
  const patch = await s.read(new AbortController().signal);
  return new Map((patch.queues as RabbitQueueSnapshot[]).map((q) => [q.name, q]));
}

function taskHeaders(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { lang: 'py', task: 'crawl.fetch_page', id, root_id: id, parent_id: null, retries: 0, timelimit: [null, null], ...extra };
}

function publishTask(queue: string, id: string, extra: Record<string, unknown> = {}): void {
  ch.sendToQueue(queue, Buffer.from(JSON.stringify([[id], {}, { callbacks: null, errbacks: null, chain: null, chord: null }])), {
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    deliveryMode: 2,
    correlationId: id,
    headers: taskHeaders(id, extra),
  });
}

/** Drains a queue with basic.get + ack and returns the task ids in the order RabbitMQ gave them. */
async function drain(queue: string): Promise<{ ids: string[]; redelivered: string[] }> {
  const ids: string[] = [];
  const redelivered: string[] = [];
  for (;;) {
    const m = await ch.get(queue, { noAck: true });
    if (!m) break;
    const id = String((m.properties.headers as Record<string, unknown> | undefined)?.id ?? m.content.toString('utf8', 0, 40));
    ids.push(id);
    if (m.fields.redelivered) redelivered.push(id);
  }
  return { ids, redelivered };
}

describe.skipIf(!ready)('RabbitMQ source (live broker, private vhost)', () => {
  beforeAll(async () => {
    await createVhost(VHOST);
    admin = await amqp.connect(amqpUrl(VHOST));
    ch = await admin.createChannel();
    // LSOS's topology (contract section 3), as its Celery app declares it.
    await ch.assertExchange('lsos.dlx', 'direct', { durable: true });
    await ch.assertExchange('celeryev', 'topic', { durable: true });
    for (const q of WORK_QUEUES) {
      await ch.assertQueue(q, { durable: true, arguments: { 'x-dead-letter-exchange': 'lsos.dlx', 'x-dead-letter-routing-key': q } });
      await ch.assertQueue(`${q}.dead`, { durable: true });
      await ch.bindQueue(`${q}.dead`, 'lsos.dlx', q);
    }
  });

  afterAll(async () => {
    for (const s of sources) await s.close().catch(() => undefined);
    await admin?.close().catch(() => undefined);
    await deleteVhost(VHOST);
  });

  it('reports depth and consumer counts equal to the broker’s own figures', async () => {
    for (let i = 0; i < 7; i++) publishTask('crawl', `c-${i}`);
    for (let i = 0; i < 3; i++) publishTask('rank', `r-${i}`);
    // Two consumers on rank that each hold one message unacked, one idle consumer on reporting.
    const consumers = await admin.createChannel();
    await consumers.prefetch(1);
    await consumers.consume('rank', () => undefined);
    await consumers.consume('rank', () => undefined);
    await consumers.consume('reporting', () => undefined);
    const truth = await waitFor('rank to show 2 unacked', async () => {
      const t = await queueTruth(VHOST);
      return t.get('rank')?.unacked === 2 ? t : null;
    });

    const s = source();
    const q = await read(s);
    for (const name of ['crawl', 'rank', 'reporting']) {
      const t = truth.get(name);
      expect(t, name).toBeDefined();
      expect(q.get(name)?.depth, `${name} depth`).toBe(t?.ready);
      expect(q.get(name)?.consumers, `${name} consumers`).toBe(t?.consumers);
      expect(q.get(name)?.deadLetters, `${name}.dead`).toBe(truth.get(`${name}.dead`)?.ready);
      expect(q.get(name)?.status).toBe('ok');
    }
    expect(q.get('crawl')?.depth).toBe(7);
    expect(q.get('rank')).toMatchObject({ depth: 1, consumers: 2 });
    expect(q.get('reporting')).toMatchObject({ depth: 0, consumers: 1, lagSeconds: 0, lagMethod: 'empty' });
    await consumers.close();
    await ch.purgeQueue('crawl');
    await ch.purgeQueue('rank');
  });

  it('reads queue lag from lsos_sent_at within 1 s of the stamped age; unstamped heads are a labelled lower bound', async () => {
    await ch.purgeQueue('crawl');
    const sentAt = Date.now() / 1000 - 120.25;
    publishTask('crawl', 'lag-1', { lsos_sent_at: sentAt });
    publishTask('crawl', 'lag-2', { lsos_sent_at: Date.now() / 1000 });
    await ch.checkQueue('crawl');
    const s = source();
    // The lag is taken at some instant during the read: between the message's ages at either end.
    const { value: q, before, after } = await bracketed(() => read(s));
    expect(q.get('crawl')?.lagMethod).toBe('stamped');
    expectBetween(q.get('crawl')?.lagSeconds, before / 1000 - sentAt, after / 1000 - sentAt, 1, 'crawl lag');

    await ch.purgeQueue('crawl');
    publishTask('crawl', 'bare-1'); // no lsos_sent_at
    await ch.checkQueue('crawl');
    const a = await bracketed(() => read(s));
    const first = a.value.get('crawl');
    await new Promise((r) => setTimeout(r, 1500)); // the lag grows with real time: let some pass
    const b = await bracketed(() => read(s));
    const second = b.value.get('crawl');
    expect(first?.lagMethod).toBe('first-seen');
    expect(second?.lagMethod).toBe('first-seen');
    // It grew by the time between the two reads' instants, whatever a busy machine made that.
    const grew = (second?.lagSeconds ?? 0) - (first?.lagSeconds ?? 0);
    expectBetween(grew, (b.before - a.after) / 1000, (b.after - a.before) / 1000, 0.1, 'first-seen lag growth');
    expect(second?.lagTrend.length).toBeGreaterThanOrEqual(2);
    await ch.purgeQueue('crawl');
  });

  it('the lag peek neither loses nor reorders messages (50 numbered messages, 20 reads)', async () => {
    await ch.purgeQueue('crawl');
    const ids = Array.from({ length: 50 }, (_, i) => `ord-${String(i).padStart(2, '0')}`);
    for (const id of ids) publishTask('crawl', id, { lsos_sent_at: Date.now() / 1000 });
    await ch.checkQueue('crawl');
    const s = source({ queues: ['crawl'] });
    for (let i = 0; i < 20; i++) {
      const q = await read(s);
      expect(q.get('crawl')?.depth).toBe(50);
      expect(q.get('crawl')?.lagMethod).toBe('stamped');
    }
    expect(s.stats().peeks).toBe(20);
    expect((await queueTruth(VHOST)).get('crawl')).toMatchObject({ ready: 50, unacked: 0 });
    const { ids: got, redelivered } = await drain('crawl');
    expect(got).toEqual(ids);
    // The only trace: the head message carries redelivered=true.
    expect(redelivered).toEqual([ids[0]]);
  });

  // Reads every 50 ms (40x the default 2 s poll) while a consumer drains. The peek hands the head
  // back at once, but a consumer whose prefetch window opens in that instant is given the second
  // message first: the count is exact and a message moves by at most one place.
  it.each([
    ['fast consumer (acks at once)', 0, 3000],
    ['slower consumer (5 ms per task)', 5, 400],
  ])('while a %s drains the queue the count stays exact and messages move a few places at most', async (_label, workMs, N) => {
    await ch.purgeQueue('rank');
    for (let i = 0; i < N; i++) publishTask('rank', String(i), { lsos_sent_at: Date.now() / 1000 });
    await ch.checkQueue('rank');
    const s = source({ queues: ['rank'] });
    await read(s); // connected before the drain starts
    const conn = await amqp.connect(amqpUrl(VHOST));
    const cc = await conn.createChannel();
    await cc.prefetch(1);
    const got: number[] = [];
    let finished = false;
    await cc.consume('rank', (m) => {
      if (!m) return;
      got.push(Number((m.properties.headers as Record<string, unknown>).id));
      const ack = () => {
        cc.ack(m);
        if (got.length === N) finished = true;
      };
      if (workMs > 0) setTimeout(ack, workMs);
      else ack();
    });
    const peeks0 = s.stats().peeks;
    while (!finished) {
      await read(s);
      await new Promise((r) => setTimeout(r, 50));
    }
    await conn.close();
    let swaps = 0;
    let maxDisplacement = 0;
    for (let i = 1; i < got.length; i++) {
      const a = got[i - 1] as number;
      const b = got[i] as number;
      if (b < a) {
        swaps += 1;
        maxDisplacement = Math.max(maxDisplacement, a - b);
      }
    }
    const peeks = s.stats().peeks - peeks0;
    console.log(
      `[amqp-source] ${_label}: ${N} msgs drained during ${peeks} head peeks: ${swaps} swaps, max displacement ${maxDisplacement}`,
    );
    expect(peeks).toBeGreaterThan(5);
    expect(got.length).toBe(N);
    expect(new Set(got).size).toBe(N);
    // Every move is a peek's (a message out while the consumer takes the ones behind it): one place
    // on an idle broker, two seen with both cores busy (scripts/test-under-load.sh). More than a
    // few would be messages held back, not a peek.
    expect(maxDisplacement).toBeLessThanOrEqual(4);
    expect(swaps).toBeLessThanOrEqual(peeks);
  });

  it('lagPeek modes: never takes no message; when-no-consumers peeks only idle queues', async () => {
    await ch.purgeQueue('crawl');
    await ch.purgeQueue('rank');
    for (let i = 0; i < 3; i++) publishTask('crawl', `pm-c${i}`, { lsos_sent_at: Date.now() / 1000 - 60 });
    for (let i = 0; i < 3; i++) publishTask('rank', `pm-r${i}`, { lsos_sent_at: Date.now() / 1000 - 60 });
    const hold = await admin.createChannel();
    await hold.prefetch(1);
    await hold.consume('rank', () => undefined); // one consumer holding one message: rank is "busy"
    await waitFor('rank consumer', async () => (await queueTruth(VHOST)).get('rank')?.unacked === 1);

    const never = source({ queues: ['crawl', 'rank'], lagPeek: 'never' });
    const a = await read(never);
    expect(never.stats().peeks).toBe(0);
    expect(a.get('crawl')).toMatchObject({ depth: 3, lagMethod: 'unknown', lagSeconds: null }); // no drain observed yet
    const idle = source({ queues: ['crawl', 'rank'], lagPeek: 'when-no-consumers' });
    const b = await read(idle);
    expect(idle.stats().peeks).toBe(1);
    expect(b.get('crawl')?.lagMethod).toBe('stamped');
    expect(b.get('rank')).toMatchObject({ depth: 2, consumers: 1, lagMethod: 'unknown' });
    await hold.close();
    const { redelivered } = await drain('crawl');
    expect(redelivered).toEqual(['pm-c0']); // only the idle-queue peek left a trace
    await ch.purgeQueue('rank');
  });

  it('reports a missing queue as not declared while the connection stays usable', async () => {
    await ch.purgeQueue('crawl');
    for (let i = 0; i < 4; i++) publishTask('crawl', `nd-${i}`);
    await ch.checkQueue('crawl');
    const s = source({ queues: ['crawl', 'ghost', 'rank'], channels: 1 });
    await read(s);
    const before = await connectionCount(VHOST);
    for (let i = 0; i < 3; i++) {
      const q = await read(s);
      expect(q.get('ghost')).toMatchObject({ status: 'not-declared', depth: 0, consumers: null, lagSeconds: null, lagMethod: 'unknown' });
      expect(q.get('crawl')).toMatchObject({ status: 'ok', depth: 4 });
      expect(q.get('rank')?.status).toBe('ok');
    }
    expect(s.stats().connects).toBe(1);
    expect(s.stats().connected).toBe(true);
    // The source's one connection is still open (nothing was dropped and reopened).
    expect(await connectionCount(VHOST)).toBe(before);
    // The queue appears: picked up on the next read, same connection.
    await ch.assertQueue('ghost', { durable: false, autoDelete: true });
    await ch.sendToQueue('ghost', Buffer.from('x'));
    await ch.checkQueue('ghost');
    const q = await read(s);
    expect(q.get('ghost')).toMatchObject({ status: 'ok', depth: 1 });
    expect(s.stats().connects).toBe(1);
    await ch.deleteQueue('ghost');
    await ch.purgeQueue('crawl');
  });

  it('counts malformed messages as unreadable, once each, and keeps reading', async () => {
    await ch.purgeQueue('mal');
    const s = source({ queues: ['mal'], maxMessageBytes: 1024 * 1024 });
    const json = { contentType: 'application/json', contentEncoding: 'utf-8' };
    ch.sendToQueue('mal', Buffer.from('{not json'), { ...json, headers: taskHeaders('m-1') });
    ch.sendToQueue('mal', Buffer.from('[[],{},{}]'), { contentType: 'text/plain', headers: taskHeaders('m-2') });
    ch.sendToQueue('mal', Buffer.from('[[],{},{}]'), { ...json });
    ch.sendToQueue('mal', Buffer.alloc(5 * 1024 * 1024, 0x20), {
      ...json,
      headers: taskHeaders('m-4', { lsos_sent_at: Date.now() / 1000 - 30 }),
    });
    publishTask('mal', 'm-5-good');
    await ch.checkQueue('mal');
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      const a = await read(s);
      const b = await read(s); // the same head read again is not counted again
      seen.push(b.get('mal')?.unreadable ?? -1);
      expect(b.get('mal')?.unreadable).toBe(a.get('mal')?.unreadable);
      if (i === 3) {
        // The 5 MB message still has a readable stamp: the lag is exact.
        expect(b.get('mal')?.lagMethod).toBe('stamped');
        expect(b.get('mal')?.lagSeconds).toBeGreaterThan(29);
      }
      await ch.get('mal', { noAck: true }); // next head
    }
    expect(seen).toEqual([1, 2, 3, 4, 4]);

    // Malformed event messages on celeryev: counted, never fatal.
    const ev0 = s.stats().unreadableEvents;
    await waitFor('event tap', async () => (await read(s)) && s.stats().eventTap === null);
    ch.publish('celeryev', 'task.multi', Buffer.from('not json'), { contentType: 'application/json' });
    ch.publish('celeryev', 'worker.heartbeat', Buffer.from('{"type":"worker-heartbeat"}'), { contentType: 'text/plain' });
    ch.publish('celeryev', 'task.multi', Buffer.alloc(5 * 1024 * 1024, 0x20), { contentType: 'application/json' });
    ch.publish('celeryev', 'task.multi', Buffer.from('[1, "x", null]'), { contentType: 'application/json' });
    ch.publish('celeryev', 'worker.heartbeat', Buffer.from([0x7b, 0xff, 0x7d]), { contentType: 'application/json' });
    await waitFor('5 unreadable events', async () => s.stats().unreadableEvents - ev0 >= 5);
    expect(s.stats().unreadableEvents - ev0).toBe(5);
    expect(s.aggregator.stats().invalid).toBeGreaterThanOrEqual(5);

    // A malformed dead letter seen by the live tap.
    await waitFor('dead-letter tap', async () => (await read(s)) && s.stats().deadLetterTap === null);
    ch.publish('lsos.dlx', 'mal', Buffer.from('garbage'), { contentType: 'text/plain', headers: { id: 'm-dead' } });
    const q = await waitFor('malformed dead letter', async () => {
      const r = (await read(s)).get('mal');
      return r && r.recentDeadLetters.length > 0 ? r : null;
    });
    expect(q.recentDeadLetters[0]).toMatchObject({ taskId: 'm-dead', unreadable: 'content-type', seenVia: 'live' });
    expect(q.unreadable).toBe(5);
    expect(s.stats().connected).toBe(true);
    await ch.purgeQueue('mal.dead');
  });

  it('shows dead letters with their x-death details; inspecting them loses none and keeps their order', async () => {
    await ch.purgeQueue('crawl');
    await ch.purgeQueue('crawl.dead');
    const s = source({ queues: ['crawl'] });
    await waitFor('dead-letter tap', async () => (await read(s)) && s.stats().deadLetterTap === null);
    const ids = ['dl-0', 'dl-1', 'dl-2', 'dl-3', 'dl-4'];
    const sentAt = Date.now() / 1000 - 10;
    for (const id of ids) publishTask('crawl', id, { lsos_sent_at: sentAt, lsos_replay_count: 1 });
    // Reject each for good: RabbitMQ dead-letters it through lsos.dlx and adds x-death.
    for (let i = 0; i < ids.length; i++) {
      const m = await ch.get('crawl');
      if (m) ch.reject(m, false);
    }
    const t0 = Date.now();
    const q = await waitFor('5 live dead letters', async () => {
      const r = (await read(s)).get('crawl');
      return r && r.recentDeadLetters.length === 5 && r.deadLetters === 5 ? r : null;
    });
    expect(q.deadLetters).toBe((await queueTruth(VHOST)).get('crawl.dead')?.ready);
    for (const d of q.recentDeadLetters) {
      expect(d).toMatchObject({
        queue: 'crawl',
        task: 'crawl.fetch_page',
        reason: 'rejected',
        deathCount: 1,
        seenVia: 'live',
        unreadable: null,
      });
      expect(Math.abs((d.deadAt ?? 0) - t0)).toBeLessThan(3000);
      expect(d.sentAt).toBe(Math.round(sentAt * 1000));
      expect(d.lsosHeaders.lsos_replay_count).toBe('1');
    }
    expect(new Set(q.recentDeadLetters.map((d) => d.taskId))).toEqual(new Set(ids));
    expect(q.deadLetterGrowthPerHour).toBeGreaterThan(0);

    const inspected = await s.inspectDeadLetters('crawl', 3);
    expect(inspected.map((d) => d.taskId)).toEqual(ids.slice(0, 3));
    expect((await queueTruth(VHOST)).get('crawl.dead')).toMatchObject({ ready: 5, unacked: 0 });
    const { ids: order } = await drain('crawl.dead');
    expect(order).toEqual(ids);
  });

  it('a fresh source samples dead letters already waiting, and gives them back', async () => {
    await ch.purgeQueue('rank.dead');
    for (const id of ['old-0', 'old-1', 'old-2']) {
      publishTask('rank', id);
      const m = await ch.get('rank');
      if (m) ch.reject(m, false);
    }
    await waitFor('3 in rank.dead', async () => (await queueTruth(VHOST)).get('rank.dead')?.ready === 3);
    const s = source({ queues: ['rank'], deadLetterSample: 2 });
    const q = (await read(s)).get('rank');
    expect(q?.deadLetters).toBe(3);
    expect(q?.recentDeadLetters.map((d) => [d.taskId, d.seenVia, d.reason])).toEqual(
      expect.arrayContaining([
        ['old-0', 'sampled', 'rejected'],
        ['old-1', 'sampled', 'rejected'],
      ]),
    );
    expect((await queueTruth(VHOST)).get('rank.dead')).toMatchObject({ ready: 3, unacked: 0 });
    expect((await drain('rank.dead')).ids).toEqual(['old-0', 'old-1', 'old-2']);
  });

  it('an aborted read (scheduler timeout) holds no message back and the next read starts afresh', async () => {
    await ch.purgeQueue('crawl');
    for (let i = 0; i < 10; i++) publishTask('crawl', `ab-${i}`, { lsos_sent_at: Date.now() / 1000 });
    await ch.checkQueue('crawl');
    const slow = new TcpProxy(undefined, undefined, 5); // 10 ms per round trip
    const port = await slow.start();
    try {
      // 20 missing queues after crawl: each costs a 404 and a channel reopen, so the read is long.
      const s = source({ url: amqpUrl(VHOST, port), queues: ['crawl', ...Array.from({ length: 20 }, (_, i) => `nope-${i}`)], channels: 1 });
      await s.read(new AbortController().signal);
      const ctl = new AbortController();
      const pending = s.read(ctl.signal);
      setTimeout(() => ctl.abort(new Error('no answer within 30 ms')), 30);
      await expect(pending).rejects.toThrow(/RabbitMQ read aborted/);
      const truth = await waitFor('nothing held', async () => {
        const t = (await queueTruth(VHOST)).get('crawl');
        return t && t.unacked === 0 ? t : null;
      });
      expect(truth.ready).toBe(10);
      const q = await read(s);
      expect(q.get('crawl')?.depth).toBe(10);
      expect(s.stats().connects).toBe(2);
      expect((await drain('crawl')).ids).toEqual(Array.from({ length: 10 }, (_, i) => `ab-${i}`));
    } finally {
      await slow.cut();
    }
  });

  it('rejects quickly while RabbitMQ is down (proxy cut), other sources keep working, and recovers', async () => {
    const proxy = new TcpProxy();
    const port = await proxy.start();
    const viaProxy = source({ url: amqpUrl(VHOST, port), queues: ['crawl'], connectTimeoutMs: 1500 });
    const direct = source({ queues: ['crawl'] });
    const store = createCockpitStore();
    const scheduler = new SourceScheduler(viaProxy, store, { intervalMs: 1000, clock: systemClock, timeoutMs: 5000 });
    await ch.purgeQueue('crawl');
    publishTask('crawl', 'px-1');
    await ch.checkQueue('crawl');

    await scheduler.tick();
    expect(store.getState().snapshot.sources.find((x) => x.name === 'rabbitmq')?.state).toBe('ok');
    expect(store.getState().snapshot.queues.find((x) => x.name === 'crawl')?.depth).toBe(1);

    await proxy.cut();
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const err = await viaProxy.read(new AbortController().signal).then(
        () => null,
        (e: unknown) => e,
      );
      const ms = performance.now() - t0;
      expect(err).toBeInstanceOf(RabbitMqUnreachableError);
      expect(String((err as Error).message)).toMatch(/RabbitMQ (unreachable|connection lost)/);
      expect(String((err as Error).message)).not.toContain('guest:guest');
      expect(ms).toBeLessThan(1000);
    }
    await scheduler.tick();
    const status = store.getState().snapshot.sources.find((x) => x.name === 'rabbitmq');
    expect(status?.state).toBe('unreachable');
    expect(status?.error).toMatch(/RabbitMQ/);
    expect(scheduler.consecutiveFailures).toBe(1);
    // The shared broker and other sources are unaffected.
    expect((await read(direct)).get('crawl')?.depth).toBe(1);

    await proxy.restore();
    await scheduler.tick();
    expect(store.getState().snapshot.sources.find((x) => x.name === 'rabbitmq')?.state).toBe('ok');
    expect(scheduler.consecutiveFailures).toBe(0);
    const q = await read(viaProxy);
    expect(q.get('crawl')?.depth).toBe((await queueTruth(VHOST)).get('crawl')?.ready);
    expect(viaProxy.stats().connects).toBe(2);
    // Its own queues came back with the new connection.
    expect(viaProxy.stats()).toMatchObject({ eventTap: null, deadLetterTap: null, connected: true });
    await proxy.cut();
    await ch.purgeQueue('crawl');
  });

  it('wrong credentials reject with a clear error and no password in it', async () => {
    const s = source({ url: `amqp://guest:s3cret-pw@127.0.0.1:5672/${encodeURIComponent(VHOST)}` });
    const err = await s.read(new AbortController().signal).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(RabbitMqUnreachableError);
    expect(err?.message).toMatch(/ACCESS_REFUSED|403/);
    expect(err?.message).not.toContain('s3cret-pw');
  });
});
