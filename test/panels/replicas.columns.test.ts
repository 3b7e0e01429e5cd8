// Replica lag's column sets at two widths: replicas with their marks, the pool line, and blocking
// queries (who blocks whom, how long, what the blocker is doing).
import { describe, expect, it } from 'vitest';
import { poolLine, replicasSplit, replicasTables, type ReplicasData } from '../../panels/replicas/columns.js';
import { cells, header, replica, shape } from './fixtures.js';

const a = replica('replica-a', { lagSeconds: 4 });
const b = replica('replica-b', { lagSeconds: 95, replayPaused: true, seenFrom: 'both' });
const c = replica('replica-c', { lagSeconds: 10, replayPaused: true });
const down = replica('replica-d', { lagSeconds: null, reachable: false });
const lock = {
  blockedPid: 4242,
  blockingPid: 4111,
  waitingSeconds: 192,
  query: 'UPDATE campaigns SET status = $1 WHERE id = $2',
  blockingState: 'idle in transaction',
  blockingQuery: 'BEGIN',
};

const data: ReplicasData = { rows: [a, b, c, down], blocking: [lock], connections: 87, maxConnections: 100, lagLimit: 60 };

describe('replica lag columns', () => {
  it('at 40 columns: mark, name, lag and replay state; where the lag was read from left out', () => {
    const t = replicasTables(data, 40, false);
    expect(shape(t.replicas.columns)).toEqual({ keys: ['mark', 'name', 'lag', 'state'], widths: [1, 23, 6, 7], total: 40 });
    expect(cells(t.replicas.columns, b)).toMatchObject({ mark: { text: '!', tone: 'breach' }, lag: { text: ' 1m35s', tone: 'breach' } });
    expect(cells(t.replicas.columns, c)).toMatchObject({ mark: { text: 'P', tone: 'warn' }, state: { text: 'paused ', tone: 'warn' } });
    expect(cells(t.replicas.columns, down)).toMatchObject({
      mark: { text: 'x', tone: 'breach' },
      lag: { text: '     -' },
      state: { text: 'down   ' },
    });
    expect(cells(t.replicas.columns, a).mark).toEqual({ text: ' ', tone: undefined });
    // Blocking queries: who blocks whom, how long, the query; not what the blocker is doing.
    expect(shape(t.blocking.columns).keys).toEqual(['who', 'wait', 'query']);
    expect(cells(t.blocking.columns, lock)).toMatchObject({ who: { text: '4111→4242      ' }, wait: { text: ' 3m12s', tone: 'breach' } });
  });

  it('at 100 columns: where each lag was read from, and what the blocker is doing', () => {
    const t = replicasTables(data, 100, true);
    expect(shape(t.replicas.columns)).toEqual({ keys: ['mark', 'name', 'lag', 'state', 'seen'], widths: [1, 73, 6, 7, 9], total: 100 });
    expect(cells(t.replicas.columns, b).seen).toEqual({ text: 'both     ', tone: 'muted' });
    expect(shape(t.blocking.columns).keys).toEqual(['who', 'wait', 'query', 'blocker']);
    expect(header(t.blocking.columns)).toMatch(/^blocker->block… waited blocked query +blocker is +$/);
    expect(cells(t.blocking.columns, lock).blocker?.text).toMatch(/^idle in transaction: BEGIN *$/);
    expect(cells(t.blocking.columns, lock).blocker?.tone).toBe('warn');
  });

  it('a configured replica promoted to primary: named so, no lag, replay "primary", muted, never a breach', () => {
    const promoted = replica('standby-1', { lagSeconds: null, seenFrom: 'replica', promoted: true });
    const t = replicasTables({ ...data, rows: [a, promoted] }, 80, false);
    expect(cells(t.replicas.columns, promoted)).toMatchObject({
      mark: { text: ' ', tone: 'muted' },
      name: { text: expect.stringMatching(/^standby-1 \(promoted: now the primary\) *$/) as unknown as string, tone: undefined },
      lag: { text: '     -', tone: 'muted' },
      state: { text: 'primary', tone: 'muted' },
    });
  });

  it('the pool: a warning from 80% used, a breach from 95%', () => {
    expect(poolLine(87, 100, 1)).toEqual({ text: '87/100 87%', tone: 'warn', blocking: '  blocking 1', reserved: '' });
    expect(poolLine(96, 100, 0)).toMatchObject({ text: '96/100 96% !', tone: 'breach' });
    expect(poolLine(10, 100, 0).tone).toBeUndefined();
    expect(poolLine(0, 0, 0).text).toBe('0/0 0%');
    // Against the slots the application may use, as the "connections saturated" trigger counts:
    // 17 of max_connections 20 with 3 reserved is full (the trigger says "17 of 17 exhausted").
    expect(poolLine(17, 20, 0, 3)).toMatchObject({ text: '17/17 100% !', tone: 'breach', reserved: '  +3 reserved' });
    expect(poolLine(10, 20, 0, 3)).toMatchObject({ text: '10/17 59%', tone: undefined });
  });

  it('replicas first, one pool line, the rest for blocking queries', () => {
    expect(replicasSplit(10, 4)).toEqual({ replicas: 5, blocking: 4 });
    expect(replicasSplit(4, 6)).toEqual({ replicas: 2, blocking: 1 });
  });
});
