// The mitigations in force: the column set at two widths, expiries, drift, the head line.
import { describe, expect, it } from 'vitest';
import type { InForce, MitigationsState } from '../../src/control/mitigations/inForce.js';
import { inForceTable, mitigationsHead, untilText, whyText } from '../../panels/mitigations/columns.js';
import { cells, shape, T0 } from './fixtures.js';

function inForce(over: Partial<InForce>): InForce {
  return {
    kind: 'paused-task',
    target: 'reviews.sync_reviews',
    by: 'alice',
    reason: 'parser failure loop',
    at: new Date(T0 - 60_000).toISOString(),
    until: new Date(T0 + 90 * 60_000).toISOString(),
    action: 'pause-task',
    undo: 'resume-task',
    expect: {},
    simulated: true,
    drift: null,
    checkedAt: null,
    setIn: null,
    from: 'journal',
    unconfirmed: null,
    noReply: [],
    observed: null,
    ...over,
  };
}

const paused = inForce({});
const pacing = inForce({ kind: 'pacing', target: 'lsos:pacing:profile', until: null, drift: 'profile is normal' });
const reads = inForce({
  kind: 'read-target',
  target: 'lsos:db:read_target',
  expect: { target: 'replica-a' },
  until: new Date(T0 + 20_000).toISOString(),
});

describe('mitigations in force columns', () => {
  it('at 40 columns: mark, what, on what and when it expires', () => {
    const t = inForceTable([paused, pacing, reads], 40, T0);
    expect(shape(t.columns)).toEqual({ keys: ['mark', 'what', 'target', 'until'], widths: [1, 15, 9, 12], total: 40 });
    expect(cells(t.columns, paused)).toMatchObject({
      what: { text: 'paused         ' },
      target: { text: 'reviews.…' },
      until: { text: '1h30m       ' },
    });
    expect(cells(t.columns, pacing)).toMatchObject({
      mark: { text: '!', tone: 'breach' },
      target: { text: 'conserva…' },
      until: { text: 'until undone' },
    });
    expect(cells(t.columns, reads).until?.text.trim()).toBe('1m');
  });

  it('at 100 columns: who set it, and why (or the drift)', () => {
    const t = inForceTable([paused, pacing, reads], 100, T0);
    expect(shape(t.columns)).toEqual({
      keys: ['mark', 'what', 'target', 'by', 'until', 'why'],
      widths: [1, 15, 14, 10, 12, 43],
      total: 100,
    });
    expect(cells(t.columns, pacing).why).toEqual({ text: 'DRIFT: profile is normal'.padEnd(43), tone: 'breach' });
    expect(cells(t.columns, paused).why?.tone).toBe('muted');
    expect(cells(t.columns, reads).target?.text.trim()).toBe('reads -> repl…');
  });

  it('a command without a reply: marked ?, the why says UNCONFIRMED; one found on the system says where it was set', () => {
    const silent = inForce({
      kind: 'cancelled-consumer',
      target: 'rank',
      until: null,
      reason: 'drain elsewhere',
      unconfirmed: 'w1@h: no reply: may still apply',
      noReply: ['w1@h'],
    });
    const t = inForceTable([silent], 100, T0);
    expect(cells(t.columns, silent).mark).toEqual({ text: '?', tone: 'warn' });
    expect(whyText(silent)).toBe('UNCONFIRMED: w1@h: no reply: may still apply; drain elsewhere');
    const found = inForce({
      from: 'system',
      setIn: 'INC-20261128-0900',
      action: 'reduce-concurrency',
      observed: 'w1@h runs 1 of 4 processes',
    });
    expect(whyText(found)).toBe('parser failure loop [set in INC-20261128-0900 by reduce-concurrency] (w1@h runs 1 of 4 processes)');
    expect(whyText(inForce({ from: 'system', action: 'outside this incident' }))).toBe('parser failure loop [found on the system]');
    expect(mitigationsHead(undefined, [silent, paused], 100).info).toBe('1 unconfirmed');
  });

  it('expiries: lapsing once passed, ? when unreadable', () => {
    expect(untilText(inForce({ until: new Date(T0 - 1).toISOString() }), T0)).toBe('lapsing');
    expect(untilText(inForce({ until: 'soon' }), T0)).toBe('?');
  });

  it('the head line: backend, role and audit backlog, cut to the width; the title counts drift', () => {
    const state: MitigationsState = {
      backend: 'simulation',
      simulated: true,
      role: 'operator',
      roleSource: 'roles file',
      inForce: [paused, pacing],
      checkedAt: null,
      checkError: null,
      audit: { pending: 2, error: 'ECONNREFUSED' },
    };
    expect(mitigationsHead(state, state.inForce, 100)).toEqual({
      text: 'SIMULATED simulation; role operator (roles file); audit waiting (2 in journal: ECONNREFUSED)',
      simulated: true,
      info: '1 drift',
    });
    expect(mitigationsHead(state, [paused], 40).text).toBe('SIMULATED simulation; role operator (ro…');
    expect(mitigationsHead(undefined, [], 100)).toEqual({ text: 'no mitigation backend in this session', simulated: false, info: '0' });
  });
});
