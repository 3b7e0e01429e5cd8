// Who set what: the reader of action records (src/control/audit/provenance.ts). The journals of
// the state directory are read again only when a file changed; ops_audit_log is read whole once,
// then only its new rows; while it refuses, it is asked again after 2x, 4x… the interval (at most
// 5 min), never every check (the server may be the incident: slots full), and the rows read
// before keep being used. The table here is a stand-in counting its reads (the pacing is the
// logic under test; the real table is read in test/inforce/live/system.test.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/control/audit/chain.js';
import { PROVENANCE_BACKOFF, ProvenanceReader } from '../../src/control/audit/provenance.js';
import type { AuditTrail } from '../../src/control/audit/trail.js';
import type { FiguresDetails } from '../../src/core/timeline.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { incidentDir } from '../../src/journal/shared/storage.js';
import { incidentIds, journalPath, loadIncident } from '../../src/journal/store.js';
import { ownOf, twoCockpitsByHand } from '../shared/byHand.js';
import { ManualClock, T0 } from '../timeline/helpers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const row = (id: number): AuditRecord & { id: number } => ({
  id,
  at: new Date(Date.UTC(2026, 11, 6, 10, 0, id)).toISOString(),
  operator: 'carol',
  role: 'operator',
  action: 'pause-task',
  target: `t${id}`,
  parameters: { task: `t${id}` },
  reason: 'r',
  result: 'done',
  incidentId: 'INC-20261206-1000',
  taskIds: [],
  correlationIds: [],
  journalSeq: id,
});

/** A table of `rows` that refuses while `down` is true, recording each read's afterId. */
function table(rows: Array<AuditRecord & { id: number }>) {
  const reads: number[] = [];
  const t = {
    down: false,
    reads,
    async recentRecords(o: { limit?: number; afterId?: number }) {
      reads.push(o.afterId ?? 0);
      if (t.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      const after = rows.filter((r) => r.id > (o.afterId ?? 0)).slice(-(o.limit ?? 2000));
      return { records: after, lastId: after.reduce((m, r) => Math.max(m, r.id), o.afterId ?? 0) };
    },
  };
  return t;
}

describe('the records of who set what', () => {
  it('reads the audit table whole once, then only new rows; backs off while it refuses, keeping what it read', async () => {
    const rows = [row(1), row(2)];
    const t = table(rows);
    let now = 0;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-prov-'));
    dirs.push(dir);
    const p = new ProvenanceReader({ stateDir: dir, trail: t as unknown as AuditTrail, everyMs: 5000, now: () => now });
    expect((await p.read()).audit.map((r) => r.target)).toEqual(['t1', 't2']);
    rows.push(row(3));
    now += 5000;
    expect((await p.read()).audit.map((r) => r.target)).toEqual(['t1', 't2', 't3']);
    expect(t.reads).toEqual([0, 2]);

    t.down = true;
    const asked: number[] = [];
    let last = await p.read(); // fails now: next try in 2x the interval (first failure)
    asked.push(now);
    for (let i = 0; i < 200; i++) {
      now += 5000; // the checker asks every 5 s
      const before = t.reads.length;
      last = await p.read();
      if (t.reads.length > before) asked.push(now);
    }
    expect(last.error).toMatch(/^ops_audit_log not read: connect ECONNREFUSED/);
    expect(last.audit.map((r) => r.target)).toEqual(['t1', 't2', 't3']);
    const gaps = asked.slice(1).map((a, i) => a - asked[i]!);
    expect(gaps.slice(0, 5)).toEqual([10_000, 20_000, 40_000, 80_000, 160_000]);
    expect(Math.max(...gaps)).toBe(PROVENANCE_BACKOFF.maxMs);
    expect(t.reads.length).toBeLessThan(20); // not one per check (201 checks)

    t.down = false;
    rows.push(row(4));
    now += PROVENANCE_BACKOFF.maxMs;
    last = await p.read();
    expect(last.error).toBeNull();
    expect(last.audit.map((r) => r.target)).toEqual(['t1', 't2', 't3', 't4']);
    expect(t.reads.at(-1)).toBe(3);
  });

  it('reads a journal again only when it changed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-prov-'));
    dirs.push(dir);
    const rec = new IncidentRecorder({ stateDir: dir, operator: 'alice' });
    rec.openIncident('test');
    rec.record('action', {
      action: 'pacing-conservative',
      mitigation: 'pacing-conservative',
      inForce: { kind: 'pacing' },
      audit: { result: 'done' },
    });
    rec.note('not an action');
    const p = new ProvenanceReader({ stateDir: dir, trail: null });
    const first = p.journalEntries();
    expect(first.map((e) => e.details.action)).toEqual(['pacing-conservative']);
    expect(p.journalEntries()[0]).toBe(first[0]); // the same object: not read again
    rec.record('action', {
      action: 'pacing-normal',
      mitigation: 'pacing-normal',
      inForce: { kind: 'pacing', removes: true },
      audit: { result: 'done' },
    });
    expect(p.journalEntries().map((e) => e.details.action)).toEqual(['pacing-conservative', 'pacing-normal']);
    rec.close();
  });

  // The open incident's journal grows all the time (a figures entry a minute, 185 KB at 2,000
  // queues): each check reads on from where the last one stopped, and finds what reading the
  // journal whole finds, in the numbering the in-force check uses.
  describe('a growing incident is read on from where the last read stopped', () => {
    /** What reading every journal whole gives (the store's own reading, merged and folded). */
    const whole = (dir: string) =>
      incidentIds(dir).flatMap((id) =>
        loadIncident(dir, id)!.view.entries.filter((e) => e.kind === 'action' && typeof e.details.inForce === 'object'),
      );
    const bytes = (files: string[]) => files.reduce((n, f) => n + (fs.existsSync(f) ? fs.statSync(f).size : 0), 0);
    const chainFiles = (dir: string, id: string) => [
      journalPath(dir, id),
      ...fs.readdirSync(incidentDir(dir, id)).map((n) => path.join(incidentDir(dir, id), n)),
    ];
    const action = (name: string) => ({ action: name, mitigation: name, inForce: { kind: 'pacing' }, audit: { result: 'done' } });
    /** A figures entry of 2,000 queues' size. */
    const figures = (t: number): FiguresDetails => ({
      providers: {},
      queues: Object.fromEntries(
        Array.from({ length: 2000 }, (_, i) => [
          `tenant${String(i).padStart(5, '0')}`,
          { dead: i, depth: i * 3, dlBase: null, dlRate: 0.5, fail: 0, lag: i / 2, workers: 1 },
        ]),
      ),
      replicas: { 'replica-1': 0.4 },
      reports: { failedCampaigns: [], failures: 0, runs: 3 },
      t: new Date(t).toISOString(),
    });

    it('one journal: only the appended bytes are parsed, and a journal replaced or cut is read whole', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-prov-'));
      dirs.push(dir);
      const clock = new ManualClock(T0);
      const rec = new IncidentRecorder({ stateDir: dir, operator: 'alice', clock });
      const id = rec.openIncident('test').id;
      const file = journalPath(dir, id);
      rec.record('figures', figures(clock.now()));
      rec.record('action', action('pacing-conservative'));
      const p = new ProvenanceReader({ stateDir: dir, trail: null });
      expect(p.journalEntries()).toEqual(whole(dir));
      expect(p.bytesParsed()).toBe(bytes([file]));
      // The first growth seen: read whole once more, then kept where it stopped.
      clock.advance(60_000);
      rec.record('figures', figures(clock.now()));
      expect(p.journalEntries()).toEqual(whole(dir));
      for (let i = 0; i < 4; i++) {
        const [sizeBefore, parsedBefore] = [bytes([file]), p.bytesParsed()];
        clock.advance(60_000);
        rec.record('figures', figures(clock.now()));
        if (i % 2 === 1) rec.record('action', action(`pacing-${i}`));
        else rec.note(`minute ${i}`);
        expect(p.journalEntries()).toEqual(whole(dir));
        expect(p.bytesParsed() - parsedBefore).toBe(bytes([file]) - sizeBefore);
      }
      expect(p.journalEntries().map((e) => e.details.action)).toEqual(['pacing-conservative', 'pacing-1', 'pacing-3']);

      // A line still being written waits for its newline; the bytes before it are read.
      const parsed = p.bytesParsed();
      fs.appendFileSync(file, '{"seq": 99, "at');
      expect(p.journalEntries()).toEqual(whole(dir));
      expect(p.bytesParsed()).toBe(parsed);

      // Replaced by another file (a copy without its last action): read whole.
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      const kept = lines.filter((l) => !l.includes('"pacing-3"')).join('\n');
      fs.writeFileSync(`${file}.new`, kept);
      fs.renameSync(`${file}.new`, file);
      expect(p.journalEntries().map((e) => e.details.action)).toEqual(['pacing-conservative', 'pacing-1']);
      expect(p.journalEntries()).toEqual(whole(dir));
      // Cut shorter in place: read whole.
      const first = lines.findIndex((l) => l.includes('"pacing-conservative"'));
      fs.truncateSync(file, Buffer.byteLength(lines.slice(0, first + 1).join('\n')) + 1);
      expect(p.journalEntries()).toEqual(whole(dir));
      expect(p.journalEntries().map((e) => e.details.action)).toEqual(['pacing-conservative']);
      rec.close();
    });

    it('a shared incident: only the appended bytes of each chain are parsed, in the merged numbering a late entry shifts', () => {
      const clock = new ManualClock(T0);
      const [dirA, dirB] = [fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-prov-a-')), fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-prov-b-'))];
      dirs.push(dirA, dirB);
      const { a, b, id: ID } = twoCockpitsByHand(dirA, dirB, clock);
      a.record('figures', figures(clock.now()));
      a.record('action', action('pacing-conservative'));
      const p = new ProvenanceReader({ stateDir: dirA, trail: null });
      expect(p.journalEntries()).toEqual(whole(dirA));
      clock.advance(1000);
      a.ingest(ID, ownOf(b));
      expect(p.journalEntries()).toEqual(whole(dirA)); // the first growth seen: read whole once more

      const seqOf = (name: string) => p.journalEntries().find((e) => e.details.action === name)?.seq;
      for (let i = 0; i < 3; i++) {
        const [sizeBefore, parsedBefore] = [bytes(chainFiles(dirA, ID)), p.bytesParsed()];
        // Bob acts first, alice a second later; alice's cockpit gets bob's entry after its own.
        clock.advance(60_000);
        b.record('action', action(`bob-${i}`));
        clock.advance(1000);
        a.record('figures', figures(clock.now()));
        a.record('action', action(`alice-${i}`));
        expect(p.journalEntries()).toEqual(whole(dirA));
        const aliceBefore = seqOf(`alice-${i}`)!;
        a.ingest(ID, ownOf(b));
        const read = p.journalEntries();
        expect(read).toEqual(whole(dirA));
        // Bob's entry comes before alice's in the merged order: her action's place moved on.
        expect(seqOf(`bob-${i}`)).toBeLessThan(seqOf(`alice-${i}`)!);
        expect(seqOf(`alice-${i}`)).toBe(aliceBefore + 1);
        expect(p.bytesParsed() - parsedBefore).toBe(bytes(chainFiles(dirA, ID)) - sizeBefore);
      }
      a.close();
      b.close();
    });
  });
});
