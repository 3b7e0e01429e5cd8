// Escalation matrix (runbook section 7): a suggested severity with its reason and who the matrix
// says to page, and the operator's decision beside it. Pure.
import type { Snapshot } from './snapshot.js';
import type { TriggerState } from './triggers.js';
import { moduleOfQueue } from './triggers.js';
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

/** Triggers that mean "high error rates" in the matrix's words. */
const ERROR_RATE_KINDS = new Set(['dead-letter-spike', 'report-failures', 'serp-failures']);

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
 *   or cross-tenant risk.
 * - SEV-2: a major module unavailable (its queues have work and no live consumer, or the primary
 *   is degraded / a migration failed), or high error rates (dead-letter spike, report failures,
 *   SERP failures triggers).
 * - SEV-3: any other firing trigger (queue lag, replica lag): partial degradation with a workaround.
 */
export function suggestSeverity(snap: Snapshot, triggers: readonly TriggerState[]): SeveritySuggestion {
  const firing = triggers.filter((t) => t.firing);
  if (snap.crossTenantRisk) return suggestion('SEV-1', 'cross-tenant risk reported', ['platform']);
  const outage: string[] = [];
  if (!snap.api.healthy) outage.push(`API unhealthy (${snap.api.detail})`);
  if (!snap.database.primaryReachable) outage.push('primary database unreachable');
  if (snap.workers.length > 0 && snap.workers.every((w) => !w.online)) outage.push('no Celery worker online');
  if (outage.length > 0) return suggestion('SEV-1', `full service outage: ${outage.join('; ')}`, ['api']);

  const unavailable = unavailableModules(snap);
  const dbDown = firing.filter((t) => t.kind === 'primary-degradation' || t.kind === 'failed-migrations');
  if (unavailable.length > 0 || dbDown.length > 0) {
    const parts = [...unavailable.map((m) => `${m} unavailable (no live worker for its queue)`), ...dbDown.map((t) => t.detail)];
    return suggestion('SEV-2', `major module unavailable: ${parts.join('; ')}`, [
      ...unavailable,
      ...(dbDown.length > 0 ? ['database'] : []),
    ]);
  }
  const errors = firing.filter((t) => ERROR_RATE_KINDS.has(t.kind));
  if (errors.length > 0) {
    return suggestion(
      'SEV-2',
      `high error rates: ${errors.map((t) => t.detail).join('; ')}`,
      errors.map((t) => t.module),
    );
  }
  if (firing.length > 0) {
    return suggestion(
      'SEV-3',
      `partial degradation with workaround: ${firing.map((t) => t.detail).join('; ')}`,
      firing.map((t) => t.module),
    );
  }
  return { severity: null, reason: 'no runbook trigger firing', page: [], ticket: false, modules: [] };
}
