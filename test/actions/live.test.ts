// Mitigations on a real system: the control flags exactly as the contract writes them (on a
// PRIVATE redis-server, db 0, so the shared server's db 0 is never touched), a producer that
// honours a pause, Celery remote control against a real worker (who acknowledged, drift after a
// restart), task messages a real worker executes, and the replicas command without a shell.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MitigationController } from '../../src/control/mitigations/controller.js';
import type { Actor } from '../../src/control/mitigations/execute.js';
import { LiveBackend } from '../../src/control/mitigations/liveBackend.js';
import { RedisRemoteControl } from '../../src/control/celery/redisControl.js';
import { RedisTaskPublisher } from '../../src/control/celery/redisPublisher.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import {
  CELERY_DIR,
  CeleryWorker,
  PYTHON,
  PrivateRedis,
  celeryAvailable,
  celeryEnv,
  freePort,
  requireServer,
  run,
  runId,
  until,
} from '../celery/harness.js';

const PREFIX = `act${runId()}_`;
let redis: PrivateRedis;
let flags: Redis;
let truth: Redis;
let brokerUrl = '';
let stateDir = '';
let recorder: IncidentRecorder;

const ok = await requireServer('redis-server binary and Debian Celery', async () => {
  await celeryAvailable();
  await run('redis-server', ['--version']);
});

const ACTOR: Actor = { operator: 'alice', role: 'privileged', roleSource: 'test', readonly: false, readonlyReason: null };

function controller(backend: LiveBackend): MitigationController {
  return new MitigationController({ recorder, backend, actor: ACTOR, isIdempotent: () => true });
}

function backend(extra: Partial<ConstructorParameters<typeof LiveBackend>[0]> = {}): LiveBackend {
  return new LiveBackend({ flags, queues: ['crawl', 'rank', 'reporting.retry', 'email'].map((q) => PREFIX + q), ...extra });
}

/** A producer that honours `lsos:pause:<task>` before send_task (real Celery). */
const PRODUCER = `
import json, os, sys, redis
from lsos_app import app, route_task
flags = redis.Redis.from_url(os.environ['LSOS_FLAGS_URL'])
out = {'sent': [], 'skipped': []}
for name in json.load(sys.stdin)['tasks']:
    if flags.exists('lsos:pause:' + name):
        out['skipped'].append(name)
        continue
    queue = route_task(name, None, None, None)['queue']
    r = app.send_task(name, kwargs={'campaign_id': 1, 'url': 'https://example.test/'}, queue=queue)
    out['sent'].append({'name': name, 'id': r.id, 'queue': queue})
print(json.dumps(out))
`;

async function produce(tasks: string[]): Promise<{ sent: { name: string; id: string; queue: string }[]; skipped: string[] }> {
  const out = await run(PYTHON, ['-c', PRODUCER], {
    cwd: CELERY_DIR,
    env: celeryEnv({ brokerUrl, queuePrefix: PREFIX, extra: { LSOS_FLAGS_URL: `redis://127.0.0.1:${redis.port}/0` } }),
    input: JSON.stringify({ tasks }),
  });
  return JSON.parse(out.stdout.trim().split('\n').pop() ?? '{}');
}

/** Task names of the messages waiting in a queue, straight from the broker. */
async function queuedTasks(queue: string): Promise<string[]> {
  const raw = await truth.lrange(PREFIX + queue, 0, -1);
  return raw.map((m) => (JSON.parse(m) as { headers: { task: string } }).headers.task);
}

async function inspect(command: 'stats' | 'active_queues', worker: string): Promise<unknown> {
  const out = await run(PYTHON, ['-m', 'celery', '-A', 'lsos_app', 'inspect', command, '--json', '-d', worker, '-t', '3'], {
    cwd: CELERY_DIR,
    env: celeryEnv({ brokerUrl, queuePrefix: PREFIX }),
  });
  const line = out.stdout.trim().split('\n').pop() ?? '{}';
  return (JSON.parse(line) as Record<string, unknown>)[worker];
}

describe.runIf(ok)('live mitigations (private redis-server, real Celery)', () => {
  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    brokerUrl = `redis://127.0.0.1:${redis.port}/1`;
    flags = new Redis(`redis://127.0.0.1:${redis.port}/0`);
    truth = new Redis(brokerUrl);
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-live-act-'));
    recorder = new IncidentRecorder({ stateDir, operator: 'alice' });
  });

  afterAll(async () => {
    recorder?.close();
    flags?.disconnect();
    truth?.disconnect();
    await redis?.stop();
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('refuses a flags client on another db than 0', () => {
    const other = new Redis(`redis://127.0.0.1:${redis.port}/3`, { lazyConnect: true });
    expect(() => new LiveBackend({ flags: other, queues: [] })).toThrow(/db 0/);
    other.disconnect();
  });

  it('writes the contract control flags exactly (section 6)', async () => {
    const c = controller(backend());
    const t0 = Date.now();
    const pause = await c.execute({
      mitigationId: 'pause-task',
      params: { task: 'reviews.sync_reviews', until: t0 + 10 * 60_000 },
      reason: 'parser loop',
    });
    expect(pause.status).toBe('done');
    const value = JSON.parse((await flags.get('lsos:pause:reviews.sync_reviews')) ?? 'null') as Record<string, string>;
    expect(Object.keys(value).sort()).toEqual(['at', 'by', 'reason', 'until']);
    expect(value).toMatchObject({ by: 'alice', reason: 'parser loop', until: new Date(t0 + 10 * 60_000).toISOString() });
    const ttl = await flags.pttl('lsos:pause:reviews.sync_reviews');
    const expected = Date.parse(value.until ?? '') - Date.now();
    expect(Math.abs(ttl - expected)).toBeLessThan(2000);

    expect((await c.execute({ mitigationId: 'quarantine-provider', params: { provider: 'brightpool' }, reason: 'blocks' })).status).toBe(
      'done',
    );
    expect(await flags.get('lsos:provider:brightpool:state')).toBe('quarantined');
    expect(
      (await c.execute({ mitigationId: 'shift-provider', params: { provider: 'fallbackpool', concurrency: 8 }, reason: 'fallback' }))
        .status,
    ).toBe('done');
    expect(await flags.get('lsos:provider:active')).toBe('fallbackpool');
    expect(await flags.get('lsos:provider:fallbackpool:concurrency')).toBe('8');
    expect((await c.execute({ mitigationId: 'pacing-conservative', params: {}, reason: 'be gentle' })).status).toBe('done');
    expect(await flags.get('lsos:pacing:profile')).toBe('conservative');
    expect((await c.execute({ mitigationId: 'freeze-writes', params: {}, reason: 'replica stall' })).status).toBe('done');
    const frozen = JSON.parse((await flags.get('lsos:writes:frozen')) ?? 'null') as Record<string, string>;
    expect(Object.keys(frozen).sort()).toEqual(['at', 'by', 'reason', 'scope']);
    expect(frozen).toMatchObject({ by: 'alice', reason: 'replica stall', scope: 'non-critical' });

    // In force, with no drift, until someone deletes a flag by hand.
    let checked = await c.checker.check();
    expect(checked.map((m) => [m.kind, m.target, m.drift]).sort()).toEqual(
      [
        ['frozen-writes', 'lsos:writes:frozen', null],
        ['pacing', 'lsos:pacing:profile', null],
        ['paused-task', 'reviews.sync_reviews', null],
        ['provider-shift', 'fallbackpool', null],
        ['quarantined-pool', 'brightpool', null],
      ].sort(),
    );
    await flags.del('lsos:writes:frozen');
    await flags.set('lsos:provider:fallbackpool:concurrency', '30');
    checked = await c.checker.check();
    expect(checked.find((m) => m.kind === 'frozen-writes')?.drift).toBe('lsos:writes:frozen is gone (deleted by hand?)');
    expect(checked.find((m) => m.kind === 'provider-shift')?.drift).toBe('lsos:provider:fallbackpool:concurrency is 30, not 8');

    // The undos are actions like any other.
    for (const id of ['unquarantine-provider', 'pacing-normal', 'resume-task']) {
      const r = await c.execute({
        mitigationId: id,
        params: { provider: 'brightpool', task: 'reviews.sync_reviews' },
        reason: 'recovered',
      });
      expect(r.status).toBe('done');
    }
    expect(await flags.get('lsos:provider:brightpool:state')).toBe('healthy');
    expect(await flags.get('lsos:pacing:profile')).toBe('normal');
    expect(await flags.exists('lsos:pause:reviews.sync_reviews')).toBe(0);

    // A pause set outside this incident (another cockpit, by hand) is listed too, from its flag.
    await flags.set(
      'lsos:pause:email.notify_owner',
      JSON.stringify({ by: 'dave', reason: 'owner mails on hold', at: '2026-11-29T10:00:00.000Z', until: '2026-11-29T23:00:00.000Z' }),
      'PX',
      60_000,
    );
    const outside = (await c.checker.check()).find((m) => m.target === 'email.notify_owner');
    expect(outside).toMatchObject({
      kind: 'paused-task',
      by: 'dave',
      reason: 'owner mails on hold',
      action: 'outside this incident',
      undo: 'resume-task',
    });
    await flags.del('lsos:pause:email.notify_owner');
  });

  it('a paused task is not emitted by a producer that honours the flag; resumed, it is', async () => {
    const c = controller(backend());
    await truth.del(PREFIX + 'crawl', PREFIX + 'rank');
    const r = await c.execute({
      mitigationId: 'pause-task',
      params: { task: 'crawl.fetch_page', until: Date.now() + 60_000 },
      reason: 'failure loop',
    });
    expect(r.status).toBe('done');
    const first = await produce(['crawl.fetch_page', 'rank.check_serp', 'crawl.fetch_page']);
    expect(first.skipped).toEqual(['crawl.fetch_page', 'crawl.fetch_page']);
    expect(await queuedTasks('crawl')).toEqual([]);
    expect(await queuedTasks('rank')).toEqual(['rank.check_serp']);

    expect((await c.execute({ mitigationId: 'resume-task', params: { task: 'crawl.fetch_page' }, reason: 'fix deployed' })).status).toBe(
      'done',
    );
    const second = await produce(['crawl.fetch_page']);
    expect(second.sent.map((s) => s.name)).toEqual(['crawl.fetch_page']);
    expect(await queuedTasks('crawl')).toEqual(['crawl.fetch_page']);
  });

  it('a pause lapses on its own (TTL) and the lapse is recorded in the timeline', async () => {
    let now = Date.now();
    const c = new MitigationController({ recorder, backend: backend(), actor: ACTOR, isIdempotent: () => true, now: () => now });
    await c.execute({ mitigationId: 'pause-task', params: { task: 'email.deliver_report', until: now + 1200 }, reason: 'short pause' });
    expect(await flags.exists('lsos:pause:email.deliver_report')).toBe(1);
    await until(async () => (await flags.exists('lsos:pause:email.deliver_report')) === 0, 5000, 100);
    expect(await flags.exists('lsos:pause:email.deliver_report')).toBe(0);
    now = Date.now();
    const checked = await c.checker.check();
    expect(checked.some((m) => m.target === 'email.deliver_report')).toBe(false);
    const last = recorder
      .view()
      ?.entries.filter((e) => e.kind === 'action')
      .at(-1);
    expect(last?.details).toMatchObject({ action: 'pause-task-lapsed', target: 'email.deliver_report', outcome: 'lapsed' });
  });

  it('runs the replicas command as an argument vector, no shell, with a timeout, keeping its output', async () => {
    const c = controller(
      backend({
        replicasCommand: { argv: ['/bin/echo', 'scale', 'deployment/lsos-{pool}', '--replicas={replicas}', '$HOME;id'], timeoutMs: 5000 },
      }),
    );
    const r = await c.execute({
      mitigationId: 'scale-replicas',
      params: { queue: `${PREFIX}reporting.retry`, replicas: 3 },
      reason: 'backlog only',
    });
    expect(r.status).toBe('done');
    if (r.status !== 'done') return;
    // No shell: $HOME and ; reach the program untouched.
    expect(r.outcome.record?.stdout).toBe(`scale deployment/lsos-${PREFIX}reporting-retry --replicas=3 $HOME;id\n`);
    const slow = controller(backend({ replicasCommand: { argv: ['/bin/sleep', '5'], timeoutMs: 300 } }));
    const t = await slow.execute({
      mitigationId: 'scale-replicas',
      params: { queue: `${PREFIX}crawl`, replicas: 3 },
      reason: 'backlog only',
    });
    expect(t.status).toBe('failed');
    if (t.status === 'failed') expect(t.outcome.failures[0]?.error).toMatch(/timed out/);
  });

  describe('with a real Celery worker', () => {
    let worker: CeleryWorker;
    let control: RedisRemoteControl;
    let publisher: RedisTaskPublisher;

    beforeAll(async () => {
      worker = await CeleryWorker.start({
        brokerUrl,
        queuePrefix: PREFIX,
        name: `act${runId()}`,
        queues: ['rank', 'reporting.retry'],
        concurrency: 3,
      });
      control = new RedisRemoteControl({ url: brokerUrl });
      publisher = new RedisTaskPublisher({ url: brokerUrl });
    });

    afterAll(async () => {
      await worker?.stop();
      await control?.close();
      await publisher?.close();
    });

    it('reduces concurrency through remote control, shows who acknowledged, flags drift after a restart', async () => {
      const c = controller(backend({ control, controlTimeoutMs: 3000 }));
      const preview = await c.execute({
        mitigationId: 'reduce-concurrency',
        params: { queue: `${PREFIX}rank`, concurrency: 1 },
        reason: 'proxy blocks',
        dryRun: true,
      });
      if (preview.status !== 'dry-run') throw new Error('expected a dry run');
      expect(preview.preview.lines.map((l) => l.text)).toEqual([`${worker.hostname}: pool_shrink n=2 (3 -> 1 processes)`]);
      const r = await c.execute({
        mitigationId: 'reduce-concurrency',
        params: { queue: `${PREFIX}rank`, concurrency: 1 },
        reason: 'proxy blocks',
      });
      expect(r.status).toBe('done');
      if (r.status === 'done') expect(r.outcome.details).toEqual([`${worker.hostname} acknowledged pool 1: pool will shrink`]);
      // The truth, from Celery's own inspect.
      const processes = async () => ((await inspect('stats', worker.hostname)) as { pool: { processes: number[] } }).pool.processes.length;
      expect(await until(async () => (await processes()) === 1, 10_000, 300)).toBe(true);
      expect((await c.checker.check()).find((m) => m.kind === 'shrunk-pool')?.drift).toBeNull();

      // A worker that comes back with its old pool size is drift.
      await control.call('pool_grow', { n: 2 }, { destination: [worker.hostname], timeoutMs: 3000 });
      expect(await until(async () => (await processes()) === 3, 10_000, 300)).toBe(true);
      expect((await c.checker.check()).find((m) => m.kind === 'shrunk-pool')?.drift).toBe(
        `${worker.hostname} runs 3 processes (shrunk to 1: restarted?)`,
      );
    });

    it('stops and resumes consuming a queue (cancel/add consumer)', async () => {
      const c = controller(backend({ control, controlTimeoutMs: 3000 }));
      const queues = async () => ((await inspect('active_queues', worker.hostname)) as { name: string }[]).map((q) => q.name).sort();
      const stop = await c.execute({ mitigationId: 'stop-consuming', params: { queue: `${PREFIX}rank` }, reason: 'drain elsewhere' });
      expect(stop.status).toBe('done');
      if (stop.status === 'done')
        expect(stop.outcome.details[0]).toMatch(
          new RegExp(`^${worker.hostname} acknowledged cancel_consumer ${PREFIX}rank: no longer consuming from`),
        );
      expect(await queues()).toEqual([`${PREFIX}reporting.retry`]);
      const back = await c.execute({
        mitigationId: 'resume-consuming',
        params: { queue: `${PREFIX}rank`, workers: [worker.hostname] },
        reason: 'ok again',
      });
      expect(back.status).toBe('done');
      expect(await queues()).toEqual([`${PREFIX}rank`, `${PREFIX}reporting.retry`]);
    });

    it('re-runs aggregate_kpis on the retry lane as protocol-v2 messages a real worker executes', async () => {
      const c = controller(backend({ control, publisher }));
      const r = await c.execute({
        mitigationId: 'rerun-kpis',
        params: { campaigns: ['c1', 'c2'], month: '2026-10', queue: `${PREFIX}reporting.retry` },
        reason: 'incomplete payloads',
      });
      expect(r.status).toBe('done');
      if (r.status !== 'done') return;
      const ids = r.outcome.taskIds ?? [];
      expect(ids).toHaveLength(2);
      const ran = await until(
        () => ids.every((id) => worker.log().includes(`Task reporting.aggregate_kpis[${id}] succeeded`)),
        20_000,
        200,
      );
      expect(ran).toBe(true);
      const entry = recorder
        .view()
        ?.entries.filter((e) => e.kind === 'action')
        .at(-1);
      expect((entry?.details.audit as { taskIds: string[] }).taskIds).toEqual(ids);
    });
  });
});
