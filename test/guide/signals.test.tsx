// Signals that are not thresholds open incidents (issue 14 item 1): the cross-tenant risk of the
// simulation, an operator's `:declare`, and an integrity check whose definition has a severity.
// Composed as src/runtime/main.ts composes the cockpit: the simulation on the real scheduler, the
// store, CockpitRuntime and IncidentRecorder (temporary state directory), the Cockpit mounted;
// only keys after that.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseIntegrityChecks } from '../../src/control/integrity/config.js';
import type { IntegrityResult } from '../../src/control/integrity/run.js';
import { signalOfResult } from '../../src/control/integrity/signals.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { CockpitRuntime } from '../../src/runtime/runtime.js';
import { SourceScheduler } from '../../src/runtime/scheduler.js';
import { LsosSimulation, loadScenario, SimulationSource } from '../../src/sources/sim/index.js';
import { parseDeclaration } from '../../src/ui/controllers/incident.js';
import { runbookFocus } from '../../src/ui/state/selectors.js';
import { createCockpitStore } from '../../src/ui/state/store.js';
import { waitFor } from '../support/waitFor.js';
import { cleanupAll, KEYS, renderCockpit } from '../ui/fixtures.js';

const START = Date.UTC(2026, 0, 15, 9, 0, 0);
const dirs: string[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  cleanupAll();
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** The cockpit on a scenario, as main composes it; the simulation runs `minutes` and holds still. */
async function cockpit(scenario: string, minutes: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-guide-signals-'));
  dirs.push(dir);
  const sim = new LsosSimulation(loadScenario(scenario), { seed: 3, startAt: START });
  let calls = 0;
  // One simulated minute per read up to `minutes`, then still: the same picture on any machine.
  const source = new SimulationSource(sim, { speed: 60, realNow: () => Math.min(calls++, minutes) * 1000 });
  const clock = source.clock;
  const store = createCockpitStore({ session: { operator: 'alice' } });
  const recorder = new IncidentRecorder({ stateDir: dir, clock, operator: 'alice' });
  let reads = 0;
  const scheduler = new SourceScheduler(source, store, { intervalMs: 10, timeoutMs: 5000, clock, onSettled: () => void reads++ });
  const runtime = new CockpitRuntime(store, recorder, { quit() {}, repaint() {} });
  cleanups.push(
    () => void recorder.close(),
    () => runtime.dispose(),
    () => scheduler.stop(),
  );
  const r = renderCockpit({ store, commands: runtime, clock, size: { columns: 200, rows: 50 } });
  scheduler.start();
  await waitFor(() => reads > minutes, { what: `the simulation to reach minute ${minutes}` });
  await scheduler.stop();
  await r.press();
  return { r, store, recorder };
}

describe('a cross-tenant risk signal (cross-tenant-risk scenario)', () => {
  it('opens a SEV-1-suggested incident by itself, with whose data crossed on screen and runbook section 7', async () => {
    const { r, store, recorder } = await cockpit('cross-tenant-risk', 2);
    const view = recorder.view();
    expect(view?.state).toBe('open');
    expect(view?.entries[0]?.details).toMatchObject({ openedBy: 'trigger', triggerKey: 'cross-tenant-risk' });
    const fired = view?.entries.find((e) => e.kind === 'trigger-fired');
    expect(fired?.details).toMatchObject({
      triggerKey: 'cross-tenant-risk',
      target: 'cmp-017+cmp-023',
      section: '7',
      campaigns: ['cmp-017', 'cmp-023'],
    });
    const suggested = view?.entries.find((e) => e.kind === 'severity-suggested');
    expect(suggested?.details).toMatchObject({ severity: 'SEV-1', basis: 'on-call engineer, security lead' });
    // The blast radius prefill names the campaigns.
    expect(view?.blastRadiusPrefill.campaigns).toEqual(['cmp-017', 'cmp-023']);
    expect(runbookFocus(store.getState()).section.id).toBe(7);
    const f = r.frame();
    expect(f).toContain('SEV-1 suggested · not decided yet');
    expect(f).toContain('§7 Escalation Matrix  firing: report for cmp-017 rendered with cmp-023 KPIs');
    expect(f).toContain('Evidence: report for cmp-017 rendered with cmp-023 KPIs');
    expect(f).toMatch(/! SEV-1 cmp-017\+cmp-023 cross-ten.* report for cmp-017 rendered with cmp-023 KPIs/);
    // And on the war-room screen.
    await r.press('p');
    expect(r.frame()).toContain('§7 ESCALATION MATRIX · cmp-017+cmp-023 cross-tenant SEV-1');
    expect(r.frame()).toContain('evidence: report for cmp-017 rendered with cmp-023 KPIs · campaigns cmp-017, cmp-023');
  });
});

describe(':declare, an operator raising a signal with a reason', () => {
  it('on a quiet day: opens an incident at the matrix severity (cross-tenant risk SEV-1) with the reason as evidence', async () => {
    const { r, store, recorder } = await cockpit('healthy', 1);
    expect(recorder.view()).toBeNull();
    await r.press(':');
    await r.type('declare cross-tenant support ticket 4411: cmp-101 sees cmp-202 rankings');
    await r.press(KEYS.enter);
    await waitFor(() => recorder.view(), { what: 'the incident the declaration opens' });
    const view = recorder.view();
    expect(view?.entries.find((e) => e.kind === 'trigger-fired')?.details).toMatchObject({
      triggerKey: 'cross-tenant-risk',
      target: 'declared-1',
      campaigns: ['cmp-101', 'cmp-202'],
      detail: expect.stringContaining('raised by declared by alice'),
    });
    expect(view?.entries.find((e) => e.kind === 'severity-suggested')?.details).toMatchObject({ severity: 'SEV-1' });
    expect(store.getState().suggestion.severity).toBe('SEV-1');
    expect(r.frame()).toContain('§7 Escalation Matrix');
    expect(r.frame()).toContain('Evidence: support ticket 4411: cmp-101 sees cmp-202 rankings');
  });

  it('after a restart the resumed incident still has it: raised again from the journal, recorded once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-guide-signals-'));
    dirs.push(dir);
    const first = createCockpitStore({ session: { operator: 'alice' } });
    const before = new IncidentRecorder({ stateDir: dir, operator: 'alice' });
    const runtime1 = new CockpitRuntime(first, before, { quit() {}, repaint() {} });
    const r = renderCockpit({ store: first, commands: runtime1, size: { columns: 200, rows: 50 } });
    await r.press(':');
    await r.type('declare cross-tenant cmp-5 invoice shows cmp-6 figures');
    await r.press(KEYS.enter);
    await waitFor(() => before.view(), { what: 'the incident' });
    runtime1.dispose();
    before.close();
    cleanupAll();
    // A new cockpit on the same state directory (an SSH session dropped and came back).
    const store = createCockpitStore({ session: { operator: 'alice' } });
    const recorder = new IncidentRecorder({ stateDir: dir, operator: 'alice' });
    const runtime = new CockpitRuntime(store, recorder, { quit() {}, repaint() {} });
    cleanups.push(
      () => void recorder.close(),
      () => runtime.dispose(),
    );
    expect(store.getState().triggers[0]).toMatchObject({
      kind: 'cross-tenant-risk',
      target: 'declared-1',
      firing: true,
      severity: 'SEV-1',
    });
    expect(store.getState().suggestion.severity).toBe('SEV-1');
    expect(runbookFocus(store.getState()).trigger?.evidence).toEqual(['cmp-5 invoice shows cmp-6 figures']);
    expect(recorder.view()?.entries.filter((e) => e.kind === 'trigger-fired')).toHaveLength(1);
  });

  it('a data corruption risk at the severity given; without a kind or a reason it asks, saying what it needs', async () => {
    const { r, store } = await cockpit('healthy', 1);
    await r.press(':');
    await r.type('declare corruption');
    await r.press(KEYS.enter);
    expect(store.getState().ui.overlay).toMatchObject({ kind: 'prompt', actionId: 'declare' });
    expect(r.frame()).toContain('Declare a signal: cross-tenant|corruption [SEV-n]');
    await r.type(' SEV-3 kpi rows without their report after migration 0142');
    await r.press(KEYS.enter);
    await waitFor(() => store.getState().incident, { what: 'the incident' });
    expect(store.getState().suggestion.severity).toBe('SEV-3');
    const top = runbookFocus(store.getState());
    expect(top.trigger?.kind).toBe('data-corruption');
    expect(top.section.id).toBe(6); // not SEV-1: the database runbook
    expect(parseDeclaration('corruption SEV-2')).toBeNull();
    expect(parseDeclaration('nonsense SEV-1 x')).toBeNull();
    expect(parseDeclaration('tenant sev1 seen')).toEqual({ kind: 'cross-tenant-risk', severity: 'SEV-1', reason: 'seen' });
  });
});

describe('an integrity check with a severity in its definition', () => {
  const [check, plain] = parseIntegrityChecks(`
integrity_checks:
  - name: report-kpis-own-campaign
    description: a report's KPIs belong to its own campaign
    sql: select r.campaign_id as report_campaign, k.campaign_id as kpis_campaign from reports r join report_kpis k on k.report_id = r.id where k.campaign_id <> r.campaign_id
    expect: { rows: 0 }
    severity: SEV-1
    signal: cross-tenant-risk
  - name: plain
    sql: select 1
    expect: { rows: 0 }
`);
  const failed: IntegrityResult = {
    name: 'report-kpis-own-campaign',
    status: 'fail',
    expect: '0 rows',
    figures: { rows: 1, sample: [{ report_campaign: 'cmp-017', kpis_campaign: 'cmp-023' }] },
    detail: '1 row, expected 0',
    durationMs: 3,
  };

  it('a failure raises the signal with the rows as evidence; a pass withdraws it; skipped or in error says nothing', () => {
    expect(check?.signal).toEqual({ severity: 'SEV-1', kind: 'cross-tenant-risk', everyMs: null });
    expect(plain?.signal).toBeNull();
    const sig = signalOfResult(check!, failed, 'db1/lsos', 1000, null);
    expect(sig).toMatchObject({
      id: 'check report-kpis-own-campaign',
      kind: 'cross-tenant-risk',
      severity: 'SEV-1',
      campaigns: ['cmp-017', 'cmp-023'],
      evidence: ['report_campaign=cmp-017 kpis_campaign=cmp-023'],
      raisedBy: 'integrity check report-kpis-own-campaign',
      active: true,
    });
    expect(signalOfResult(check!, { ...failed, status: 'pass' }, 'db1/lsos', 2000, sig)).toMatchObject({ active: false });
    expect(signalOfResult(check!, { ...failed, status: 'pass' }, 'db1/lsos', 2000, null)).toBeNull();
    expect(signalOfResult(check!, { ...failed, status: 'error' }, 'db1/lsos', 2000, sig)).toBeNull();
    expect(signalOfResult(plain!, { ...failed, name: 'plain' }, 'db1/lsos', 2000, null)).toBeNull();
    expect(() => parseIntegrityChecks('integrity_checks:\n  - { name: x, sql: select 1, expect: { rows: 0 }, severity: SEV-4 }\n')).toThrow(
      /severity: one of SEV-1, SEV-2, SEV-3/,
    );
    expect(() =>
      parseIntegrityChecks('integrity_checks:\n  - { name: x, sql: select 1, expect: { rows: 0 }, signal: cross-tenant-risk }\n'),
    ).toThrow(/signal: needs a severity/);
  });

  it('raised into the store, it fires, opens the incident and clears when withdrawn', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-guide-signals-'));
    dirs.push(dir);
    const store = createCockpitStore({ session: { operator: 'alice' } });
    const recorder = new IncidentRecorder({ stateDir: dir, operator: 'alice' });
    const runtime = new CockpitRuntime(store, recorder, { quit() {}, repaint() {} });
    cleanups.push(
      () => void recorder.close(),
      () => runtime.dispose(),
    );
    const sig = signalOfResult(check!, failed, 'db1/lsos', 1000, null)!;
    store.getState().raiseSignal(sig, 1000);
    expect(recorder.view()?.entries.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['incident-opened', 'trigger-fired', 'severity-suggested']),
    );
    expect(store.getState().triggers[0]).toMatchObject({ kind: 'cross-tenant-risk', firing: true, severity: 'SEV-1', section: 7 });
    store.getState().raiseSignal({ ...sig, active: false }, 2000);
    expect(store.getState().triggers[0]).toMatchObject({ kind: 'cross-tenant-risk', firing: false });
    expect(recorder.view()?.entries.some((e) => e.kind === 'trigger-cleared')).toBe(true);
  });
});
