// Issue 14 items 3 and 9: every mitigation's parameters as a form (each field with its current
// value, allowed values or format, a prefill from the selection and the system, validation as it
// is typed; nothing hidden), and previews that say before -> after with the values read at
// preview time. The cockpit mounted with ink-testing-library on the simulation backend.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MitigationController } from '../../src/control/mitigations/controller.js';
import { SimulationBackend } from '../../src/control/mitigations/simBackend.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { publishMitigations } from '../../src/runtime/services.js';
import { LsosSimulation, loadScenario } from '../../src/sources/sim/index.js';
import { menuBindings } from '../../src/ui/registry/help.js';
import { createCockpitStore } from '../../src/ui/state/store.js';
import { cleanupAll, KEYS, renderCockpit } from '../ui/fixtures.js';

const dirs: string[] = [];
const closers: Array<() => void> = [];
afterEach(() => {
  cleanupAll();
  for (const c of closers.splice(0)) c();
});
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const LEFT = '\x1b[D';
const RIGHT = '\x1b[C';
const CTRL_U = '\x15';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function setup(opts: { ascii?: boolean } = {}) {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-form-'));
  dirs.push(stateDir);
  const sim = new LsosSimulation(loadScenario('default'), { seed: 7, startAt: Date.UTC(2026, 0, 15, 9, 0, 0) });
  sim.step(60_000);
  const store = createCockpitStore({ snapshot: sim.snapshot(), session: { ascii: opts.ascii ?? true } });
  const recorder = new IncidentRecorder({ stateDir, operator: 'alice', clock: sim.clock });
  closers.push(() => recorder.close());
  const controller = new MitigationController({
    recorder,
    backend: new SimulationBackend(sim),
    actor: { operator: 'alice', role: 'privileged', roleSource: 'fixtures/roles.demo.yaml', readonly: false, readonlyReason: null },
    isIdempotent: (t) => t === 'reviews.sync_reviews',
    now: () => sim.clock.now(),
  });
  publishMitigations(store, controller);
  const r = renderCockpit({ store, services: { mitigation: controller }, size: { columns: 120, rows: 40 } });
  const s = () => store.getState();
  const overlay = () => {
    const o = s().ui.overlay;
    if (o?.kind !== 'mitigation') throw new Error(`no mitigation overlay (${o?.kind ?? 'none'})`);
    return o;
  };
  const field = (key: string) => overlay().form?.find((f) => f.key === key);
  const until = async (what: string, ok: () => boolean) => {
    const end = Date.now() + 120_000;
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(5);
    }
    await r.press();
  };
  /** Selects a queue row and opens a mitigation from the Enter menu. */
  const open = async (queue: string, id: string) => {
    const row = s().snapshot.queues.findIndex((q) => q.name === queue);
    for (let i = 0; i < row; i++) await r.press('j');
    await r.press(KEYS.enter);
    const at = menuBindings(r.bindings, s().ui.focus).findIndex((b) => b.id === id);
    for (let i = 0; i < at; i++) await r.press('j');
    await r.press(KEYS.enter);
    await until('the form', () => s().ui.overlay?.kind === 'mitigation');
  };
  return { sim, store, controller, r, s, overlay, field, until, open };
}

describe('the parameters form', () => {
  it('shows each field with its value, format or pick list, what the system says now and where the prefill came from', async () => {
    const { r, field, open } = setup();
    await open('reviews', 'replay-dead-letters');
    const frame = r.frame();
    // No hidden names: every parameter the replay takes is a labelled field.
    for (const label of [
      'queue',
      'reason code',
      'failure class',
      'only task',
      'at most (dead letters)',
      'non-idempotent task to replay',
      'without evidence of a fix',
    ])
      expect(frame).toContain(label);
    expect(field('reasonCode')).toMatchObject({
      value: 'fix-deployed',
      strict: true,
      choices: ['fix-deployed', 'transient-cleared', 'provider-recovered', 'data-corrected', 'operator-override'],
      source: 'the parser class of its failures',
    });
    expect(field('task')?.choices).toContain('reviews.sync_reviews'); // the task names of the queue
    expect(field('queue')).toMatchObject({
      value: 'reviews',
      source: 'the selection',
      current: expect.stringMatching(/^\d+ in reviews\.dead/),
    });
    // The focused field in full: format, pick list, now, where the prefill came from.
    expect(frame).toContain('queue (queue, needed): a queue name');
    expect(frame).toMatch(/now: \d+ in reviews\.dead \(\+\d+\/h\); prefilled from the selection/);
  });

  it('validates as it is typed: a bad value is named at once, Enter refuses it and goes to the field', async () => {
    const { r, overlay, field, open, until } = setup();
    await open('rank', 'reduce-concurrency');
    expect(field('concurrency')).toMatchObject({
      value: '4',
      current: '8 processes on 4 workers',
      source: 'half the pool now',
      error: null,
    });
    await r.press(KEYS.tab); // to processes per worker
    expect(overlay().field).toBe(1);
    await r.press(CTRL_U, '0');
    expect(field('concurrency')?.error).toBe('concurrency must be a whole number >= 1, got "0"');
    expect(r.frame()).toContain('! concurrency must be a whole number >= 1, got "0"');
    await r.press(KEYS.up, KEYS.enter); // from another field: Enter goes back to the bad one
    expect(overlay()).toMatchObject({ step: 'params', field: 1, error: 'concurrency must be a whole number >= 1, got "0"' });
    await r.press(KEYS.backspace, '2');
    expect(field('concurrency')?.error).toBeNull();
    await r.press(KEYS.enter);
    await until('the preview', () => overlay().step === 'preview');
    // Before -> after, read at preview time.
    expect(overlay().preview?.title).toBe('Reduce rank worker pools 8 -> 2 processes');
    expect(r.frame()).toContain('celery@rank-1: pool_shrink n=6 (8 -> 2 processes)');
  });

  it('a pick list cycles with Left/Right; a value off a closed list is refused as it is typed', async () => {
    const { r, overlay, field, open } = setup();
    await open('reviews', 'replay-dead-letters');
    await r.press(KEYS.tab); // reason code
    await r.press(RIGHT);
    expect(field('reasonCode')?.value).toBe('transient-cleared');
    await r.press(LEFT, LEFT);
    expect(field('reasonCode')?.value).toBe('operator-override');
    await r.press(CTRL_U);
    expect(field('reasonCode')?.error).toBe('reason code is needed');
    await r.type('because');
    expect(field('reasonCode')?.error).toBe(
      'reason code: one of fix-deployed, transient-cleared, provider-recovered, data-corrected, operator-override',
    );
    await r.press(KEYS.enter);
    expect(overlay()).toMatchObject({ step: 'params', field: 1 });
    // An optional pick list can be left empty: the empty choice is part of the cycle.
    await r.press(KEYS.tab); // failure class (parser)
    await r.press(LEFT, LEFT, LEFT, LEFT); // parser, provider, validation, transient, (empty)
    expect(field('failureClass')?.value).toBe('');
    expect(r.frame()).toMatch(/failure class +< \(every class\) >/);
  });

  it('restore: the pool size before the shrink, from its record; the preview says before -> after', async () => {
    const { r, sim, controller, store, overlay, field, open, until } = setup({ ascii: false });
    const shrink = await controller.execute({
      mitigationId: 'reduce-concurrency',
      params: { queue: 'rank', concurrency: 3 },
      reason: 'proxy blocks',
    });
    expect(shrink.status).toBe('done');
    store.setState({ snapshot: sim.snapshot() });
    await open('rank', 'restore-concurrency');
    expect(field('restoreTo')).toMatchObject({
      value: '8',
      source: "the shrink's record (alice)",
      current: '3 processes on 4 workers',
      error: null,
    });
    await r.press(KEYS.enter);
    await until('the preview', () => overlay().step === 'preview');
    expect(overlay().preview?.title).toBe('Restore rank worker pools 3 -> 8 processes');
    expect(r.frame()).toContain('Restore rank worker pools 3 → 8 processes'); // an arrow where the terminal can
    expect(r.frame()).toContain('celery@rank-1: pool_grow 3 → 8 processes');
  });

  it('restore with no shrink recorded: the largest pool serving the queue now, said so', async () => {
    const { sim, store, field, open } = setup();
    sim.setWorkerConcurrency('celery@rank-2', 2);
    store.setState({ snapshot: sim.snapshot() });
    await open('rank', 'restore-concurrency');
    expect(field('restoreTo')).toMatchObject({
      value: '8',
      source: 'the largest pool serving it now (no shrink recorded)',
      current: '2/8 processes on 4 workers',
    });
  });

  it('scale replicas and pause say before -> after in their previews', async () => {
    const { controller } = setup();
    const scale = await controller.execute({
      mitigationId: 'scale-replicas',
      params: { queue: 'crawl', replicas: 4 },
      reason: 'x',
      dryRun: true,
    });
    expect(scale.status === 'dry-run' && scale.preview.title).toBe('Set crawl worker replicas 0 -> 4');
    const pause = await controller.execute({
      mitigationId: 'pause-task',
      params: { task: 'reviews.sync_reviews' },
      reason: 'x',
      dryRun: true,
    });
    expect(pause.status === 'dry-run' && pause.preview.title).toMatch(/^Pause reviews\.sync_reviews: emitted -> paused until \d{4}-/);
    const pacing = await controller.execute({ mitigationId: 'pacing-conservative', params: {}, reason: 'x', dryRun: true });
    expect(pacing.status === 'dry-run' && pacing.preview.title).toBe('Pacing profile normal -> conservative');
  });
});
