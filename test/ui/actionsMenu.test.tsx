// The Enter menu (finding 11): it shows the numbers it accepts, lists only what applies to the
// selection, and does not offer Restore concurrency on a queue never shrunk. Finding 12: the
// Increase replicas prefill says where its number came from.
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
import { prefill, replicasPrefill } from '../../src/ui/controllers/mitigationForm.js';
import { cleanupAll, KEYS, renderCockpit } from './fixtures.js';

const dirs: string[] = [];
afterEach(() => cleanupAll());
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function setup() {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-menu-'));
  dirs.push(stateDir);
  const sim = new LsosSimulation(loadScenario('default'), { seed: 7 });
  sim.step(30_000);
  const store = createCockpitStore({ snapshot: sim.snapshot(), session: { ascii: true } });
  const recorder = new IncidentRecorder({ stateDir, operator: 'alice' });
  const controller = new MitigationController({
    recorder,
    backend: new SimulationBackend(sim),
    actor: { operator: 'alice', role: 'operator', roleSource: 'fixtures/roles.demo.yaml', readonly: false, readonlyReason: null },
    isIdempotent: () => false,
  });
  publishMitigations(store, controller);
  return { sim, store, controller };
}

describe('the Enter menu', () => {
  it('numbers its entries 1-9 as the keys that pick them, and lists only the panel’s own actions', async () => {
    const { store, controller } = setup();
    const r = renderCockpit({ store, services: { mitigation: controller }, size: { columns: 120, rows: 40 } });
    await r.press(KEYS.enter);
    const menu = menuBindings(r.bindings, 'queues');
    const frame = r.frame();
    expect(frame).toContain('Actions: Queue lag');
    // Each of the first nine rows starts with its number, then its title.
    for (const [i, b] of menu.slice(0, 3).entries())
      expect(frame).toMatch(new RegExp(`[ >] ${i + 1} .{8} ${b.title.replace(/[()]/g, '.')}`));
    expect(frame).toMatch(/Enter or 1-\d runs/);
    // Global incident actions are not in it (they are in the footer and help).
    expect(frame).not.toContain('Add a note');
    expect(frame).not.toContain('Open incident');
    expect(menu.every((b) => Array.isArray(b.panels))).toBe(true);
  });

  it('shows Restore concurrency disabled on a queue whose pools are at their normal size, and 1-9 on it only says why', async () => {
    const { store, controller } = setup();
    const r = renderCockpit({ store, services: { mitigation: controller }, size: { columns: 160, rows: 40 } });
    const rankRow = store.getState().snapshot.queues.findIndex((q) => q.name === 'rank');
    for (let i = 0; i < rankRow; i++) await r.press('j');
    await r.press(KEYS.enter);
    expect(r.frame()).toMatch(
      /Restore concurrency \(runbook 3\.3\)\s+- disabled: rank pools at their normal size \(8\), no shrink recorded/,
    );
    const at = menuBindings(r.bindings, 'queues').findIndex((b) => b.id === 'restore-concurrency');
    expect(at).toBeGreaterThanOrEqual(0);
    expect(at).toBeLessThan(9);
    await r.press(String(at + 1));
    // Not run: the menu stays, and the status says why.
    expect(store.getState().ui.overlay).toMatchObject({ kind: 'actions' });
    expect(store.getState().ui.flash?.text).toContain('rank pools at their normal size (8)');
  });
});

describe('Increase replicas prefill', () => {
  it('says a floor of 2 when no worker is healthy, and twice the healthy workers otherwise', () => {
    expect(replicasPrefill(0)).toEqual([2, 'a floor of 2 (no healthy worker now)']);
    expect(replicasPrefill(3)).toEqual([6, 'twice the 3 healthy workers now']);
    const { store } = setup();
    const m = MITIGATIONS.find((x) => x.id === 'scale-replicas');
    if (!m) throw new Error('scale-replicas is in the catalog');
    // The crawl pool has died in the default scenario by 30 s.
    const { params, sources } = prefill(m, store.getState(), Date.now(), { queue: 'crawl' });
    expect(params.replicas).toBe(2);
    expect(sources.replicas).toBe('a floor of 2 (no healthy worker now)');
  });
});
