// The wire layer against a real Celery 5.2 worker on RabbitMQ (a vhost of its own, rabbitmqctl):
// remote control changes what the worker really does (Celery's own `inspect stats`, the list
// depths), our publisher's tasks run, and a replayed dead letter runs with its original id and
// lineage plus the replay headers. The worker loads lsos_probe.py, which records every task run.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CeleryWorker,
  celeryAvailable,
  celeryInspectStats,
  publishTasks,
  readProbe,
  requireServer,
  run,
  runId,
  until,
  type ProbeRecord,
} from '../celery/harness.js';
import { AmqpRemoteControl } from '../../src/control/celery/amqpControl.js';
import { AmqpTaskPublisher, QueueNotFoundError } from '../../src/control/celery/amqpPublisher.js';
import { AmqpDeadLetterReplayer } from '../../src/control/celery/amqpReplay.js';
import { amqpUrl, connectionCount, createVhost, deleteVhost, queueTruth, rabbitReady } from './amqp-support.js';

const VHOST = `lsos_cw_${runId()}`;
const URL = amqpUrl(VHOST);
const prefix = `ca${runId()}_`;
const q = (n: string) => prefix + n;
const ok = (await rabbitReady('celery-amqp wire tests')) && (await requireServer('celery', () => celeryAvailable(), 20_000));

/** messages_ready of a queue, from rabbitmqctl (the broker's own figure). */
async function ready(queue: string): Promise<number> {
  return (await queueTruth(VHOST)).get(queue)?.ready ?? -1;
}

describe.runIf(ok)('Celery wire layer on RabbitMQ, real worker', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lsos-celery-amqp-'));
  const probeFile = path.join(dir, 'probe.jsonl');
  const fixFile = path.join(dir, 'fixed');
  const env = { brokerUrl: URL, queuePrefix: prefix, extra: { LSOS_PROBE_FILE: probeFile, LSOS_PROBE_FIX_FILE: fixFile } };
  let worker: CeleryWorker;
  let control: AmqpRemoteControl;
  let publisher: AmqpTaskPublisher;

  const probe = () => readProbe(probeFile);

  const inspectStats = () => celeryInspectStats(env, worker.hostname);

  beforeAll(async () => {
    await createVhost(VHOST);
    worker = await CeleryWorker.start({
      ...env,
      name: `${prefix}w1`,
      queues: ['crawl', 'reporting', 'reporting.retry'],
      concurrency: 2,
      extraArgs: ['--include', 'lsos_probe'],
    });
    control = new AmqpRemoteControl({ url: URL });
    publisher = new AmqpTaskPublisher({ url: URL });
  });

  afterAll(async () => {
    await worker?.stop();
    await control?.close();
    await publisher?.close();
    await deleteVhost(VHOST);
    rmSync(dir, { recursive: true, force: true });
  });

  it('ping and stats reach the named worker and only it', async () => {
    const pong = await control.call('ping', {}, { destination: [worker.hostname], timeoutMs: 3000 });
    expect(pong).toEqual([{ worker: worker.hostname, ok: true, detail: 'pong', raw: { ok: 'pong' } }]);
    const none = await control.call('ping', {}, { destination: ['nobody@nowhere'], timeoutMs: 500 });
    expect(none).toEqual([]);
    // The reply queue is declared as Celery declares it.
    const out = await run(
      'rabbitmqctl',
      ['-q', 'list_queues', '-p', VHOST, 'name', 'durable', 'auto_delete', 'arguments', '--formatter', 'json'],
      {},
    );
    const rq = (
      JSON.parse(out.stdout) as { name: string; durable: boolean; auto_delete: boolean; arguments: [string, string, unknown][] }[]
    ).find((x) => x.name === control.replyQueue);
    expect(rq).toMatchObject({ durable: false, auto_delete: true });
    expect(Object.fromEntries((rq?.arguments ?? []).map(([k, , v]) => [k, v]))).toEqual({ 'x-expires': 10000, 'x-message-ttl': 300000 });
  });

  it('pool_shrink / pool_grow change the real pool, as Celery inspect stats reports', async () => {
    const before = await inspectStats();
    expect(before.pool.processes.length).toBe(2);
    const shrink = await control.call('pool_shrink', { n: 1 }, { destination: [worker.hostname], timeoutMs: 3000 });
    expect(shrink.map((r) => [r.worker, r.ok, r.detail])).toEqual([[worker.hostname, true, 'pool will shrink']]);
    const after = await until(
      async () => {
        const s = await inspectStats();
        return s.pool.processes.length === 1 ? s : null;
      },
      15_000,
      500,
    );
    expect(after?.pool.processes.length).toBe(1);
    // Ours reads the same through stats.
    const ours = await control.call('stats', {}, { destination: [worker.hostname], timeoutMs: 3000 });
    expect((ours[0]?.raw as { pool: { processes: number[] } }).pool.processes).toEqual(after?.pool.processes);
    const grow = await control.call('pool_grow', { n: 1 }, { destination: [worker.hostname], timeoutMs: 3000 });
    expect(grow.map((r) => [r.worker, r.ok, r.detail])).toEqual([[worker.hostname, true, 'pool will grow']]);
    const grown = await until(async () => ((await inspectStats()).pool.processes.length === 2 ? true : null), 15_000, 500);
    expect(grown).toBe(true);
  });

  it('cancel_consumer stops the worker taking the queue; add_consumer restores it', async () => {
    const cancel = await control.call('cancel_consumer', { queue: q('reporting') }, { destination: [worker.hostname], timeoutMs: 3000 });
    expect(cancel.map((r) => [r.worker, r.ok, r.detail])).toEqual([[worker.hostname, true, `no longer consuming from ${q('reporting')}`]]);
    // Celery replies before it acts (the consumer is cancelled on the worker's next loop turn):
    // the effect shows in active_queues a little later.
    const gone = await until(
      async () => {
        const queues = await control.call('active_queues', {}, { destination: [worker.hostname], timeoutMs: 3000 });
        const names = (queues[0]?.raw as { name: string }[] | undefined)?.map((x) => x.name);
        return names !== undefined && !names.includes(q('reporting'));
      },
      30_000,
      100,
    );
    expect(gone).toBe(true);
    const pub = await publisher.publish({
      task: 'reporting.aggregate_kpis',
      queue: q('reporting'),
      kwargs: { campaign_id: 7, month: '2026-10' },
    });
    // A task published after it on a queue the worker still consumes: once that one ran, the
    // worker has been fetching since, and left the cancelled queue alone.
    const marker = await publisher.publish({
      task: 'reporting.aggregate_kpis',
      queue: q('reporting.retry'),
      kwargs: { campaign_id: 8, month: '2026-10' },
    });
    expect(await until(() => probe().some((r) => r.id === marker.id), 30_000)).toBe(true);
    expect(await ready(q('reporting'))).toBe(1);
    expect(probe().some((r) => r.id === pub.id)).toBe(false);
    const add = await control.call('add_consumer', { queue: q('reporting') }, { destination: [worker.hostname], timeoutMs: 3000 });
    expect(add.map((r) => [r.worker, r.ok, r.detail])).toEqual([[worker.hostname, true, `add consumer ${q('reporting')}`]]);
    const ran = await until(() => probe().find((r) => r.id === pub.id), 15_000);
    expect(ran?.task).toBe('reporting.aggregate_kpis');
    expect(await ready(q('reporting'))).toBe(0);
  });

  it('a re-run of reporting.aggregate_kpis on reporting.retry published by us is executed', async () => {
    const pub = await publisher.publish({
      task: 'reporting.aggregate_kpis',
      queue: q('reporting.retry'),
      kwargs: { campaign_id: 42, month: '2026-10' },
    });
    const ran = await until(() => probe().find((r) => r.id === pub.id), 15_000);
    expect(ran).toMatchObject({
      task: 'reporting.aggregate_kpis',
      queue: q('reporting.retry'),
      root_id: pub.id,
      parent_id: null,
      retries: 0,
    });
    expect(typeof ran?.headers['lsos_sent_at']).toBe('number');
    expect(await ready(q('reporting.retry'))).toBe(0);
  });

  it('a dead letter made by the real worker, replayed, runs with its id, lineage and the replay headers', async () => {
    // Fails with TimeoutError, is retried twice (the last retry has parent_id = its own id), then dead-lettered.
    const published = await publishTasks(env, [{ name: 'crawl.probe_flaky', kwargs: { campaign_id: 3 }, queue: 'crawl' }]);
    const id = published[0]?.id as string;
    expect(await until(async () => (await ready(`${q('crawl')}.dead`)) === 1, 20_000)).toBe(true);
    const stateDir = path.join(dir, 'state');
    writeFileSync(fixFile, 'fix deployed\n');
    const replayer = new AmqpDeadLetterReplayer({ url: URL, stateDir });
    try {
      const preview = await replayer.preview(q('crawl'));
      expect(preview).toEqual({ total: 1, byTask: { 'crawl.probe_flaky': 1 } });
      const res = await replayer.replay({
        queue: q('crawl'),
        operator: 'ana',
        reasonCode: 'fix-deployed',
        allowedTasks: (t) => t === 'crawl.probe_flaky',
      });
      expect(res).toMatchObject({ replayed: 1, skipped: 0, alreadyDone: 0, total: 1, error: null, ids: [id] });
    } finally {
      await replayer.close();
    }
    // Three failed runs (first try and two retries), then the replay.
    const runs = await until(() => {
      const r = probe().filter((x) => x.id === id);
      return r.length === 4 ? r : null;
    }, 15_000);
    const replayed = runs?.[3] as ProbeRecord;
    expect(replayed.retries).toBe(2);
    // The last retry's lineage: root = the task, parent = the task itself (Celery's retry).
    expect(replayed.root_id).toBe(id);
    expect(replayed.parent_id).toBe(id);
    expect(replayed.headers).toMatchObject({
      lsos_replay_of: `${q('crawl')}.dead`,
      lsos_replay_count: 1,
      lsos_replayed_by: 'ana',
      lsos_replay_reason: 'fix-deployed',
      lsos_last_dead_reason: 'rejected',
    });
    expect(typeof replayed.headers['lsos_replayed_at']).toBe('number');
    // It succeeded this time (the probe records a run when it starts: wait for the worker's own
    // word): nothing went back to the dead letters.
    expect(await until(() => worker.log().includes(`Task crawl.probe_flaky[${id}] succeeded`), 30_000)).toBe(true);
    expect(await ready(`${q('crawl')}.dead`)).toBe(0);
    expect(await ready(q('crawl'))).toBe(0);
    // The ledger recorded the committed replay.
    const ledgerDir = path.join(stateDir, 'replay-ledger');
    const lines = readdirSync(ledgerDir).flatMap((f) => readFileSync(path.join(ledgerDir, f), 'utf8').trim().split('\n'));
    expect(lines.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual([id]);
  });

  it('publishing to a missing queue is a clear error, and the connection stays up', async () => {
    const before = await connectionCount(VHOST);
    await expect(
      publisher.publish({ task: 'reporting.aggregate_kpis', queue: q('no_such_queue'), kwargs: { campaign_id: 1, month: '2026-10' } }),
    ).rejects.toBeInstanceOf(QueueNotFoundError);
    expect((await queueTruth(VHOST)).has(q('no_such_queue'))).toBe(false);
    const pub = await publisher.publish({
      task: 'reporting.aggregate_kpis',
      queue: q('reporting.retry'),
      kwargs: { campaign_id: 2, month: '2026-10' },
    });
    expect(await until(() => probe().some((r) => r.id === pub.id), 15_000)).toBe(true);
    expect(await connectionCount(VHOST)).toBe(before);
  });
});
