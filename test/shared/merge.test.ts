// The merged timeline of a shared incident (pure): per-origin chains, the deterministic order,
// strict offers from the network, and journals written before origins existed.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EntryOrigin, TimelineEntry } from '../../src/core/timeline.js';
import { GENESIS_HASH, canonicalJson, entryHash, entryShapeProblem, formatUtc, sealEntry, verifyChain } from '../../src/core/timeline.js';
import { MergedTimeline, mergeEntries } from '../../src/journal/shared/merge.js';
import { entryRef, storedForm } from '../../src/journal/shared/origin.js';

const ID = 'INC-20261206-0806';
const T0 = Date.parse('2026-12-06T08:06:00.000Z');
const A: EntryOrigin = { user: 'alice', host: 'bastion-1', instance: 'aaaa000001' };
const B: EntryOrigin = { user: 'bob', host: 'bastion-1', instance: 'bbbb000002' };
const C: EntryOrigin = { user: 'carol', host: 'bastion-2', instance: 'cccc000003' };

/** A chain of notes by one origin at the given times (ms after T0). */
function chain(origin: EntryOrigin | undefined, times: number[], incidentId = ID): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  for (const [i, t] of times.entries()) {
    out.push(
      sealEntry(out[out.length - 1] ?? null, {
        at: formatUtc(T0 + t),
        operator: origin?.user ?? 'legacy',
        kind: 'note',
        incidentId,
        details: { text: `${origin?.user ?? 'legacy'} ${i + 1}` },
        ...(origin ? { origin } : {}),
      }),
    );
  }
  return out;
}

const texts = (es: readonly TimelineEntry[]) => es.map((e) => String(e.details.text));

function shuffle<T>(xs: T[], seed: number): T[] {
  const a = [...xs];
  let s = seed;
  for (let i = a.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

describe('entry shape', () => {
  it('hashes an entry without origin exactly as before (journals on disk still verify)', () => {
    const [e] = chain(undefined, [0]);
    expect(e!.origin).toBeUndefined();
    // The hash of the fields a journal always had, computed the old way.
    const old = createHash('sha256')
      .update(
        canonicalJson({
          seq: e!.seq,
          at: e!.at,
          operator: e!.operator,
          kind: e!.kind,
          incidentId: e!.incidentId,
          details: e!.details,
          prevHash: e!.prevHash,
        }),
      )
      .digest('hex');
    expect(e!.hash).toBe(old);
  });

  it('hashes origin and simulated time when present, and checks their shape', () => {
    const e = sealEntry(null, {
      at: formatUtc(T0),
      operator: 'alice',
      kind: 'note',
      incidentId: ID,
      details: { text: 'x' },
      origin: A,
      simAt: formatUtc(T0 + 3_600_000),
    });
    expect(entryShapeProblem(e)).toBeNull();
    expect(entryHash({ ...e, origin: B })).not.toBe(e.hash);
    expect(entryHash({ ...e, simAt: formatUtc(T0) })).not.toBe(e.hash);
    expect(entryShapeProblem({ ...e, origin: { user: 'a', host: 'h', instance: 'NOT/OK' } })).toMatch(/origin/);
    expect(entryShapeProblem({ ...e, simAt: 'yesterday' })).toMatch(/simAt/);
    expect(entryShapeProblem({ ...e, originSeq: 3 })).toMatch(/merged view/);
  });
});

describe('merge order', () => {
  it('is the same whatever order the entries arrive in, and keeps each chain in its own order', () => {
    const all = [...chain(A, [0, 10, 20, 30]), ...chain(B, [5, 10, 25]), ...chain(C, [1, 2, 3, 40])];
    const reference = mergeEntries(all);
    expect(reference.ok).toBe(true);
    expect(texts(reference.entries)).toEqual([
      'alice 1',
      'carol 1',
      'carol 2',
      'carol 3',
      'bob 1',
      // equal times: chain key order (alice's chain before bob's)
      'alice 2',
      'bob 2',
      'alice 3',
      'bob 3',
      'alice 4',
      'carol 4',
    ]);
    expect(reference.entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    for (let seed = 1; seed < 20; seed++) {
      const again = mergeEntries(shuffle(all, seed));
      expect(texts(again.entries)).toEqual(texts(reference.entries));
      expect(again.lastHash).toBe(reference.lastHash);
    }
    // Strictly, in any arrival order, one entry at a time: the same view.
    for (let seed = 1; seed < 10; seed++) {
      const m = new MergedTimeline();
      for (const e of shuffle(all, seed)) m.offer([e]);
      expect(texts(m.entries())).toEqual(texts(reference.entries));
      expect(m.entries().map((e) => e.seq)).toEqual(reference.entries.map((e) => e.seq));
    }
  });

  it('keeps a chain in seq order when its clock steps back', () => {
    const a = chain(A, [100, 50, 60]); // the clock went back 50 ms after the first entry
    const b = chain(B, [55]);
    expect(texts(mergeEntries([...b, ...a]).entries)).toEqual(['bob 1', 'alice 1', 'alice 2', 'alice 3']);
  });

  it('renumbers and says so when an entry lands inside the view; stored form gives back the chain', () => {
    const m = new MergedTimeline();
    const a = chain(A, [0, 20]);
    const b = chain(B, [10]);
    expect(m.offer(a).reordered).toBe(false);
    const r = m.offer(b);
    expect(r.reordered).toBe(true);
    expect(r.added.map((e) => e.seq)).toEqual([2]);
    expect(texts(m.entries())).toEqual(['alice 1', 'bob 1', 'alice 2']);
    const moved = m.entries()[2]!;
    expect(moved.seq).toBe(3);
    expect(moved.originSeq).toBe(2);
    expect(entryHash(moved)).toBe(moved.hash); // the view's seq is not what was hashed
    expect(storedForm(moved)).toEqual(a[1]);
    expect(entryRef(moved)).toBe(`${ID} alice@bastion-1/aaaa000001#2`);
  });
});

describe('strict offers (entries from other cockpits)', () => {
  it('takes each entry once, waits for a gap to fill, refuses altered, forked and unlinked entries', () => {
    const a = chain(A, [0, 10, 20, 30]);
    const m = new MergedTimeline();
    expect(m.offer([a[0]!, a[2]!]).added).toHaveLength(1); // seq 3 waits for seq 2
    expect(m.waiting()).toBe(1);
    expect(texts(m.offer([a[1]!]).added)).toEqual(['alice 2', 'alice 3']);
    expect(m.waiting()).toBe(0);
    expect(m.offer([a[1]!]).refused).toEqual([{ entry: a[1], why: 'duplicate' }]);
    const altered = { ...a[3]!, details: { text: 'rewritten' } };
    expect(m.offer([altered]).refused[0]!.why).toBe('altered');
    const forked = sealEntry(a[1]!, {
      at: a[2]!.at,
      operator: 'alice',
      kind: 'note',
      incidentId: ID,
      details: { text: 'fork' },
      origin: A,
    });
    expect(m.offer([forked]).refused[0]!.why).toBe('conflict');
    const unlinked = sealEntry(
      { seq: 3, hash: 'f'.repeat(64) },
      { at: a[3]!.at, operator: 'alice', kind: 'note', incidentId: ID, details: { text: 'x' }, origin: A },
    );
    expect(m.offer([unlinked]).refused[0]!.why).toBe('not-linked');
    expect(texts(m.offer([a[3]!]).added)).toEqual(['alice 4']);
    expect(m.report().ok).toBe(true);
  });
});

describe('journals on disk', () => {
  it('a journal written before origins existed reads as one chain, in its own order, seq unchanged', () => {
    const legacy = chain(undefined, [0, 1000, 2000]);
    const r = mergeEntries(legacy);
    expect(r.ok).toBe(true);
    expect(r.entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(r.entries.map(storedForm)).toEqual(legacy);
    expect(verifyChain(legacy).brokenAtSeq).toBeNull();
  });

  it('reports an altered entry at its place in the merged view and keeps everything readable', () => {
    const a = chain(A, [0, 10, 20]);
    const b = chain(B, [5, 15]);
    const tampered = [...a.slice(0, 1), { ...a[1]!, details: { text: 'changed' } }, a[2]!, ...b];
    const r = mergeEntries(tampered);
    expect(r.ok).toBe(false);
    expect(r.entries).toHaveLength(5);
    expect(r.entries[(r.brokenAtSeq ?? 0) - 1]?.details.text).toBe('changed');
    expect(r.problems.join('\n')).toMatch(/alice@bastion-1\/aaaa000001 .*seq 2: content does not match/);
    expect(r.chains.find((c) => c.origin?.user === 'bob')?.ok).toBe(true);
  });

  it('the same entry in two files counts once; two different entries with one seq are a fork', () => {
    const a = chain(A, [0, 10]);
    expect(mergeEntries([...a, ...a]).entries).toHaveLength(2);
    const fork = sealEntry(a[0]!, { at: a[1]!.at, operator: 'alice', kind: 'note', incidentId: ID, details: { text: 'other' }, origin: A });
    const r = mergeEntries([...a, fork]);
    expect(r.ok).toBe(false);
    expect(r.problems.join('\n')).toMatch(/fork/);
  });

  it('starts every chain from the genesis hash', () => {
    expect(chain(C, [0])[0]!.prevHash).toBe(GENESIS_HASH);
  });
});
