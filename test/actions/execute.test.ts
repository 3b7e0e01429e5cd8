// executeMitigation on the embedded simulation (a real model, not a mock): previews say exactly
// what will happen, refusals (role, reason, reason code, idempotency) are recorded as refused,
// outcomes change the model, and what is in force (and its drift, and lapses) is folded from the
// journal.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MitigationController } from '../../src/control/mitigations/controller.js';
import type { Actor } from '../../src/control/mitigations/execute.js';
import { foldInForce } from '../../src/control/mitigations/inForce.js';
import { SimulationBackend } from '../../src/control/mitigations/simBackend.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { readJournalFile } from '../../src/journal/journal.js';
import { journalPath } from '../../src/journal/store.js';
import { LsosSimulation, loadScenario } from '../../src/sources/sim/index.js';
import type { Role } from '../../src/control/roles/roles.js';

const dirs: string[] = [];
let sim: LsosSimulation;
let recorder: IncidentRecorder;
let stateDir: string;
const IDEMPOTENT = new Set(['crawl.fetch_page', 'rank.check_serp']);

function actor(role: Role, extra: Partial<Actor> = {}): Actor {
  return { operator: 'alice', role, roleSource: 'test roles file', readonly: false, readonlyReason: null, ...extra };
}

function controller(role: Role, extra: Partial<Actor> = {}): MitigationController {
  return new MitigationController({
    recorder,
    backend: new SimulationBackend(sim),
    actor: actor(role, extra),
    isIdempotent: (t) => IDEMPOTENT.has(t),
  });
}

/** The action entries as they are on disk (fsynced), not as the recorder holds them. */
function actionEntries() {
  const id = recorder.view()?.id ?? '';
  return readJournalFile(journalPath(stateDir, id), id).entries.filter((e) => e.kind === 'action');
}

beforeEach(() => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-act-'));
  dirs.push(stateDir);
  sim = new LsosSimulation(loadScenario('default'), { seed: 7, startAt: Date.UTC(2026, 10, 28, 4, 0, 0) });
  sim.step(30_000);
  recorder = new IncidentRecorder({ stateDir, operator: 'alice' });
});

afterEach(() => recorder.close());
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('previews say exactly what will happen', () => {
  it('pause-task: the flag, its JSON and its TTL', async () => {
    const c = controller('operator');
    const now = Date.now();
    const r = await c.execute({
      mitigationId: 'pause-task',
      params: { task: 'reviews.sync_reviews', until: now + 30 * 60_000 },
      reason: 'parser loop',
      dryRun: true,
    });
    expect(r.status).toBe('dry-run');
    if (r.status !== 'dry-run') return;
    expect(r.wouldRefuse).toBeNull();
    expect(r.preview.simulated).toBe(true);
    const set = r.preview.lines.find((l) => l.kind === 'flag')?.text ?? '';
    expect(set).toMatch(/^SET lsos:pause:reviews\.sync_reviews \{.*\} PX \d+ \(db 0\)$/);
    const json = JSON.parse(set.slice(set.indexOf('{'), set.lastIndexOf('}') + 1)) as Record<string, string>;
    expect(Object.keys(json).sort()).toEqual(['at', 'by', 'reason', 'until']);
    expect(json.by).toBe('alice');
    expect(json.until).toBe(new Date(now + 30 * 60_000).toISOString());
    // A dry run records nothing.
    expect(recorder.view()).toBeNull();
  });

  it('reduce-concurrency: one pool_shrink per worker consuming the queue, with the sizes from the model', async () => {
    const c = controller('operator');
    const r = await c.execute({
      mitigationId: 'reduce-concurrency',
      params: { queue: 'rank', concurrency: 1 },
      reason: 'external blocks',
      dryRun: true,
    });
    if (r.status !== 'dry-run') throw new Error('expected a dry run');
    const truth = sim.snapshot().workers.filter((w) => w.online && w.queues.includes('rank'));
    expect(truth.length).toBeGreaterThan(0);
    expect(r.preview.lines.map((l) => l.text)).toEqual(
      truth.map((w) => `${w.hostname}: pool_shrink n=${w.concurrency - 1} (${w.concurrency} -> 1 processes)`),
    );
  });

  it('refuses to preview an unknown queue, naming the known ones', async () => {
    const r = await controller('operator').execute({
      mitigationId: 'stop-consuming',
      params: { queue: 'nope' },
      reason: 'x',
      dryRun: true,
    });
    if (r.status !== 'dry-run') throw new Error('expected a dry run');
    expect(r.wouldRefuse).toMatch(/unknown queue nope \(known: crawl/);
  });
});

describe('checks, in order, and refusals recorded as refused', () => {
  it("a viewer's and an operator's replay are refused and recorded", async () => {
    for (const role of ['viewer', 'operator'] as const) {
      const r = await controller(role).execute({
        mitigationId: 'replay-dead-letters',
        params: { queue: 'crawl', reasonCode: 'fix-deployed' },
        reason: 'fixed',
      });
      expect(r.status).toBe('refused');
      if (r.status === 'refused') expect(r.refusal).toMatch(new RegExp(`needs role privileged; alice is ${role}`));
    }
    const entries = actionEntries();
    expect(
      entries.map((e) => [
        e.details.action,
        (e.details.audit as { result: string; role: string }).result,
        (e.details.audit as { role: string }).role,
      ]),
    ).toEqual([
      ['replay-dead-letters', 'refused', 'viewer'],
      ['replay-dead-letters', 'refused', 'operator'],
    ]);
    // Nothing was replayed: the model's dead letters are where they were.
    expect(sim.snapshot().queues.find((q) => q.name === 'crawl')?.deadLetters).toBeGreaterThan(0);
  });

  it('a replay needs a reason code from the contract list, and a reason', async () => {
    const c = controller('privileged');
    const noCode = await c.execute({ mitigationId: 'replay-dead-letters', params: { queue: 'crawl' }, reason: 'fixed' });
    expect(noCode.status === 'refused' && noCode.refusal).toMatch(/reason code: one of fix-deployed, transient-cleared/);
    const badCode = await c.execute({
      mitigationId: 'replay-dead-letters',
      params: { queue: 'crawl', reasonCode: 'because' },
      reason: 'fixed',
    });
    expect(badCode.status).toBe('refused');
    const noReason = await c.execute({ mitigationId: 'pacing-conservative', params: {}, reason: '  ' });
    expect(noReason.status === 'refused' && noReason.refusal).toBe('a reason is required');
    expect(actionEntries().map((e) => (e.details.audit as { result: string }).result)).toEqual(['refused', 'refused', 'refused']);
  });

  it('a non-idempotent task is refused without the override; the typed override is recorded', async () => {
    const c = controller('privileged');
    const before = sim.snapshot().queues.find((q) => q.name === 'reviews')?.deadLetters ?? 0;
    expect(before).toBeGreaterThan(0);
    const refused = await c.execute({
      mitigationId: 'replay-dead-letters',
      params: { queue: 'reviews', reasonCode: 'fix-deployed' },
      reason: 'parser fixed',
    });
    expect(refused.status).toBe('refused');
    if (refused.status === 'refused') expect(refused.refusal).toMatch(/reviews\.sync_reviews/);
    expect(sim.snapshot().queues.find((q) => q.name === 'reviews')?.deadLetters).toBe(before);

    // At 30 s the parser failure loop still fires (the fix comes at 30 min): the fix check is overridden too.
    const done = await c.execute({
      mitigationId: 'replay-dead-letters',
      params: { queue: 'reviews', reasonCode: 'fix-deployed', overrideTask: 'reviews.sync_reviews', fixCheck: 'override' },
      reason: 'parser fixed',
    });
    expect(done.status).toBe('done');
    const after = sim.snapshot().queues.find((q) => q.name === 'reviews')?.deadLetters ?? -1;
    if (done.status === 'done') expect(done.outcome.details[0]).toBe(`${before - after} replayed to reviews`);
    expect(after).toBeLessThan(before);
    const last = actionEntries().slice(-2);
    expect(last.map((e) => (e.details.audit as { result: string }).result)).toEqual(['attempted', 'done']);
    for (const e of last) {
      expect(e.details.override).toBe('reviews.sync_reviews');
      expect((e.details.audit as { parameters: Record<string, unknown> }).parameters).toMatchObject({
        override: true,
        overrideTask: 'reviews.sync_reviews',
        fixCheck: 'override',
        fixCheckOverride: true,
        simulated: true,
      });
      expect(e.details.fixCheckOverride).toMatch(/^no evidence of a fix \(runbook 3\.4: replay after the fix\): /);
    }
  });

  it('a read-only session refuses, saying why', async () => {
    const r = await controller('privileged', { readonly: true, readonlyReason: 'no roles file at /etc/lsos-cockpit/roles.yaml' }).execute({
      mitigationId: 'freeze-writes',
      params: {},
      reason: 'x',
    });
    expect(r.status === 'refused' && r.refusal).toMatch(/read-only session: no roles file/);
  });
});

describe('outcomes change the model and what is in force', () => {
  it('reduce then restore concurrency, with who acknowledged', async () => {
    const c = controller('operator');
    const workers = sim.snapshot().workers.filter((w) => w.online && w.queues.includes('rank'));
    const r = await c.execute({ mitigationId: 'reduce-concurrency', params: { queue: 'rank', concurrency: 1 }, reason: 'proxy blocks' });
    expect(r.status).toBe('done');
    if (r.status !== 'done') return;
    expect(r.outcome.details).toEqual(
      workers.map((w) => `${w.hostname} acknowledged pool 1: SIMULATED: ${w.hostname}: pool ${w.concurrency} -> 1 processes`),
    );
    expect(
      sim
        .snapshot()
        .workers.filter((w) => w.queues.includes('rank'))
        .map((w) => w.concurrency),
    ).toEqual(workers.map(() => 1));
    const inForce = foldInForce(recorder.view()?.entries ?? []);
    expect(inForce).toHaveLength(1);
    expect(inForce[0]).toMatchObject({
      kind: 'shrunk-pool',
      target: 'rank',
      by: 'alice',
      reason: 'proxy blocks',
      undo: 'restore-concurrency',
    });
    const restoreTo = inForce[0]?.expect.restoreTo as Record<string, number>;
    expect(restoreTo).toEqual(Object.fromEntries(workers.map((w) => [w.hostname, w.concurrency])));

    const u = await c.execute({ mitigationId: 'restore-concurrency', params: { queue: 'rank', restoreTo }, reason: 'blocks over' });
    expect(u.status).toBe('done');
    expect(
      sim
        .snapshot()
        .workers.filter((w) => w.queues.includes('rank'))
        .map((w) => w.concurrency),
    ).toEqual(workers.map((w) => w.concurrency));
    expect(foldInForce(recorder.view()?.entries ?? [])).toEqual([]);
  });

  it('drift: a pause removed behind the cockpit is flagged; an expired one lapses in the timeline', async () => {
    let now = Date.now();
    const c = new MitigationController({
      recorder,
      backend: new SimulationBackend(sim),
      actor: actor('operator'),
      isIdempotent: () => false,
      now: () => now,
    });
    await c.execute({ mitigationId: 'pause-task', params: { task: 'crawl.fetch_page', until: now + 60_000 }, reason: 'loop' });
    await c.execute({ mitigationId: 'pacing-conservative', params: {}, reason: 'provider blocks' });
    let checked = await c.checker.check();
    expect(checked.map((m) => [m.kind, m.drift])).toEqual([
      ['paused-task', null],
      ['pacing', null],
    ]);
    sim.setPacing('normal'); // someone put it back by hand
    checked = await c.checker.check();
    expect(checked.find((m) => m.kind === 'pacing')?.drift).toBe('lsos:pacing:profile is normal, not conservative');
    now += 61_000;
    sim.step(61_000); // the model's flag lapses on the model's clock
    checked = await c.checker.check();
    expect(checked.map((m) => m.kind)).toEqual(['pacing']);
    const lapse = actionEntries().at(-1);
    expect(lapse?.details).toMatchObject({ action: 'pause-task-lapsed', target: 'crawl.fetch_page', outcome: 'lapsed' });
  });
});

describe('long work shows progress and can be stopped', () => {
  it('a replay stopped after its first batch is partly done, says so, and leaves the rest', async () => {
    const c = controller('privileged');
    const before = sim.snapshot().queues.find((q) => q.name === 'crawl')?.deadLetters ?? 0;
    expect(before).toBeGreaterThan(50);
    const stop = new AbortController();
    const progress: number[] = [];
    const r = await c.execute({
      mitigationId: 'replay-dead-letters',
      params: { queue: 'crawl', reasonCode: 'transient-cleared' },
      reason: 'pool back',
      signal: stop.signal,
      onProgress: (done) => {
        progress.push(done);
        stop.abort();
      },
    });
    expect(r.status).toBe('partial');
    if (r.status !== 'partial') return;
    const after = sim.snapshot().queues.find((q) => q.name === 'crawl')?.deadLetters ?? 0;
    expect(progress).toEqual([before - after]);
    expect(r.outcome.stopped).toBe(true);
    expect(r.outcome.details[0]).toBe(`${before - after} replayed to crawl`);
    expect(r.outcome.failures).toEqual([
      { target: `${after} dead letters`, error: 'stopped by the operator: left in the dead-letter queue' },
    ]);
    const last = actionEntries().at(-1);
    expect(last?.details).toMatchObject({ stopped: true, outcome: 'partial, SIMULATED' });
  });
});
