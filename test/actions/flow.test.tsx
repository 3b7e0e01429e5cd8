// The mitigation flow in the cockpit (ink-testing-library) on the simulation backend:
// Enter -> pick -> parameters -> preview -> reason -> confirm -> result, marked SIMULATED, with
// the model changed and the attempt and outcome in the timeline.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MitigationController } from '../../src/control/mitigations/controller.js';
import { SimulationBackend } from '../../src/control/mitigations/simBackend.js';
import { MITIGATIONS } from '../../src/control/mitigations/catalog.js';
import { menuBindings } from '../../src/ui/registry/help.js';
import { publishMitigations } from '../../src/runtime/services.js';
import { createCockpitStore } from '../../src/ui/state/store.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { LsosSimulation, loadScenario } from '../../src/sources/sim/index.js';
import { cleanupAll, KEYS, renderCockpit, testRegistry } from '../ui/fixtures.js';
import { until } from '../celery/harness.js';

const dirs: string[] = [];
afterEach(() => cleanupAll());
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** The parameters form as key -> value. */
function formOf(store: ReturnType<typeof createCockpitStore>): Record<string, string> {
  const o = store.getState().ui.overlay;
  return Object.fromEntries((o?.kind === 'mitigation' ? (o.form ?? []) : []).map((f) => [f.key, f.value]));
}

function setup(role: 'operator' | 'privileged' | 'viewer' = 'operator') {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-flow-'));
  dirs.push(stateDir);
  const sim = new LsosSimulation(loadScenario('default'), { seed: 7 });
  sim.step(30_000);
  const store = createCockpitStore({ snapshot: sim.snapshot(), session: { ascii: true } });
  const recorder = new IncidentRecorder({ stateDir, operator: 'alice' });
  const controller = new MitigationController({
    recorder,
    backend: new SimulationBackend(sim),
    actor: { operator: 'alice', role, roleSource: 'fixtures/roles.demo.yaml', readonly: false, readonlyReason: null },
    isIdempotent: () => false,
  });
  publishMitigations(store, controller);
  return { sim, store, recorder, controller };
}

describe('mitigations in the registry', () => {
  it('are bindings in the built registry, in the Enter menu of the panel they apply to', () => {
    const ALL = testRegistry();
    const queueMenu = menuBindings(ALL, 'queues').map((a) => a.id);
    expect(queueMenu).toEqual(
      expect.arrayContaining(['reduce-concurrency', 'stop-consuming', 'scale-replicas', 'replay-dead-letters', 'pause-task']),
    );
    expect(menuBindings(ALL, 'replicas').map((a) => a.id)).toEqual(expect.arrayContaining(['freeze-writes', 'unfreeze-writes']));
    expect(menuBindings(ALL, 'failures').map((a) => a.id)).toEqual(
      expect.arrayContaining(['quarantine-provider', 'shift-provider', 'rerun-kpis', 'backfill-rank']),
    );
    expect(menuBindings(ALL, 'replicas').map((a) => a.id)).not.toContain('reduce-concurrency');
  });

  it('the whole registry builds (and validates) with the owner-notice and read-failover mitigations registered', () => {
    const merged = testRegistry();
    expect(merged.filter((b) => b.group === 'mitigation').map((a) => a.id)).toEqual(
      expect.arrayContaining(['notify-owners', 'fail-over-reads', 'restore-read-target']),
    );
    expect(menuBindings(merged, 'replicas').map((a) => a.id)).toEqual(expect.arrayContaining(['fail-over-reads', 'restore-read-target']));
    expect(menuBindings(merged, 'failures').map((a) => a.id)).toContain('notify-owners');
  });

  it('take `dangerous` from the catalog: the Enter menu marks stop-consuming (confirms); its own flow asks, not the dispatcher', async () => {
    const { store, controller } = setup();
    const r = renderCockpit({ store, services: { mitigation: controller }, size: { columns: 120, rows: 50 } });
    for (const m of MITIGATIONS) expect(r.bindings.find((b) => b.id === m.id)?.dangerous, m.id).toBe(m.dangerous);
    await r.press(KEYS.enter);
    expect(r.frame()).toContain('Actions: Queue lag');
    expect(r.frame()).toContain('Stop consuming (runbook 3.3) (confirms)');
    expect(r.frame()).toMatch(/Resume consuming \(runbook 3\.3\)\s/);
    expect(r.frame()).not.toContain('Resume consuming (runbook 3.3) (confirms)');
    // Choosing it opens its parameters, not a y/n first: the flow confirms after its preview and reason.
    const at = menuBindings(r.bindings, 'queues').findIndex((b) => b.id === 'stop-consuming');
    await r.press(...Array<string>(at).fill('j'), KEYS.enter);
    expect(store.getState().ui.overlay).toMatchObject({ kind: 'mitigation', id: 'stop-consuming', step: 'params' });
  });
});

describe('the flow, on the simulation', () => {
  it('Enter -> reduce concurrency -> parameters -> preview -> reason -> confirm -> SIMULATED result', async () => {
    const { sim, store, recorder, controller } = setup();
    const r = renderCockpit({ store, services: { mitigation: controller }, size: { columns: 100, rows: 36 } });
    // Select the rank queue (the rows come from the model).
    const rankRow = store.getState().snapshot.queues.findIndex((q) => q.name === 'rank');
    for (let i = 0; i < rankRow; i++) await r.press('j');
    await r.press(KEYS.enter);
    const menu = menuBindings(r.bindings, 'queues');
    const at = menu.findIndex((a) => a.id === 'reduce-concurrency');
    for (let i = 0; i < at; i++) await r.press('j');
    await r.press(KEYS.enter);
    const workers = sim.snapshot().workers.filter((w) => w.online && w.queues.includes('rank'));
    const half = Math.max(1, Math.floor(Math.min(...workers.map((w) => w.concurrency)) / 2));
    // The parameters as a form: each field prefilled, with what the system says now.
    expect(store.getState().ui.overlay).toMatchObject({ kind: 'mitigation', step: 'params', params: `queue=rank concurrency=${half}` });
    expect(formOf(store)).toEqual({ queue: 'rank', concurrency: String(half), workers: '' });
    expect(r.frame()).toMatch(new RegExp(`processes per worker +${half} +now: 8 processes on 4 workers`));

    await r.press(KEYS.enter);
    await until(
      () => store.getState().ui.overlay?.kind === 'mitigation' && (store.getState().ui.overlay as { step: string }).step === 'preview',
      3000,
      10,
    );
    await r.press();
    const first = workers[0];
    expect(r.frame()).toContain('SIMULATED Reduce concurrency: preview');
    expect(r.frame()).toContain(`${first?.hostname}: pool_shrink n=${(first?.concurrency ?? 0) - half}`);

    await r.press(KEYS.enter);
    expect(store.getState().ui.overlay).toMatchObject({ step: 'reason' });
    await r.press(KEYS.enter); // empty reason: refused, stays
    expect(store.getState().ui.overlay).toMatchObject({ step: 'reason' });
    await r.type('proxy blocks');
    await r.press(KEYS.enter);
    expect(store.getState().ui.overlay).toMatchObject({ step: 'confirm', reason: 'proxy blocks' });
    expect(r.frame()).toContain('for: proxy blocks? y/n');
    await r.press('y');
    await until(() => (store.getState().ui.overlay as { step?: string } | null)?.step === 'result', 3000, 10);
    await r.press();
    expect(r.frame()).toContain('SIMULATED DONE');
    expect(r.frame()).toContain(`${first?.hostname} acknowledged pool ${half}`);
    // The model changed, and the timeline has the attempt and the outcome.
    expect(
      sim
        .snapshot()
        .workers.filter((w) => w.online && w.queues.includes('rank'))
        .every((w) => w.concurrency === half),
    ).toBe(true);
    const actions = recorder
      .view()
      ?.entries.filter((e) => e.kind === 'action')
      .map((e) => (e.details.audit as { result: string }).result);
    expect(actions).toEqual(['attempted', 'done']);
    expect(store.getState().mitigations?.inForce.map((m) => [m.kind, m.target])).toEqual([['shrunk-pool', 'rank']]);
    await r.press(KEYS.esc);
    expect(store.getState().ui.overlay).toBeNull();
  });

  it("an operator's replay shows the refusal in the preview and Enter records it as refused", async () => {
    const { store, recorder, controller } = setup('operator');
    const r = renderCockpit({ store, services: { mitigation: controller }, size: { columns: 100, rows: 36 } });
    await r.press(':');
    await r.type('replay-dead-letters queue=crawl reasonCode=fix-deployed');
    await r.press(KEYS.enter);
    expect(store.getState().ui.overlay).toMatchObject({ kind: 'mitigation', step: 'params' });
    expect(formOf(store)).toMatchObject({ queue: 'crawl', reasonCode: 'fix-deployed' });
    await r.press(KEYS.enter);
    await until(() => (store.getState().ui.overlay as { step?: string } | null)?.step === 'preview', 3000, 10);
    await r.press();
    expect(r.frame()).toContain('will be REFUSED: Replay dead letters needs role privileged; alice is operator');
    await r.press(KEYS.enter);
    await until(() => (store.getState().ui.overlay as { step?: string } | null)?.step === 'result', 3000, 10);
    const last = recorder
      .view()
      ?.entries.filter((e) => e.kind === 'action')
      .at(-1);
    expect(last?.details).toMatchObject({ action: 'replay-dead-letters', outcome: 'refused, SIMULATED' });
  });

  it('a replay override is confirmed only by typing the task name', async () => {
    const { sim, store, controller } = setup('privileged');
    const before = sim.snapshot().queues.find((q) => q.name === 'reviews')?.deadLetters ?? 0;
    const r = renderCockpit({ store, services: { mitigation: controller }, size: { columns: 100, rows: 36 } });
    await r.press(':');
    // At 30 s the parser loop still fires: without fixCheck=override the fix check refuses first.
    await r.type('replay-dead-letters queue=reviews reasonCode=fix-deployed overrideTask=reviews.sync_reviews fixCheck=override');
    await r.press(KEYS.enter, KEYS.enter);
    await until(() => (store.getState().ui.overlay as { step?: string } | null)?.step === 'preview', 3000, 10);
    await r.press(KEYS.enter);
    await r.type('parser fixed');
    await r.press(KEYS.enter);
    await r.press('y'); // not enough: the task name must be typed
    await r.press(KEYS.enter);
    expect(store.getState().ui.overlay).toMatchObject({
      step: 'confirm',
      error: 'type reviews.sync_reviews exactly to override (Esc cancels)',
    });
    expect(sim.snapshot().queues.find((q) => q.name === 'reviews')?.deadLetters).toBe(before);
    await r.type('reviews.sync_reviews');
    await r.press(KEYS.enter);
    await until(() => (store.getState().ui.overlay as { step?: string } | null)?.step === 'result', 5000, 10);
    expect(sim.snapshot().queues.find((q) => q.name === 'reviews')?.deadLetters).toBeLessThan(before);
  });
});

describe('the Mitigations in force panel', () => {
  it('lists what is in force, who set it, when it expires, and flags drift', async () => {
    const { sim, store, controller } = setup('operator');
    await controller.execute({
      mitigationId: 'pause-task',
      params: { task: 'crawl.fetch_page', until: Date.now() + 45 * 60_000 },
      reason: 'failure loop',
    });
    await controller.execute({ mitigationId: 'pacing-conservative', params: {}, reason: 'provider blocks' });
    sim.setPacing('normal');
    await controller.checker.check();
    const { render } = await import('ink-testing-library');
    const React = await import('react');
    const { MitigationsPanel } = await import('../../panels/mitigations/MitigationsPanel.js');
    const { resolveTheme } = await import('../../src/ui/state/theme.js');
    const view = render(
      React.createElement(MitigationsPanel, {
        store,
        theme: resolveTheme('mono', false),
        ascii: true,
        width: 130,
        height: 8,
        focused: false,
      }),
    );
    const frame = view.lastFrame() ?? '';
    expect(frame).toContain('Mitigations in force');
    expect(frame).toContain('1 drift');
    expect(frame).toMatch(/paused +crawl\.fetch_page +alice +4[45]m/);
    expect(frame).toMatch(/! pacing +conservative +alice +until undone +DRIFT: lsos:pacing:profile is normal, not conservative/);
    expect(frame).toContain('SIMULATED simulation (default); role operator');
    view.unmount();
  });
});
