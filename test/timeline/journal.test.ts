import * as fs from 'node:fs';
import nodeFs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  GENESIS_HASH,
  canonicalJson,
  entryCanonicalJson,
  entryHash,
  entryShapeProblem,
  formatUtc,
  isUtcTimestamp,
  originProblem,
  sealEntry,
  verifyChain,
} from '../../src/core/timeline.js';
import type { TimelineEntry } from '../../src/core/timeline.js';
import { IncidentJournal, parseJournal, readJournalFile } from '../../src/journal/journal.js';
import { ManualClock, T0, fileLines, tempDir, removeTempDirs } from './helpers.js';

afterAll(removeTempDirs);

const ID = 'INC-20261128-0412';

function journalWith(n: number): { dir: string; journal: IncidentJournal; file: string } {
  const dir = tempDir();
  const clock = new ManualClock(T0);
  const journal = IncidentJournal.create(dir, ID, { clock, operator: 'alice' });
  for (let i = 1; i <= n; i++) {
    journal.append('note', { text: `note ${i}` });
    clock.advance(1001);
  }
  return { dir, journal, file: journal.path };
}

describe('canonical JSON and the hash chain', () => {
  it('sorts keys at every level and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
  });

  it('writes an entry for its hash exactly as canonicalJson of its hashed fields, whatever its shape', () => {
    const origin = { user: 'alice', host: 'bastion-1', instance: 'aaaa000001' };
    const base = { seq: 3, at: formatUtc(T0), operator: 'o', kind: 'note' as const, incidentId: ID, prevHash: GENESIS_HASH, hash: '' };
    const shapes: Array<Record<string, unknown>> = [
      { ...base, details: { text: 'x' } },
      { ...base, details: { text: 'x', n: 1 }, origin },
      { ...base, details: { a: { z: 1, y: [2, { d: 1, c: undefined }] }, b: null }, origin, simAt: formatUtc(T0 + 5) },
      { ...base, details: { 10: 'ten', 9: 'nine', x: [undefined, 1] } },
      { ...base, details: { when: new Date(T0), f: () => 1 } },
      { ...base, details: {}, origin: { instance: 'i', user: 'u', host: 'h' } },
      { ...base, details: {}, origin: { ...origin, extra: 'x' } },
      { ...base, details: {}, origin: { ...origin, host: undefined } },
      { ...base, details: { text: 'x' }, originSeq: 7, seq: 1 },
      { ...base, details: { s: 'é\u2028"\\' }, at: undefined, kind: 5 },
      { ...base, details: Object.assign(Object.create({ inherited: 1 }) as object, { own: 1 }) },
    ];
    for (const e of shapes) {
      const x = e as unknown as TimelineEntry;
      const seq = x.originSeq ?? x.seq;
      const expected = canonicalJson({
        seq,
        at: x.at,
        operator: x.operator,
        kind: x.kind,
        incidentId: x.incidentId,
        details: x.details,
        prevHash: x.prevHash,
        origin: x.origin,
        simAt: x.simAt,
      });
      expect(entryCanonicalJson(x)).toBe(expected);
    }
  });

  it('checks timestamps, hashes and origins of entries read as the patterns say', () => {
    const utc = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/;
    const real = (v: string) => {
      const m = utc.exec(v);
      if (!m) return false;
      const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as number[];
      const t = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, 0));
      return (
        t.getUTCFullYear() === y &&
        t.getUTCMonth() === mo! - 1 &&
        t.getUTCDate() === d &&
        t.getUTCHours() === h &&
        t.getUTCMinutes() === mi &&
        t.getUTCSeconds() === s
      );
    };
    const times = [
      formatUtc(T0),
      '2028-02-29T23:59:59.999Z',
      '2026-02-29T00:00:00.000Z',
      '2026-02-30T00:00:00.000Z',
      '0050-01-01T00:00:00.000Z',
      '2026-12-06T24:00:00.000Z',
      '2026-12-06T08:60:00.000Z',
      '2026-12-06T08:06:61.000Z',
      '2026-12-06T08:06:00.000',
      '2026-12-06T08:06:00.000Z\n',
      '2026-12-06 08:06:00.000Z',
      '2026-12-06T08:06:00.00Z',
      '2026-1a-06T08:06:00.000Z',
      '+026-12-06T08:06:00.000Z',
      '2026-12-06T08:06:00,000Z',
      '',
    ];
    for (const v of times) expect(isUtcTimestamp(v), v).toBe(real(v));
    const entry = sealEntry(null, { at: formatUtc(T0), operator: 'o', kind: 'note', incidentId: ID, details: {} });
    for (const h of ['a'.repeat(64), 'A'.repeat(64), 'g'.repeat(64), 'a'.repeat(63), `${'0'.repeat(63)}/`, `${'9'.repeat(64)}\n`]) {
      expect(entryShapeProblem({ ...entry, hash: h }) === null, h).toBe(/^[0-9a-f]{64}$/.test(h));
      expect(entryShapeProblem({ ...entry, prevHash: h }) === null, h).toBe(/^[0-9a-f]{64}$/.test(h));
    }
    const origins: Array<[Record<string, unknown>, string | null]> = [
      [{ user: 'alice', host: 'bastion-1', instance: 'abcd0001' }, null],
      [{ user: 'é😀', host: 'h'.repeat(200), instance: 'a'.repeat(32) }, null],
      [{ user: 'alice', host: 'h'.repeat(201), instance: 'abcd' }, 'host is not a short printable string'],
      [{ user: '', host: 'h', instance: 'abcd' }, 'user is not a short printable string'],
      [{ user: 'a\u001b', host: 'h', instance: 'abcd' }, 'user is not a short printable string'],
      [{ user: 'a', host: 'h\u007f', instance: 'abcd' }, 'host is not a short printable string'],
      [{ user: 'a', host: 'h', instance: 7 }, 'instance is not a short printable string'],
      [{ user: 'a', host: 'h', instance: 'abc' }, 'instance is not 4-32 lower-case letters and digits'],
      [{ user: 'a', host: 'h', instance: 'ABCD' }, 'instance is not 4-32 lower-case letters and digits'],
      [{ user: 'a', host: 'h', instance: 'a'.repeat(33) }, 'instance is not 4-32 lower-case letters and digits'],
    ];
    for (const [o, problem] of origins) expect(originProblem(o)).toBe(problem);
  });

  it('hashes independently of key order', () => {
    const a = sealEntry(null, { at: formatUtc(T0), operator: 'o', kind: 'note', incidentId: ID, details: { text: 'x', n: 1 } });
    const b = sealEntry(null, { at: formatUtc(T0), operator: 'o', kind: 'note', incidentId: ID, details: { n: 1, text: 'x' } });
    expect(a.hash).toBe(b.hash);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.prevHash).toBe(GENESIS_HASH);
    expect(entryHash(a)).toBe(a.hash);
  });

  it('formats UTC with milliseconds and Z', () => {
    expect(formatUtc(T0 + 7)).toBe('2026-11-28T04:12:00.007Z');
  });
});

describe('IncidentJournal', () => {
  it('numbers entries 1..n and chains each to the previous hash', () => {
    const { journal } = journalWith(5);
    const entries = journal.entries();
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(entries[0]?.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < entries.length; i++) expect(entries[i]?.prevHash).toBe(entries[i - 1]?.hash);
    expect(entries[1]?.at).toBe('2026-11-28T04:12:01.001Z');
    expect(entries[0]?.operator).toBe('alice');
    expect(entries[0]?.incidentId).toBe(ID);
    const report = journal.verify();
    expect(report).toMatchObject({ ok: true, brokenAtSeq: null, tornTail: false, problems: [] });
    expect(report.lastHash).toBe(entries[4]?.hash);
  });

  it('has the line on disk when append returns (written and fsynced before returning)', () => {
    const dir = tempDir();
    const journal = IncidentJournal.create(dir, ID, { clock: new ManualClock(T0), operator: 'alice' });
    const seenAtFsync: string[] = [];
    const realFsync = nodeFs.fsyncSync;
    // Watch fsync: when it runs, the line must already be written; append returns after it.
    nodeFs.fsyncSync = (fd: number): void => {
      seenAtFsync.push(fs.readFileSync(journal.path, 'utf8'));
      realFsync(fd);
    };
    syncBuiltinESMExports();
    let entry: TimelineEntry;
    try {
      entry = journal.append('note', { text: 'durable' });
    } finally {
      nodeFs.fsyncSync = realFsync;
      syncBuiltinESMExports();
    }
    expect(seenAtFsync).toHaveLength(1);
    expect(seenAtFsync[0]).toBe(`${JSON.stringify(entry)}\n`);
    // Read through a separate descriptor, as a fresh process would.
    const lines = fileLines(journal.path);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toEqual(entry);
  });

  it('does not create anything when opened for reading only', () => {
    const dir = path.join(tempDir(), 'nested');
    const journal = IncidentJournal.open(dir, ID);
    expect(journal.entries()).toEqual([]);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('refuses ids that are not incident ids (no path tricks)', () => {
    expect(() => IncidentJournal.open(tempDir(), '../etc/passwd')).toThrow(/not an incident id/);
  });

  it('create() refuses an id that already has a journal', () => {
    const { dir } = journalWith(1);
    expect(() => IncidentJournal.create(dir, ID)).toThrow(/EEXIST/);
  });

  it('continues the chain after reopening', () => {
    const { dir, journal } = journalWith(3);
    journal.close();
    const again = IncidentJournal.open(dir, ID, { operator: 'bob', clock: new ManualClock(T0 + 60_000) });
    const e = again.append('note', { text: 'after restart' });
    expect(e.seq).toBe(4);
    expect(e.prevHash).toBe(journal.entries()[2]?.hash);
    expect(again.verify().ok).toBe(true);
  });

  it('reports a torn last line, keeps the valid entries, and appends on a fresh line without rewriting', () => {
    const { dir, journal, file } = journalWith(4);
    journal.close();
    const intact = fs.readFileSync(file);
    // A crash mid-write: half of a fifth line, no newline.
    const fifth = sealEntry(journal.entries()[3] ?? null, {
      at: formatUtc(T0 + 9000),
      operator: 'alice',
      kind: 'note',
      incidentId: ID,
      details: { text: 'never finished' },
    });
    const half = JSON.stringify(fifth).slice(0, 40);
    fs.appendFileSync(file, half);

    const reopened = IncidentJournal.open(dir, ID, { operator: 'alice', clock: new ManualClock(T0 + 20_000) });
    const report = reopened.openReport();
    expect(report.tornTail).toBe(true);
    expect(report.brokenAtSeq).toBeNull();
    expect(report.entries.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(report.problems.join('\n')).toMatch(/line 5: torn last line/);
    expect(report.ok).toBe(false);

    const next = reopened.append('note', { text: 'after the crash' });
    expect(next.seq).toBe(5);
    const bytes = fs.readFileSync(file);
    // The old bytes, torn line included, are untouched: only appended to.
    expect(bytes.subarray(0, intact.length + half.length).toString()).toBe(intact.toString() + half);
    const lines = fileLines(file);
    expect(lines[4]).toBe(half);
    expect(JSON.parse(lines[5] ?? '')).toEqual(next);

    const after = readJournalFile(file, ID);
    expect(after.brokenAtSeq).toBeNull();
    expect(after.tornTail).toBe(false);
    expect(after.entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(after.problems.join('\n')).toMatch(/line 5: unreadable/);
  });

  it('reports an altered middle entry at its seq and keeps every readable entry', () => {
    const { file } = journalWith(7);
    const lines = fileLines(file);
    const third = JSON.parse(lines[2] ?? '') as TimelineEntry;
    third.details = { text: 'rewritten history' };
    lines[2] = JSON.stringify(third);
    fs.writeFileSync(file, lines.join('\n') + '\n');

    const report = readJournalFile(file, ID);
    expect(report.ok).toBe(false);
    expect(report.brokenAtSeq).toBe(3);
    expect(report.entries).toHaveLength(7);
    expect(report.entries[2]?.details.text).toBe('rewritten history');
    expect(report.problems.join('\n')).toMatch(/seq 3: content does not match its hash/);
  });

  it('reports an altered and re-hashed entry where its successor no longer chains', () => {
    const { file } = journalWith(6);
    const lines = fileLines(file);
    const third = JSON.parse(lines[2] ?? '') as TimelineEntry;
    third.details = { text: 'forged' };
    third.hash = entryHash(third);
    lines[2] = JSON.stringify(third);
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const report = readJournalFile(file, ID);
    expect(report.brokenAtSeq).toBe(4);
    expect(report.problems.join('\n')).toMatch(/seq 4: does not chain to seq 3/);
    expect(report.entries).toHaveLength(6);
  });

  it('reports a removed middle entry at the missing seq', () => {
    const { file } = journalWith(6);
    const lines = fileLines(file);
    lines.splice(3, 1); // seq 4
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const report = readJournalFile(file, ID);
    expect(report.brokenAtSeq).toBe(4);
    expect(report.entries.map((e) => e.seq)).toEqual([1, 2, 3, 5, 6]);
    expect(report.problems.join('\n')).toMatch(/seq 4: missing/);
  });

  it('reports a garbage middle line and keeps reading past it', () => {
    const { file } = journalWith(5);
    const lines = fileLines(file);
    lines.splice(2, 0, 'this is not json {{{', '{"seq":"x"}');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const report = readJournalFile(file, ID);
    expect(report.entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(report.brokenAtSeq).toBeNull(); // no entry was lost: the lines were inserted
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      'line 3: unreadable, skipped (not JSON)',
      'line 4: unreadable, skipped (seq is not a positive integer)',
    ]);
  });

  it('reports a garbage line that replaced an entry as a chain break', () => {
    const { file } = journalWith(5);
    const lines = fileLines(file);
    lines[1] = 'garbage';
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const report = readJournalFile(file, ID);
    expect(report.brokenAtSeq).toBe(2);
    expect(report.entries.map((e) => e.seq)).toEqual([1, 3, 4, 5]);
  });

  it('reports entries of another incident', () => {
    const a = sealEntry(null, { at: formatUtc(T0), operator: 'o', kind: 'note', incidentId: 'INC-20261128-0413', details: { text: 'x' } });
    const check = verifyChain([a], ID);
    expect(check.brokenAtSeq).toBe(1);
  });

  it('parses an empty journal as empty and intact', () => {
    expect(parseJournal('', ID)).toMatchObject({ ok: true, entries: [], tornTail: false, brokenAtSeq: null });
  });

  it('keeps entries of kinds it does not know readable', () => {
    const e = sealEntry(null, { at: formatUtc(T0), operator: 'o', kind: 'note', incidentId: ID, details: {} });
    const future = { ...e, kind: 'rollback-planned' } as unknown as TimelineEntry;
    future.hash = entryHash(future);
    const report = parseJournal(JSON.stringify(future) + '\n', ID);
    expect(report.entries).toHaveLength(1);
    expect(report.brokenAtSeq).toBeNull();
    expect(report.problems.join()).toMatch(/unknown kind/);
  });
});
