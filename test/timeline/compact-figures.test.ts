// A figures entry is held compressed while its incident is open (src/journal/compactFigures.ts):
// an hour at 2,000 queues held 19 MB of objects. Whatever reads it gets exactly what was recorded:
// the same JSON, the same canonical JSON and hash, the same keys in the same order, the same
// lines on disk, the same PIR figures, the same entries for another cockpit of a shared incident.
import { afterAll, describe, expect, it } from 'vitest';
import { readFigureSeries } from '../../src/core/pir/figures.js';
import type { FiguresDetails, TimelineEntry } from '../../src/core/timeline.js';
import { canonicalJson, entryHash, sealEntry, verifyChain } from '../../src/core/timeline.js';
import { compactFigures } from '../../src/journal/compactFigures.js';
import { readJournalFile } from '../../src/journal/journal.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { readMergedIncident } from '../../src/journal/shared/storage.js';
import { journalPath, loadIncident } from '../../src/journal/store.js';
import { ownOf, twoCockpitsByHand } from '../shared/byHand.js';
import { ManualClock, T0, figuresOf, queueLagTrigger, removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

const isCompact = (e: TimelineEntry) => typeof Object.getOwnPropertyDescriptor(e.details, 'queues')?.get === 'function';

/** An entry as the journal seals it (details copied through JSON). */
const sealed = (details: FiguresDetails) =>
  sealEntry(null, { at: new Date(T0).toISOString(), operator: 'alice', kind: 'figures', incidentId: 'INC-20261128-0412', details });

describe('a figures entry held compressed', () => {
  it('reads back exactly: the JSON, the canonical JSON, the hash, the keys and their order', () => {
    const e = sealed(figuresOf(2000, T0));
    const [json, canonical, keys, queueKeys, hash] = [
      JSON.stringify(e),
      canonicalJson(e.details),
      Object.keys(e.details),
      Object.keys(e.details.queues as object),
      entryHash(e),
    ];
    expect(hash).toBe(e.hash);
    const bytes = compactFigures(e);
    expect(isCompact(e)).toBe(true);
    // A tenth or so of the JSON it stands for.
    expect(bytes).toBeLessThan(JSON.stringify(e.details.queues).length / 4);
    expect(JSON.stringify(e)).toBe(json);
    expect(canonicalJson(e.details)).toBe(canonical);
    expect(Object.keys(e.details)).toEqual(keys);
    expect(Object.keys(e.details.queues as object)).toEqual(queueKeys);
    expect(entryHash(e)).toBe(hash);
    expect(verifyChain([e]).brokenAtSeq).toBeNull();
    expect({ ...e }).toEqual(JSON.parse(json));
    // Each read is a copy of its own: changing one changes nothing held.
    (e.details.queues as Record<string, { depth: number }>).tenant00001!.depth = -1;
    expect(JSON.stringify(e)).toBe(json);
    // A value assigned is kept as it is.
    e.details.queues = { only: { depth: 1 } };
    expect(e.details.queues).toEqual({ only: { depth: 1 } });
    expect(Object.keys(e.details)).toEqual(keys);
  });

  it('leaves alone what is small, not figures, or already compact', () => {
    const small = sealed(figuresOf(5, T0));
    expect(compactFigures(small)).toBe(0);
    expect(isCompact(small)).toBe(false);
    const note = sealEntry(null, {
      at: new Date(T0).toISOString(),
      operator: 'a',
      kind: 'note',
      incidentId: 'INC-20261128-0412',
      details: { text: 'x'.repeat(20_000) },
    });
    expect(compactFigures(note)).toBe(0);
    const big = sealed(figuresOf(2000, T0));
    expect(compactFigures(big)).toBeGreaterThan(0);
    expect(compactFigures(big)).toBe(0);
  });

  it('in the recorder: held compressed, written and resumed as recorded, read back whole by the PIR', () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    const rec = new IncidentRecorder({ stateDir: dir, clock, operator: 'alice', live: true });
    rec.onTriggerFired(queueLagTrigger());
    const id = rec.view()!.id;
    const samples: FiguresDetails[] = [];
    for (let m = 0; m < 5; m++) {
      clock.advance(60_000);
      samples.push(figuresOf(2000, clock.now(), m));
      rec.record('figures', samples[m]!);
    }
    const held = rec.view()!.entries.filter((e) => e.kind === 'figures');
    expect(held.map(isCompact)).toEqual([true, true, true, true, true]);
    expect(held.map((e) => e.details)).toEqual(samples);
    // On disk: intact, each line the sample as recorded.
    const disk = readJournalFile(journalPath(dir, id));
    expect(disk.ok).toBe(true);
    expect(disk.entries.filter((e) => e.kind === 'figures').map((e) => e.details)).toEqual(samples);
    expect(disk.entries.map((e) => JSON.stringify(e))).toEqual(rec.view()!.entries.map((e) => JSON.stringify(e)));
    // The PIR reads the journal: every sample, every queue; read from the entries held, the same.
    const series = readFigureSeries(loadIncident(dir, id)!.view.entries);
    expect(series).toHaveLength(5);
    expect(series.every((s) => Object.keys(s.queues).length >= 2000)).toBe(true);
    expect(readFigureSeries(rec.view()!.entries)).toEqual(series);
    rec.close();

    // Resumed by the next cockpit: held compressed again, the chain intact.
    const again = new IncidentRecorder({ stateDir: dir, clock, operator: 'bob', live: true });
    expect(again.view()!.id).toBe(id);
    expect(again.resumeReport()!.ok).toBe(true);
    const resumed = again.view()!.entries.filter((e) => e.kind === 'figures');
    expect(resumed.map(isCompact)).toEqual([true, true, true, true, true]);
    expect(resumed.map((e) => e.details)).toEqual(samples);
    again.close();
  });

  it('in a shared incident: the other cockpit takes the entries (each hash checked) and keeps the same lines', () => {
    const clock = new ManualClock(T0);
    const { a, b, id } = twoCockpitsByHand(tempDir(), tempDir(), clock);
    const samples = [figuresOf(2000, clock.now(), 1), figuresOf(2000, clock.now() + 60_000, 2)];
    a.record('figures', samples[0]!);
    clock.advance(60_000);
    a.record('figures', samples[1]!);
    expect(b.ingest(id, ownOf(a)).refused).toEqual([]);
    const figuresIn = (r: IncidentRecorder) => r.view()!.entries.filter((e) => e.kind === 'figures');
    expect(figuresIn(a).map(isCompact)).toEqual([true, true]);
    expect(figuresIn(b).map(isCompact)).toEqual([true, true]);
    expect(figuresIn(b).map((e) => e.details)).toEqual(samples);
    for (const r of [a, b]) {
      const merged = readMergedIncident(r.stateDir, id)!;
      expect(merged.ok).toBe(true);
      expect(merged.entries.map((e) => JSON.stringify(e))).toEqual(r.view()!.entries.map((e) => JSON.stringify(e)));
    }
    a.close();
    b.close();
  });
});
