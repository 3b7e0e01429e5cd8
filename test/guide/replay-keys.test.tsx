// Issue 14, acceptance 2: from the incident appearing to a dead-letter replay done after a fix,
// at most 12 keys plus typed reasons, on the default scenario in the simulation, counting every
// key press. The cockpit is composed as src/runtime/main.ts composes it on the simulation (the
// store, the scheduler read by hand one simulated minute a read, the runtime, the recorder on the
// simulation's clock, the mitigation session of the default config with the demo roles file and
// its session services), mounted with ink-testing-library, and driven only by keys.
//
// The path: select the reviews queue, Enter, the replay action, Enter (the form is prefilled from
// the selection: queue, reason code, failure class); the preview says REFUSED (the parser
// failures still fire), Esc. The scenario's fix comes at 30 min; once reviews.sync_reviews has run
// 5 quiet minutes: Enter, the replay action, Enter (preview: the fix evidence), Enter, the reason
// typed, Enter, y. Done.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { openMitigationSession } from '../../src/control/mitigations/session.js';
import { attachSessionServices } from '../../src/control/mitigations/stepServices.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { CockpitRuntime } from '../../src/runtime/runtime.js';
import { SourceScheduler } from '../../src/runtime/scheduler.js';
import { publishMitigations } from '../../src/runtime/services.js';
import { LsosSimulation, loadScenario, SimulationSource } from '../../src/sources/sim/index.js';
import { menuBindings } from '../../src/ui/registry/help.js';
import { queueRows } from '../../src/ui/state/selectors.js';
import { createCockpitStore } from '../../src/ui/state/store.js';
import { cleanupAll, KEYS, renderCockpit } from '../ui/fixtures.js';

const START = Date.UTC(2026, 0, 15, 9, 0, 0);
const dirs: string[] = [];
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  cleanupAll();
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('acceptance 2: incident to a replay after the fix, by keys', () => {
  it('takes at most 12 keys plus the typed reason, the refused early attempt included', { timeout: 240_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-replay-keys-'));
    dirs.push(dir);
    // ---- composition, as src/runtime/main.ts does it on the simulation --------------------------
    const { config } = loadConfig({ env: { HOME: dir }, cwd: dir, flags: { stateDir: path.join(dir, 'state') } });
    const sim = new LsosSimulation(loadScenario('default'), { seed: 7, startAt: START });
    let real = 0;
    const source = new SimulationSource(sim, { speed: 60, realNow: () => real });
    const clock = source.clock;
    const store = createCockpitStore({ session: { operator: 'alice', ascii: true } });
    const recorder = new IncidentRecorder({ stateDir: config.stateDir, clock, operator: 'alice' });
    const scheduler = new SourceScheduler(source, store, { intervalMs: 3_600_000, timeoutMs: 30_000, clock });
    const runtime = new CockpitRuntime(store, recorder, { quit() {}, repaint() {} });
    const session = await openMitigationSession({
      config,
      recorder,
      simulation: sim,
      identity: { username: 'alice', uid: 1000, gid: 1000, groups: [] },
    });
    attachSessionServices(session, {
      simulation: sim,
      journal: () => recorder.view()?.entries ?? [],
      replicas: () => ({ replicas: [], primaryReachable: true, thresholdSeconds: 60, at: clock.now() }),
      taskOutcomes: () => {
        const snap = store.getState().snapshot;
        return { at: snap.at, outcomes: snap.queues.flatMap((q) => q.taskOutcomes ?? []) };
      },
    });
    publishMitigations(store, session.controller);
    cleanups.push(
      () => recorder.close(),
      () => runtime.dispose(),
      () => session.close(),
      () => scheduler.stop(),
    );
    expect(session.actor.role).toBe('privileged'); // the demo roles file
    const r = renderCockpit({
      store,
      commands: runtime,
      services: { mitigation: session.controller },
      onAttempt: (action, outcome) => runtime.recordAttempt(action, outcome),
      clock,
      size: { columns: 120, rows: 40 },
    });
    const s = () => store.getState();
    const step = () => (s().ui.overlay as { step?: string } | null)?.step;
    /** `n` simulated minutes, read in reads of at most `per` minutes (one snapshot each). */
    const advance = async (n: number, per = 1) => {
      for (let done = 0; done < n; done += per) {
        real += Math.min(per, n - done) * 1000;
        await scheduler.tick();
      }
      await r.press();
    };
    // Every key the operator presses, counted; typed reasons are pasted and not counted.
    const keys: string[] = [];
    const key = async (...k: string[]) => {
      keys.push(...k);
      await r.press(...k);
    };
    const paste = async (text: string) => {
      r.stdin.write(text);
      await r.press();
    };
    const form = () => {
      const o = s().ui.overlay;
      return Object.fromEntries((o?.kind === 'mitigation' ? (o.form ?? []) : []).map((f) => [f.key, f.value]));
    };
    /** Enter, then the replay action by its number in the menu. */
    const openReplay = async () => {
      await key(KEYS.enter);
      const at = menuBindings(r.bindings, s().ui.focus).findIndex((b) => b.id === 'replay-dead-letters');
      expect(at).toBeGreaterThanOrEqual(0);
      expect(at).toBeLessThan(9); // reachable by its digit
      await key(String(at + 1));
      await until('the parameters form', () => step() === 'params');
    };

    // ---- the incident appears by itself ---------------------------------------------------------
    await scheduler.tick();
    await advance(1);
    await until('the first trigger to open an incident', () => s().incident !== null);

    // ---- select reviews, try the replay: refused, the parser failures still fire ----------------
    const row = queueRows(s()).findIndex((q) => q.name === 'reviews');
    expect(row).toBeGreaterThan(0);
    for (let i = 0; i < row; i++) await key('j');
    await openReplay();
    expect(form()).toMatchObject({ queue: 'reviews', reasonCode: 'fix-deployed', failureClass: 'parser', fixCheck: 'require' });
    await r.press();
    expect(r.frame()).toMatch(/> queue +< reviews > +now: \d+ in reviews\.dead/);
    expect(r.frame()).toMatch(/reason code +fix-deployed/);
    await key(KEYS.enter);
    await until('the preview', () => step() === 'preview');
    await r.press();
    expect(r.frame()).toContain('will be REFUSED: no evidence of a fix (runbook 3.4: replay after the fix): the last parser failure of');
    const dead = () => s().snapshot.queues.find((q) => q.name === 'reviews')?.deadLetters ?? 0;
    const deadBefore = dead();
    await key(KEYS.esc);
    expect(s().ui.overlay).toBeNull();

    // ---- the scenario's fix at 30 min, then 5 quiet minutes --------------------------------------
    await advance(35, 5); // seven reads: the cockpit drawn once a read
    expect(sim.appliedEvents().map((e) => e.kind)).toContain('fix-deployed');
    await openReplay();
    expect(form()).toMatchObject({ queue: 'reviews', reasonCode: 'fix-deployed', failureClass: 'parser' });
    await key(KEYS.enter);
    await until('the preview', () => step() === 'preview');
    await r.press();
    expect(r.frame()).not.toContain('will be REFUSED');
    expect(r.frame()).toMatch(/fix evidence OK +: reviews\.sync_reviews has run without a parser failure for \dm\d\ds/);
    expect(r.frame()).toMatch(/reviews\.dead: \d+ -> \d+ dead letters; \d+ replayed to reviews \(only class parser\)/);
    await key(KEYS.enter);
    expect(step()).toBe('reason');
    await paste('parser fix 813 deployed at 09:30; 5 quiet minutes');
    await key(KEYS.enter);
    expect(step()).toBe('confirm');
    await key('y');
    await until('the result', () => step() === 'result');
    await r.press();
    expect(r.frame()).toContain('SIMULATED DONE');
    expect(r.frame()).toMatch(/ok +\d+ replayed to reviews/);

    // ---- the count -------------------------------------------------------------------------------
    const replayed = Number(/ok +(\d+) replayed to reviews/.exec(r.frame())?.[1]);
    expect(replayed).toBeGreaterThan(100);
    expect(dead()).toBeGreaterThan(0); // the snapshot is read on the next tick
    await advance(1);
    expect(dead()).toBeLessThan(deadBefore + 200);
    const actions = (recorder.view()?.entries ?? [])
      .filter((e) => e.kind === 'action')
      .map((e) => (e.details.audit as { result: string }).result);
    expect(actions).toEqual(['attempted', 'done']);
    console.log(
      `acceptance 2: ${keys.length} keys (${keys.map((k) => (k === KEYS.enter ? 'Enter' : k === KEYS.esc ? 'Esc' : k)).join(' ')}) plus 1 typed reason`,
    );
    expect(keys.length).toBeLessThanOrEqual(12);
  });
});
