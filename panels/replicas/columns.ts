// Replica lag's column sets (runbook 6): per replica lag and replay state, the connection pool's
// use, and blocking queries: who blocks whom, for how long, on what. Pure.
import { formatDuration } from '../../components/format.js';
import { tableAt, type Column, type Table } from '../../components/table.js';
import { sanitize } from '../../src/core/sanitize.js';
import type { BlockingQuery, ReplicaSnapshot } from '../../src/core/snapshot.js';
import { breaches } from '../../src/domain/thresholds.js';
import { glyphs, type Tone } from '../../src/ui/state/theme.js';

/** What the panel is drawn from. */
export interface ReplicasData {
  rows: readonly ReplicaSnapshot[];
  blocking: readonly BlockingQuery[];
  connections: number;
  maxConnections: number;
  /** The runbook's replica lag line, in seconds. */
  lagLimit: number;
}

/** Two readings of a replica that the table shows alike. */
export function sameReplicaRow(a: ReplicaSnapshot, b: ReplicaSnapshot): boolean {
  return (
    a === b ||
    (a.name === b.name &&
      a.lagSeconds === b.lagSeconds &&
      a.replayPaused === b.replayPaused &&
      a.reachable === b.reachable &&
      a.seenFrom === b.seenFrom &&
      a.promoted === b.promoted)
  );
}

export function sameReplicaRows(a: readonly ReplicaSnapshot[], b: readonly ReplicaSnapshot[]): boolean {
  return a === b || (a.length === b.length && a.every((r, i) => sameReplicaRow(r, b[i] as ReplicaSnapshot)));
}

/** Two readings of the blocking queries that the table shows alike. */
export function sameBlocking(a: readonly BlockingQuery[], b: readonly BlockingQuery[]): boolean {
  return (
    a === b ||
    (a.length === b.length &&
      a.every((x, i) => {
        const y = b[i] as BlockingQuery;
        return (
          x.blockedPid === y.blockedPid &&
          x.blockingPid === y.blockingPid &&
          x.waitingSeconds === y.waitingSeconds &&
          x.query === y.query &&
          x.blockingState === y.blockingState &&
          x.blockingQuery === y.blockingQuery
        );
      }))
  );
}

/** Over the replica lag line, by the one breach rule. */
export function replicaOverLine(r: ReplicaSnapshot, limit: number): boolean {
  return r.lagSeconds !== null && breaches(r.lagSeconds, limit);
}

/** Down or over the lag line is a breach; a paused replay is a warning (its lag only grows). */
export function replicaTone(r: ReplicaSnapshot, limit: number): Tone | undefined {
  if (r.promoted) return 'muted';
  if (!r.reachable || replicaOverLine(r, limit)) return 'breach';
  if (r.replayPaused) return 'warn';
  return undefined;
}

export function replicaColumns(limit: number): Column<ReplicaSnapshot>[] {
  const tone = (r: ReplicaSnapshot) => replicaTone(r, limit);
  return [
    // x unreachable, ! over the line, P replay paused.
    {
      key: 'mark',
      header: ' ',
      width: 1,
      text: (r) => (!r.reachable ? 'x' : replicaOverLine(r, limit) ? '!' : r.replayPaused ? 'P' : ' '),
      tone,
    },
    // A configured replica the primary's host list followed: no longer a replica, said so.
    {
      key: 'name',
      header: 'replica',
      grow: 1,
      minWidth: 6,
      text: (r) => (r.promoted ? `${sanitize(r.name, 80)} (promoted: now the primary)` : sanitize(r.name, 80)),
    },
    {
      key: 'lag',
      header: 'lag',
      width: 6,
      align: 'right',
      text: (r) => (r.promoted || !r.reachable ? '-' : r.lagSeconds === null ? '?' : formatDuration(r.lagSeconds)),
      tone,
    },
    {
      key: 'state',
      header: 'replay',
      width: 7,
      text: (r) => (r.promoted ? 'primary' : !r.reachable ? 'down' : r.replayPaused ? 'paused' : 'running'),
      tone,
    },
    { key: 'seen', header: 'from', width: 9, hideBelow: 44, text: (r) => r.seenFrom, tone: () => 'muted' },
  ];
}

/** A lock wait of a minute is a breach, of ten seconds a warning. */
export function waitTone(seconds: number): Tone | undefined {
  return seconds >= 60 ? 'breach' : seconds >= 10 ? 'warn' : undefined;
}

export function blockingColumns(ascii: boolean): Column<BlockingQuery>[] {
  const arrow = glyphs(ascii).arrow;
  return [
    { key: 'who', header: `blocker${arrow}blocked`, width: 15, text: (b) => `${b.blockingPid}${arrow}${b.blockedPid}` },
    {
      key: 'wait',
      header: 'waited',
      width: 6,
      align: 'right',
      text: (b) => formatDuration(b.waitingSeconds),
      tone: (b) => waitTone(b.waitingSeconds),
    },
    { key: 'query', header: 'blocked query', grow: 2, minWidth: 8, text: (b) => sanitize(b.query, 200) },
    // What the blocker is doing, when the source knows (`idle in transaction` is the usual culprit).
    {
      key: 'blocker',
      header: 'blocker is',
      grow: 1,
      minWidth: 8,
      hideBelow: 60,
      text: (b) => sanitize([b.blockingState, b.blockingQuery].filter(Boolean).join(': ') || '?', 200),
      tone: (b) => (b.blockingState === 'idle in transaction' ? 'warn' : 'muted'),
    },
  ];
}

/**
 * The pool line: `87/100 87%`, a breach from 95% used, a warning from 80%. Against the slots the
 * application can use (max_connections minus the reserved ones), as the "connections saturated"
 * trigger counts them: 17 of 20 with 3 reserved is `17/17 100% !`, never `17/20 85%`.
 */
export function poolLine(
  connections: number,
  maxConnections: number,
  blocking: number,
  reserved = 0,
): { text: string; tone: Tone | undefined; blocking: string; reserved: string } {
  const usable = Math.max(0, maxConnections - Math.max(0, reserved));
  const used = usable > 0 ? connections / usable : connections > 0 ? 1 : 0;
  const tone: Tone | undefined = used >= 0.95 ? 'breach' : used >= 0.8 ? 'warn' : undefined;
  return {
    text: `${connections}/${usable} ${Math.round(used * 100)}%${tone === 'breach' ? ' !' : ''}`,
    tone,
    blocking: `  blocking ${blocking}`,
    // Last on the line: a narrow panel cuts it before the blocking count.
    reserved: reserved > 0 ? `  +${reserved} reserved` : '',
  };
}

/**
 * The pool and blocking lines while the primary cannot be read: its connections and blocking
 * queries are not known (never `0/200 0%  blocking 0`, which reads as healthy).
 */
export function unreachablePrimaryLines(
  error: string | null | undefined,
  checkedAt: number | null | undefined,
): { pool: string; blocking: string } {
  const why = error ? `: ${sanitize(error, 80)}` : '';
  const last = checkedAt ? ` (last read ${new Date(checkedAt).toISOString().slice(11, 19)}Z)` : '';
  return {
    pool: `primary UNREACHABLE${why}: connections not known${last}`,
    blocking: 'blocking queries not known (primary unreachable)',
  };
}

/** Replicas first (they are the trigger), then one pool line, the rest for blocking queries. */
export function replicasSplit(height: number, replicaCount: number): { replicas: number; blocking: number } {
  const replicas = Math.max(2, Math.min(replicaCount + 1, height - 3));
  return { replicas, blocking: Math.max(0, height - replicas - 1) };
}

/** Both tables at the panel's inside width. */
export function replicasTables(
  data: ReplicasData,
  width: number,
  ascii: boolean,
): { replicas: Table<ReplicaSnapshot>; blocking: Table<BlockingQuery> } {
  return {
    replicas: tableAt(replicaColumns(data.lagLimit), data.rows, width),
    blocking: tableAt(blockingColumns(ascii), data.blocking, width),
  };
}
