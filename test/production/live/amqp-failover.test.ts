// Celery's ';' list of AMQP nodes under a running source. The first node is a TCP proxy in front
// of the shared RabbitMQ (it stands for the node the cockpit is connected to; the shared broker
// itself is never stopped); cutting it is the connected node dying. The source goes on reading
// through the next node of the list, its exclusive event and tap queues are declared again there,
// and when it is closed nothing of it is left on the broker.
import { connect, type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAmqp } from '../../../src/sources/connect/amqp.js';
import { RabbitMqSource, type RabbitQueueSnapshot } from '../../../src/sources/amqp/index.js';
import { TcpProxy, amqpUrl, connectionCount, createVhost, deleteVhost, queueTruth, rabbitReady } from '../../live/amqp-support.js';
import { rabbitServerAvailable, startPrivateRabbit } from '../../support/privateRabbit.js';
import { waitFor } from '../../support/waitFor.js';

const VHOST = `lsos-test-s17-failover-${process.pid}`;
const ready = await rabbitReady('amqp-failover (a ";" node list with the connected node killed)');

let admin: ChannelModel;

async function depth(s: RabbitMqSource): Promise<number | null> {
  const patch = await s.read(new AbortController().signal);
  return (patch.queues as RabbitQueueSnapshot[] | undefined)?.find((q) => q.name === 'crawl')?.depth ?? null;
}

describe.skipIf(!ready)('RabbitMQ node list', () => {
  beforeAll(async () => {
    await createVhost(VHOST);
    admin = await connect(amqpUrl(VHOST));
    const ch = await admin.createChannel();
    // LSOS's exchanges: the source's event and dead-letter taps bind exclusive queues to them.
    await ch.assertExchange('celeryev', 'topic', { durable: true });
    await ch.assertExchange('lsos.dlx', 'direct', { durable: true });
    await ch.assertQueue('crawl', { durable: true });
    for (const id of ['m1', 'm2', 'm3']) ch.sendToQueue('crawl', Buffer.from('{}'), { headers: { task: 'crawl.fetch_page', id } });
    await ch.close();
  });
  afterAll(async () => {
    await admin?.close().catch(() => undefined);
    await deleteVhost(VHOST);
  });

  it('reconnects to the next node when the connected one dies; exclusive queues declared again; nothing left behind', async () => {
    const proxy = new TcpProxy();
    const port = await proxy.start();
    const list = `${amqpUrl(VHOST, port)};${amqpUrl(VHOST)}`;
    const s = new RabbitMqSource({ url: list, queues: ['crawl'], tapRetryMs: 0 });
    try {
      await waitFor(async () => (await depth(s).catch(() => null)) === 3, { what: 'depth 3 through the first node', timeoutMs: 30_000 });
      const exclusiveBefore = [...(await queueTruth(VHOST)).keys()].filter((q) => q !== 'crawl');
      expect(exclusiveBefore).toHaveLength(2); // the event tap and the dead-letter tap
      await proxy.cut(); // the connected node dies
      const ch = await admin.createChannel();
      ch.sendToQueue('crawl', Buffer.from('{}'), { headers: { task: 'crawl.fetch_page', id: 'during' } });
      await ch.close();
      await waitFor(async () => (await depth(s).catch(() => null)) === 4, { what: 'depth 4 through the second node', timeoutMs: 60_000 });
      // The queues the source declared for itself exist again (on the surviving node), once.
      const exclusiveAfter = [...(await queueTruth(VHOST)).keys()].filter((q) => q !== 'crawl');
      expect(exclusiveAfter.length).toBe(exclusiveBefore.length);
    } finally {
      await s.close();
      await proxy.close();
    }
    await waitFor(async () => (await connectionCount(VHOST)) === 1, { what: 'only the test admin connection left', timeoutMs: 30_000 });
    expect([...(await queueTruth(VHOST)).keys()]).toEqual(['crawl']);
  }, 180_000);

  it('a second broker process standing for a node: the connected one SIGKILLed, the source goes on at the other, taps declared there, nothing left', async () => {
    const a = rabbitServerAvailable();
    if (!a.ok) {
      if (process.env.CI === 'true') throw new Error(`private RabbitMQ node: ${a.reason}`);
      console.warn(`\n*** SKIPPING the private-node case: ${a.reason} ***\n`);
      return;
    }
    // Node 1: a private rabbitmq-server of its own (node name, ports, Mnesia); node 2: the shared broker.
    const node1 = await startPrivateRabbit({ name: 'lsos-node1' });
    const s = new RabbitMqSource({ url: `${node1.url()};${amqpUrl(VHOST)}`, queues: ['crawl'], tapRetryMs: 0 });
    try {
      const c1 = await connect(node1.url());
      const ch1 = await c1.createChannel();
      await ch1.assertExchange('celeryev', 'topic', { durable: true });
      await ch1.assertExchange('lsos.dlx', 'direct', { durable: true });
      await ch1.assertQueue('crawl', { durable: true });
      for (const id of ['n1-a', 'n1-b']) ch1.sendToQueue('crawl', Buffer.from('{}'), { headers: { task: 'crawl.fetch_page', id } });
      await ch1.close();
      await c1.close();
      const shared = async (): Promise<number> => (await queueTruth(VHOST)).get('crawl')?.ready ?? -1;
      const sharedDepth = await shared();
      expect(sharedDepth).not.toBe(2);
      // On node 1: its two messages, its status names it, and its own exclusive queues are there.
      await waitFor(async () => (await depth(s).catch(() => null)) === 2, { what: 'depth 2 on node 1', timeoutMs: 30_000 });
      expect(s.endpoint()).toEqual({ role: 'node', address: `127.0.0.1:${node1.port}` });
      const onNode1 = (await node1.ctl('list_queues', 'name', 'exclusive', '--formatter', 'json')) || '[]';
      const taps = (JSON.parse(onNode1) as { name: string; exclusive: boolean }[]).filter((q) => q.exclusive).length;
      expect(taps).toBe(2); // the event tap and the dead-letter tap
      const sharedBefore = [...(await queueTruth(VHOST)).keys()].filter((q) => q !== 'crawl');

      await node1.kill(); // the connected node dies at once
      await waitFor(async () => (await depth(s).catch(() => null)) === sharedDepth, {
        what: `depth ${sharedDepth} through node 2`,
        timeoutMs: 60_000,
      });
      expect(s.endpoint()).toEqual({ role: 'node', address: `127.0.0.1:5672/${VHOST}` });
      // The same exclusive queues again, now on node 2.
      await waitFor(async () => [...(await queueTruth(VHOST)).keys()].filter((q) => q !== 'crawl').length === sharedBefore.length + taps, {
        what: `${taps} exclusive queue(s) declared again on node 2`,
        timeoutMs: 30_000,
      });
    } finally {
      await s.close();
      await node1.stop();
    }
    await waitFor(async () => (await connectionCount(VHOST)) === 1, { what: 'only the test admin connection left', timeoutMs: 30_000 });
    expect([...(await queueTruth(VHOST)).keys()]).toEqual(['crawl']);
  }, 240_000);

  it('every node down: one line naming each node and why, password masked', async () => {
    const err = await connectAmqp(`amqp://guest:s3cr3tpw@127.0.0.1:1/;amqp://guest:s3cr3tpw@127.0.0.1:2/`, { timeoutMs: 2000 }).catch(
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    const m = (err as Error).message;
    expect(m).toBe('no node answered (127.0.0.1:1: connection refused; 127.0.0.1:2: connection refused)');
    expect(m).not.toContain('s3cr3tpw');
  });
});
