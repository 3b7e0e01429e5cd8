// A whole incident, scripted: the simulation's default scenario on the real scheduler at 60x
// speed, the real store, CockpitRuntime and IncidentRecorder (temporary state directory) and the
// Cockpit mounted with ink-testing-library. Nothing is called directly: the incident opens by
// itself when the first trigger fires, and everything after that is keys. Then the PIR must pass
// `lsos-cockpit pir export latest --strict`.
//
// Deterministic: a fixed seed and start time, and the source's "real time" advances one second
// per read (60 s simulated) for the first READS reads and then holds still, so the simulation
// always ends in the same state, whatever the machine's speed; the scheduler is then stopped and
// the operator works on that picture. The recorder runs on the simulation's clock, as in main.ts.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { clampPirIndex, pirRows } from '../../src/ui/controllers/pirEditor.js';
import { CockpitRuntime } from '../../src/runtime/runtime.js';
import { SourceScheduler } from '../../src/runtime/scheduler.js';
import { runbookRows } from '../../src/ui/state/selectors.js';
import { createCockpitStore, type CockpitState } from '../../src/ui/state/store.js';
import { runPirExport } from '../../src/cli/pir.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { loadIncident } from '../../src/journal/store.js';
import { LsosSimulation, loadScenario, SimulationSource } from '../../src/sources/sim/index.js';
import { nextTurn, waitFor } from '../support/waitFor.js';
import { cleanupAll, KEYS, renderCockpit } from './fixtures.js';

/** 2026-01-15T09:00:00Z */
const START = Date.UTC(2026, 0, 15, 9, 0, 0);
const SEED = 7;
/** Simulated minutes before the simulation holds still: the dead-letter and SERP triggers fire by then. */
const READS = 12;
const CTRL_U = '\x15';
const ISO_MS = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/;

const dirs: string[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  cleanupAll();
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function until(what: string, ok: () => boolean): Promise<void> {
  await waitFor(ok, { what, everyMs: 5 });
}

function selectedPirLabel(s: CockpitState): string | undefined {
  const o = s.ui.overlay;
  if (o?.kind !== 'pir') return undefined;
  const rows = pirRows(s.incident);
  return rows[clampPirIndex(o.index, rows)]?.label;
}

describe('a scripted incident, keys only', () => {
  it('runs the default scenario from the first trigger to a PIR that passes --strict', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-scripted-incident-'));
    dirs.push(dir);

    // ---- composition, as src/runtime/main.ts does it ---------------------------------------------------
    const sim = new LsosSimulation(loadScenario('default'), { seed: SEED, startAt: START });
    let realCalls = 0;
    const source = new SimulationSource(sim, { speed: 60, realNow: () => Math.min(realCalls++, READS) * 1000 });
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
    const r = renderCockpit({ store, commands: runtime, clock, size: { columns: 160, rows: 45 } });
    const s = () => store.getState();
    const paste = async (text: string) => {
      r.stdin.write(text);
      await r.press();
    };
    /** Waits for the command behind the last key (its journal write is synchronous). */
    const settle = async () => {
      await nextTurn();
      await r.press();
    };

    // ---- the incident opens by itself --------------------------------------------------------
    expect(s().incident).toBeNull();
    scheduler.start();
    await until('the first trigger to open an incident', () => s().incident !== null);
    const id = s().incident?.id ?? '';
    expect(id).toMatch(/^INC-20260115-09\d\d$/);
    expect(s().incident?.entries[0]).toMatchObject({ kind: 'incident-opened' });
    expect(s().incident?.entries[0]?.text).toMatch(/^Incident opened by trigger /);
    // The simulation runs on to minute READS, then holds still: stop polling.
    await until('the simulation to reach its last minute', () => reads > READS);
    await scheduler.stop();
    expect(sim.clock.now()).toBe(START + READS * 60_000);
    expect(r.frame()).toContain(`${id} open`);

    // ---- a note ---------------------------------------------------------------------------------
    await r.press('n');
    await paste('crawl worker pool has no heartbeats; reviews parser deploy at 09:00');
    await r.press(KEYS.enter);
    await settle();

    // ---- the severity: decide the suggestion, then change it with a reason ---------------------
    const suggested = s().suggestion.severity;
    expect(suggested).toBe('SEV-2');
    await r.press('s', KEYS.enter);
    await paste('matches the escalation matrix: crawl lag and dead letters');
    await r.press(KEYS.enter);
    await settle();
    await r.press('s', '1');
    await paste('every tenant is affected: crawl stalled platform-wide');
    await r.press(KEYS.enter);
    await settle();
    expect(s().incident?.severity).toBe('SEV-1');

    // ---- runbook procedure steps -------------------------------------------------------------
    await r.press('5', 'g');
    const rows = runbookRows(s());
    const stepRows = rows
      .map((row, i) => ({ row, i }))
      .filter((x) => x.row.option === null)
      .slice(0, 3);
    expect(stepRows).toHaveLength(3);
    let at = 0;
    for (const { i } of stepRows) {
      if (i > at) r.stdin.write('j'.repeat(i - at));
      at = i;
      await r.press('x');
      await settle();
    }
    const ticked = stepRows.map(({ row }) => `${row.section}.${row.step}`);
    expect(s().incident?.stepsDone).toEqual(ticked);

    // ---- mitigated ----------------------------------------------------------------------------
    await r.press('M');
    expect(r.frame()).toContain(`Mark incident ${id} MITIGATED?`);
    await r.press('y');
    await settle();
    expect(s().incident?.state).toBe('mitigated');

    // ---- the review: every field, two corrective actions ---------------------------------------
    await r.press('P');
    expect(r.frame()).toContain(`Post-incident review: ${id} (mitigated)`);
    /** Moves the highlight to a row with j/k, typed as one run (as key repeat delivers it). */
    const select = async (label: string) => {
      const o = s().ui.overlay;
      const rows = pirRows(s().incident);
      const from = o?.kind === 'pir' ? clampPirIndex(o.index, rows) : 0;
      const to = rows.findIndex((row) => row.label === label);
      expect(to).toBeGreaterThanOrEqual(0);
      if (to !== from) {
        r.stdin.write((to > from ? 'j' : 'k').repeat(Math.abs(to - from)));
        await r.press();
      }
      expect(selectedPirLabel(s())).toBe(label);
    };
    const fields: Array<[label: string, text: string]> = [
      ['summary', 'The crawl worker pool died and a parser deploy looped reviews into dead letters.'],
      ['impact', 'Rank freshness was late for every tenant for about ten minutes.'],
      ['root cause', 'The crawl pool autoscaler scaled to zero after a bad health check.'],
      ['contributing factors', 'The reviews parser deploy landed at the same time.'],
      ['blast radius: campaigns', 'all crawl-dependent campaigns'],
      ['blast radius: notes', 'No data loss; delayed ranks only.'],
      ['what went well', 'The queue lag trigger fired within a minute.'],
      ['what went badly', 'Nobody was paged for the dead pool itself.'],
      ['monitoring gap updates', 'Alert on a worker pool with no heartbeats.'],
      ['runbook improvements', 'Section 3: check worker pool heartbeats first.'],
    ];
    for (const [label, text] of fields) {
      await select(label);
      // The prompt starts from the current value (the prefill, for the blast radius): C-u clears it.
      await r.press(KEYS.enter, CTRL_U);
      await paste(text);
      await r.press(KEYS.enter);
      await settle();
    }
    const actions = ['Alert on worker pools without heartbeats | bob | 2026-02-01', 'Gate parser deploys on a canary | carol | 2026-02-15'];
    for (const line of actions) {
      await r.press('a');
      await paste(line);
      await r.press(KEYS.enter);
      await settle();
    }
    // Only the resolved milestone is left.
    expect(s().incident?.pir.strictProblems).toEqual(['Summary: resolved time missing']);
    expect(r.frame()).toContain('1 item still missing for --strict');
    await r.press(KEYS.esc);

    // ---- resolved, then export ------------------------------------------------------------------
    await r.press('R', 'y');
    await settle();
    expect(s().incident?.state).toBe('resolved');
    expect(s().incident?.pir.strictProblems).toEqual([]);
    await r.press('E');
    await settle();
    const written = path.join(dir, `${id}.pir.md`);
    expect(r.frame()).toContain(`PIR written to ${written}; complete: passes --strict`);

    // ---- `lsos-cockpit pir export latest --strict` ----------------------------------------------
    let out = '';
    let err = '';
    const code = await runPirExport(['export', 'latest', '--strict', '--state-dir', dir], {
      stdout: { write: (c: string) => (out += c) },
      stderr: { write: (c: string) => (err += c) },
      env: {},
    });
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(fs.readFileSync(written, 'utf8')).toBe(out);
    if (process.env.SHOW_PIR) console.log(out);

    // The note, the severity change with its reason, the steps, the corrective actions.
    expect(out).toContain(`# Post-incident review: ${id}`);
    expect(out).toContain('Note: crawl worker pool has no heartbeats; reviews parser deploy at 09:00');
    expect(out).toMatch(/\| Severity SEV-2 → SEV-1 \| every tenant is affected: crawl stalled platform-wide \|/);
    expect(out).toContain('Severity none → SEV-2: matches the escalation matrix: crawl lag and dead letters');
    // Ticked steps are not listed as not done at resolution (ticks themselves are in --full only).
    for (const step of ticked) {
      const [section, n] = step.split('.');
      expect(out).not.toMatch(new RegExp(`^- §${section} step ${n}:`, 'm'));
    }
    expect(out).toMatch(/\| 1 \| Alert on worker pools without heartbeats \| bob \| 2026-02-01 \|/);
    expect(out).toMatch(/\| 2 \| Gate parser deploys on a canary \| carol \| 2026-02-15 \|/);
    for (const [, text] of fields) expect(out).toContain(text);
    // The blast radius: prefilled from the triggers, then edited.
    expect(out).toContain("The responders' statement (edited by the operator):");
    expect(out).toMatch(/\| Queues \| [^|]*crawl/);
    expect(out).toContain('| Campaigns | all crawl-dependent campaigns |');
    // The timeline: what a reader needs (no PIR edits or ticks), ISO 8601 UTC with milliseconds.
    const loaded = loadIncident(dir, id);
    expect(loaded?.report.ok).toBe(true);
    const timelineRows = out.split('\n').filter((l) => new RegExp(`^\\| ${ISO_MS.source} \\| [^|]* \\| `).test(l));
    expect(timelineRows.length).toBeGreaterThan(10);
    expect(timelineRows.length).toBeLessThan(loaded?.view.entries.length ?? 0);
    expect(timelineRows.some((l) => / \| PIR | \| Runbook §/.test(l))).toBe(false);
    expect(out).toContain('All times are UTC, in simulated time (a practice incident).');
    for (const m of ['started', 'detected', 'severity decided', 'mitigated', 'resolved']) {
      expect(out).toMatch(new RegExp(`\\| ${m} \\| ${ISO_MS.source} \\|`));
    }
    // No paging in this composition: nothing was acknowledged, and the PIR says so.
    expect(out).toContain('| acknowledged | — | no page was acknowledged |');
  });
});
