// One severity on screen (issue 14 item 8): suggested and decided said the same way in the status
// line, the escalation panel and presentation mode; a new incident never shows the previous one's
// decision; the severity dialog says exactly whom the decision will page, from the roster and the
// matrix, before it is confirmed, and the decision then pages exactly those.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { defaultPagingConfig, loadRoster } from '../../src/control/paging/config.js';
import { PagingController } from '../../src/control/paging/controller.js';
import { severityWords } from '../../src/core/escalation.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { CockpitRuntime } from '../../src/runtime/runtime.js';
import { SourceScheduler } from '../../src/runtime/scheduler.js';
import { LsosSimulation, loadScenario, SimulationSource } from '../../src/sources/sim/index.js';
import { decidedSeverity } from '../../src/ui/state/selectors.js';
import { createCockpitStore } from '../../src/ui/state/store.js';
import { waitFor } from '../support/waitFor.js';
import { cleanupAll, KEYS, renderCockpit } from '../ui/fixtures.js';

const START = Date.UTC(2026, 0, 15, 9, 0, 0);
const DEMO_ROSTER = fileURLToPath(new URL('../../fixtures/roster.demo.yaml', import.meta.url));
const dirs: string[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  cleanupAll();
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** The default scenario 3 simulated minutes in (an incident open, SEV-2 suggested), with paging record-only on the demo roster. */
async function cockpit() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-guide-severity-'));
  dirs.push(dir);
  const sim = new LsosSimulation(loadScenario('default'), { seed: 7, startAt: START });
  let calls = 0;
  const source = new SimulationSource(sim, { speed: 60, realNow: () => Math.min(calls++, 3) * 1000 });
  const clock = source.clock;
  const store = createCockpitStore({ session: { operator: 'alice' } });
  const recorder = new IncidentRecorder({ stateDir: dir, clock, operator: 'alice' });
  let reads = 0;
  const scheduler = new SourceScheduler(source, store, { intervalMs: 10, timeoutMs: 5000, clock, onSettled: () => void reads++ });
  const runtime = new CockpitRuntime(store, recorder, { quit() {}, repaint() {} });
  const config = defaultPagingConfig({ mode: 'record-only', rosterFile: DEMO_ROSTER, rosterExplicit: true });
  const paging = new PagingController(recorder, store, loadRoster(config), config, clock);
  await paging.start();
  cleanups.push(
    () => void recorder.close(),
    () => runtime.dispose(),
    () => paging.stop(),
    () => scheduler.stop(),
  );
  const r = renderCockpit({ store, commands: runtime, clock, services: { paging }, size: { columns: 200, rows: 50 } });
  scheduler.start();
  await waitFor(() => reads > 3, { what: 'the simulation to reach minute 3' });
  await scheduler.stop();
  await r.press();
  return { r, store, recorder, paging };
}

const statusLine = (frame: string) => frame.split('\n').find((l) => l.includes('SIMULATION')) ?? '';

describe('one severity on screen', () => {
  it('the same words in the status line, the escalation panel and presentation mode', () => {
    expect(severityWords('SEV-2', { severity: 'SEV-1', by: 'alice' })).toBe('SEV-2 suggested · SEV-1 decided by alice');
    expect(severityWords('SEV-2', null)).toBe('SEV-2 suggested · not decided yet');
    expect(severityWords(null, { severity: 'SEV-3', by: 'bob' }, ' - ')).toBe('no severity suggested - SEV-3 decided by bob');
  });

  it('the dialog names whom each choice pages before it is confirmed; the decision pages exactly those; all three places agree', async () => {
    const { r, store, paging } = await cockpit();
    expect(store.getState().suggestion.severity).toBe('SEV-2');
    expect(statusLine(r.frame())).toContain('SEV-2 suggested · not decided yet');
    // The escalation panel names whom the suggestion pages as paging would: the same people the dialog names.
    expect(r.frame()).toContain('suggested: page primary on-call, crawl owner, reviews owner');
    await r.press('s'); // the suggestion is highlighted
    let f = r.frame();
    // SEV-2: the primary on-call and the owners of the modules the triggers name, by their roster names.
    expect(f).toMatch(/will page: primary on-call Priya Primary, crawl owner Carl Crawl, reviews owner Rev Reviews/);
    expect(f).toContain('(record only: journaled, not sent)');
    await r.press('k'); // SEV-1
    f = r.frame();
    expect(f).toContain('will page: on-call engineer Ana Oncall, security lead Sam Security');
    await r.press('j', 'j'); // SEV-3
    expect(r.frame()).toContain('will page: a ticket (same-day remediation)');
    await r.press('k', KEYS.enter); // SEV-2, then the reason
    const promised = /will page: (.*?)\s*║/.exec(r.frame())?.[1]?.trim() ?? '';
    expect(promised).toContain('primary on-call Priya Primary');
    await r.type('dead letters at 50x on reviews, crawl pool gone');
    await r.press(KEYS.enter);
    await waitFor(() => decidedSeverity(store.getState()), { what: 'the decision in the incident summary' });
    await waitFor(() => (paging.view()?.targets.length ?? 0) > 0, { what: 'the pages' });
    const paged = paging
      .view()!
      .targets.map((t) => `${t.role} ${t.contact}`)
      .sort();
    expect(paged).toEqual(promised.split(', ').sort());
    await r.press();
    f = r.frame();
    expect(statusLine(f)).toContain('SEV-2 suggested · SEV-2 decided by alice');
    expect(f).toMatch(/SEV-2 suggested · SEV-2 decided by alice \d+s ago/); // the escalation panel
    // Raising it to SEV-1: the dialog names only whom SEV-1 adds; the others were paged already.
    await r.press('s', 'k');
    expect(r.frame()).toContain('will page: on-call engineer Ana Oncall, security lead Sam Security');
    await r.press(KEYS.esc);
    await r.press('p');
    expect(r.frame()).toContain('SEV-2 SUGGESTED · SEV-2 DECIDED BY ALICE');
  });

  it("a new incident never shows the previous incident's decision", async () => {
    const { r, store } = await cockpit();
    await r.press('s', '1');
    await r.type('whole platform');
    await r.press(KEYS.enter);
    await waitFor(() => decidedSeverity(store.getState())?.severity === 'SEV-1', { what: 'SEV-1 decided' });
    await r.press('R');
    await r.press('y');
    await waitFor(() => store.getState().incident?.state === 'resolved', { what: 'resolved' });
    await r.press('I');
    await r.type('a second problem');
    await r.press(KEYS.enter);
    await waitFor(() => store.getState().incident?.state === 'open', { what: 'a new incident' });
    // The store still holds the old decision; nothing on screen shows it.
    expect(store.getState().decision?.severity).toBe('SEV-1');
    expect(decidedSeverity(store.getState())).toBeNull();
    await r.press();
    const f = r.frame();
    expect(statusLine(f)).toMatch(/SEV-\d suggested · not decided yet/);
    expect(f).not.toContain('decided by alice');
  });
});
