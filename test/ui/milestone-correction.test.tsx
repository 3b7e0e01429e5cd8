// Correcting a milestone by key: a new entry that supersedes the old time, with the old entry
// kept; a bad milestone name or time is refused with a message and nothing is written.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CockpitRuntime } from '../../src/runtime/runtime.js';
import { createCockpitStore } from '../../src/ui/state/store.js';
import { parseMilestoneCorrection } from '../../src/ui/controllers/timeline.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { loadIncident } from '../../src/journal/store.js';
import { cleanupAll, fixedClock, KEYS } from './fixtures.js';
import { renderCockpit } from './fixtures.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  cleanupAll();
  for (const c of cleanups.splice(0)) c();
});

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-milestone-'));
  const store = createCockpitStore({ session: { operator: 'alice' } });
  const recorder = new IncidentRecorder({ stateDir: dir, clock: fixedClock, operator: 'alice' });
  const runtime = new CockpitRuntime(store, recorder, { quit() {}, repaint() {} });
  recorder.openIncident('crawl backlog');
  const id = recorder.view()?.id as string;
  cleanups.push(() => {
    runtime.dispose();
    recorder.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const r = renderCockpit({ store, commands: runtime });
  const journal = () => loadIncident(dir, id)?.view;
  return { r, store, journal };
}

describe('correcting a milestone time', () => {
  it('parses "milestone | time | reason" and names what is wrong', () => {
    expect(parseMilestoneCorrection('started | 2026-11-28T03:58:00Z | deploy at 03:58')).toEqual({
      milestone: 'started',
      at: '2026-11-28T03:58:00Z',
      reason: 'deploy at 03:58',
    });
    expect(parseMilestoneCorrection('began | 2026-11-28T03:58Z | x')).toMatch(/not a milestone: began/);
    expect(parseMilestoneCorrection('started 03:58')).toMatch(/expected/);
  });

  it('T opens the prompt; the correction supersedes the old time and both stay in the journal', async () => {
    const { r, journal } = setup();
    const before = journal()?.milestones.started?.at;
    expect(before).toBeDefined();
    await r.press('T');
    expect(r.lastFrame()).toContain('Correct milestone');
    r.stdin.write('started | 2026-11-28T03:58:00Z | deploy went out at 03:58, before detection');
    await r.press(KEYS.enter);
    const v = journal();
    expect(v?.milestones.started?.at).toBe('2026-11-28T03:58:00.000Z');
    const stamps = v?.milestoneHistory.filter((m) => m.name === 'started') ?? [];
    expect(stamps.length).toBe(2); // the original stamp is kept, superseded
    expect(stamps[0]?.at).toBe(before);
    expect(v?.entries.some((e) => e.kind === 'milestone-corrected')).toBe(true);
  });

  it('a time that is not a time is refused on screen, and nothing is written', async () => {
    const { r, journal } = setup();
    const n = journal()?.entries.length;
    await r.press('T');
    r.stdin.write('started | yesterday-ish | guess');
    await r.press(KEYS.enter);
    expect(r.lastFrame()).toMatch(/not an ISO 8601 time/);
    expect(journal()?.entries.length).toBe(n);
  });
});

describe('the registry audit point', () => {
  it('a mutating action refused in a read-only session is recorded while an incident is open', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-audit-point-'));
    const store = createCockpitStore({ session: { operator: 'alice', readonly: true, readonlyReason: '--readonly' } });
    const recorder = new IncidentRecorder({ stateDir: dir, clock: fixedClock, operator: 'alice' });
    const runtime = new CockpitRuntime(store, recorder, { quit() {}, repaint() {} });
    recorder.openIncident('crawl backlog');
    const id = recorder.view()?.id as string;
    cleanups.push(() => {
      runtime.dispose();
      recorder.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const r = renderCockpit({
      store,
      commands: runtime,
      onAttempt: (a, o) => runtime.recordAttempt(a, o),
    });
    await r.press('n'); // add a note: refused, the session is read-only
    await r.press('j'); // navigation: never recorded
    const actions = loadIncident(dir, id)?.view.entries.filter((e) => e.kind === 'action') ?? [];
    expect(actions).toHaveLength(1);
    expect(actions[0]?.details).toMatchObject({ action: 'note', outcome: 'refused' });
    expect(String(actions[0]?.details.reason)).toContain('read-only');
  });
});
