// Celery's ';' list of AMQP nodes under a running source. The first node is a TCP proxy in front
// of the shared RabbitMQ (it stands for the node the cockpit is connected to; the shared broker
// itself is never stopped); cutting it is the connected node dying. The source goes on reading
// through the next node of the list, its exclusive event and tap queues are declared again there,
// and when it is closed nothing of it is left on the broker. Under a running cockpit, the switch is
// shown and recorded, and an action that publishes, issued while the connected node dies, lands
// exactly once on the surviving node.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusLineText } from '../../../panels/status/columns.js';
import { AmqpTaskPublisher } from '../../../src/control/celery/amqpPublisher.js';
import { MitigationController } from '../../../src/control/mitigations/controller.js';
import type { Actor } from '../../../src/control/mitigations/execute.js';
import { LiveBackend } from '../../../src/control/mitigations/liveBackend.js';
import { systemClock } from '../../../src/core/source.js';
import { describeEntry, type TimelineEntry } from '../../../src/core/timeline.js';
import { IncidentRecorder } from '../../../src/journal/recorder.js';
import { CockpitRuntime } from '../../../src/runtime/runtime.js';
import { SourceScheduler } from '../../../src/runtime/scheduler.js';
import { connectAmqp } from '../../../src/sources/connect/amqp.js';
import { createCockpitStore } from '../../../src/ui/state/store.js';
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

  it('a running cockpit across the connected node SIGKILLed: keeps reading, shows and records the switch; an action publishing during it lands exactly once', async () => {
    const a = rabbitServerAvailable();
    if (!a.ok) {
      if (process.env.CI === 'true') throw new Error(`private RabbitMQ node: ${a.reason}`);
      console.warn(`\n*** SKIPPING the running-cockpit case: ${a.reason} ***\n`);
      return;
    }
    const LANE = 'reporting.retry';
    const node1 = await startPrivateRabbit({ name: 'lsos-act' });
    const list = `${node1.url()};${amqpUrl(VHOST)}`;
    const stateDir = mkdtempSync(join(tmpdir(), 'lsos-amqp-failover-'));
    const store = createCockpitStore();
    const recorder = new IncidentRecorder({ stateDir, operator: 'tester' });
    const runtime = new CockpitRuntime(store, recorder, { quit() {}, repaint() {} });
    recorder.openIncident('rabbitmq node failover test');
    const incident = recorder.view()?.id as string;
    const source = new RabbitMqSource({ url: list, queues: ['crawl'], tapRetryMs: 0 });
    const scheduler = new SourceScheduler(source, store, {
      intervalMs: 200,
      backoffMs: 200,
      maxBackoffMs: 400,
      timeoutMs: 3000,
      clock: systemClock,
    });
    // The cockpit's task publisher on the same list, behind the live backend and the controller the cockpit runs actions through.
    const publisher = new AmqpTaskPublisher({ url: list });
    const actor: Actor = { operator: 'tester', role: 'privileged', roleSource: 'test', readonly: false, readonlyReason: null };
    const controller = new MitigationController({
      recorder,
      backend: new LiveBackend({ flags: null, publisher, queues: ['crawl', LANE] }),
      actor,
      isIdempotent: () => true,
    });
    const rerun = (campaigns: string[]) =>
      controller.execute({
        mitigationId: 'rerun-kpis',
        params: { campaigns, month: '2026-10', queue: LANE },
        reason: 'incomplete payloads',
      });
    const taskIds = (r: Awaited<ReturnType<typeof rerun>>): string[] => {
      expect(r.status).toBe('done');
      return r.status === 'done' ? (r.outcome.taskIds ?? []) : [];
    };
    const line = () =>
      statusLineText(
        {
          simulated: false,
          scenario: null,
          readonly: false,
          readonlyReason: null,
          incident: null,
          sources: store.getState().snapshot.sources,
        },
        400,
        Date.now(),
      );
    const journal = (): TimelineEntry[] =>
      readFileSync(join(stateDir, `${incident}.jsonl`), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as TimelineEntry);
    const storeDepth = () => store.getState().snapshot.queues.find((q) => q.name === 'crawl')?.depth ?? null;
    const laneOnNode1 = async (): Promise<number> =>
      (
        JSON.parse((await node1.ctl('list_queues', 'name', 'messages', '--formatter', 'json')) || '[]') as {
          name: string;
          messages: number;
        }[]
      ).find((q) => q.name === LANE)?.messages ?? -1;
    const setup = await admin.createChannel();
    await setup.assertQueue(LANE, { durable: true });
    await setup.close();
    try {
      const c1 = await connect(node1.url());
      const ch1 = await c1.createChannel();
      await ch1.assertExchange('celeryev', 'topic', { durable: true });
      await ch1.assertExchange('lsos.dlx', 'direct', { durable: true });
      await ch1.assertQueue('crawl', { durable: true });
      await ch1.assertQueue(LANE, { durable: true });
      for (const id of ['a1-a', 'a1-b']) ch1.sendToQueue('crawl', Buffer.from('{}'), { headers: { task: 'crawl.fetch_page', id } });
      await ch1.close();
      await c1.close();
      const sharedDepth = (await queueTruth(VHOST)).get('crawl')?.ready ?? -1;
      expect(sharedDepth).not.toBe(2);
      scheduler.start();
      await waitFor(() => storeDepth() === 2 && line().includes(`rabbitmq (node 127.0.0.1:${node1.port}) `), {
        what: 'the cockpit on node 1 (depth 2, the status line naming it)',
        timeoutMs: 30_000,
      });

      // An action confirmed by node 1 before it dies: it is there, and is never sent again.
      const before = taskIds(await rerun(['c1', 'c2']));
      expect(before).toHaveLength(2);
      expect(await laneOnNode1()).toBe(2);

      // Node 1 hangs, then dies, while an action's publishes wait for its confirms.
      await node1.freeze();
      const during = rerun(['c3', 'c4', 'c5']);
      await waitFor(() => publisher.unconfirmed === 3, { what: 'the three publishes sent to node 1, unconfirmed' });
      await node1.kill();
      const duringIds = taskIds(await during);
      expect(duringIds).toHaveLength(3);
      // And one after the switch.
      const after = taskIds(await rerun(['c6']));
      expect(after).toHaveLength(1);

      // On the surviving node: each message of the actions during and after the switch exactly
      // once (by task id); none of those node 1 confirmed.
      const ch = await admin.createChannel();
      const onNode2: string[] = [];
      for (let m = await ch.get(LANE, { noAck: true }); m; m = await ch.get(LANE, { noAck: true }))
        onNode2.push(String(m.properties.headers?.['id']));
      await ch.close();
      expect([...onNode2].sort()).toEqual([...duringIds, ...after].sort());
      expect(onNode2.filter((id) => before.includes(id))).toEqual([]);
      // The journal has each action once, with the ids that landed.
      const actions = journal().filter((e) => e.kind === 'action');
      expect(actions.map((e) => e.details.outcome)).toEqual(['attempted', 'done', 'attempted', 'done', 'attempted', 'done']);
      expect(actions.filter((e) => e.details.outcome === 'done').map((e) => (e.details.audit as { taskIds: string[] }).taskIds)).toEqual([
        before,
        duringIds,
        after,
      ]);

      // The cockpit keeps reading, now from node 2; the status line names it; the timeline records the switch once.
      const node2 = `127.0.0.1:5672/${VHOST}`;
      await waitFor(() => storeDepth() === sharedDepth && line().includes(`rabbitmq (node ${node2}) `), {
        what: `the cockpit on node 2 (depth ${sharedDepth}, the status line naming it)`,
        timeoutMs: 60_000,
      });
      await waitFor(() => journal().some((e) => e.kind === 'source-switched'), { what: 'the switch recorded', timeoutMs: 30_000 });
      const switches = journal().filter((e) => e.kind === 'source-switched');
      expect(switches.map((e) => e.details)).toEqual([{ source: 'rabbitmq', role: 'node', to: node2, from: `127.0.0.1:${node1.port}` }]);
      expect(describeEntry(switches[0] as TimelineEntry)).toBe(
        `Data source rabbitmq: broker node changed to ${node2} (was 127.0.0.1:${node1.port})`,
      );
      const at = store.getState().snapshot.sources.find((s) => s.name === 'rabbitmq')?.lastGoodAt ?? 0;
      await waitFor(() => (store.getState().snapshot.sources.find((s) => s.name === 'rabbitmq')?.lastGoodAt ?? 0) > at, {
        what: 'a newer reading from node 2',
      });
    } finally {
      await scheduler.stop();
      await source.close();
      await publisher.close();
      await controller.stop();
      runtime.dispose();
      recorder.close();
      await node1.stop();
      rmSync(stateDir, { recursive: true, force: true });
      const ch = await admin.createChannel();
      await ch.deleteQueue(LANE);
      await ch.close();
    }
    await waitFor(async () => (await connectionCount(VHOST)) === 1, { what: 'only the test admin connection left', timeoutMs: 30_000 });
    expect([...(await queueTruth(VHOST)).keys()]).toEqual(['crawl']);
  }, 300_000);

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
