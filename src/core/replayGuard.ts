// Runbook 3.4, "replay safe dead-letter tasks after fix", as a rule the cockpit checks before a
// replay: the evidence of a fix is that the task has run (a success) without a new failure of
// the class that dead-lettered it for a quiet period (5 min by default, `replayQuietPeriodMs`),
// as the task events show (live: task-succeeded / task-failed; the simulation: its model). The
// last failure is the later of what the events saw and when the newest dead letter failed
// (`lsos_failed_at`), so a cockpit started after the failures still judges them.
// Pure: the caller brings the dead letters' groups, the task outcomes and the time.
import { formatDurationDetail } from '../domain/duration.js';
import type { EpochMs, FailureClass, TaskOutcome } from './snapshot.js';
import { compareText } from '../domain/textOrder.js';

export const DEFAULT_REPLAY_QUIET_MS = 5 * 60_000;

/** Dead letters of one task and failure class (null: the dead letter does not say, as on RabbitMQ). */
export interface DeadLetterGroup {
  task: string;
  failureClass: FailureClass | null;
  count: number;
  /** When the oldest and the newest of them failed; null: not known. */
  oldestFailedAt: EpochMs | null;
  newestFailedAt: EpochMs | null;
}

/** What the events say about one group of dead letters. */
export interface FixEvidence {
  task: string;
  failureClass: FailureClass | null;
  count: number;
  /** The last failure for good of that class (any class when the class is not known); null: none known. */
  lastFailureAt: EpochMs | null;
  lastSuccessAt: EpochMs | null;
  /** Time without such a failure so far; null when no failure time is known. */
  quietMs: number | null;
  fixed: boolean;
  /** One line: why it counts as fixed, or why not yet. */
  why: string;
}

export interface ReplayGuard {
  quietPeriodMs: number;
  /** Whether this session sees task outcomes at all (false: no events, e.g. `act` on a live system). */
  eventsSeen: boolean;
  evidence: FixEvidence[];
  /** Why the replay is refused; null when every group has its evidence. */
  refusal: string | null;
}

const clock = (t: EpochMs): string => `${new Date(t).toISOString().slice(11, 19)}Z`;
const dur = (ms: number): string => formatDurationDetail(ms / 1000);
const later = (a: EpochMs | null | undefined, b: EpochMs | null | undefined): EpochMs | null =>
  a === null || a === undefined ? (b ?? null) : b === null || b === undefined ? a : Math.max(a, b);

/** Outcomes of the same task from several queues (a retry lane) folded into one, the latest times kept. */
export function mergeOutcomes(list: readonly TaskOutcome[]): Map<string, TaskOutcome> {
  const out = new Map<string, TaskOutcome>();
  for (const o of list) {
    const prev = out.get(o.task);
    if (!prev) {
      out.set(o.task, { task: o.task, lastSuccessAt: o.lastSuccessAt, lastFailureAt: { ...o.lastFailureAt } });
      continue;
    }
    prev.lastSuccessAt = later(prev.lastSuccessAt, o.lastSuccessAt);
    for (const [c, t] of Object.entries(o.lastFailureAt) as [FailureClass, EpochMs][])
      prev.lastFailureAt[c] = later(prev.lastFailureAt[c], t) ?? t;
  }
  return out;
}

function lastFailureOf(o: TaskOutcome | undefined, c: FailureClass | null): EpochMs | null {
  if (!o) return null;
  if (c !== null) return o.lastFailureAt[c] ?? null;
  let t: EpochMs | null = null;
  for (const v of Object.values(o.lastFailureAt)) t = later(t, v);
  return t;
}

/** Judges one group; `outcomes` null: the session sees no task events. */
export function judgeGroup(
  g: DeadLetterGroup,
  outcomes: Map<string, TaskOutcome> | null,
  now: EpochMs,
  quietPeriodMs: number,
): FixEvidence {
  // The class that dead-lettered them; where the dead letter does not say (RabbitMQ), any class.
  const what = g.failureClass ?? 'any-class';
  const o = outcomes?.get(g.task);
  const lastFailureAt = later(lastFailureOf(o, g.failureClass), g.newestFailedAt);
  const lastSuccessAt = o?.lastSuccessAt ?? null;
  const quietMs = lastFailureAt === null ? null : Math.max(0, now - lastFailureAt);
  const base = { task: g.task, failureClass: g.failureClass, count: g.count, lastFailureAt, lastSuccessAt, quietMs };
  if (outcomes === null)
    return { ...base, fixed: false, why: `no task events in this session: whether ${g.task} still fails (${what}) cannot be seen` };
  if (lastFailureAt === null || quietMs === null)
    return {
      ...base,
      fixed: false,
      why: `when ${g.task}'s ${what} failures happened is not known (no failure time in the dead letters or the events)`,
    };
  if (quietMs < quietPeriodMs)
    return {
      ...base,
      fixed: false,
      why: `the last ${what} failure of ${g.task} was ${dur(quietMs)} ago (${clock(lastFailureAt)}): quiet ${dur(quietMs)} of the ${dur(quietPeriodMs)} needed`,
    };
  if (lastSuccessAt === null || lastSuccessAt <= lastFailureAt)
    return {
      ...base,
      fixed: false,
      why: `${g.task} has not run successfully since its last ${what} failure (${clock(lastFailureAt)}, ${dur(quietMs)} ago): no evidence the fix works`,
    };
  return {
    ...base,
    fixed: true,
    why: `${g.task} has run without a ${what} failure for ${dur(quietMs)} (quiet period ${dur(quietPeriodMs)}; last success ${clock(lastSuccessAt)})`,
  };
}

/**
 * The guard over every group a replay would move. `outcomes` null: the session sees no task
 * events (nothing can show a fix). Refused unless every group has its evidence.
 */
export function judgeReplay(
  groups: readonly DeadLetterGroup[],
  outcomes: readonly TaskOutcome[] | null,
  now: EpochMs,
  quietPeriodMs: number = DEFAULT_REPLAY_QUIET_MS,
): ReplayGuard {
  const merged = outcomes === null ? null : mergeOutcomes(outcomes);
  const evidence = groups.filter((g) => g.count > 0).map((g) => judgeGroup(g, merged, now, quietPeriodMs));
  const open = evidence.filter((e) => !e.fixed);
  const first = open[0];
  const refusal = first
    ? `no evidence of a fix (runbook 3.4: replay after the fix): ${first.why}${open.length > 1 ? ` (and ${open.length - 1} more task/class groups)` : ''}`
    : null;
  return { quietPeriodMs, eventsSeen: outcomes !== null, evidence, refusal };
}

/** `parser 130 (94%), transient 7 (6%)`: the class mix of dead letters, largest first. */
export function classMix(groups: readonly DeadLetterGroup[]): string {
  const by = new Map<string, number>();
  let total = 0;
  for (const g of groups) {
    const k = g.failureClass ?? 'class not recorded';
    by.set(k, (by.get(k) ?? 0) + g.count);
    total += g.count;
  }
  return [...by]
    .sort((a, b) => b[1] - a[1] || compareText(a[0], b[0]))
    .map(([k, n]) => `${k} ${n} (${total > 0 ? Math.round((n * 100) / total) : 0}%)`)
    .join(', ');
}

export { clock as clockTime };
