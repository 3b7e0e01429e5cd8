// The wire layer against a real Celery 5.2 worker on Redis (db 9, a random queue prefix):
// remote control changes what the worker really does (Celery's own `inspect stats`, the list
// depths), our publisher's tasks run, and a replayed dead letter runs with its original id and
// lineage plus the replay headers. The worker loads lsos_probe.py, which records every task run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CeleryWorker,
  celeryAvailable,
  celeryInspectStats,
  publishTasks,
  readProbe,
  redisAvailable,
  RedisTruth,
  requireServer,
  runId,
  until,
  type ProbeRecord,
} from '../celery/harness.js';
import { RedisRemoteControl } from '../../src/control/celery/redisControl.js';
import { RedisTaskPublisher } from '../../src/control/celery/redisPublisher.js';
import { RedisDeadLetterReplayer } from '../../src/control/celery/redisReplay.js';

const URL = 'redis://127.0.0.1:6379/9';
const prefix = `cw${runId()}_`;
const q = (n: string) => prefix + n;
const ok = (await requireServer('redis', () => redisAvailable(URL))) && (await requireServer('celery', () => celeryAvailable(), 20_000));

describe.runIf(ok)('Celery wire layer on Redis, real worker', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lsos-celery-redis-'));
  const probeFile = path.join(dir, 'probe.jsonl');
  const fixFile = path.join(dir, 'fixed');
  const env = { brokerUrl: URL, queuePrefix: prefix, extra: { LSOS_PROBE_FILE: probeFile, LSOS_PROBE_FIX_FILE: fixFile } };
  let worker: CeleryWorker;
  let truth: RedisTruth;
  let control: RedisRemoteControl;
  let publisher: RedisTaskPublisher;

  const probe = () => readProbe(probeFile);

  const inspectStats = () => celeryInspectStats(env, worker.hostname);

  beforeAll(async () => {
    truth = new RedisTruth(URL);
    worker = await CeleryWorker.start({
      ...env,
      name: `${prefix}w1`,
      queues: ['crawl', 'reporting', 'reporting.retry'],
      concurrency: 2,
      extraArgs: ['--include', 'lsos_probe'],
    });
    control = new RedisRemoteControl({ url: URL });
    publisher = new RedisTaskPublisher({ url: URL });
  });

  afterAll(async () => {
    await worker?.stop();
    await control?.close();
    await publisher?.close();
    await truth?.cleanup(prefix);
    await truth?.redis.del(`lsos:replay:ledger:${q('crawl')}`);
    await truth?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ping and stats reach the named worker and only it', async () => {
    const pong = await control.call('ping', {}, { destination: [worker.hostname], timeoutMs: 3000 });
    expect(pong).toEqual([{ worker: worker.hostname, ok: true, detail: 'pong', raw: { ok: 'pong' } }]);
    const none = await control.call('ping', {}, { destination: ['nobody@nowhere'], timeoutMs: 500 });
    expect(none).toEqual([]);
    // The reply binding is removed after the call.
    const bindings = await truth.redis.smembers('_kombu.binding.reply.celery.pidbox');
    expect(bindings.filter((b) => b.includes('.reply.celery.pidbox'))).toEqual([]);
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
    expect(await truth.depth(q('reporting'))).toBe(1);
    expect(probe().some((r) => r.id === pub.id)).toBe(false);
    const add = await control.call('add_consumer', { queue: q('reporting') }, { destination: [worker.hostname], timeoutMs: 3000 });
    expect(add.map((r) => [r.worker, r.ok, r.detail])).toEqual([[worker.hostname, true, `add consumer ${q('reporting')}`]]);
    const ran = await until(() => probe().find((r) => r.id === pub.id), 15_000);
    expect(ran?.task).toBe('reporting.aggregate_kpis');
    expect(await truth.depth(q('reporting'))).toBe(0);
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
    expect(await truth.depth(q('reporting.retry'))).toBe(0);
  });

  it('a dead letter made by the real worker, replayed, runs with its id, lineage and the replay headers', async () => {
    // Fails with TimeoutError, is retried twice (the last retry has parent_id = its own id), then dead-lettered.
    const published = await publishTasks(env, [{ name: 'crawl.probe_flaky', kwargs: { campaign_id: 3 }, queue: 'crawl' }]);
    const id = published[0]?.id as string;
    const dead = await until(
      async () => ((await truth.deadLetters(q('crawl'))).length === 1 ? truth.deadLetters(q('crawl')) : null),
      20_000,
    );
    const dl = dead?.[0]?.headers as Record<string, unknown>;
    expect(dl['id']).toBe(id);
    expect(dl['root_id']).toBe(id);
    expect(dl['parent_id']).toBe(id);
    expect(dl['retries']).toBe(2);
    expect(dl['lsos_exc_type']).toBe('TimeoutError');
    expect(dl['lsos_dead_reason']).toBe('max_retries');
    writeFileSync(fixFile, 'fix deployed\n');
    const replayer = new RedisDeadLetterReplayer({ url: URL });
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
    expect(replayed.root_id).toBe(dl['root_id']);
    expect(replayed.parent_id).toBe(dl['parent_id']);
    expect(replayed.headers).toMatchObject({
      lsos_replay_of: `${q('crawl')}.dead`,
      lsos_replay_count: 1,
      lsos_replayed_by: 'ana',
      lsos_replay_reason: 'fix-deployed',
      lsos_last_exc_type: 'TimeoutError',
      lsos_last_dead_reason: 'max_retries',
    });
    expect(typeof replayed.headers['lsos_replayed_at']).toBe('number');
    expect(await truth.redis.llen(`${q('crawl')}.dead`)).toBe(0);
    // It succeeded this time (the probe records a run when it starts: wait for the worker's own
    // word): the probe saw the fix and nothing went back to the dead letters.
    expect(await until(() => worker.log().includes(`Task crawl.probe_flaky[${id}] succeeded`), 30_000)).toBe(true);
    expect(await truth.redis.llen(`${q('crawl')}.dead`)).toBe(0);
  });
});
