// The PIR editor end to end: keys in the mounted Cockpit, a real CockpitRuntime and a real
// IncidentRecorder on a temporary state directory, the journal on disk read back.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AttemptOutcome, Binding } from '../../src/ui/registry/types.js';
import { clampPirIndex, pirRows } from '../../src/ui/controllers/pirEditor.js';
import { CockpitRuntime } from '../../src/runtime/runtime.js';
import { createCockpitStore, type CockpitState, type SessionConfig } from '../../src/ui/state/store.js';
import type { TimelineEntry } from '../../src/core/timeline.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { loadIncident } from '../../src/journal/store.js';
import { cleanupAll, fixedClock, incidentSnapshot, KEYS, renderCockpit, T0 } from './fixtures.js';

const dirs: string[] = [];
const runtimes: CockpitRuntime[] = [];

afterEach(() => {
  cleanupAll();
  for (const r of runtimes.splice(0)) {
    r.dispose();
    r.recorder.close();
  }
});
afterAll(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const CTRL_U = '\x15';

/**
 * A store fed the fixture snapshot through ingest, so its firing triggers (crawl 23 minutes
 * behind, crawl dead letters, replica-b paused) reach the recorder and open the incident by
 * themselves, with the blast radius prefilled from them.
 */
function setup(session: Partial<SessionConfig> = {}, size?: { columns: number; rows: number }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-pir-editor-'));
  dirs.push(dir);
  const store = createCockpitStore({ session: { operator: 'alice', ...session } });
  const recorder = new IncidentRecorder({ stateDir: dir, clock: fixedClock, operator: 'alice' });
  const runtime = new CockpitRuntime(store, recorder, { quit() {}, repaint() {} });
  runtimes.push(runtime);
  const { at: _at, sources: _sources, ...patch } = incidentSnapshot();
  store.getState().ingest('simulation', patch, T0);
  const id = store.getState().incident?.id ?? '';
  expect(id).toMatch(/^INC-/);
  const attempts: Array<[string, AttemptOutcome]> = [];
  const r = renderCockpit({ store, commands: runtime, onAttempt: (a: Binding, o) => attempts.push([a.id, o]), ...(size ? { size } : {}) });
  /** The incident as the journal on disk says it is. */
  const journal = () => {
    const loaded = loadIncident(dir, id);
    if (!loaded) throw new Error(`no journal for ${id}`);
    return loaded;
  };
  const pirEntries = (): TimelineEntry[] => journal().view.entries.filter((e) => e.kind === 'pir-field');
  /** Pastes text into the open prompt (Ink hands a fast run of text over as one string). */
  const paste = async (text: string) => {
    r.stdin.write(text);
    await r.press();
  };
  /** Waits for the async command behind a key to settle (the journal write is synchronous): event-loop turns, not time. */
  const settle = async () => {
    await new Promise<void>((res) => setImmediate(res));
    await r.press();
  };
  /** Highlights the editor row whose label starts with `label`. */
  const select = async (label: string) => {
    const st = r.store.getState();
    const rows = pirRows(st.incident);
    const from = st.ui.overlay?.kind === 'pir' ? clampPirIndex(st.ui.overlay.index, rows) : 0;
    const to = rows.findIndex((row) => row.label === label);
    if (to < 0) throw new Error(`no PIR row ${label}`);
    if (to !== from) {
      // One run of j or k, as key repeat delivers it.
      r.stdin.write((to > from ? 'j' : 'k').repeat(Math.abs(to - from)));
      await r.press();
    }
    expect(selectedLabel(r.store.getState())).toBe(label);
  };
  return { dir, id, store, recorder, runtime, r, journal, pirEntries, paste, settle, select, attempts };
}

function selectedLabel(s: CockpitState): string | undefined {
  const o = s.ui.overlay;
  if (o?.kind !== 'pir') return undefined;
  const rows = pirRows(s.incident);
  return rows[clampPirIndex(o.index, rows)]?.label;
}

function lineWith(frame: string, text: string): string | undefined {
  return frame.split('\n').find((l) => l.includes(text));
}

describe('the PIR editor', () => {
  it('P opens it: every field, required ones marked, the blast radius prefilled from the triggers', async () => {
    const t = setup();
    await t.r.press('P');
    const f = t.r.frame();
    expect(f).toContain(`Post-incident review: ${t.id} (open)`);
    for (const label of [
      'summary',
      'impact',
      'root cause',
      'contributing factors',
      'blast radius: modules',
      'blast radius: queues',
      'blast radius: replicas',
      'what went well',
      'what went badly',
      'add a corrective action',
      'monitoring gap updates',
      'runbook improvements',
    ]) {
      expect(f).toContain(label);
    }
    // Required and empty: marked with !.
    expect(lineWith(f, 'root cause')).toMatch(/! root cause/);
    expect(lineWith(f, 'monitoring gap updates')).toMatch(/! monitoring gap updates/);
    expect(lineWith(f, 'add a corrective action')).toMatch(/! add a corrective action/);
    // Optional and empty: no mark.
    expect(lineWith(f, 'what went well')).not.toContain('!');
    // The prefill: what the triggers saw (crawl's lag and dead letters, replica-b paused).
    expect(lineWith(f, 'blast radius: queues')).toMatch(/~ blast radius: queues\s+crawl\b.*\(from the triggers\)/);
    expect(lineWith(f, 'blast radius: modules')).toContain('crawl');
    expect(lineWith(f, 'blast radius: replicas')).toContain('replica-b');
    const prefill = t.store.getState().incident?.pir.blastRadiusPrefill;
    expect(prefill?.queues).toContain('crawl');
    expect(prefill?.replicas).toContain('replica-b');
    // What --strict still needs is listed.
    expect(f).toContain('still missing for --strict');
    expect(f).toContain('Root cause and contributing factors: root cause is empty');
    await t.r.press(KEYS.esc);
    expect(t.store.getState().ui.overlay).toBeNull();
  });

  it('editing each kind of field through keys ends up in the journal', async () => {
    const t = setup();
    await t.r.press('P');

    // A text field: Enter, type, Enter.
    await t.select('root cause');
    await t.r.press(KEYS.enter);
    expect(t.r.frame()).toContain('PIR root cause');
    await t.paste('proxy pool exhausted after the crawl workers died');
    await t.r.press(KEYS.enter);
    await t.settle();
    expect(t.journal().view.pir.rootCause).toBe('proxy pool exhausted after the crawl workers died');
    // Back in the editor, on the same row, the mark gone.
    expect(selectedLabel(t.store.getState())).toBe('root cause');
    expect(lineWith(t.r.frame(), 'root cause')).toMatch(/\* root cause\s+proxy pool exhausted/);

    // Every other text field.
    const texts: Array<[label: string, field: string, value: string]> = [
      ['summary', 'summary', 'crawl stalled for 40 minutes'],
      ['impact', 'impact', 'rank freshness late for every tenant'],
      ['contributing factors', 'contributingFactors', 'no alert on worker heartbeats'],
      ['what went well', 'wentWell', 'the trigger fired within a minute'],
      ['what went badly', 'wentBadly', 'nobody owned the crawl pool'],
      ['monitoring gap updates', 'monitoringGaps', 'alert on dead worker pools'],
      ['runbook improvements', 'runbookImprovements', 'section 3: check the pool first'],
    ];
    for (const [label, , value] of texts) {
      await t.select(label);
      await t.r.press(KEYS.enter);
      await t.paste(value);
      await t.r.press(KEYS.enter);
      await t.settle();
    }
    const pir = t.journal().view.pir as unknown as Record<string, unknown>;
    for (const [, field, value] of texts) expect(pir[field]).toBe(value);

    // The blast radius: the prompt starts from the prefill; the other parts are kept.
    await t.select('blast radius: queues');
    await t.r.press(KEYS.enter);
    const prompt = t.store.getState().ui.overlay;
    expect(prompt).toMatchObject({ kind: 'prompt', actionId: 'pir-edit' });
    expect(prompt?.kind === 'prompt' ? prompt.text : '').toContain('crawl');
    await t.r.press(CTRL_U);
    await t.paste('crawl, rank, reviews');
    await t.r.press(KEYS.enter);
    await t.select('blast radius: notes');
    await t.r.press(KEYS.enter);
    await t.paste('about 1,200 campaigns saw stale ranks');
    await t.r.press(KEYS.enter);
    await t.settle();
    const blast = t.journal().view.pir.blastRadius;
    expect(blast.queues).toEqual(['crawl', 'rank', 'reviews']);
    expect(blast.modules).toEqual(t.store.getState().incident?.pir.blastRadiusPrefill.modules);
    expect(blast.replicas).toContain('replica-b');
    expect(blast.notes).toBe('about 1,200 campaigns saw stale ranks');
    expect(t.journal().view.pirEdited).toContain('blastRadius');

    // Corrective actions: a adds rows (one prompt, action | owner | YYYY-MM-DD).
    await t.r.press('a');
    expect(t.r.frame()).toContain('Add corrective action: action | owner | YYYY-MM-DD');
    await t.paste('Alert when a worker pool stops heartbeating | bob | 2026-03-01');
    await t.r.press(KEYS.enter);
    await t.settle();
    await t.r.press('a');
    await t.paste('Runbook 3: check pools first | carol | 2026-03-15');
    await t.r.press(KEYS.enter);
    await t.settle();
    expect(t.journal().view.pir.correctiveActions).toEqual([
      { action: 'Alert when a worker pool stops heartbeating', owner: 'bob', due: '2026-03-01' },
      { action: 'Runbook 3: check pools first', owner: 'carol', due: '2026-03-15' },
    ]);
    expect(t.r.frame()).toMatch(/corrective action 2\s+Runbook 3: check pools first \| carol \| 2026-03-15/);

    // Enter on a row edits it, prefilled with the row as typed.
    await t.select('corrective action 1');
    await t.r.press(KEYS.enter);
    const again = t.store.getState().ui.overlay;
    expect(again?.kind === 'prompt' ? again.text : '').toBe('Alert when a worker pool stops heartbeating | bob | 2026-03-01');
    await t.r.press(CTRL_U);
    await t.paste('Alert on dead worker pools | dave | 2026-04-01');
    await t.r.press(KEYS.enter);
    await t.settle();
    expect(t.journal().view.pir.correctiveActions[0]).toEqual({ action: 'Alert on dead worker pools', owner: 'dave', due: '2026-04-01' });

    // d deletes the highlighted row after y.
    await t.select('corrective action 2');
    await t.r.press('d');
    expect(t.r.frame()).toContain('Delete corrective action 2 (Runbook 3: check pools first, carol, 2026-03-15)?');
    await t.r.press('n');
    expect(t.store.getState().ui.overlay).toMatchObject({ kind: 'pir' });
    expect(t.journal().view.pir.correctiveActions).toHaveLength(2);
    await t.r.press('d', 'y');
    await t.settle();
    expect(t.journal().view.pir.correctiveActions).toEqual([{ action: 'Alert on dead worker pools', owner: 'dave', due: '2026-04-01' }]);
    expect(t.store.getState().ui.overlay).toMatchObject({ kind: 'pir' });

    // d on a row that is not a corrective action says so and asks nothing.
    await t.select('summary');
    await t.r.press('d');
    expect(t.store.getState().ui.overlay).toMatchObject({ kind: 'pir' });
    expect(t.r.frame()).toContain('highlight a corrective action row first');

    // Everything went through the recorder: one durable pir-field entry per save.
    expect(t.pirEntries().length).toBe(1 + texts.length + 2 + 2 + 1 + 1);
    expect(t.journal().report.ok).toBe(true);
    // The timeline panel shows them too (the store follows the journal).
    expect(t.store.getState().incident?.entries.some((e) => e.text.startsWith('PIR root cause updated'))).toBe(true);
    // Only the milestones are left for --strict.
    expect(t.store.getState().incident?.pir.missing).toEqual([]);
    expect(t.r.frame()).toContain('Summary: mitigated time missing');
  });

  it('a bad due date is refused with a message on screen, the prompt kept, nothing written', async () => {
    const t = setup();
    await t.r.press('P', 'a');
    const before = t.journal().view.entries.length;
    await t.paste('Alert on dead worker pools | bob | 2026-02-30');
    await t.r.press(KEYS.enter);
    await t.settle();
    await t.r.press();
    const f = t.r.frame();
    expect(f).toContain('due date "2026-02-30" is not a real date');
    // The prompt is back with what was typed, to fix it.
    expect(t.store.getState().ui.overlay).toMatchObject({
      kind: 'prompt',
      actionId: 'pir-action',
      text: 'Alert on dead worker pools | bob | 2026-02-30',
    });
    expect(f).toContain('refused: corrective action 1: due date "2026-02-30" is not a real date');
    expect(t.journal().view.entries.length).toBe(before);
    expect(t.attempts.at(-1)).toEqual([
      'pir-action',
      { status: 'failed', error: 'corrective action 1: due date "2026-02-30" is not a real date' },
    ]);

    // Not a date at all, and a missing owner: refused as well, with the reasons.
    await t.r.press(CTRL_U);
    await t.paste('Alert on dead worker pools | | next week');
    await t.r.press(KEYS.enter);
    await t.settle();
    await t.r.press();
    expect(t.r.frame()).toContain('owner is empty, due date "next week" is not YYYY-MM-DD');
    expect(t.journal().view.entries.length).toBe(before);

    // Fixed: accepted.
    await t.r.press(CTRL_U);
    await t.paste('Alert on dead worker pools | bob | 2026-02-28');
    await t.r.press(KEYS.enter);
    await t.settle();
    expect(t.journal().view.pir.correctiveActions).toEqual([{ action: 'Alert on dead worker pools', owner: 'bob', due: '2026-02-28' }]);
    expect(t.store.getState().ui.overlay).toMatchObject({ kind: 'pir' });

    // Editing the row into a bad date is refused too, and the row stays as it was.
    await t.select('corrective action 1');
    await t.r.press(KEYS.enter, CTRL_U);
    await t.paste('Alert on dead worker pools | bob | 2026-13-01');
    await t.r.press(KEYS.enter);
    await t.settle();
    await t.r.press();
    expect(t.r.frame()).toContain('not a real date');
    expect(t.journal().view.pir.correctiveActions[0]?.due).toBe('2026-02-28');
    await t.r.press(KEYS.esc);
    expect(t.store.getState().ui.overlay).toMatchObject({ kind: 'pir' });
  });

  it('a read-only session shows the review but refuses every edit with the reason', async () => {
    const t = setup({ readonly: true, readonlyReason: 'observer seat' });
    const before = t.journal().view.entries.length;
    await t.r.press('P');
    expect(t.r.frame()).toContain(`Post-incident review: ${t.id} (open) read-only`);
    expect(lineWith(t.r.frame(), 'blast radius: queues')).toContain('crawl');
    await t.select('root cause');
    await t.r.press(KEYS.enter);
    expect(t.store.getState().ui.overlay).toMatchObject({ kind: 'pir' });
    expect(t.r.frame()).toContain('Edit PIR field: read-only session: observer seat');
    await t.r.press('a');
    expect(t.store.getState().ui.overlay).toMatchObject({ kind: 'pir' });
    expect(t.r.frame()).toContain('Add corrective action: read-only session: observer seat');
    await t.r.press(KEYS.esc, ':');
    await t.r.type('pir-action x | y | 2026-01-01');
    await t.r.press(KEYS.enter);
    await t.settle();
    expect(t.attempts.map(([id, o]) => [id, o.status])).toEqual([
      ['pir-editor', 'prompted'],
      ['pir-edit', 'disabled'],
      ['pir-action', 'disabled'],
      ['command', 'prompted'],
      ['pir-action', 'disabled'],
    ]);
    expect(t.journal().view.entries.length).toBe(before);
  });

  it('the : command line sets fields by row name, adds and deletes corrective actions', async () => {
    const t = setup();
    const command = async (text: string) => {
      await t.r.press(':');
      await t.paste(text);
      await t.r.press(KEYS.enter);
      await t.settle();
    };
    await command('pir-edit runbookImprovements check worker heartbeats first');
    await command('pir-edit blastRadius.replicas replica-a, replica-b');
    await command('pir-action Page on dead pools | erin | 2026-05-04');
    const view = t.journal().view;
    expect(view.pir.runbookImprovements).toBe('check worker heartbeats first');
    expect(view.pir.blastRadius.replicas).toEqual(['replica-a', 'replica-b']);
    expect(view.pir.correctiveActions).toEqual([{ action: 'Page on dead pools', owner: 'erin', due: '2026-05-04' }]);
    await command('pir-edit nosuchfield x');
    expect(t.r.frame()).toContain('no PIR field "nosuchfield"');
    // A dangerous action from the command line confirms first, naming the row.
    await t.r.press(':');
    await t.paste('pir-delete 1');
    await t.r.press(KEYS.enter);
    expect(t.r.frame()).toContain('Delete corrective action 1 (Page on dead pools, erin, 2026-05-04)?');
    await t.r.press('y');
    await t.settle();
    expect(t.journal().view.pir.correctiveActions).toEqual([]);
    expect(t.store.getState().ui.overlay).toBeNull();
  });

  it('E exports and says where, with the strict problems count', async () => {
    const t = setup({}, { columns: 200, rows: 40 });
    await t.r.press('E');
    await t.settle();
    await t.r.press();
    const n = t.store.getState().incident?.pir.strictProblems.length ?? 0;
    expect(n).toBeGreaterThan(0);
    expect(t.r.frame()).toContain(`PIR written to ${path.join(t.dir, `${t.id}.pir.md`)}`);
    expect(t.r.frame()).toContain(`--strict: ${n} problems`);
  });
});
