// The drain rate and the failure ratio against a real Celery worker's own counters (Redis db 7,
// a random prefix): a worker (/usr/bin/python3 -m celery, prefork, 4 processes) runs N tasks of
// which a known share fails (ParserError, no retries); the worker's `inspect stats` total says how
// many it ran. The cockpit's drain rate must be that count over the time the events cover (it was
// 0.52-0.59x: 5 s of events over a 10 s floor), its failure ratio (check) the known share (it
// printed 19/61560 = 0.0% for a 9% ratio), and the queue panel's drain column the same figure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/cli/check.js';
import { FAILURE_CLASSES, type QueueSnapshot } from '../../src/core/snapshot.js';
import { RedisCelerySource } from '../../src/sources/redis/index.js';
import { formatDrain } from '../../panels/queues/columns.js';
import {
  CELERY_DIR,
  CeleryWorker,
  PYTHON,
  RedisTruth,
  celeryAvailable,
  celeryEnv,
  publishTasks,
  redisAvailable,
  requireServer,
  run,
  runId,
  sleep,
  until,
  type CeleryEnvOptions,
} from '../celery/harness.js';

const DB = 7;
const URL = `redis://127.0.0.1:6379/${DB}`;
const PREFIX = `dr${runId()}_`;
// No retries: each task reaches the worker once, so its `total` counts tasks, not attempts.
const ENV: CeleryEnvOptions = { brokerUrl: URL, queuePrefix: PREFIX, maxRetries: 0 };
const N = 600;
const FAILING = 150; // a quarter
const TASK = 'reviews.sync_reviews';

const ok =
  (await requireServer('redis 127.0.0.1:6379', () => redisAvailable(URL))) &&
  (await requireServer('celery (Debian python3-celery)', celeryAvailable));

/** The worker's own count of tasks it received, per task name (`celery inspect stats`, key `total`). */
async function workerTotal(hostname: string): Promise<number> {
  const out = await run(PYTHON, ['-m', 'celery', '-A', 'lsos_app', 'inspect', 'stats', '-d', hostname, '-j', '-t', '5'], {
    cwd: CELERY_DIR,
    env: celeryEnv(ENV),
    timeoutMs: 30_000,
  });
  const parsed = JSON.parse(out.stdout.slice(out.stdout.indexOf('{'))) as Record<string, { total?: Record<string, number> }>;
  const stats = parsed[hostname];
  if (!stats) throw new Error(`celery inspect stats: no reply from ${hostname}`);
  return stats.total?.[TASK] ?? 0;
}

describe.runIf(ok)(`drain rate and failure ratio against a real worker (db ${DB})`, () => {
  let truth: RedisTruth;
  let worker: CeleryWorker;
  let source: RedisCelerySource;
  let polling = true;
  let poller: Promise<void> = Promise.resolve();
  let latest: QueueSnapshot | undefined;
  const queue = `${PREFIX}reviews`;
  let startedAt = 0;

  beforeAll(async () => {
    truth = new RedisTruth(URL);
    worker = await CeleryWorker.start({ ...ENV, name: `drain${runId()}`, queues: ['reviews'], concurrency: 4 });
    // The source listens from now on: its first event (a heartbeat, within 2 s) starts its window.
    startedAt = Date.now();
    source = new RedisCelerySource({ url: URL, queuePrefix: PREFIX, discover: true, events: true, providerFlags: false });
    await source.read();
    poller = (async () => {
      while (polling) {
        const patch = await source.read().catch(() => null);
        const q = patch?.queues?.find((x) => x.name === queue);
        if (q) latest = q;
        await sleep(500);
      }
    })();
  }, 180_000);

  afterAll(async () => {
    polling = false;
    await poller;
    await source?.close();
    await worker?.stop();
    await truth?.cleanup(PREFIX);
    await truth?.close();
  });

  it(`${N} tasks, ${FAILING} failing: drain = the worker's count over the covered window, failure ratio = the known share`, async () => {
    await publishTasks(ENV, [
      { name: TASK, queue: 'reviews', count: N - FAILING, kwargs: { campaign_id: 'cmp-ok', sleep: 0.05 } },
      { name: TASK, queue: 'reviews', count: FAILING, kwargs: { campaign_id: 'cmp-bad', sleep: 0.05, fail: 'ParserError' } },
    ]);
    // The worker ran them all (its own counter), and their events have reached the cockpit.
    const total = await until(async () => ((await workerTotal(worker.hostname)) >= N ? workerTotal(worker.hostname) : 0), 180_000, 1000);
    expect(total).toBeGreaterThanOrEqual(N);
    await until(() => (latest?.finishedInWindow ?? 0) >= N, 60_000, 200);
    // The test's poller stops first: the cockpit's scheduler never runs two reads of one source at
    // once, so neither does this test.
    polling = false;
    await poller;
    // The truth once the worker is idle: its count no longer moves, and the failures it
    // dead-lettered (LsosRequest.on_failure). Publishing is at least once (kombu retries a publish
    // whose reply was lost), so a loaded machine may run a task twice: both sides then count it.
    const settled = await until(
      async () => {
        const a = await workerTotal(worker.hostname);
        await sleep(1500);
        const b = await workerTotal(worker.hostname);
        return a === b ? b : 0;
      },
      60_000,
      0,
    );
    const dead = (await truth.deadLetters(queue)).length;
    // Read until the events of whatever the worker ran last have arrived too.
    let before = 0;
    let after = 0;
    let read: QueueSnapshot | undefined;
    await until(
      async () => {
        before = Date.now();
        const patch = await source.read();
        after = Date.now();
        read = patch.queues?.find((x) => x.name === queue);
        return (read?.finishedInWindow ?? 0) >= settled;
      },
      30_000,
      200,
    );
    const q = read;
    expect(q).toBeDefined();
    if (!q) return;

    // Counts: every task the worker ran finished once; the failures are exactly the failing ones.
    // A mismatch says which side counted what (the aggregator's own counts included).
    const why = JSON.stringify({
      workerTotalAtN: total,
      settled,
      deadLetters: dead,
      cockpit: q.finishedInWindow,
      aggregator: source.aggregator.stats(),
    });
    expect(q.finishedInWindow, why).toBe(settled);
    expect(settled, why).toBeLessThanOrEqual(N + N / 100); // a repeat now and then, not a second run
    const failures = FAILURE_CLASSES.reduce((n, c) => n + q.failuresByClass[c], 0);
    expect(dead, why).toBeGreaterThanOrEqual(FAILING);
    expect(failures, why).toBe(dead);
    expect(q.failuresByClass.parser, why).toBe(dead);

    // Drain: the worker's count over the time the events cover, which starts at the first event
    // (between startedAt and a heartbeat later) and ends at the read.
    const slowest = settled / ((after - startedAt) / 60_000);
    const fastest = settled / ((before - startedAt - 3_000) / 60_000);
    expect(q.drainPerMinute).toBeGreaterThanOrEqual(slowest * 0.97);
    expect(q.drainPerMinute).toBeLessThanOrEqual(fastest * 1.03);
    // The queue panel draws that figure.
    expect(formatDrain(q.drainPerMinute)).toBe(q.drainPerMinute >= 10 ? String(Math.round(q.drainPerMinute)) : q.drainPerMinute.toFixed(1));

    // check's failure ratio for the queue: the known share, over the runs the worker made.
    const out: string[] = [];
    const io = {
      stdout: { write: (s: string) => (out.push(s), true) },
      stderr: { write: (s: string) => (out.push(s), true) },
      env: { REDIS_URL: URL, HOME: '/nonexistent', XDG_CONFIG_HOME: '/nonexistent' },
      cwd: '/',
    };
    await runCheck(['--json', '--only', 'failure-ratio', '--timeout', '30000'], io as never, {
      sources: [{ source, area: 'broker', pollIntervalMs: 5000 }],
    });
    const report = JSON.parse(out.join('')) as { checks: { id: string; target: string; value: number; detail: string; status: string }[] };
    const ratio = report.checks.find((c) => c.id === 'failure-ratio' && c.target === queue);
    expect(ratio?.value).toBeCloseTo(dead / settled, 6);
    expect(ratio?.detail).toMatch(new RegExp(`^${dead}/${settled} failed = ${((100 * dead) / settled).toFixed(1).replace('.', '\\.')}%`));
    expect(ratio?.status).toBe('breach');
  }, 300_000);
});
