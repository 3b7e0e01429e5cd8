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
import { IncidentRecorder } from '../../src/journal/recorder.js';

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
});
