// Derived views of the store that both the panels and the input router need: the rows each
// panel shows (after its filter), the clamped selection, the runbook section in view.
// Memoised on their inputs so a selector returns the same array until its inputs change:
// zustand's shallow compare then skips the render.
import type { FailureClass, QueueSnapshot, ReplicaSnapshot, BlockingQuery, SourceStatus } from '../../core/snapshot.js';
import { FAILURE_CLASSES } from '../../core/snapshot.js';
import { RUNBOOK, runbookSection, type RunbookSection, type RunbookSectionId } from '../../core/runbook.js';
import { sanitize } from '../../core/sanitize.js';
import type { TriggerState } from '../../core/triggers.js';
import type { DecidedSeverity, Severity } from '../../core/escalation.js';
import { panelSources } from './panels.js';
import { sortKeys, sortRows, type SortContext, type SortSpec } from './sort.js';
import type { CockpitState, PanelId, TimelineLine } from './store.js';
import { compareText } from '../../domain/textOrder.js';

/** Remembers the last call: same arguments (by identity), same result object. */
function memoLast<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  let lastArgs: A | null = null;
  let last: R;
  return (...args: A): R => {
    const prev = lastArgs;
    if (prev && prev.length === args.length && args.every((a, i) => Object.is(a, prev[i]))) return last;
    lastArgs = args;
    last = fn(...args);
    return last;
  };
}

/** Case-insensitive substring match over the row's visible text. */
export function matchesFilter(filter: string, ...fields: Array<string | number | null | undefined>): boolean {
  if (filter === '') return true;
  const needle = filter.toLowerCase();
  return fields.some((f) => f !== null && f !== undefined && sanitize(String(f)).toLowerCase().includes(needle));
}

// ---- breaching rows and filters ------------------------------------------------------------------

/** Trigger key -> since, of the triggers firing now (what a filter records when it is typed). */
export function firingNow(triggers: readonly TriggerState[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of triggers) if (t.firing) out[t.key] = t.since;
  return out;
}

/**
 * Whether a firing trigger started firing after the filter was typed (`before`: what fired then;
 * a trigger that cleared and fired again has a new `since`). No record: every firing trigger is new.
 */
function newlyFiring(t: TriggerState, before: Record<string, number> | undefined): boolean {
  return t.firing && before?.[t.key] !== t.since;
}

/** The firing triggers a row of a panel stands for (a queue's lag and dead letters, a replica's lag, a trigger row itself). */
function rowTriggers(panel: PanelId, triggers: readonly TriggerState[], row: unknown): TriggerState[] {
  switch (panel) {
    case 'queues': {
      const q = row as QueueSnapshot;
      return triggers.filter((t) => t.firing && (t.kind === 'queue-lag' || t.kind === 'dead-letter-spike') && t.target === q.name);
    }
    case 'failures': {
      const r = row as FailureTaskRow;
      return triggers.filter((t) => t.firing && t.kind === 'dead-letter-spike' && t.target === r.queue);
    }
    case 'replicas': {
      const r = row as ReplicaSnapshot;
      return triggers.filter((t) => t.firing && t.kind === 'replica-lag' && t.target === r.name);
    }
    case 'escalation':
      return (row as TriggerState).firing ? [row as TriggerState] : [];
    default:
      return [];
  }
}

/**
 * A panel's rows through its filter: those that match, and those that do not but whose trigger
 * started firing after the filter was typed (a filter never hides a newly breaching row). `kept`:
 * how many are shown only for that (the title says so; their row marker says they breach).
 */
function filterKeepingBreaches<R>(
  panel: PanelId,
  rows: readonly R[],
  filter: string,
  matches: (row: R) => boolean,
  triggers: readonly TriggerState[],
  before: Record<string, number> | undefined,
): { rows: R[]; kept: number } {
  if (filter === '') return { rows: rows as R[], kept: 0 };
  let kept = 0;
  const out = rows.filter((r) => {
    if (matches(r)) return true;
    const keep = rowTriggers(panel, triggers, r).some((t) => newlyFiring(t, before));
    if (keep) kept += 1;
    return keep;
  });
  return { rows: out, kept };
}

/** A panel's sort (none when it has no such column). */
const sortOf = (s: CockpitState, panel: PanelId): SortSpec | undefined => s.ui.sorts?.[panel];
const sortContext = memoLast((thresholds: SortContext['thresholds']): SortContext => ({ thresholds }));

// ---- queues ----------------------------------------------------------------------------------

const filterQueues = memoLast(
  (
    queues: QueueSnapshot[],
    filter: string,
    triggers: TriggerState[],
    before: Record<string, number> | undefined,
    sort: SortSpec | undefined,
    ctx: SortContext,
  ) => {
    const f = filterKeepingBreaches('queues', queues, filter, (q) => matchesFilter(filter, q.name, q.lagMethod), triggers, before);
    return { rows: sortRows(f.rows, sortKeys<QueueSnapshot>('queues'), sort, ctx), kept: f.kept };
  },
);
const queueView = (s: CockpitState) =>
  filterQueues(
    s.snapshot.queues,
    s.ui.filters.queues,
    s.triggers,
    s.ui.filterFiring?.queues,
    sortOf(s, 'queues'),
    sortContext(s.session.thresholds),
  );
export const queueRows = (s: CockpitState): QueueSnapshot[] => queueView(s).rows;

export function selectedQueue(s: CockpitState): QueueSnapshot | null {
  const rows = queueRows(s);
  return rows[clampIndex(s.ui.selected.queues, rows.length)] ?? null;
}

// ---- failure classes ---------------------------------------------------------------------------

export interface FailureTaskRow {
  key: string;
  queue: string;
  task: string;
  failureClass: FailureClass;
  count: number;
}

const allFailureTasks = memoLast((queues: QueueSnapshot[]): FailureTaskRow[] => {
  const rows: FailureTaskRow[] = [];
  for (const q of queues) {
    for (const t of q.topFailingTasks) {
      rows.push({
        key: `${q.name}\u0000${t.task}\u0000${t.failureClass}`,
        queue: q.name,
        task: t.task,
        failureClass: t.failureClass,
        count: t.count,
      });
    }
  }
  // Most failures first; ties by name so the order does not shuffle between ticks.
  rows.sort((a, b) => b.count - a.count || compareText(a.queue, b.queue) || compareText(a.task, b.task));
  return rows;
});
const filterFailureTasks = memoLast(
  (
    rows: FailureTaskRow[],
    filter: string,
    triggers: TriggerState[],
    before: Record<string, number> | undefined,
    sort: SortSpec | undefined,
    ctx: SortContext,
  ) => {
    const f = filterKeepingBreaches(
      'failures',
      rows,
      filter,
      (r) => matchesFilter(filter, r.queue, r.task, r.failureClass),
      triggers,
      before,
    );
    return { rows: sortRows(f.rows, sortKeys<FailureTaskRow>('failures'), sort, ctx), kept: f.kept };
  },
);
const failureView = (s: CockpitState) =>
  filterFailureTasks(
    allFailureTasks(s.snapshot.queues),
    s.ui.filters.failures,
    s.triggers,
    s.ui.filterFiring?.failures,
    sortOf(s, 'failures'),
    sortContext(s.session.thresholds),
  );
export const failureTaskRows = (s: CockpitState): FailureTaskRow[] => failureView(s).rows;

/**
 * Failures per class summed over every queue. A source keeps a queue's counts object while its
 * counts do not change: against the last call's queues (as many), only the counts objects that
 * changed are taken out of the sum and put in, and the same totals object comes back if none did.
 */
export const failureTotals = memoLast(
  (() => {
    let lastQueues: readonly QueueSnapshot[] = [];
    let last: Record<FailureClass, number> | null = null;
    return (queues: QueueSnapshot[]): Record<FailureClass, number> => {
      let out: Record<FailureClass, number> | null = null;
      if (last && lastQueues.length === queues.length) {
        for (let i = 0; i < queues.length; i++) {
          const was = (lastQueues[i] as QueueSnapshot).failuresByClass;
          const now = (queues[i] as QueueSnapshot).failuresByClass;
          if (was === now) continue;
          out ??= { ...last };
          for (const c of FAILURE_CLASSES) out[c] += now[c] - was[c];
        }
        out ??= last;
      } else {
        out = Object.fromEntries(FAILURE_CLASSES.map((c) => [c, 0])) as Record<FailureClass, number>;
        for (const q of queues) for (const c of FAILURE_CLASSES) out[c] += q.failuresByClass[c];
      }
      lastQueues = queues;
      last = out;
      return out;
    };
  })(),
);

// ---- replicas ----------------------------------------------------------------------------------

const filterReplicas = memoLast(
  (
    replicas: ReplicaSnapshot[],
    filter: string,
    triggers: TriggerState[],
    before: Record<string, number> | undefined,
    sort: SortSpec | undefined,
    ctx: SortContext,
  ) => {
    const match = (r: ReplicaSnapshot) => matchesFilter(filter, r.name, r.replayPaused ? 'paused' : '', r.seenFrom);
    const f = filterKeepingBreaches('replicas', replicas, filter, match, triggers, before);
    return { rows: sortRows(f.rows, sortKeys<ReplicaSnapshot>('replicas'), sort, ctx), kept: f.kept };
  },
);
const replicaView = (s: CockpitState) =>
  filterReplicas(
    s.snapshot.database.replicas,
    s.ui.filters.replicas,
    s.triggers,
    s.ui.filterFiring?.replicas,
    sortOf(s, 'replicas'),
    sortContext(s.session.thresholds),
  );
export const replicaRows = (s: CockpitState): ReplicaSnapshot[] => replicaView(s).rows;

const filterBlocking = memoLast((blocking: BlockingQuery[], filter: string) => {
  const rows = filter === '' ? blocking.slice() : blocking.filter((b) => matchesFilter(filter, b.query, b.blockedPid, b.blockingPid));
  return rows.sort((a, b) => b.waitingSeconds - a.waitingSeconds);
});
/** Blocking queries, longest wait first (the panel's filter applies to them too). */
export const blockingRows = (s: CockpitState): BlockingQuery[] => filterBlocking(s.snapshot.database.blocking, s.ui.filters.replicas);

// ---- escalation --------------------------------------------------------------------------------

const filterTriggers = memoLast(
  (triggers: TriggerState[], filter: string, before: Record<string, number> | undefined, sort: SortSpec | undefined, ctx: SortContext) => {
    const match = (t: TriggerState) => matchesFilter(filter, t.title, t.target, t.module, t.detail, t.firing ? 'firing' : 'cleared');
    const f = filterKeepingBreaches('escalation', triggers, filter, match, triggers, before);
    return { rows: sortRows(f.rows, sortKeys<TriggerState>('escalation'), sort, ctx), kept: f.kept };
  },
);
const triggerView = (s: CockpitState) =>
  filterTriggers(
    s.triggers,
    s.ui.filters.escalation,
    s.ui.filterFiring?.escalation,
    sortOf(s, 'escalation'),
    sortContext(s.session.thresholds),
  );
export const triggerRows = (s: CockpitState): TriggerState[] => triggerView(s).rows;

export function selectedTrigger(s: CockpitState): TriggerState | null {
  const rows = triggerRows(s);
  return rows[clampIndex(s.ui.selected.escalation, rows.length)] ?? null;
}

/** The firing trigger of a queue (lag first, then dead-letter spike), if any. */
export function queueTrigger(s: CockpitState, queue: string): TriggerState | null {
  return (
    s.triggers.find((t) => t.firing && t.key === `queue-lag:${queue}`) ??
    s.triggers.find((t) => t.firing && t.key === `dead-letter-spike:${queue}`) ??
    null
  );
}

// ---- runbook -----------------------------------------------------------------------------------

export interface RunbookRow {
  key: string;
  section: RunbookSectionId;
  /** The step this row belongs to (an option row ticks its step). */
  step: number;
  /** Set on a step's sub-options (the runbook's indented bullets). */
  option: number | null;
  text: string;
}

const rowsBySection = new Map<RunbookSectionId, RunbookRow[]>(
  RUNBOOK.map((sec) => [
    sec.id,
    sec.steps.flatMap((st): RunbookRow[] => [
      { key: `${sec.id}.${st.n}`, section: sec.id, step: st.n, option: null, text: st.text },
      ...(st.options ?? []).map((o, i) => ({ key: `${sec.id}.${st.n}.${i + 1}`, section: sec.id, step: st.n, option: i + 1, text: o })),
    ]),
  ]),
);

export interface RunbookFocus {
  /** The trigger the section is shown for; null when nothing fires (the daily checklist). */
  trigger: TriggerState | null;
  section: RunbookSection;
  /** The operator pinned this trigger (`r` on a trigger row); false: it is the most serious one. */
  pinned: boolean;
  /** The most serious firing trigger (triggers are ordered most serious first), or null. */
  top: TriggerState | null;
  /** How many triggers fire. */
  firing: number;
}

// The runbook pane and the presentation headline follow the most serious firing trigger (the
// first: src/core/escalation.ts orderTriggers orders them) unless the operator pinned another.
const runbookFocusOf = memoLast((triggers: TriggerState[], key: string | null | undefined): RunbookFocus => {
  const pinnedTo = key ? triggers.find((t) => t.key === key) : undefined;
  const top = triggers.find((t) => t.firing) ?? null;
  const trigger = pinnedTo ?? top;
  return {
    trigger,
    section: runbookSection(trigger ? trigger.section : 2),
    pinned: pinnedTo !== undefined,
    top,
    firing: triggers.filter((t) => t.firing).length,
  };
});
export const runbookFocus = (s: CockpitState): RunbookFocus => runbookFocusOf(s.triggers, s.ui.runbookTrigger);

const filterRunbook = memoLast((rows: RunbookRow[], filter: string) =>
  filter === '' ? rows : rows.filter((r) => matchesFilter(filter, r.text, r.key)),
);
export const runbookRows = (s: CockpitState): RunbookRow[] =>
  filterRunbook(rowsBySection.get(runbookFocus(s).section.id) ?? [], s.ui.filters.runbook);

const NO_STEPS: string[] = [];
export const stepsDone = (s: CockpitState): string[] => s.incident?.stepsDone ?? NO_STEPS;

// ---- timeline ----------------------------------------------------------------------------------

const NO_ENTRIES: TimelineLine[] = [];
const filterTimeline = memoLast((entries: TimelineLine[], filter: string, sort: SortSpec | undefined, ctx: SortContext) => {
  const rows = filter === '' ? entries : entries.filter((e) => matchesFilter(filter, e.kind, e.operator, e.text, e.at));
  return sortRows(rows, sortKeys<TimelineLine>('timeline'), sort, ctx);
});
export const timelineRows = (s: CockpitState): TimelineLine[] =>
  filterTimeline(s.incident?.entries ?? NO_ENTRIES, s.ui.filters.timeline, sortOf(s, 'timeline'), sortContext(s.session.thresholds));

/**
 * Each panel's rows as the operator moves through them, and how many are shown only because they
 * started breaching after its filter was typed: one table, read by the row count and the title.
 */
const PANEL_ROWS: Partial<Record<PanelId, (s: CockpitState) => { rows: readonly unknown[]; kept: number }>> = {
  queues: queueView,
  failures: failureView,
  replicas: replicaView,
  escalation: triggerView,
  runbook: (s) => ({ rows: runbookRows(s), kept: 0 }),
  timeline: (s) => ({ rows: timelineRows(s), kept: 0 }),
  mitigations: (s) => ({ rows: s.mitigations?.inForce ?? [], kept: 0 }),
};

/** How many of a panel's rows are shown only because they started breaching after its filter was typed. */
export function keptByBreach(s: CockpitState, panel: PanelId): number {
  return PANEL_ROWS[panel]?.(s).kept ?? 0;
}

// ---- selection ---------------------------------------------------------------------------------

export function clampIndex(i: number, length: number): number {
  if (length <= 0) return 0;
  return Math.max(0, Math.min(i, length - 1));
}

/** The rows j/k move through in a panel (0 for a panel with none). */
export function rowCount(s: CockpitState, panel: PanelId): number {
  return PANEL_ROWS[panel]?.(s).rows.length ?? 0;
}

/** The selected row of a panel, clamped to its rows; -1 when it has none. */
export function selectedIndex(s: CockpitState, panel: PanelId): number {
  const n = rowCount(s, panel);
  return n === 0 ? -1 : clampIndex(s.ui.selected[panel], n);
}

export function selectedRunbookRow(s: CockpitState): RunbookRow | null {
  const rows = runbookRows(s);
  return rows[clampIndex(s.ui.selected.runbook, rows.length)] ?? null;
}

/** An incident that is still being worked (the journal takes notes and ticks). */
export function incidentActive(s: CockpitState): boolean {
  return s.incident !== null && s.incident.state !== 'resolved';
}

/** The most serious firing trigger (the triggers are ordered most serious first). */
export function topFiringTrigger(s: CockpitState): TriggerState | null {
  return s.triggers.find((t) => t.firing) ?? null;
}

// ---- severity ----------------------------------------------------------------------------------

/**
 * The decision on screen: the current incident's own, from its journal; none without an incident,
 * so a new incident never shows the previous one's decision.
 */
export function decidedSeverity(s: CockpitState): DecidedSeverity | null {
  if (!s.incident) return null;
  return s.incident.decided !== undefined ? s.incident.decided : s.decision;
}

export interface SeverityOnScreen {
  /** What the matrix suggests now. */
  suggested: Severity | null;
  decided: DecidedSeverity | null;
}

const severityOnScreenOf = memoLast((suggested: Severity | null, decided: DecidedSeverity | null): SeverityOnScreen => ({
  suggested,
  decided,
}));
/** Suggested and decided together: what the status line, escalation panel and presentation say. */
export const severityOnScreen = (s: CockpitState): SeverityOnScreen => severityOnScreenOf(s.suggestion.severity, decidedSeverity(s));

/** Queues with a firing lag / dead-letter trigger (same object until the triggers change). */
export const firingQueues = memoLast((triggers: TriggerState[]) => {
  const lag = new Set<string>();
  const deadLetters = new Set<string>();
  for (const t of triggers) {
    if (!t.firing) continue;
    if (t.kind === 'queue-lag') lag.add(t.target);
    if (t.kind === 'dead-letter-spike') deadLetters.add(t.target);
  }
  return { lag, deadLetters };
});

/** The first unreachable source feeding `panel` (the panel list names its sources), or null while they all answer. */
export function panelSourceProblem(s: CockpitState, panel: PanelId): SourceStatus | null {
  const names = panelSources(panel);
  if (names.length === 0) return null;
  return s.snapshot.sources.find((x) => names.includes(x.name) && x.state === 'unreachable') ?? null;
}
