// The one fold of "mitigations in force" (src/core/inForce.ts), which the cockpit's panel and the
// PIR's state at resolution both read: set, undone, lapsed, a command without a reply
// (unconfirmed, then settled either way), an undo without a reply, one pacing/freeze/read target
// at a time, and the PIR's reading at a moment (a pause past its end is out). Then the same fold
// across incidents and ops_audit_log rows (who set what, for what the system shows).
import { describe, expect, it } from 'vitest';
import { foldInForce, NO_REPLY_TEXT } from '../../src/core/inForce.js';
import { mitigationsInForce } from '../../src/core/pir/resolution.js';
import type { TimelineEntry } from '../../src/core/timeline.js';
import type { AuditRecord } from '../../src/control/audit/chain.js';
import { inForceOnSystem, recordedAcross, type SystemReading } from '../../src/control/mitigations/inForceSystem.js';

const T0 = Date.UTC(2026, 10, 29, 10, 0, 0);
let seq = 0;

function action(
  mitigation: string,
  result: string,
  o: {
    kind: string;
    removes?: boolean;
    params?: Record<string, unknown>;
    record?: Record<string, unknown>;
    unconfirmed?: string[];
    by?: string;
    atMin?: number;
    incident?: string;
    undo?: string;
  },
): TimelineEntry {
  seq += 1;
  return {
    seq,
    at: new Date(T0 + (o.atMin ?? seq) * 60_000).toISOString(),
    operator: o.by ?? 'alice',
    kind: 'action',
    incidentId: o.incident ?? 'INC-20261129-1000',
    prevHash: '',
    hash: '',
    details: {
      action: mitigation,
      mitigation,
      reason: `why ${mitigation}`,
      params: o.params ?? {},
      inForce: { kind: o.kind, ...(o.removes ? { removes: true } : {}) },
      audit: { result },
      ...(o.record ? { record: o.record } : {}),
      ...(o.undo ? { undo: o.undo } : {}),
      ...(o.unconfirmed ? { unconfirmed: o.unconfirmed.map((target) => ({ target, error: 'did not reply' })) } : {}),
    },
  };
}

const shrink = (result = 'done', extra: Partial<Parameters<typeof action>[2]> = {}) =>
  action('reduce-concurrency', result, {
    kind: 'shrunk-pool',
    params: { queue: 'rank', concurrency: 1 },
    record: { queue: 'rank', restoreTo: { 'w1@h': 4 } },
    undo: 'restore-concurrency',
    ...extra,
  });
const cancel = (result: string, unconfirmed?: string[]) =>
  action('stop-consuming', result, {
    kind: 'cancelled-consumer',
    params: { queue: 'rank', workers: ['w1@h'] },
    record: { queue: 'rank', workers: ['w1@h'] },
    undo: 'resume-consuming',
    ...(unconfirmed ? { unconfirmed } : {}),
  });
const settle = (
  mitigation: string,
  result: 'confirmed' | 'not-applied',
  kind: string,
  removes = false,
  record: Record<string, unknown> = {},
) => action(mitigation, result, { kind, removes, params: { queue: 'rank', workers: ['w1@h'] }, record: { workers: ['w1@h'], ...record } });

describe('the fold of mitigations in force', () => {
  it('puts in force what ran, takes out what its undo, a lapse or a clearing took out; a refusal or failure puts nothing in force', () => {
    const pause = action('pause-task', 'done', {
      kind: 'paused-task',
      params: { task: 'crawl.fetch_page' },
      record: { task: 'crawl.fetch_page', until: new Date(T0 + 30 * 60_000).toISOString() },
      undo: 'resume-task',
    });
    const refused = action('quarantine-provider', 'refused', { kind: 'quarantined-pool', params: { provider: 'brightpool' } });
    const failed = action('freeze-writes', 'failed', { kind: 'frozen-writes' });
    const s = shrink();
    let all = foldInForce([pause, refused, failed, s]);
    expect(all.map((m) => [m.kind, m.target, m.action, m.undo, m.by, m.unconfirmed])).toEqual([
      ['paused-task', 'crawl.fetch_page', 'pause-task', 'resume-task', 'alice', null],
      ['shrunk-pool', 'rank', 'reduce-concurrency', 'restore-concurrency', 'alice', null],
    ]);
    expect(all[0]?.until).toBe(new Date(T0 + 30 * 60_000).toISOString());
    expect(all[1]?.record.restoreTo).toEqual({ 'w1@h': 4 });
    const lapse = action('pause-task-lapsed', 'lapsed', { kind: 'paused-task', params: { task: 'crawl.fetch_page' } });
    const restore = action('restore-concurrency', 'done', { kind: 'shrunk-pool', removes: true, params: { queue: 'rank' } });
    all = foldInForce([pause, s, lapse, restore]);
    expect(all).toEqual([]);
  });

  it('one pacing, one freeze, one read target at a time: a second one replaces the first', () => {
    const a = action('pacing-conservative', 'done', { kind: 'pacing', by: 'alice' });
    const b = action('pacing-conservative', 'done', { kind: 'pacing', by: 'bob' });
    const rt1 = action('fail-over-reads', 'done', { kind: 'read-target', record: { target: 'replica-1' } });
    const rt2 = action('fail-over-reads', 'done', { kind: 'read-target', record: { target: 'replica-2' } });
    const all = foldInForce([a, b, rt1, rt2]);
    expect(all.map((m) => [m.kind, m.target, m.by, m.record.target ?? null])).toEqual([
      ['pacing', 'lsos:pacing:profile', 'bob', null],
      ['read-target', 'lsos:db:read_target', 'alice', 'replica-2'],
    ]);
  });

  it('a command without a reply is in force, unconfirmed ("no reply: may still apply"), until settled either way', () => {
    const silent = cancel('no-reply', ['w1@h']);
    let [m] = foldInForce([silent]);
    expect(m).toMatchObject({ kind: 'cancelled-consumer', target: 'rank', noReply: ['w1@h'], acknowledged: false });
    expect(m?.unconfirmed).toBe(`w1@h: ${NO_REPLY_TEXT}`);
    // Confirmed applied: in force, no longer in doubt.
    [m] = foldInForce([silent, settle('stop-consuming', 'confirmed', 'cancelled-consumer')]);
    expect(m).toMatchObject({ target: 'rank', unconfirmed: null, noReply: [], by: 'alice' });
    // Confirmed never applied: nothing was in force.
    expect(foldInForce([silent, settle('stop-consuming', 'not-applied', 'cancelled-consumer')])).toEqual([]);
    // Without the worker list (an audit row's bare result), the words still say it.
    expect(foldInForce([cancel('no-reply')])[0]?.unconfirmed).toBe(NO_REPLY_TEXT);
  });

  it('partly acknowledged: in force for the workers that replied, unconfirmed for the silent one; a "not applied" there leaves it in force', () => {
    const mixed = shrink('partial', { unconfirmed: ['w2@h'], record: { queue: 'rank', restoreTo: { 'w1@h': 4, 'w2@h': 4 } } });
    const [m] = foldInForce([mixed]);
    expect(m).toMatchObject({ acknowledged: true, noReply: ['w2@h'], unconfirmed: `w2@h: ${NO_REPLY_TEXT}` });
    const after = foldInForce([
      mixed,
      action('reduce-concurrency', 'not-applied', { kind: 'shrunk-pool', params: { queue: 'rank' }, record: { workers: ['w2@h'] } }),
    ]);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ unconfirmed: null, noReply: [] });
  });

  it('an undo without a reply leaves it in force, unconfirmed, until the undo is settled', () => {
    const set = cancel('done');
    const undo = action('resume-consuming', 'no-reply', {
      kind: 'cancelled-consumer',
      removes: true,
      params: { queue: 'rank', workers: ['w1@h'] },
      unconfirmed: ['w1@h'],
    });
    const [m] = foldInForce([set, undo]);
    expect(m).toMatchObject({ undoing: 'resume-consuming', unconfirmed: `resume-consuming sent, w1@h: ${NO_REPLY_TEXT}` });
    expect(foldInForce([set, undo, settle('resume-consuming', 'confirmed', 'cancelled-consumer', true)])).toEqual([]);
    const kept = foldInForce([set, undo, settle('resume-consuming', 'not-applied', 'cancelled-consumer', true)]);
    expect(kept[0]).toMatchObject({ undoing: null, unconfirmed: null });
  });

  it('the PIR reads the same fold at a moment: a pause past its end is out, an unconfirmed command says so', () => {
    const until = new Date(T0 + 30 * 60_000).toISOString();
    const pause = action('pause-task', 'done', {
      kind: 'paused-task',
      params: { task: 't' },
      record: { task: 't', until },
      undo: 'resume-task',
    });
    const silent = cancel('no-reply', ['w1@h']);
    expect(mitigationsInForce([pause, silent], T0 + 29 * 60_000).map((m) => [m.action, m.target, m.until, m.reason])).toEqual([
      ['pause-task', 't', until, 'why pause-task'],
      ['stop-consuming', 'rank', null, `why stop-consuming (unconfirmed: w1@h: ${NO_REPLY_TEXT})`],
    ]);
    expect(mitigationsInForce([pause], T0 + 30 * 60_000)).toEqual([]);
  });
});

describe('who set it, across incidents and the audit table', () => {
  const row = (o: Partial<AuditRecord> & Pick<AuditRecord, 'action' | 'result' | 'incidentId' | 'journalSeq' | 'at'>): AuditRecord => ({
    operator: 'carol',
    role: 'operator',
    target: 'crawl.fetch_page',
    parameters: { task: 'crawl.fetch_page' },
    reason: 'set from a shell',
    taskIds: [],
    correlationIds: [],
    ...o,
  });

  it('joins journal entries and audit rows in time order, each record once; a later incident undoes an earlier one', () => {
    const earlier = shrink('done', { incident: 'INC-20261128-0900', atMin: 1 });
    const rows = [
      row({
        action: 'pause-task',
        result: 'attempted',
        incidentId: 'INC-20261129-0930',
        journalSeq: 3,
        at: new Date(T0 + 2 * 60_000).toISOString(),
      }),
      row({
        action: 'pause-task',
        result: 'done',
        incidentId: 'INC-20261129-0930',
        journalSeq: 4,
        at: new Date(T0 + 2 * 60_000).toISOString(),
      }),
      // The same record as the journal entry: not counted twice.
      {
        ...row({ action: 'reduce-concurrency', result: 'done', incidentId: earlier.incidentId, journalSeq: earlier.seq, at: earlier.at }),
        target: 'rank',
      },
    ];
    let all = recordedAcross([earlier], rows, false);
    expect(all.map((m) => [m.kind, m.target, m.by, m.incidentId])).toEqual([
      ['shrunk-pool', 'rank', 'alice', 'INC-20261128-0900'],
      ['paused-task', 'crawl.fetch_page', 'carol', 'INC-20261129-0930'],
    ]);
    // Resumed later, in another incident, by another cockpit.
    rows.push(
      row({
        action: 'resume-task',
        result: 'done',
        incidentId: 'INC-20261129-1100',
        journalSeq: 9,
        at: new Date(T0 + 90 * 60_000).toISOString(),
      }),
    );
    all = recordedAcross([earlier], rows, false);
    expect(all.map((m) => m.kind)).toEqual(['shrunk-pool']);
    // A live session never counts simulated records (nor a simulation live ones).
    const simulated = row({
      action: 'pacing-conservative',
      result: 'done',
      incidentId: 'INC-20261129-1200',
      journalSeq: 2,
      at: new Date(T0).toISOString(),
      parameters: { simulated: true },
    });
    expect(recordedAcross([], [simulated], false)).toEqual([]);
    expect(recordedAcross([], [simulated], true).map((m) => m.kind)).toEqual(['pacing']);
  });
});

describe('the read target on the system', () => {
  const reading = (readTarget: string): SystemReading => ({
    flags: { paused: [], providers: [], activeProvider: null, pacing: null, writesFrozen: null },
    readTarget,
    workers: [],
    workersError: null,
  });
  const onSystem = (r: SystemReading, journal: TimelineEntry[]) =>
    inForceOnSystem(r, recordedAcross(journal, [], false), [], new Map(), T0 + 3_600_000, false).filter((m) => m.kind === 'read-target');

  it('reads on a replica with no failover recorded are the normal setting, not a mitigation in force', () => {
    expect(onSystem(reading('replica-1'), [])).toEqual([]);
    expect(onSystem(reading('primary'), [])).toEqual([]);
  });

  it('a recorded failover is in force while its target holds, with who set it; once the target moved on it is not', () => {
    const failover = action('fail-over-reads', 'done', {
      kind: 'read-target',
      record: { target: 'replica-2', previous: 'replica-1' },
      by: 'bob',
    });
    const held = onSystem(reading('replica-2'), [failover]);
    expect(held.map((m) => [m.target, m.by])).toEqual([['lsos:db:read_target', 'bob']]);
    expect(onSystem(reading('replica-1'), [failover])).toEqual([]);
  });
});
