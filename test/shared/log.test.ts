// Shared incidents on disk and in the recorder, without Redis: two cockpits exchange entries by
// hand, as the replicator does. Each keeps its own chain in its own file, the merged copy in its
// own state directory, and both read the same incident.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../src/core/timeline.js';
import { readJournalFile } from '../../src/journal/journal.js';
import { IncidentRecorder, type RecorderSharing } from '../../src/journal/recorder.js';
import { SharedIncidentLog } from '../../src/journal/shared/log.js';
import { makeOrigin, storedForm } from '../../src/journal/shared/origin.js';
import { readMergedIncident } from '../../src/journal/shared/storage.js';
import { findOpenIncident, listIncidents, loadIncident } from '../../src/journal/store.js';
import { ManualClock, T0, queueLagTrigger, removeTempDirs, tempDir } from '../timeline/helpers.js';

afterAll(removeTempDirs);

const ID = 'INC-20261128-0412';

/** A sharing policy as the session gives it, with the open incident and the observer decided by the test. */
function sharing(user: string, state: { open: string | null; observer: string }, access: 'operator' | 'viewer' = 'operator') {
  const origin = makeOrigin(user, { host: 'bastion-1' });
  const s: RecorderSharing = {
    origin,
    access,
    beforeOpen: () => (state.open ? { join: state.open } : { id: ID }),
    observing: () => state.observer === origin.instance,
  };
  return s;
}

/** What another cockpit sends: its own chain's entries (stored form). */
function ownOf(r: IncidentRecorder): TimelineEntry[] {
  return [...(r.sharedLog()?.ownEntries() ?? [])].map(storedForm);
}

describe('a shared incident between two cockpits', () => {
  it('one opens, the other joins; entries cross both ways; both hold the same merged incident', () => {
    const clock = new ManualClock(T0);
    const state = { open: null as string | null, observer: '' };
    const sa = sharing('alice', state);
    const sb = sharing('bob', state);
    state.observer = sa.origin.instance;
    const dirA = tempDir();
    const dirB = tempDir();
    const a = new IncidentRecorder({ stateDir: dirA, clock, operator: 'alice', sharing: sa });
    const b = new IncidentRecorder({ stateDir: dirB, clock, operator: 'bob', sharing: sb });

    // Only the observing cockpit records what the sources show: bob's trigger opens nothing.
    expect(b.onTriggerFired(queueLagTrigger())).toEqual([]);
    expect(b.view()).toBeNull();
    a.onTriggerFired(queueLagTrigger());
    state.open = ID;
    const va = a.view()!;
    expect(va.id).toBe(ID);
    expect(va.commander).toMatchObject({ user: 'alice', host: 'bastion-1', how: 'opened' });
    expect(va.sessions).toEqual([expect.objectContaining({ user: 'alice', access: 'operator' })]);

    b.joinShared(ID, ownOf(a));
    clock.advance(1000);
    b.note('from bob');
    a.ingest(ID, ownOf(b));
    clock.advance(1000);
    a.note('from alice');
    b.ingest(ID, ownOf(a));

    const texts = (r: IncidentRecorder) => r.view()!.entries.map((e) => `${e.seq} ${e.kind} ${e.operator}`);
    expect(texts(a)).toEqual(texts(b));
    expect(a.view()!.notes.map((n) => n.text)).toEqual(['from bob', 'from alice']);
    expect(b.view()!.sessions!.map((s) => s.user)).toEqual(['alice', 'bob']);
    expect(b.view()!.commander?.user).toBe('alice');

    // Each directory alone holds the whole incident, and every chain verifies.
    for (const dir of [dirA, dirB]) {
      const merged = readMergedIncident(dir, ID)!;
      expect(merged.ok).toBe(true);
      expect(merged.chains).toHaveLength(2);
      expect(merged.entries.map((e) => e.hash)).toEqual(a.view()!.entries.map((e) => e.hash));
      expect(loadIncident(dir, ID)!.view.notes).toHaveLength(2);
    }
    // Own chain and copies, one file each, one writer each.
    expect(fs.readdirSync(path.join(dirA, ID)).sort()).toEqual([`copy-${sa.origin.instance}.jsonl`, `own-${sa.origin.instance}.jsonl`]);
    expect(listIncidents(dirB).map((i) => [i.id, i.state, i.entries])).toEqual([[ID, 'open', a.view()!.entries.length]]);
  });

  it('takes command by key; the latest handover holds; a viewer cannot take it', () => {
    const clock = new ManualClock(T0);
    const state = { open: null as string | null, observer: '' };
    const sa = sharing('alice', state);
    const sb = sharing('bob', state);
    const sw = sharing('wall', state, 'viewer');
    state.observer = sa.origin.instance;
    const a = new IncidentRecorder({ stateDir: tempDir(), clock, operator: 'alice', sharing: sa });
    const b = new IncidentRecorder({ stateDir: tempDir(), clock, operator: 'bob', sharing: sb });
    const w = new IncidentRecorder({ stateDir: tempDir(), clock, operator: 'wall', sharing: sw });
    a.openIncident('declared');
    state.open = a.view()!.id;
    b.joinShared(state.open, ownOf(a));
    w.joinShared(state.open, ownOf(a));
    clock.advance(500);
    b.takeCommand();
    expect(() => b.takeCommand()).toThrow(/already/);
    expect(() => w.takeCommand()).toThrow(/viewer/);
    a.ingest(state.open, ownOf(b));
    a.ingest(state.open, ownOf(w));
    const v = a.view()!;
    expect(v.commander).toMatchObject({ user: 'bob', how: 'took', previous: 'alice@bastion-1' });
    expect(v.commanderHistory!.map((c) => c.user)).toEqual(['alice', 'bob']);
    expect(v.sessions!.find((s) => s.user === 'wall')?.access).toBe('viewer');
  });

  it('folds again when an entry lands inside the timeline, and tells listeners so', () => {
    const clock = new ManualClock(T0);
    const state = { open: null as string | null, observer: '' };
    const sa = sharing('alice', state);
    const sb = sharing('bob', state);
    state.observer = sa.origin.instance;
    const a = new IncidentRecorder({ stateDir: tempDir(), clock, operator: 'alice', sharing: sa });
    const b = new IncidentRecorder({ stateDir: tempDir(), clock: new ManualClock(T0 + 1000), operator: 'bob', sharing: sb });
    a.openIncident('declared');
    state.open = a.view()!.id;
    b.joinShared(state.open, ownOf(a));
    b.note('bob at +1s');
    clock.advance(5000);
    a.note('alice at +5s');
    // bob's note, made before alice's, lands before it.
    const seen: Array<string | null> = [];
    a.subscribe((_v, e) => seen.push(e ? e.kind : null));
    const r = a.ingest(state.open, ownOf(b));
    expect(r.reordered).toBe(true);
    expect(seen).toEqual([null]);
    expect(a.view()!.notes.map((n) => n.text)).toEqual(['bob at +1s', 'alice at +5s']);
    expect(a.view()!.entries.map((e) => e.seq)).toEqual(a.view()!.entries.map((_, i) => i + 1));
  });

  it('two cockpits on one state directory each write their own chain; the incident reads whole', () => {
    const clock = new ManualClock(T0);
    const dir = tempDir();
    const o1 = makeOrigin('alice', { host: 'h' });
    const o2 = makeOrigin('alice', { host: 'h' });
    const l1 = SharedIncidentLog.create(dir, ID, { origin: o1, clock });
    const l2 = SharedIncidentLog.open(dir, ID, { origin: o2, clock });
    for (let i = 0; i < 5; i++) {
      l1.append('note', { text: `one ${i}` });
      l2.append('note', { text: `two ${i}` });
      clock.advance(10);
    }
    l1.close();
    l2.close();
    const merged = readMergedIncident(dir, ID)!;
    expect(merged.ok).toBe(true);
    expect(merged.entries).toHaveLength(10);
    expect(merged.chains.map((c) => c.lastSeq)).toEqual([5, 5]);
    // The old failure: two entries at seq 8 and "broken at seq 8". Each chain counts on its own.
    expect(new Set(merged.entries.map((e) => e.seq)).size).toBe(10);
  });

  it('a journal written before incidents were shared still reads, verifies and resumes', () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    const old = new IncidentRecorder({ stateDir: dir, clock, operator: 'alice' });
    old.openIncident('before sharing');
    old.note('legacy note');
    old.close();
    expect(fs.existsSync(path.join(dir, `${old.view()!.id}.jsonl`))).toBe(true);
    const loaded = loadIncident(dir, old.view()!.id)!;
    expect(loaded.report.ok).toBe(true);
    expect(loaded.view.entries.every((e) => e.origin === undefined)).toBe(true);
    const state = { open: null as string | null, observer: 'x' };
    // A sharing cockpit resumes it: its new entries carry an origin, in a directory beside the old file.
    const r = new IncidentRecorder({ stateDir: dir, clock, operator: 'bob', sharing: sharing('bob', state) });
    expect(r.view()!.id).toBe(old.view()!.id);
    r.note('after sharing');
    const again = loadIncident(dir, old.view()!.id)!;
    expect(again.report.ok).toBe(true);
    expect(again.view.notes.map((n) => n.text)).toEqual(['legacy note', 'after sharing']);
    expect(again.view.entries.filter((e) => e.origin).length).toBeGreaterThan(0);
  });

  it('one clock: at is wall-clock UTC, simulated time is its own field, milestones in simulated time', () => {
    const wall = new ManualClock(T0);
    const sim = new ManualClock(T0 + 6 * 3600_000);
    const r = new IncidentRecorder({ stateDir: tempDir(), clock: wall, simClock: sim, operator: 'alice' });
    r.openIncident('practice');
    const v = r.view()!;
    // On disk: wall-clock `at` (never backwards), the simulated time beside it.
    const onDisk = readJournalFile(path.join(r.stateDir, `${v.id}.jsonl`), v.id).entries;
    expect(onDisk.length).toBe(v.entries.length);
    expect(onDisk.every((e) => e.at === '2026-11-28T04:12:00.000Z')).toBe(true);
    expect(onDisk.every((e) => e.simAt === '2026-11-28T10:12:00.000Z')).toBe(true);
    // The view reads a practice incident on one clock, the simulation's: entries, milestones alike.
    expect(v.entries.every((e) => e.at === '2026-11-28T10:12:00.000Z')).toBe(true);
    expect(v.milestones.detected?.at).toBe('2026-11-28T10:12:00.000Z');
    // A restart with the simulated clock elsewhere never makes `at` go backwards.
    const later = new IncidentRecorder({
      stateDir: r.stateDir,
      clock: new ManualClock(T0 + 1000),
      simClock: new ManualClock(T0),
      operator: 'alice',
    });
    const written = readJournalFile(path.join(r.stateDir, `${v.id}.jsonl`), v.id).entries;
    const last = written[written.length - 1]!;
    expect(Date.parse(last.at)).toBeGreaterThan(T0);
    expect(findOpenIncident(r.stateDir, { live: true })).toBeNull(); // practice: a live session never resumes it
  });
});
