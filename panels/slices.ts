// When two readings of a store slice show the same on screen. A panel subscribes to its slices
// with these (useSlice in panels/common.ts): a store update that changes nothing a panel shows
// (triggers evaluated again to the same result, a source's unchanged reading) does not render it.
// Pure. (A source's freshness: sameSource and sameSources in components/sourceFreshness.ts.)
import type { SeveritySuggestion } from '../src/core/escalation.js';
import type { QueueSnapshot } from '../src/core/snapshot.js';
import type { TriggerState } from '../src/core/triggers.js';
import type { FailureTaskRow, RunbookFocus } from '../src/ui/state/selectors.js';

function sameList<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i] as T, b[i] as T)) return false;
  return true;
}

/** A trigger as the escalation panel, the runbook pane and presentation mode show it (its figure is in `detail`). */
export function sameTrigger(a: TriggerState | null, b: TriggerState | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return (
    a.key === b.key &&
    a.firing === b.firing &&
    a.detail === b.detail &&
    a.since === b.since &&
    a.title === b.title &&
    a.target === b.target &&
    a.module === b.module &&
    a.section === b.section
  );
}

export function sameTriggers(a: readonly TriggerState[], b: readonly TriggerState[]): boolean {
  return sameList(a, b, sameTrigger);
}

export function sameRunbookFocus(a: RunbookFocus, b: RunbookFocus): boolean {
  return (
    a.section === b.section &&
    sameTrigger(a.trigger, b.trigger) &&
    a.pinned === b.pinned &&
    a.firing === b.firing &&
    (a.top?.key ?? null) === (b.top?.key ?? null)
  );
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/** Which queues have a firing lag or dead-letter trigger. */
export function sameFiring(
  a: { lag: ReadonlySet<string>; deadLetters: ReadonlySet<string> },
  b: { lag: ReadonlySet<string>; deadLetters: ReadonlySet<string> },
): boolean {
  return a === b || (sameSet(a.lag, b.lag) && sameSet(a.deadLetters, b.deadLetters));
}

export function sameSuggestion(a: SeveritySuggestion, b: SeveritySuggestion): boolean {
  return (
    a === b || (a.severity === b.severity && a.reason === b.reason && a.ticket === b.ticket && sameList(a.page, b.page, (x, y) => x === y))
  );
}

/** Counts by key (failures per class). */
export function sameCounts<K extends string>(a: Readonly<Record<K, number>>, b: Readonly<Record<K, number>>): boolean {
  if (a === b) return true;
  const keys = Object.keys(a) as K[];
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** A queue as the failure classes panel shows it: its name and its failures per class. */
export function sameQueueFailures(a: QueueSnapshot | null, b: QueueSnapshot | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return a.name === b.name && sameCounts(a.failuresByClass, b.failuresByClass);
}

export function sameFailureTasks(a: readonly FailureTaskRow[], b: readonly FailureTaskRow[]): boolean {
  return sameList(a, b, (x, y) => x.key === y.key && x.count === y.count);
}
