// The end of an incident's life, by keys, on the real store, CockpitRuntime (RecorderBridge) and
// IncidentRecorder with a journal in a temporary directory; the triggers come from readings fed to
// the store as a source does, and the wall clock is the test's.
// - R while a trigger fires and a mitigation is in force: the question lists both; y records the
//   resolution with them.
// - The trigger clears and fires again within the reopen window: no new incident; the screen
//   offers O; O reopens the same incident and the trigger is recorded in it.
// - After the window: a trigger opens a new incident; E then asks which PIR (the one just
//   resolved, or the new one) and exports the one named.
// - A trigger held for the offer, still firing when the window passes: a new incident, and why.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { InForce } from '../../src/control/mitigations/inForce.js';
import { readJournalFile } from '../../src/journal/journal.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { journalPath } from '../../src/journal/store.js';
import { CockpitRuntime } from '../../src/runtime/runtime.js';
import { createCockpitStore } from '../../src/ui/state/store.js';
import { nextTurn, waitFor } from '../support/waitFor.js';
import { cleanupAll, KEYS, queue, renderCockpit } from '../ui/fixtures.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 6, 10, 0, 0);
const dirs: string[] = [];
const cleanups: Array<() => void> = [];
afterEach(() => {
  cleanupAll();
  for (const c of cleanups.splice(0).reverse()) c();
});
afterAll(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const PAUSE: InForce = {
  kind: 'paused-task',
  target: 'crawl.fetch_page',
  by: 'carol',
  reason: 'parser loop',
  at: new Date(T0 - 5 * MIN).toISOString(),
  until: new Date(T0 + 90 * MIN).toISOString(),
  action: 'pause-task',
  undo: 'resume-task',
  expect: {},
  simulated: false,
  drift: null,
  checkedAt: null,
  setIn: 'INC-20261206-0930',
  from: 'system',
  unconfirmed: null,
  noReply: [],
  observed: null,
};

function cockpit(reopenWindowMs = 10 * MIN) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-lifecycle-'));
  dirs.push(dir);
  let now = T0;
  const clock = { now: () => now };
  const store = createCockpitStore({ session: { operator: 'alice', reopenWindowMs } });
  const recorder = new IncidentRecorder({ stateDir: dir, clock, operator: 'alice' });
  const runtime = new CockpitRuntime(store, recorder, { quit() {}, repaint() {} }, { now: clock.now });
  cleanups.push(
    () => recorder.close(),
    () => runtime.dispose(),
  );
  const r = renderCockpit({ store, commands: runtime, clock, services: { clock }, size: { columns: 160, rows: 45 } });
  const s = () => store.getState();
  /** A reading of the crawl queue: 23 minutes behind (the queue-lag trigger fires), or drained. */
  const crawl = (behind: boolean) =>
    s().ingest(
      'redis',
      { queues: [queue('crawl', behind ? { depth: 4000, lagSeconds: 23 * 60, lagMethod: 'stamped' } : { depth: 0, lagSeconds: 0 })] },
      now,
    );
  const firing = () =>
    s()
      .triggers.filter((t) => t.firing)
      .map((t) => t.key);
  const entries = (id: string) => readJournalFile(journalPath(dir, id), id).entries;
  const settle = async () => {
    await nextTurn();
    await r.press();
  };
  return {
    dir,
    r,
    s,
    recorder,
    crawl,
    firing,
    entries,
    settle,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('resolving, reopening and exporting, by keys', () => {
  it('R lists what still fires and holds and records it; a trigger firing again is offered as a reopen, O reopens the same incident', async () => {
    const c = cockpit();
    c.crawl(true);
    expect(c.firing()).toEqual(['queue-lag:crawl']);
    const id = c.s().incident?.id ?? '';
    expect(id).toMatch(/^INC-20261206-1000$/);
    // Panel 7 as the checker publishes it: a pause set elsewhere, read from the system.
    c.r.store.setState({
      mitigations: {
        backend: 'live',
        simulated: false,
        role: 'operator',
        roleSource: 'test',
        inForce: [PAUSE],
        checkedAt: null,
        checkError: null,
        audit: null,
      },
    });

    c.advance(5 * MIN);
    await c.r.press('R');
    const o = c.s().ui.overlay;
    expect(o?.kind).toBe('confirm');
    const frame = c.r.frame();
    expect(frame).toContain('1 trigger is STILL FIRING:');
    expect(frame).toContain('- Queue lag');
    expect(frame).toContain('1 mitigation is STILL IN FORCE');
    expect(frame).toContain('paused-task crawl.fetch_page by carol (set in INC-20261206-0930); undo: resume-task');
    expect(frame).toContain(`Mark incident ${id} RESOLVED anyway (recorded as such)?`);
    await c.r.press('y');
    await c.settle();
    expect(c.s().incident).toMatchObject({ id, state: 'resolved', resolvedAt: new Date(T0 + 5 * MIN).toISOString() });
    const resolve = c.entries(id).find((e) => e.kind === 'state-changed' && e.details.to === 'resolved');
    expect(resolve?.details).toMatchObject({
      from: 'open',
      reason: 'marked resolved by the operator while 1 trigger(s) still firing and 1 mitigation(s) still in force',
      stillFiring: [expect.stringMatching(/^Queue lag .* on crawl$/)],
      stillInForce: ['paused-task crawl.fetch_page by carol (set in INC-20261206-0930); undo: resume-task'],
    });
    // Still firing after the resolve: the offer stands (the footer shows O reopen).
    expect(c.r.frame()).toContain('O reopen');

    // It clears, then fires again within the window: held, offered, never a new incident.
    c.advance(MIN);
    c.crawl(false);
    expect(c.firing()).toEqual([]);
    c.advance(MIN);
    c.crawl(true);
    await c.settle();
    expect(c.s().incident).toMatchObject({ id, state: 'resolved' });
    expect(fs.readdirSync(c.dir).filter((f) => f.endsWith('.jsonl'))).toEqual([`${id}.jsonl`]);
    expect(c.s().ui.flash?.text).toMatch(
      new RegExp(`fires again after ${id} was resolved: O reopens it \\(until 10:15:00Z\\), I opens a new incident`),
    );
    expect(c.r.frame()).toContain('O reopen');

    await c.r.press('O');
    expect(c.r.frame()).toContain(`Reopen ${id}?`);
    await c.r.press('y');
    await c.settle();
    expect(c.s().incident).toMatchObject({ id, state: 'open' });
    const after = c.entries(id);
    const reopened = after.findIndex((e) => e.kind === 'state-changed' && e.details.reopened === true);
    expect(after[reopened]?.details).toMatchObject({
      from: 'resolved',
      to: 'open',
      reason: expect.stringMatching(/^reopened by the operator: Queue lag/),
    });
    // The trigger held for the offer is in the reopened incident's timeline.
    expect(after.slice(reopened).some((e) => e.kind === 'trigger-fired' && e.details.triggerKey === 'queue-lag')).toBe(true);
  });

  it('after the window a trigger opens a new incident; E then asks which PIR and exports the one named', async () => {
    const c = cockpit();
    c.crawl(true);
    const first = c.s().incident?.id ?? '';
    c.advance(MIN);
    c.crawl(false);
    await c.r.press('R');
    expect(c.r.frame()).toContain(`Mark incident ${first} RESOLVED?`);
    await c.r.press('y');
    await c.settle();
    expect(c.s().incident?.state).toBe('resolved');
    // Nothing fires: no offer.
    expect(c.r.frame()).not.toContain('O reopen');

    // E right after the resolve: the incident just resolved.
    await c.r.press('E');
    await c.settle();
    await waitFor(() => /PIR written to/.test(c.s().ui.flash?.text ?? ''), { what: 'the PIR written' });
    expect(c.s().ui.flash?.text).toContain(path.join(c.dir, `${first}.pir.md`));

    c.advance(11 * MIN);
    c.crawl(true);
    await c.settle();
    const second = c.s().incident?.id ?? '';
    expect(second).not.toBe(first);
    expect(c.s().incident?.state).toBe('open');

    // E now asks: the incident just resolved, or the new one.
    await c.r.press('E');
    const ask = c.s().ui.overlay;
    expect(ask).toMatchObject({ kind: 'prompt', actionId: 'pir', text: first });
    expect((ask as { label?: string }).label).toBe(
      `Export which PIR? ${first} or ${second} (${second} (open) opened after ${first} was resolved). Incident id`,
    );
    expect(c.r.frame()).toContain(`Export which PIR? ${first} or ${second}`);
    fs.rmSync(path.join(c.dir, `${first}.pir.md`));
    await c.r.press(KEYS.enter);
    await waitFor(() => fs.existsSync(path.join(c.dir, `${first}.pir.md`)), { what: 'the PIR of the incident just resolved' });
    expect(c.s().ui.flash?.text).toContain(`PIR of ${first} written to`);
    expect(fs.readFileSync(path.join(c.dir, `${first}.pir.md`), 'utf8')).toContain(first);
  });

  it('a trigger held for the offer and still firing when the window passes opens a new incident, and says why', async () => {
    const c = cockpit(5 * MIN);
    c.crawl(true);
    const first = c.s().incident?.id ?? '';
    c.crawl(false);
    await c.r.press('R', 'y');
    await c.settle();
    c.advance(MIN);
    c.crawl(true);
    await c.settle();
    expect(c.s().incident).toMatchObject({ id: first, state: 'resolved' });
    c.advance(5 * MIN);
    c.crawl(true); // the next reading, still behind
    await c.settle();
    expect(c.s().incident?.id).not.toBe(first);
    expect(c.s().incident?.state).toBe('open');
    expect(c.s().ui.flash?.text).toMatch(
      new RegExp(`${first} was not reopened within its reopen window: Queue lag .* opens a new incident`),
    );
  });
});
