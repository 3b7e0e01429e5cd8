// Issue 14, acceptance 3 on a real system: a real Celery worker on Redis (db 7, a queue prefix of
// this run) runs reviews.sync_reviews with a parser bug (ParserError until its fix is deployed:
// the key `<prefix>fixed` in the broker's db). The cockpit reads the task events through the Redis
// source, as it does live; the replay guard reads them from there. A replay while the parser
// failures still fire is refused with the reason and recorded as refused; once the fix is
// deployed it is refused until the task has run the quiet period (8 s here, 5 min by default)
// without a parser failure, then it runs, and the replayed tasks succeed on the fixed code.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisDeadLetterReplayer } from '../../src/control/celery/redisReplay.js';
import { MitigationController } from '../../src/control/mitigations/controller.js';
import type { ExecuteResult } from '../../src/control/mitigations/execute.js';
import { LiveBackend } from '../../src/control/mitigations/liveBackend.js';
import { attachStepServices } from '../../src/control/mitigations/stepServices.js';
import type { TaskOutcome } from '../../src/core/snapshot.js';
import type { SnapshotPatch } from '../../src/core/source.js';
import { createClassifier } from '../../src/domain/failureClasses.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { RedisCelerySource } from '../../src/sources/redis/index.js';
import {
  CeleryWorker,
  RedisTruth,
  celeryAvailable,
  publishTasks,
  redisAvailable,
  requireServer,
  runId,
  sleep,
  type CeleryEnvOptions,
} from '../celery/harness.js';

const DB = 7;
const URL = `redis://127.0.0.1:6379/${DB}`;
const PREFIX = `rg${runId()}_`;
const QUEUE = `${PREFIX}reviews`;
const FIXED = `${PREFIX}fixed`;
const QUIET_MS = 8000;
const ENV: CeleryEnvOptions = { brokerUrl: URL, queuePrefix: PREFIX, maxRetries: 0 };

const ok =
  (await requireServer('redis 127.0.0.1:6379', () => redisAvailable(URL))) &&
  (await requireServer('celery (Debian python3-celery)', celeryAvailable));

/** Waits for a condition, with a generous ceiling (the machine may be busy). */
async function until<T>(what: string, fn: () => Promise<T> | T, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe.runIf(ok)('the replay guard on a real Celery worker (Redis db 7)', () => {
  let truth: RedisTruth;
  let source: RedisCelerySource;
  let worker: CeleryWorker;
  let replayer: RedisDeadLetterReplayer;
  let recorder: IncidentRecorder;
  let controller: MitigationController;
  let stateDir = '';
  let last: SnapshotPatch = {};
  let reading = true;
  let reader: Promise<void> = Promise.resolve();

  /** What the events showed about reviews.sync_reviews, from the source's last read. */
  const outcome = (): TaskOutcome | undefined =>
    (last.queues ?? []).flatMap((q) => q.taskOutcomes ?? []).find((o) => o.task === 'reviews.sync_reviews');

  beforeAll(async () => {
    truth = new RedisTruth(URL);
    source = new RedisCelerySource({ url: URL, queuePrefix: PREFIX, discoverPrefix: PREFIX, providerFlags: false });
    await source.read();
    // Pub/sub keeps nothing: be subscribed before the worker sends its first event.
    await until('the events subscription', () => source.stats().events?.subscribed, 10_000);
    // The cockpit's source reads once a second; here a little faster.
    reader = (async () => {
      while (reading) {
        last = await source.read().catch(() => last);
        await sleep(250);
      }
    })();
    worker = await CeleryWorker.start({ ...ENV, name: `rg-${PREFIX}`, queues: ['reviews'], concurrency: 2 });
    replayer = new RedisDeadLetterReplayer({ url: URL });
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-live-replay-guard-'));
    recorder = new IncidentRecorder({ stateDir, operator: 'alice' });
    const backend = new LiveBackend({ flags: null, replayer, queues: [QUEUE] });
    // As src/runtime/main.ts and the session attach them: the events' outcomes (as of the read), the
    // quiet period from the config, the contract's failure classes.
    attachStepServices(backend, {
      taskOutcomes: () => ({ at: Date.now(), outcomes: (last.queues ?? []).flatMap((q) => q.taskOutcomes ?? []) }),
      replayQuietPeriodMs: QUIET_MS,
      classify: createClassifier(),
    });
    controller = new MitigationController({
      recorder,
      backend,
      actor: { operator: 'alice', role: 'privileged', roleSource: 'test', readonly: false, readonlyReason: null },
      isIdempotent: (t) => t === 'reviews.sync_reviews',
    });
  });

  afterAll(async () => {
    reading = false;
    await reader;
    await worker?.kill9();
    await source?.close();
    await replayer?.close();
    recorder?.close();
    await truth?.cleanup(PREFIX);
    await truth?.redis.del(FIXED);
    await truth?.close();
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  });

  const replay = (dryRun = false): Promise<ExecuteResult> =>
    controller.execute({
      mitigationId: 'replay-dead-letters',
      params: { queue: QUEUE, reasonCode: 'fix-deployed', failureClass: 'parser' },
      reason: 'parser fix deployed',
      dryRun,
    });

  it('refuses while the parser failures fire, and after the fix until the quiet period has passed; then replays', async () => {
    // The bug: every run of reviews.sync_reviews raises ParserError until FIXED exists. Runs spread
    // over 30 s (countdowns), so failures keep coming until the fix is deployed.
    const kwargs = (i: number) => ({ campaign_id: i, fail: 'ParserError', fail_unless: FIXED });
    await publishTasks(
      ENV,
      Array.from({ length: 60 }, (_, i) => ({ name: 'reviews.sync_reviews', kwargs: kwargs(i), countdown: i * 0.5 })),
    );
    await until('parser dead letters and their failures in the events', async () => {
      const dead = await truth.redis.llen(`${QUEUE}.dead`);
      return dead >= 4 && outcome()?.lastFailureAt.parser !== undefined;
    });

    // 1. The parser failures still fire: refused, with the reason, and recorded as refused.
    const refused = await replay();
    expect(refused.status).toBe('refused');
    if (refused.status !== 'refused') return;
    expect(refused.refusal).toMatch(
      /^no evidence of a fix \(runbook 3\.4: replay after the fix\): the last parser failure of reviews\.sync_reviews was \d+s ago \(\d\d:\d\d:\d\dZ\): quiet \d+s of the 8s needed/,
    );
    const deadBefore = await truth.redis.llen(`${QUEUE}.dead`);
    expect(deadBefore).toBeGreaterThanOrEqual(4);
    const lines = refused.preview?.lines.map((l) => l.text) ?? [];
    // The dead letters' own lsos_exc_type / lsos_failed_at, written by the worker.
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^${QUEUE}\\.dead: \\d+ -> \\d+ dead letters; \\d+ replayed to ${QUEUE} \\(only class parser\\)$`)),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^class mix in .*\.dead: parser \d+ \(100%\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^failed between \d\d:\d\d:\d\dZ \(oldest\) and \d\d:\d\d:\d\dZ \(newest\)$/));
    const entries = () => (recorder.view()?.entries ?? []).filter((e) => e.kind === 'action');
    expect(entries().at(-1)?.details).toMatchObject({ action: 'replay-dead-letters', outcome: 'refused', refusal: refused.refusal });

    // 2. The fix is deployed; the task runs again and succeeds. Inside the quiet period: refused.
    await truth.redis.set(FIXED, '1');
    const fixedAt = Date.now();
    await until('a success after the last parser failure', () => {
      const o = outcome();
      return o?.lastSuccessAt != null && o.lastFailureAt.parser !== undefined && o.lastSuccessAt > o.lastFailureAt.parser;
    });
    const early = await replay(true);
    if (early.status !== 'dry-run') throw new Error('expected a dry run');
    const evidence = early.preview.replayGuard?.evidence[0];
    // The guard's own figures: while the quiet period is not over it refuses, saying how far along it is.
    if ((evidence?.quietMs ?? QUIET_MS) < QUIET_MS) expect(early.wouldRefuse).toMatch(/quiet \d+s of the 8s needed/);
    expect(Date.now() - fixedAt).toBeLessThan(QUIET_MS * 10);

    // 3. Once it has run the quiet period without a parser failure: it replays, and the replayed
    // tasks run the fixed code.
    await until('the quiet period to pass', async () => {
      const r = await replay(true);
      return r.status === 'dry-run' && r.wouldRefuse === null;
    });
    const done = await replay();
    expect(done.status).toBe('done');
    if (done.status !== 'done') return;
    expect(done.preview.lines.map((l) => l.text)).toContainEqual(
      expect.stringMatching(
        /^fix evidence OK {5}: reviews\.sync_reviews has run without a parser failure for \d+s \(quiet period 8s; last success/,
      ),
    );
    const replayed = Number(/^(\d+) replayed/.exec(done.outcome.details[0] ?? '')?.[1]);
    expect(replayed).toBeGreaterThanOrEqual(deadBefore);
    expect(done.outcome.taskIds).toHaveLength(replayed);
    expect(
      entries()
        .slice(-2)
        .map((e) => (e.details.audit as { result: string }).result),
    ).toEqual(['attempted', 'done']);
    // The replayed ones succeed: nothing comes back dead, and the events see them succeed.
    await until('the replayed tasks to run', async () => (await truth.depth(QUEUE)) === 0);
    await sleep(1000);
    expect(await truth.redis.llen(`${QUEUE}.dead`)).toBe(0);
    const o = outcome();
    expect(o?.lastSuccessAt ?? 0).toBeGreaterThan(o?.lastFailureAt.parser ?? Infinity);
  });
});
