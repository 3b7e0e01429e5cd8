// Escalation matrix (runbook section 7): a suggested severity with its reason and who the matrix
// says to page, and the operator's decision beside it. Pure.
import type { Snapshot } from './snapshot.js';
import type { TriggerState } from './triggerState.js';
import { moduleOfQueue } from '../domain/queues.js';
import { triggerSpec, type MatrixReading } from '../domain/thresholds.js';
import { SEVERITIES, type Severity } from './incident.js';

export { SEVERITIES, type Severity };

/** SEV-1 is the highest. Negative when a is more severe than b. */
export function compareSeverity(a: Severity, b: Severity): number {
  return SEVERITIES.indexOf(a) - SEVERITIES.indexOf(b);
}

export interface MatrixRow {
  severity: Severity;
  meaning: string;
  response: string;
  /** Roles to page; `module owner` is resolved against the affected modules. */
  page: readonly string[];
  ticket: boolean;
}

export const ESCALATION_MATRIX: Record<Severity, MatrixRow> = {
  'SEV-1': {
    severity: 'SEV-1',
    meaning: 'full service outage or cross-tenant risk',
    response: 'Immediate paging: on-call engineer + security lead.',
    page: ['on-call engineer', 'security lead'],
    ticket: false,
  },
  'SEV-2': {
    severity: 'SEV-2',
    meaning: 'major module unavailable, high error rates',
    response: 'Page primary on-call and module owner.',
    page: ['primary on-call', 'module owner'],
    ticket: false,
  },
  'SEV-3': {
    severity: 'SEV-3',
    meaning: 'partial degradation with workaround',
    response: 'Ticket and same-day remediation.',
    page: [],
    ticket: true,
  },
};

// ---- The most serious first -------------------------------------------------------------------

/** The severity the matrix gives each reading of a trigger (a signal carries its own). */
const READING_SEVERITY: Record<Exclude<MatrixReading, 'signal'>, Severity> = {
  'module-unavailable': 'SEV-2',
  'high-error-rate': 'SEV-2',
  'partial-degradation': 'SEV-3',
};

/** The severity a trigger implies by the matrix: its own (a signal, the primary unreachable), else its kind's reading. */
export function impliedSeverity(t: Pick<TriggerState, 'kind' | 'severity'>): Severity {
  if (t.severity) return t.severity;
  const reading = triggerSpec(t.kind).matrix;
  return reading === 'signal' ? 'SEV-1' : READING_SEVERITY[reading];
}

/**
 * How far past its line a trigger's figure is, as a multiple of the line (2 = twice the
 * threshold). A flag or a count (line 0) that fires is all the way past: Infinity.
 */
export function pastTheLine(t: Pick<TriggerState, 'value' | 'threshold'>): number {
  if (t.threshold > 0) return t.value / t.threshold;
  return t.value > 0 ? Number.POSITIVE_INFINITY : 0;
}

/** A queue's own trigger (lag, dead-letter spike: runbook 3), which another trigger on its module may explain. */
function queueLevel(t: Pick<TriggerState, 'kind'>): boolean {
  return triggerSpec(t.kind).section === 3;
}

/**
 * The ordering rule, the most serious first:
 * 1. firing before cleared;
 * 2. the severity each implies by the matrix (SEV-1 first);
 * 3. how far past its line (furthest first); but a queue's lag or dead-letter spike that a firing
 *    trigger of the same severity on its module explains (report failures for `reporting`, SERP
 *    failures for `rank`, the primary for everything) counts as no further past than that trigger
 *    and comes right after it: the cause's runbook first, its symptom's after;
 * 4. by id, so equal triggers keep their places.
 * Returns a new array; the input is not changed.
 */
export function orderTriggers(triggers: readonly TriggerState[]): TriggerState[] {
  const firing = triggers.filter((t) => t.firing);
  const keyed = triggers.map((t) => {
    const severity = impliedSeverity(t);
    let past = pastTheLine(t);
    let explained = false;
    if (t.firing && queueLevel(t)) {
      for (const e of firing) {
        if (e === t || queueLevel(e) || e.module !== t.module || compareSeverity(impliedSeverity(e), severity) > 0) continue;
        past = Math.min(past, pastTheLine(e));
        explained = true;
      }
    }
    return { t, severity, past, explained };
  });
  keyed.sort(
    (a, b) =>
      Number(b.t.firing) - Number(a.t.firing) ||
      compareSeverity(a.severity, b.severity) ||
      (a.past === b.past ? 0 : a.past > b.past ? -1 : 1) ||
      Number(a.explained) - Number(b.explained) ||
      (a.t.key < b.t.key ? -1 : a.t.key > b.t.key ? 1 : 0),
  );
  return keyed.map((k) => k.t);
}

// ---- Suggested and decided, said one way ------------------------------------------------------

/** A decision as the screen names it: the severity and who decided. */
export interface DecidedSeverity {
  severity: Severity;
  by: string;
  at: number;
  reason: string;
}

/**
 * The one wording of the severity everywhere (status line, escalation panel, presentation):
 * `SEV-2 suggested · SEV-1 decided by alice`. `sep` is the separator (` - ` in ASCII mode).
 */
export function severityWords(suggested: Severity | null, decided: Pick<DecidedSeverity, 'severity' | 'by'> | null, sep = ' · '): string {
  const s = suggested ? `${suggested} suggested` : 'no severity suggested';
  const d = decided ? `${decided.severity} decided by ${decided.by}` : 'not decided yet';
  return `${s}${sep}${d}`;
}

export interface SeveritySuggestion {
  /** null: nothing the matrix covers is happening. */
  severity: Severity | null;
  reason: string;
  /** Who the matrix says to page, resolved (e.g. `reporting owner`). */
  page: string[];
  ticket: boolean;
  /** Modules the suggestion is about. */
  modules: string[];
}

export interface SeverityDecision {
  severity: Severity;
  reason: string;
  by: string;
  at: number;
}

export function whoToPage(severity: Severity, modules: readonly string[]): string[] {
  const row = ESCALATION_MATRIX[severity];
  const out: string[] = [];
  for (const role of row.page) {
    if (role === 'module owner') {
      if (modules.length === 0) out.push('module owner (pick the module)');
      for (const m of modules) out.push(`${m} owner`);
    } else out.push(role);
  }
  return out;
}

function suggestion(severity: Severity, reason: string, modules: string[]): SeveritySuggestion {
  const uniq = [...new Set(modules)].sort();
  return { severity, reason, page: whoToPage(severity, uniq), ticket: ESCALATION_MATRIX[severity].ticket, modules: uniq };
}

/**
 * Modules whose queues hold work that no online worker consumes. The broker's consumer count
 * decides where it is known (RabbitMQ); else the workers' queue lists, but only workers whose
 * queues are known count (Celery events do not say which queues a worker consumes: an empty
 * list means unknown, not "none").
 */
export function unavailableModules(snap: Snapshot): string[] {
  const out: string[] = [];
  const knownWorkers = snap.workers.filter((w) => w.queues.length > 0);
  for (const q of snap.queues) {
    if (q.depth <= 0) continue;
    let dead: boolean;
    if (q.consumers !== null) dead = q.consumers === 0;
    else dead = knownWorkers.length > 0 && !knownWorkers.some((w) => w.online && w.queues.includes(q.name));
    if (dead) out.push(moduleOfQueue(q.name));
  }
  return [...new Set(out)];
}

/**
 * Suggests a severity by the matrix, most severe row first:
 * - SEV-1: full service outage (API unhealthy, primary unreachable, or no worker online at all)
 *   or cross-tenant risk (a raised signal, src/core/signals.ts; any signal counts at its own
 *   severity, ahead of the thresholds of that level).
 * - SEV-2: a major module unavailable (its queues have work and no live consumer, or the primary
 *   is degraded / a migration failed), or high error rates (dead-letter spike, report failures,
 *   SERP failures triggers).
 * - SEV-3: any other firing trigger (queue lag, replica lag): partial degradation with a workaround.
 */
export function suggestSeverity(snap: Snapshot, triggers: readonly TriggerState[]): SeveritySuggestion {
  const firing = triggers.filter((t) => t.firing);
  // Signals carry their severity (cross-tenant risk SEV-1); the most severe is named first.
  const signals = firing.filter((t) => triggerSpec(t.kind).matrix === 'signal');
  const signalOf = (sev: Severity) => signals.filter((t) => impliedSeverity(t) === sev);
  const bySignals = (sev: Severity, list: TriggerState[]) =>
    suggestion(
      sev,
      list.map((t) => `${t.title.toLowerCase()}: ${t.detail}`).join('; '),
      list.map((t) => t.module),
    );
  const sev1 = signalOf('SEV-1');
  if (sev1.length > 0) return bySignals('SEV-1', sev1);
  const outage: string[] = [];
  if (!snap.api.healthy) outage.push(`API unhealthy (${snap.api.detail})`);
  if (!snap.database.primaryReachable) outage.push('primary database unreachable');
  if (snap.workers.length > 0 && snap.workers.every((w) => !w.online)) outage.push('no Celery worker online');
  if (outage.length > 0) return suggestion('SEV-1', `full service outage: ${outage.join('; ')}`, ['api']);

  const unavailable = unavailableModules(snap);
  // Triggers that say their module is down (the primary degraded, a migration failed).
  const down = firing.filter((t) => triggerSpec(t.kind).matrix === 'module-unavailable');
  const sev2 = signalOf('SEV-2');
  if (sev2.length > 0) return bySignals('SEV-2', sev2);
  if (unavailable.length > 0 || down.length > 0) {
    const parts = [...unavailable.map((m) => `${m} unavailable (no live worker for its queue)`), ...down.map((t) => t.detail)];
    return suggestion('SEV-2', `major module unavailable: ${parts.join('; ')}`, [...unavailable, ...down.map((t) => t.module)]);
  }
  const errors = firing.filter((t) => triggerSpec(t.kind).matrix === 'high-error-rate');
  if (errors.length > 0) {
    return suggestion(
      'SEV-2',
      `high error rates: ${errors.map((t) => t.detail).join('; ')}`,
      errors.map((t) => t.module),
    );
  }
  const sev3 = signalOf('SEV-3');
  if (sev3.length > 0) return bySignals('SEV-3', sev3);
  if (firing.length > 0) {
    return suggestion(
      'SEV-3',
      `partial degradation with workaround: ${firing.map((t) => t.detail).join('; ')}`,
      firing.map((t) => t.module),
    );
  }
  return { severity: null, reason: 'no runbook trigger firing', page: [], ticket: false, modules: [] };
}
