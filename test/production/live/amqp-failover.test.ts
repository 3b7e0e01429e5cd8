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
