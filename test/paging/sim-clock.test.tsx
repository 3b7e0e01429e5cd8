// A practice incident on the simulation's clock: the severity decision the screen keeps, the paging
// controller's paged / acknowledged / re-page times and the escalation panel all read the
// simulated time (the entries' simAt), as the incident view does; the journal keeps wall-clock `at`.
// The re-page still fires: the sweep reads the simulation clock on a wall-clock interval.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PagingController } from '../../src/control/paging/controller.js';
import { formatUtc } from '../../src/core/timeline.js';
import { systemClock } from '../../src/core/source.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { CockpitRuntime } from '../../src/runtime/runtime.js';
import { createCockpitStore } from '../../src/ui/state/store.js';
import { ManualClock } from '../timeline/helpers.js';
import { cleanupAll, renderCockpit } from '../ui/fixtures.js';
import { removeTempDirs, rosterFor, tempDir, testConfig, waitFor } from './helpers.js';

const SIM0 = Date.UTC(2026, 0, 15, 9, 0, 0);
const REPAGE = 10 * 60_000;

const opened: Array<() => Promise<void>> = [];
afterEach(async () => {
  cleanupAll();
  for (const close of opened.splice(0)) await close();
  removeTempDirs();
});

async function simulatedCockpit() {
  const sim = new ManualClock(SIM0);
  const recorder = new IncidentRecorder({ stateDir: tempDir(), clock: systemClock, simClock: sim, operator: 'alice' });
  const store = createCockpitStore({ session: { operator: 'alice' } });
  const config = testConfig({ mode: 'record-only', repageMs: { 'SEV-1': REPAGE / 2, 'SEV-2': REPAGE } });
  const paging = new PagingController(recorder, store, rosterFor('http://127.0.0.1:9'), config, sim, { wallClock: systemClock });
  const runtime = new CockpitRuntime(store, recorder, { quit: () => undefined, repaint: () => undefined }, { clock: sim });
  await paging.start();
  opened.push(async () => {
    await paging.stop();
    runtime.dispose();
    recorder.close();
  });
  recorder.openIncident('practice');
  recorder.onTriggerFired({
    triggerKey: 'queue-lag',
    title: 'Queue lag',
    section: '3',
    target: 'crawl',
    value: 1200,
    threshold: 900,
    unit: 's',
    module: 'crawl',
    detail: 'crawl lag 20m',
  });
  return { sim, recorder, store, paging, runtime };
}

describe('paging on a simulation clock', () => {
  it('the decision, the paged times and the re-page are reckoned on the simulated time; the journal keeps wall time', async () => {
    const { sim, recorder, store, paging, runtime } = await simulatedCockpit();
    const wallBefore = Date.now();
    await runtime.decideSeverity('SEV-2', 'crawl down');
    await waitFor('both pages recorded', () => (paging.view()?.targets.length ?? 0) === 2);

    // The decision the screen keeps and the one paging folded: the simulated time, not Date.now().
    expect(store.getState().decision?.at).toBe(SIM0);
    const view = paging.view();
    expect(view?.decided?.at).toBe(SIM0);
    for (const t of view?.targets ?? []) {
      expect(t.firstPagedAt).toBe(SIM0);
      expect(t.nextRepageAt).toBe(SIM0 + REPAGE);
    }
    // The journal on disk: wall-clock `at`, simulated `simAt`.
    const file = path.join(recorder.stateDir, fs.readdirSync(recorder.stateDir).find((n) => n.endsWith('.jsonl')) ?? '');
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    const page = lines.map((l) => JSON.parse(l) as { kind: string; at: string; simAt?: string }).find((e) => e.kind === 'page');
    expect(page?.simAt).toBe(formatUtc(SIM0));
    expect(Date.parse(page?.at ?? '')).toBeGreaterThanOrEqual(wallBefore - 1000);

    // The panel: the page row's time is the decision's; the countdown runs on the simulation clock.
    sim.advance(4 * 60_000);
    const { frame } = renderCockpit({ store, clock: sim, size: { columns: 200, rows: 50 } });
    const f = frame();
    expect(f).toMatch(/SEV-2 decided by alice 4m00s ago \(09:00:00Z\)/);
    const row = f.split('\n').find((l) => l.includes('primary-on-call')) ?? '';
    expect(row).toMatch(/primary-on-call Priya Primary SEV-2 09:00:00Z record only NOT ACKED\s+re-page in 6m00s/);

    // Ten simulated minutes (milliseconds of wall time): the re-page is recorded, at the simulated time.
    sim.advance(6 * 60_000);
    await waitFor('the re-page', () => (paging.state()?.targets.get('primary-on-call')?.triggers ?? 0) === 2);
    expect(paging.state()?.targets.get('primary-on-call')?.lastPagedAt).toBe(SIM0 + REPAGE);
    expect(Date.now() - wallBefore).toBeLessThan(REPAGE);
  });

  it('an acknowledgement is timed on the simulation clock', async () => {
    const { sim, paging, runtime } = await simulatedCockpit();
    await runtime.decideSeverity('SEV-2', 'crawl down');
    await waitFor('both pages recorded', () => (paging.view()?.targets.length ?? 0) === 2);
    sim.advance(90_000);
    await paging.acknowledgePage('primary-on-call', 'dana');
    const t = paging.view()?.targets.find((x) => x.target === 'primary-on-call');
    expect(t?.ack).toEqual({ by: 'dana', via: 'cockpit', at: SIM0 + 90_000 });
  });
});
