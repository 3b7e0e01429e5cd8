// Replay guard-rails (issue 14 item 4, acceptance 3 on the simulation): runbook 3.4 "replay safe
// dead-letter tasks after fix". A replay while the task's failure class still fires is refused
// with the reason and recorded as refused; after the scenario's fix event and the quiet period
// it runs. The preview says how many, which tasks, oldest and newest failure, the class mix and
// the quiet period so far; an override is possible and recorded; the operator's "fix deployed"
// changes the model; the events aggregator keeps what the guard reads.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MitigationController } from '../../src/control/mitigations/controller.js';
import type { ExecuteResult } from '../../src/control/mitigations/execute.js';
import { SimulationBackend } from '../../src/control/mitigations/simBackend.js';
import { attachStepServices } from '../../src/control/mitigations/stepServices.js';
import type { MitigationParams } from '../../src/control/mitigations/types.js';
import { EventAggregator, type CeleryEvent } from '../../src/core/celeryEvents.js';
import { DEFAULT_REPLAY_QUIET_MS, judgeReplay, type DeadLetterGroup } from '../../src/core/replayGuard.js';
import type { TaskOutcome } from '../../src/core/snapshot.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { LsosSimulation, loadScenario, parseScenario } from '../../src/sources/sim/index.js';

const START = Date.UTC(2026, 10, 28, 4, 0, 0);
const dirs: string[] = [];
const closers: Array<() => void> = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function setup(sim: LsosSimulation) {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-replay-guard-'));
  dirs.push(stateDir);
  const recorder = new IncidentRecorder({ stateDir, operator: 'alice', clock: sim.clock });
  closers.push(() => recorder.close());
  const backend = new SimulationBackend(sim);
  const controller = new MitigationController({
    recorder,
    backend,
    actor: { operator: 'alice', role: 'privileged', roleSource: 'test', readonly: false, readonlyReason: null },
    isIdempotent: (t) => t === 'reviews.sync_reviews',
    now: () => sim.clock.now(),
  });
  const replay = (params: MitigationParams, opts: { dryRun?: boolean } = {}): Promise<ExecuteResult> =>
    controller.execute({
      mitigationId: 'replay-dead-letters',
      params: { queue: 'reviews', reasonCode: 'fix-deployed', failureClass: 'parser', ...params },
      reason: 'parser fix 813',
      ...opts,
    });
  const actions = () => (recorder.view()?.entries ?? []).filter((e) => e.kind === 'action');
  const dead = () => sim.snapshot().queues.find((q) => q.name === 'reviews')?.deadLetters ?? -1;
  return { recorder, backend, controller, replay, actions, dead };
}

const at = (sim: LsosSimulation, seconds: number) => sim.advanceTo(sim.startAt + seconds * 1000);

describe('the default scenario: refused while the parser failures fire, runs after the fix event and the quiet period', () => {
  it('refuses with the reason (recorded as refused), still refuses inside the quiet period, then replays', async () => {
    const sim = new LsosSimulation(loadScenario('default'), { seed: 7, startAt: START });
    const { replay, actions, dead } = setup(sim);

    // 1 minute in: the parser deploy (10 s) fails 90% of reviews.sync_reviews runs.
    at(sim, 60);
    const before = dead();
    const refused = await replay({});
    expect(refused.status).toBe('refused');
    if (refused.status !== 'refused') return;
    expect(refused.refusal).toMatch(
      /^no evidence of a fix \(runbook 3\.4: replay after the fix\): the last parser failure of reviews\.sync_reviews was \d+s ago \(04:0\d:\d\dZ\): quiet \d+s of the 5m00s needed; to replay anyway set "without evidence of a fix" to override \(fixCheck=override; recorded\)$/,
    );
    expect(dead()).toBe(before);
    expect(actions().at(-1)?.details).toMatchObject({ action: 'replay-dead-letters', outcome: 'refused, SIMULATED' });
    expect(actions().at(-1)?.details.refusal).toBe(refused.refusal);

    // The preview: how many, which tasks, oldest and newest failure, the class mix, the quiet so far.
    const text = (refused.preview?.lines ?? []).map((l) => l.text);
    expect(text[0]).toMatch(/^reviews\.dead: \d+ -> \d+ dead letters; \d+ replayed to reviews \(only class parser\)$/);
    expect(text).toContainEqual(expect.stringMatching(/^class mix in reviews\.dead: parser \d+ \(\d+%\), transient \d+ \(\d+%\)/));
    expect(text).toContainEqual(expect.stringMatching(/^\d+ x reviews\.sync_reviews \(parser \d+ \(100%\)\): replay to reviews$/));
    expect(text).toContainEqual(expect.stringMatching(/^failed between 04:00:1\dZ \(oldest\) and 04:0\d:\d\dZ \(newest\)$/));
    expect(text).toContainEqual('quiet period needed: 5m00s without a new failure of the class, after a success');
    expect(text).toContainEqual(
      expect.stringMatching(/^fix evidence NOT YET: the last parser failure of reviews\.sync_reviews was \d+s ago/),
    );
    expect(refused.preview?.replayGroups?.map((g) => [g.task, g.failureClass])).toEqual([['reviews.sync_reviews', 'parser']]);

    // The scenario's fix event comes at 30 min; 2 minutes later the quiet period is not over.
    at(sim, 1920);
    const early = await replay({}, { dryRun: true });
    if (early.status !== 'dry-run') throw new Error('expected a dry run');
    expect(early.wouldRefuse).toMatch(
      /the last parser failure of reviews\.sync_reviews was 2m\d\ds ago \(04:(29|30):\d\dZ\): quiet 2m\d\ds of the 5m00s needed/,
    );
    expect(sim.appliedEvents().map((e) => e.kind)).toContain('fix-deployed');

    // 5 minutes without a parser failure, and reviews.sync_reviews ran in between: it replays.
    at(sim, 2110);
    const parserDead = (await replay({}, { dryRun: true })).preview?.replayGroups?.[0]?.count ?? 0;
    expect(parserDead).toBeGreaterThan(100);
    const before2 = dead();
    const done = await replay({});
    expect(done.status).toBe('done');
    if (done.status !== 'done') return;
    expect(done.preview.replayGuard?.refusal).toBeNull();
    expect(done.preview.lines.map((l) => l.text)).toContainEqual(
      expect.stringMatching(
        /^fix evidence OK {5}: reviews\.sync_reviews has run without a parser failure for 5m\d\ds \(quiet period 5m00s; last success 04:35:\d\dZ\)$/,
      ),
    );
    expect(done.outcome.details[0]).toBe(`${parserDead} replayed to reviews`);
    // Only the parser class moved: the old transient dead letters are still there.
    expect(dead()).toBe(before2 - parserDead);
    expect(
      actions()
        .slice(-2)
        .map((e) => (e.details.audit as { result: string }).result),
    ).toEqual(['attempted', 'done']);
    // After the fix the replayed tasks run without a parser failure: none comes back dead.
    at(sim, 2230);
    const parserNow = sim
      .deadLetterBreakdown('reviews')
      .filter((b) => b.failureClass === 'parser')
      .reduce((n, b) => n + b.count, 0);
    expect(parserNow).toBe(0);
  });

  it('an override replays without the evidence and is recorded with the refusal it overrode', async () => {
    const sim = new LsosSimulation(loadScenario('default'), { seed: 7, startAt: START });
    const { replay, actions, dead } = setup(sim);
    at(sim, 60);
    const before = dead();
    const r = await replay({ fixCheck: 'override' });
    expect(r.status).toBe('done');
    expect(dead()).toBeLessThan(before);
    const [attempt, outcome] = actions().slice(-2);
    for (const e of [attempt, outcome]) {
      expect(e?.details.fixCheckOverride).toMatch(/^no evidence of a fix \(runbook 3\.4: replay after the fix\): the last parser failure/);
      expect((e?.details.audit as { parameters: Record<string, unknown> }).parameters).toMatchObject({
        fixCheck: 'override',
        fixCheckOverride: true,
      });
    }
  });

  it('the quiet period is configurable (config replayQuietPeriodMs reaches the guard through the session services)', async () => {
    const sim = new LsosSimulation(loadScenario('default'), { seed: 7, startAt: START });
    const { backend, replay } = setup(sim);
    attachStepServices(backend, { replayQuietPeriodMs: 60_000 });
    at(sim, 1880); // fix at 30 min, 80 s quiet
    const r = await replay({}, { dryRun: true });
    if (r.status !== 'dry-run') throw new Error('expected a dry run');
    expect(r.wouldRefuse).toBeNull();
    expect(r.preview.replayGuard?.quietPeriodMs).toBe(60_000);
  });
});

describe('"fix deployed" by the operator on the model', () => {
  // The default scenario without its fix event: the parser loop runs until someone deploys the fix.
  const noFix = () => {
    const text = fs.readFileSync(path.join(import.meta.dirname, '../../fixtures/scenarios/default.yaml'), 'utf8');
    const cut = text.replace(/ {2}- at: 30m\n {4}kind: fix-deployed\n {4}task: reviews\.sync_reviews\n {4}failureClass: parser\n/, '');
    expect(cut).not.toContain('fix-deployed');
    return new LsosSimulation(parseScenario(cut, 'default-without-fix.yaml'), { seed: 7, startAt: START });
  };

  it('stops the injected parser failures on the model; the replay runs once the quiet period has passed', async () => {
    const sim = noFix();
    const { controller, replay, actions } = setup(sim);
    at(sim, 240);
    expect((await replay({}, { dryRun: true })).status === 'dry-run').toBe(true);
    const stillFailing = await replay({}, { dryRun: true });
    expect(stillFailing.status === 'dry-run' && stillFailing.wouldRefuse).toMatch(
      /the last parser failure of reviews\.sync_reviews was \d+s ago/,
    );

    const preview = await controller.execute({
      mitigationId: 'fix-deployed',
      params: { task: 'reviews.sync_reviews', failureClass: 'parser' },
      reason: 'parser fix 813 deployed',
      dryRun: true,
    });
    if (preview.status !== 'dry-run') throw new Error('expected a dry run');
    expect(preview.preview.title).toBe('Fix deployed for reviews.sync_reviews (parser)');
    expect(preview.preview.lines.map((l) => l.text)).toEqual([
      "the model's injected parser failures of reviews.sync_reviews stop (SIMULATED deploy)",
      expect.stringMatching(
        /^reviews\.sync_reviews: last parser failure \d+s ago \(04:0\d:\d\dZ\) -> replayable once it runs 5m00s without one$/,
      ),
    ]);
    const fixed = await controller.execute({
      mitigationId: 'fix-deployed',
      params: { task: 'reviews.sync_reviews', failureClass: 'parser' },
      reason: 'parser fix 813 deployed',
    });
    expect(fixed.status).toBe('done');
    expect(actions().at(-1)?.details).toMatchObject({ action: 'fix-deployed', target: 'reviews.sync_reviews', outcome: 'done, SIMULATED' });
    expect(sim.appliedEvents().at(-1)).toMatchObject({
      kind: 'fix-deployed',
      description: 'the fix for reviews.sync_reviews (parser failures) is deployed',
    });
    // A second one has nothing left to fix: refused by the model, saying why.
    const again = await controller.execute({ mitigationId: 'fix-deployed', params: { task: 'reviews.sync_reviews' }, reason: 'again' });
    expect(again.status).toBe('failed');
    if (again.status === 'failed') expect(again.outcome.failures[0]?.error).toMatch(/no injected failures of reviews\.sync_reviews to fix/);

    at(sim, 240 + 200);
    const wait = await replay({}, { dryRun: true });
    expect(wait.status === 'dry-run' && wait.wouldRefuse).toMatch(/quiet 3m\d\ds of the 5m00s needed/);
    at(sim, 240 + 320);
    expect((await replay({})).status).toBe('done');
  });
});

describe('the rule (src/core/replayGuard.ts)', () => {
  const T = Date.UTC(2026, 0, 1, 12, 0, 0);
  const g = (over: Partial<DeadLetterGroup> = {}): DeadLetterGroup => ({
    task: 'reviews.sync_reviews',
    failureClass: 'parser',
    count: 10,
    oldestFailedAt: T - 600_000,
    newestFailedAt: T - 400_000,
    ...over,
  });
  const o = (over: Partial<TaskOutcome> = {}): TaskOutcome => ({
    task: 'reviews.sync_reviews',
    lastSuccessAt: T - 1000,
    lastFailureAt: {},
    ...over,
  });

  it('needs a success after the last failure of the class, and the quiet period since it', () => {
    expect(judgeReplay([g()], [o()], T).refusal).toBeNull();
    expect(DEFAULT_REPLAY_QUIET_MS).toBe(300_000);
    // A newer failure the events saw counts over the dead letters' own times.
    expect(judgeReplay([g()], [o({ lastFailureAt: { parser: T - 30_000 } })], T).refusal).toMatch(
      /the last parser failure of reviews\.sync_reviews was 30s ago \(11:59:30Z\): quiet 30s of the 5m00s needed/,
    );
    // Another class failing does not hold back this class's replay.
    expect(judgeReplay([g()], [o({ lastFailureAt: { transient: T - 30_000 } })], T).refusal).toBeNull();
    // Quiet, but nothing ran since: no evidence the fix works.
    expect(judgeReplay([g()], [o({ lastSuccessAt: T - 500_000 })], T).refusal).toMatch(
      /has not run successfully since its last parser failure \(11:53:20Z, 6m40s ago\): no evidence the fix works/,
    );
    // No task events at all (act on a live system): nothing can show a fix.
    const none = judgeReplay([g()], null, T);
    expect(none.eventsSeen).toBe(false);
    expect(none.refusal).toMatch(/no task events in this session/);
    // RabbitMQ: the class is not in the dead letter, so any class's failure counts.
    expect(judgeReplay([g({ failureClass: null })], [o({ lastFailureAt: { validation: T - 10_000 } })], T).refusal).toMatch(
      /the last any-class failure of reviews\.sync_reviews was 10s ago/,
    );
    // A shorter quiet period from the config.
    expect(judgeReplay([g()], [o({ lastFailureAt: { parser: T - 90_000 } })], T, 60_000).refusal).toBeNull();
  });
});

describe('what the guard reads from Celery events (src/core/celeryEvents.ts)', () => {
  it('keeps per task the last success and the last failure for good per class (retries are not failures)', () => {
    const a = new EventAggregator({ localUtcOffsetHours: 0 });
    const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
    const ev = (type: string, over: Partial<CeleryEvent>): CeleryEvent => ({
      type,
      hostname: 'w1@h',
      timestamp: T0 / 1000,
      utcoffset: 0,
      ...over,
    });
    const run = (uuid: string, at: number, end: Partial<CeleryEvent> & { type: string }) => {
      a.ingest(ev('task-received', { uuid, name: 'reviews.sync_reviews', queue: 'reviews' }), at);
      a.ingest(ev(end.type, { uuid, ...end }), at + 10);
    };
    run('a', T0, { type: 'task-failed', exception: "ReviewParseError('bad page')" });
    run('b', T0 + 1000, { type: 'task-retried', exception: 'TimeoutError()' });
    run('c', T0 + 2000, { type: 'task-succeeded' });
    run('d', T0 + 3000, { type: 'task-failed', exception: "ValidationError('x')" });
    const q = a.patch(T0 + 5000).queues.find((x) => x.name === 'reviews');
    expect(q?.taskOutcomes).toEqual([
      { task: 'reviews.sync_reviews', lastSuccessAt: T0 + 2010, lastFailureAt: { parser: T0 + 10, validation: T0 + 3010 } },
    ]);
  });
});
