// The actions of an incident as a reviewer reads them: one run per action, its attempt and its
// result merged (the executor journals `attempted` and then `done`/`partial`/`failed`), the
// figure it aimed at, and that figure at the time and 5 and 15 minutes later. Refusals recorded
// by the registry's audit point (an edit the recorder refused, a key pressed in a read-only
// session) are not actions: they stay in the full journal only. Pure.
import type { TimelineEntry } from '../timeline.js';
import { parseUtc } from '../timeline.js';
import type { FigureRef, FigureSample } from './figures.js';
import { FIGURE_LABELS, figureValue, sampleAtOrBefore, sampleNear } from './figures.js';

export interface ActionRun {
  /** `A1`, `A2`… in time order: the charts mark actions with these. */
  label: string;
  seq: number;
  at: string;
  atMs: number;
  operator: string;
  action: string;
  target: string;
  /** Runbook step, e.g. `3.3`. */
  section: string | null;
  reason: string;
  /** done, partial, failed, refused, lapsed, cleared, or the action's own words. */
  outcome: string;
  /** When the result was recorded (null: only the attempt was). */
  outcomeAt: string | null;
  /** Refusal, failures or what the action reported, in one line. */
  detail: string;
  simulated: boolean;
  /** Ran through the mitigation executor (it has an audit row). */
  mitigation: boolean;
  /** The journal entries merged into this run. */
  seqs: number[];
  effect: ActionEffect;
}

export type Verdict = 'improved' | 'no change' | 'worse' | 'not enough data' | 'no figure' | 'not run';

export interface ActionEffect {
  /** The figure the action aimed at; null when it aims at none the series keeps. */
  figure: FigureRef | null;
  unit: 's' | 'count' | 'per-hour' | 'ratio' | null;
  /** The figure at the action's time (the last sample before it), and 5 and 15 minutes later. */
  atAction: number | null;
  after5: number | null;
  after15: number | null;
  verdict: Verdict;
  /** Why the verdict (compared values, or what was missing). */
  why: string;
  /**
   * For a queue action, the queue's depth beside its lag, at the same three times. The oldest
   * message's age keeps rising while a backlog drains, so the verdict is taken from whichever of
   * the two moves first in the right direction (`why` says which).
   */
  depth?: { atAction: number | null; after5: number | null; after15: number | null };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : '');
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

// `no-reply`: a worker never answered (it may still apply); settled later by its own entry.
const RESULTS = new Set(['done', 'partial', 'failed', 'no-reply']);

/** The registry's audit point writes `{action, outcome: refused|failed, reason}` only: a refused key, not an action. */
export function isRegistryRefusal(e: Pick<TimelineEntry, 'kind' | 'details'>): boolean {
  if (e.kind !== 'action') return false;
  const d = e.details;
  const outcome = str(d.outcome);
  return d.mitigation === undefined && d.audit === undefined && (outcome === 'refused' || outcome === 'failed');
}

function statusOf(d: Record<string, unknown>): string {
  const audit = obj(d.audit);
  const r = str(audit.result);
  if (r !== '') return r;
  return str(d.outcome).replace(/, SIMULATED$/, '');
}

function detailOf(d: Record<string, unknown>): string {
  const refusal = str(d.refusal);
  if (refusal !== '') return refusal;
  const failures = Array.isArray(d.failures)
    ? d.failures.map((f) => `${str(obj(f).target)}: ${str(obj(f).error)}`).filter((s) => s !== ': ')
    : [];
  if (failures.length > 0) return failures.slice(0, 3).join('; ') + (failures.length > 3 ? ` (+${failures.length - 3} more)` : '');
  const details = Array.isArray(d.details) ? d.details.filter((x): x is string => typeof x === 'string') : [];
  if (details.length > 0) return details.slice(0, 2).join('; ') + (details.length > 2 ? ` (+${details.length - 2} more)` : '');
  const status = statusOf(d);
  const outcome = str(d.outcome);
  return outcome !== '' && outcome.replace(/, SIMULATED$/, '') !== status ? outcome : '';
}

/** The queue a task's messages go to: LSOS routes `module.task` to the module's queue. */
function queueOfTask(task: string): string {
  const dot = task.indexOf('.');
  return dot > 0 ? task.slice(0, dot) : task;
}

/**
 * The figure an action aims at, in the runbook's terms: more workers or a resumed consumer at
 * the queue's lag; a shrunk pool, a stopped consumer or a paused task at the dead-letter growth
 * of the failure loop; a replay at the dead letters; provider steps at the SERP failure rate;
 * database steps at replica lag; reporting re-runs at the report failure ratio.
 */
export function aimedFigure(action: string, target: string, series: readonly FigureSample[], fallbacks: AimFallbacks): FigureRef | null {
  const has = (ref: FigureRef): boolean => series.some((s) => figureValue(s, ref) !== null);
  const pick = (ref: FigureRef | null): FigureRef | null => (ref !== null && has(ref) ? ref : null);
  switch (action) {
    case 'scale-replicas':
    case 'restore-concurrency':
    case 'resume-consuming':
      return pick({ kind: 'queue-lag', target });
    case 'reduce-concurrency':
    case 'stop-consuming':
      return pick({ kind: 'dead-letter-rate', target });
    case 'pause-task':
    case 'resume-task':
      return pick({ kind: 'dead-letter-rate', target: queueOfTask(target) });
    case 'replay-dead-letters':
      return pick({ kind: 'dead-letters', target });
    case 'quarantine-provider':
    case 'unquarantine-provider':
    case 'shift-provider':
      return pick({ kind: 'serp-failure-rate', target });
    case 'pacing-conservative':
    case 'pacing-normal':
      return fallbacks.provider === null ? null : pick({ kind: 'serp-failure-rate', target: fallbacks.provider });
    case 'freeze-writes':
    case 'unfreeze-writes':
    case 'fail-over-reads':
    case 'restore-read-target':
      return fallbacks.replica === null ? null : pick({ kind: 'replica-lag', target: fallbacks.replica });
    case 'rerun-kpis':
    case 'rerender-reports':
      return pick({ kind: 'report-failure-ratio', target: 'reporting' });
    default:
      return null;
  }
}

/** Targets to use when an action names none the series keeps (the trigger's provider or replica). */
export interface AimFallbacks {
  provider: string | null;
  replica: string | null;
}

/** Changes smaller than this are "no change": 10% of the value before, and at least a unit's worth. */
const MIN_CHANGE: Record<NonNullable<ActionEffect['unit']>, number> = { s: 30, count: 1, 'per-hour': 1, ratio: 0.01 };

export function judge(
  before: number | null,
  after: number | null,
  unit: NonNullable<ActionEffect['unit']>,
): { verdict: Verdict; why: string } {
  if (before === null) return { verdict: 'not enough data', why: 'no figure recorded at the time of the action' };
  if (after === null) return { verdict: 'not enough data', why: 'no figure recorded 5 or 15 minutes later' };
  const change = after - before;
  const tolerance = Math.max(MIN_CHANGE[unit], Math.abs(before) * 0.1);
  if (Math.abs(change) <= tolerance)
    return {
      verdict: 'no change',
      why: `changed by less than ${unit === 'ratio' ? `${Math.round(tolerance * 1000) / 10} points` : 'a tenth'}`,
    };
  // Every figure the series keeps is better lower (lag, dead letters, failure rates).
  return change < 0 ? { verdict: 'improved', why: 'lower afterwards' } : { verdict: 'worse', why: 'higher afterwards' };
}

/** A count as a reader wants it beside a verdict: 320, 53.9k, 1.2M. */
export function formatCount(v: number): string {
  const a = Math.abs(v);
  if (a >= 1_000_000) return `${Math.round(v / 100_000) / 10}M`;
  if (a >= 10_000) return `${Math.round(v / 100) / 10}k`;
  return String(Math.round(v * 10) / 10);
}

/**
 * The verdict of a queue action judged on lag and depth together: the first of the two to move
 * the right way (at +5 minutes, else at +15) gives it, and says which. When depth falls while
 * the oldest message still ages, that is a draining backlog, not a worse queue.
 */
export function judgeQueue(
  lag: { atAction: number | null; after5: number | null; after15: number | null },
  depth: { atAction: number | null; after5: number | null; after15: number | null },
): { verdict: Verdict; why: string } {
  const lagAt = (after: number | null) => judge(lag.atAction, after, 's');
  const depthAt = (after: number | null) => judge(depth.atAction, after, 'count');
  const depthWhy = (after: number | null): string => `depth ${formatCount(depth.atAction ?? 0)} -> ${formatCount(after ?? 0)}`;
  for (const [after, when] of [
    ['after5', '5 minutes later'],
    ['after15', '15 minutes later'],
  ] as const) {
    const l = lag[after] === null ? null : lagAt(lag[after]);
    const d = depth[after] === null ? null : depthAt(depth[after]);
    const suffix =
      after === 'after5' && lag.after15 === null && depth.after15 === null ? ` (${when}; nothing recorded 15 minutes later)` : '';
    if (l?.verdict === 'improved') return { verdict: 'improved', why: `lag lower afterwards (${when})${suffix}` };
    if (d?.verdict === 'improved') {
      const stillAges = l !== null && l.verdict === 'worse' ? '; the oldest message still ages while the backlog drains' : '';
      return { verdict: 'improved', why: `${depthWhy(depth[after])}${stillAges}${suffix}` };
    }
  }
  // Neither moved the right way: the lag's verdict, with the depth beside it.
  const last = lag.after15 ?? lag.after5;
  const base = judge(lag.atAction, last, 's');
  const dLast = depth.after15 ?? depth.after5;
  if (base.verdict === 'not enough data' || depth.atAction === null || dLast === null) return base;
  return { verdict: base.verdict, why: `lag ${base.why}; ${depthWhy(dLast)}` };
}

function effectOf(run: Omit<ActionRun, 'effect' | 'label'>, series: readonly FigureSample[], fallbacks: AimFallbacks): ActionEffect {
  const ran = RESULTS.has(run.outcome) || run.outcome === 'attempted';
  const figure = aimedFigure(run.action, run.target, series, fallbacks);
  if (!ran) {
    return {
      figure,
      unit: figure ? FIGURE_LABELS[figure.kind].unit : null,
      atAction: null,
      after5: null,
      after15: null,
      verdict: 'not run',
      why: `the action was ${run.outcome}`,
    };
  }
  if (figure === null) {
    return {
      figure: null,
      unit: null,
      atAction: null,
      after5: null,
      after15: null,
      verdict: 'no figure',
      why: 'it aims at no figure the journal keeps',
    };
  }
  const unit = FIGURE_LABELS[figure.kind].unit;
  const value = (s: FigureSample | null): number | null => (s === null ? null : figureValue(s, figure));
  const atAction = value(sampleAtOrBefore(series, run.atMs) ?? sampleNear(series, run.atMs, 30_000));
  const after5 = value(sampleNear(series, run.atMs + 5 * 60_000));
  const after15 = value(sampleNear(series, run.atMs + 15 * 60_000));
  if (figure.kind === 'queue-lag') {
    const depthRef: FigureRef = { kind: 'queue-depth', target: figure.target };
    const dv = (s: FigureSample | null): number | null => (s === null ? null : figureValue(s, depthRef));
    const depth = {
      atAction: dv(sampleAtOrBefore(series, run.atMs) ?? sampleNear(series, run.atMs, 30_000)),
      after5: dv(sampleNear(series, run.atMs + 5 * 60_000)),
      after15: dv(sampleNear(series, run.atMs + 15 * 60_000)),
    };
    return { figure, unit, atAction, after5, after15, ...judgeQueue({ atAction, after5, after15 }, depth), depth };
  }
  const { verdict, why } = judge(atAction, after15 ?? after5, unit);
  return {
    figure,
    unit,
    atAction,
    after5,
    after15,
    verdict,
    why:
      after15 === null && after5 !== null && verdict !== 'not enough data'
        ? `${why} (5 minutes later; nothing recorded 15 minutes later)`
        : why,
  };
}

/** Every action of the incident, attempt and result merged, oldest first, with its effect. */
export function actionRuns(entries: readonly TimelineEntry[], series: readonly FigureSample[], fallbacks: AimFallbacks): ActionRun[] {
  const runs: Omit<ActionRun, 'effect' | 'label'>[] = [];
  const pending = new Map<string, Omit<ActionRun, 'effect' | 'label'>>();
  for (const e of entries) {
    if (e.kind !== 'action' || isRegistryRefusal(e)) continue;
    const d = e.details;
    const action = str(d.mitigation) || str(d.action);
    const target = str(d.target);
    const key = `${action}@${target}`;
    const status = statusOf(d);
    const simulated = str(d.outcome).includes('SIMULATED') || obj(d.params).simulated === true;
    if (RESULTS.has(status) && pending.has(key)) {
      const run = pending.get(key);
      if (run) {
        run.outcome = status;
        run.outcomeAt = e.at;
        run.detail = detailOf(d) || run.detail;
        run.simulated = run.simulated || simulated;
        run.seqs.push(e.seq);
      }
      pending.delete(key);
      continue;
    }
    const run: Omit<ActionRun, 'effect' | 'label'> = {
      seq: e.seq,
      at: e.at,
      atMs: parseUtc(e.at) ?? 0,
      operator: e.operator,
      action,
      target,
      section: str(d.section) || null,
      reason: str(d.reason),
      outcome: status === '' ? 'recorded' : status,
      outcomeAt: status === 'attempted' ? null : e.at,
      detail: status === 'attempted' ? '' : detailOf(d),
      simulated,
      mitigation: d.mitigation !== undefined || d.audit !== undefined,
      seqs: [e.seq],
    };
    runs.push(run);
    if (status === 'attempted') pending.set(key, run);
  }
  return runs.map((r, i) => ({ ...r, label: `A${i + 1}`, effect: effectOf(r, series, fallbacks) }));
}
