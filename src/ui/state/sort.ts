// Sorting a panel's table by a column (the k9s / htop habit): `>` sorts by the next column, `<`
// by the previous one (past the last: the panel's own order again), `o` reverses the order. The
// sort keys are named as the panel's columns are (panels/<name>/columns.ts `key`), so the column
// header can carry the arrow; the frame's title says it too. Pure: rows in, rows out.
import { deadLetterFactor } from '../../domain/thresholds.js';
import { impliedSeverity } from '../../core/escalation.js';
import type { QueueSnapshot, ReplicaSnapshot } from '../../core/snapshot.js';
import type { TriggerState } from '../../core/triggerState.js';
import type { TriggerThresholds } from '../../core/triggers.js';
import type { PanelId } from './panels.js';
import { compareText } from '../../domain/textOrder.js';

/** The sort of one panel: a column key and the direction. */
export interface SortSpec {
  key: string;
  desc: boolean;
}

/** A column a panel's rows can be sorted by. */
export interface SortKey<R> {
  /** The column's key in the panel's column set. */
  key: string;
  /** How the title names it. */
  label: string;
  /** The first direction `>` picks: figures largest first, names A to Z. */
  desc: boolean;
  /** The value compared; null (unknown) always sorts last. */
  value(row: R, ctx: SortContext): number | string | null;
}

/** What a sort value may need beside its row. */
export interface SortContext {
  thresholds: TriggerThresholds;
}

/** One row of the failure classes' task table (src/ui/state/selectors.ts FailureTaskRow). */
interface TaskRow {
  queue: string;
  task: string;
  failureClass: string;
  count: number;
}

/** One timeline line (src/ui/state/store.ts TimelineLine). */
interface EntryRow {
  seq: number;
  operator: string;
  kind: string;
}

const QUEUE_KEYS: SortKey<QueueSnapshot>[] = [
  { key: 'name', label: 'queue', desc: false, value: (q) => q.name },
  { key: 'depth', label: 'depth', desc: true, value: (q) => q.depth },
  { key: 'reserved', label: 'rsvd', desc: true, value: (q) => q.reserved },
  { key: 'lag', label: 'lag', desc: true, value: (q) => (q.lagMethod === 'unknown' ? null : q.lagSeconds) },
  { key: 'dead', label: 'dead', desc: true, value: (q) => q.deadLetters },
  { key: 'growth', label: 'dl/h', desc: true, value: (q) => q.deadLetterGrowthPerHour },
  {
    key: 'factor',
    label: 'vs bl',
    desc: true,
    value: (q, c) => deadLetterFactor(q.deadLetterGrowthPerHour, q.deadLetterBaselinePerHour, c.thresholds.deadLetterBaselineFloorPerHour),
  },
  { key: 'drain', label: 'drain/m', desc: true, value: (q) => q.drainPerMinute },
];

const TASK_KEYS: SortKey<TaskRow>[] = [
  { key: 'task', label: 'task', desc: false, value: (r) => r.task },
  { key: 'class', label: 'class', desc: false, value: (r) => r.failureClass },
  { key: 'queue', label: 'queue', desc: false, value: (r) => r.queue },
  { key: 'count', label: 'fails', desc: true, value: (r) => r.count },
];

const REPLICA_KEYS: SortKey<ReplicaSnapshot>[] = [
  { key: 'name', label: 'replica', desc: false, value: (r) => r.name },
  { key: 'lag', label: 'lag', desc: true, value: (r) => r.lagSeconds },
  { key: 'state', label: 'replay', desc: false, value: (r) => (!r.reachable ? 'down' : r.replayPaused ? 'paused' : 'running') },
];

const SEVERITY_ORDER: readonly string[] = ['SEV-1', 'SEV-2', 'SEV-3'];

const TRIGGER_KEYS: SortKey<TriggerState>[] = [
  // SEV-1 first (0), then SEV-2, SEV-3: `desc: false` puts the most serious on top.
  {
    key: 'sev',
    label: 'sev',
    desc: false,
    value: (t) => SEVERITY_ORDER.indexOf(impliedSeverity(t)),
  },
  { key: 'trigger', label: 'trigger', desc: false, value: (t) => t.title },
  { key: 'detail', label: 'target', desc: false, value: (t) => t.target },
  { key: 'since', label: 'since', desc: true, value: (t) => t.since },
];

const ENTRY_KEYS: SortKey<EntryRow>[] = [
  { key: 'at', label: 'time', desc: true, value: (e) => e.seq },
  { key: 'who', label: 'who', desc: false, value: (e) => e.operator },
  { key: 'kind', label: 'kind', desc: false, value: (e) => e.kind },
];

/** The sortable columns of each panel; a panel absent here keeps its own order (the runbook's steps, mitigations in force). */
export const SORT_KEYS: Partial<Record<PanelId, readonly SortKey<never>[]>> = {
  queues: QUEUE_KEYS,
  failures: TASK_KEYS,
  replicas: REPLICA_KEYS,
  escalation: TRIGGER_KEYS,
  timeline: ENTRY_KEYS,
};

/** The panel's sort keys (empty: not sortable). */
export function sortKeys<R>(panel: PanelId): readonly SortKey<R>[] {
  return (SORT_KEYS[panel] ?? []) as unknown as readonly SortKey<R>[];
}

function compareValues(a: number | string | null, b: number | string | null): number {
  if (a === null || (typeof a === 'number' && !Number.isFinite(a)))
    return b === null || (typeof b === 'number' && !Number.isFinite(b)) ? 0 : 1;
  if (b === null || (typeof b === 'number' && !Number.isFinite(b))) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return compareText(String(a), String(b));
}

/**
 * The rows in the sort's order: stable (equal rows keep the panel's own order), unknown values
 * last in either direction. No sort, or a key the panel does not have: the rows as given.
 */
export function sortRows<R>(rows: readonly R[], keys: readonly SortKey<R>[], spec: SortSpec | null | undefined, ctx: SortContext): R[] {
  const key = spec ? keys.find((k) => k.key === spec.key) : undefined;
  if (!spec || !key) return rows as R[];
  const valued = rows.map((row, i) => ({ row, i, v: key.value(row, ctx) }));
  valued.sort((x, y) => {
    const nullish = (v: number | string | null) => v === null || (typeof v === 'number' && !Number.isFinite(v));
    if (nullish(x.v) || nullish(y.v)) return compareValues(x.v, y.v) || x.i - y.i;
    const c = compareValues(x.v, y.v);
    return (spec.desc ? -c : c) || x.i - y.i;
  });
  return valued.map((v) => v.row);
}

/**
 * The sort after `>` (dir 1) or `<` (dir -1): the next column in the panel's column order, each
 * in its natural direction; past either end, no sort (the panel's own order). null: no sort.
 */
export function cycleSort(panel: PanelId, current: SortSpec | null | undefined, dir: 1 | -1): SortSpec | null {
  const keys = sortKeys(panel);
  if (keys.length === 0) return null;
  const at = current ? keys.findIndex((k) => k.key === current.key) : -1;
  // Positions: -1 is "no sort"; 0..n-1 the columns.
  const n = keys.length;
  const next = ((at + 1 + dir + (n + 1)) % (n + 1)) - 1;
  const k = keys[next];
  return k ? { key: k.key, desc: k.desc } : null;
}

/** How the title shows a sort: `sort:lag▼` (`sort:lag v` in ASCII). */
export function sortLabel(panel: PanelId, spec: SortSpec | null | undefined, ascii: boolean): string {
  if (!spec) return '';
  const k = sortKeys(panel).find((x) => x.key === spec.key);
  if (!k) return '';
  return `sort:${k.label}${sortArrow(spec.desc, ascii)}`;
}

/** The arrow of a direction: ▼ largest (or last) first, ▲ smallest first. */
export function sortArrow(desc: boolean, ascii: boolean): string {
  return ascii ? (desc ? ' v' : ' ^') : desc ? '▼' : '▲';
}
