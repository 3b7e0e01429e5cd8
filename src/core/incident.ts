// The incident itself, in the runbook's words: severities from the escalation matrix (section 7),
// the open → mitigated → resolved lifecycle, milestones, incident ids and the post-incident review
// fields of section 9. Pure: no I/O.
import { DateTime } from './luxon.js';
import type { EpochMs } from '../domain/time.js';

// ---- Severity (runbook section 7): src/domain/severity.ts ----------------------------------------

export { SEVERITIES, isSeverity, moreSevere, severityRank, type Severity } from '../domain/severity.js';

// ---- Lifecycle --------------------------------------------------------------------------------

export const INCIDENT_STATES = ['open', 'mitigated', 'resolved'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

export function isIncidentState(v: unknown): v is IncidentState {
  return typeof v === 'string' && (INCIDENT_STATES as readonly string[]).includes(v);
}

// A mitigation can fail to hold (mitigated → open); a resolved incident stays resolved: a relapse
// after resolution is a new incident with its own timeline.
const TRANSITIONS: Record<IncidentState, readonly IncidentState[]> = {
  open: ['mitigated', 'resolved'],
  mitigated: ['resolved', 'open'],
  resolved: [],
};

export function canTransition(from: IncidentState, to: IncidentState): boolean {
  return TRANSITIONS[from].includes(to);
}

// ---- Milestones -------------------------------------------------------------------------------

export const MILESTONES = ['started', 'detected', 'acknowledged', 'mitigated', 'resolved'] as const;
export type MilestoneName = (typeof MILESTONES)[number];

export function isMilestoneName(v: unknown): v is MilestoneName {
  return typeof v === 'string' && (MILESTONES as readonly string[]).includes(v);
}

// ---- Incident ids -----------------------------------------------------------------------------

/**
 * `INC-YYYYMMDD-HHMM` in UTC; `-N` (N ≥ 2) when the shared Redis handed out that minute more than
 * once (src/journal/shared); `-l` and 5 letters or digits for an id a cockpit or a command
 * allocated on its own for a live incident (no shared incident, or the shared Redis unreachable).
 */
export const INCIDENT_ID_PATTERN = /^INC-\d{8}-\d{4}(?:-[1-9]\d{0,3}|-l[0-9a-z]{5})?$/;

/** Also guards file names: an id that passes can never escape the state directory. */
export function isIncidentId(v: unknown): v is string {
  return typeof v === 'string' && INCIDENT_ID_PATTERN.test(v);
}

export function incidentIdBase(at: EpochMs): string {
  return `INC-${DateTime.fromMillis(at, { zone: 'utc' }).toFormat('yyyyMMdd-HHmm')}`;
}

/**
 * A fresh id for a practice incident opened at `at` (a simulation's own store: never audited or
 * paged for real), disambiguated against the ids that exist in that store: `-2`, `-3`, ...
 */
export function newIncidentId(at: EpochMs, existing: Iterable<string>): string {
  const taken = new Set(existing);
  const base = incidentIdBase(at);
  if (!taken.has(base)) return base;
  for (let n = 2; n < 10000; n++) {
    const candidate = `${base}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
  throw new Error(`no free incident id for ${base}`);
}

const LOCAL_SUFFIXES = 36 ** 5;

/**
 * A fresh id for a live incident opened at `at` without asking anyone (no shared incident, or the
 * shared Redis unreachable): the minute, then `-l` and 5 random base-36 characters, never one of
 * `existing` (this state directory's). The minute alone is not unique: two cockpits or `act` runs
 * on different state directories opening in the same minute took the same id, ops_audit_log
 * (rows keyed by incident id and journal seq) skipped the second one's rows as already written,
 * and their pages shared one dedup key. `random` returns a number in [0, 1).
 */
export function localIncidentId(at: EpochMs, existing: Iterable<string>, random: () => number = Math.random): string {
  const taken = new Set(existing);
  const base = incidentIdBase(at);
  for (let i = 0; i < 1000; i++) {
    const n = Math.min(LOCAL_SUFFIXES - 1, Math.floor(random() * LOCAL_SUFFIXES));
    const candidate = `${base}-l${n.toString(36).padStart(5, '0')}`;
    if (!taken.has(candidate)) return candidate;
  }
  throw new Error(`no free incident id for ${base}`);
}

// ---- Post-incident review fields (runbook section 9) -----------------------------------------

/** Free-text PIR fields, edited in the cockpit. */
export const PIR_TEXT_FIELDS = [
  'summary',
  'impact',
  'rootCause',
  'contributingFactors',
  'wentWell',
  'wentBadly',
  'monitoringGaps',
  'runbookImprovements',
] as const;
export type PirTextField = (typeof PIR_TEXT_FIELDS)[number];

export const PIR_FIELD_LABELS: Record<PirField, string> = {
  summary: 'summary',
  impact: 'impact',
  rootCause: 'root cause',
  contributingFactors: 'contributing factors',
  wentWell: 'what went well',
  wentBadly: 'what went badly',
  monitoringGaps: 'monitoring gap updates',
  runbookImprovements: 'runbook improvements',
  blastRadius: 'blast radius',
  correctiveActions: 'corrective actions',
};

/** What the incident touched. Prefilled from the triggers' details, editable by the operator. */
export type BlastRadius = {
  modules: string[];
  queues: string[];
  campaigns: string[];
  replicas: string[];
  notes: string;
};

/** One row of the corrective actions table: due is a real calendar date, `YYYY-MM-DD`. */
export type CorrectiveAction = {
  action: string;
  owner: string;
  due: string;
};

export type PirFieldValues = { [K in PirTextField]: string } & {
  blastRadius: BlastRadius;
  correctiveActions: CorrectiveAction[];
};
export type PirField = keyof PirFieldValues;

export function isPirField(v: unknown): v is PirField {
  return typeof v === 'string' && (isPirTextField(v) || v === 'blastRadius' || v === 'correctiveActions');
}

export function isPirTextField(v: unknown): v is PirTextField {
  return typeof v === 'string' && (PIR_TEXT_FIELDS as readonly string[]).includes(v);
}

export function emptyBlastRadius(): BlastRadius {
  return { modules: [], queues: [], campaigns: [], replicas: [], notes: '' };
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

export function isBlastRadius(v: unknown): v is BlastRadius {
  if (typeof v !== 'object' || v === null) return false;
  const b = v as Record<string, unknown>;
  return (
    isStringArray(b.modules) &&
    isStringArray(b.queues) &&
    isStringArray(b.campaigns) &&
    isStringArray(b.replicas) &&
    typeof b.notes === 'string'
  );
}

export type DueDateResult = { ok: true; date: string } | { ok: false; error: string };

/** A due date must be a real calendar date written `YYYY-MM-DD` (2026-02-30 is rejected). */
export function parseDueDate(input: string): DueDateResult {
  const s = input.trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return { ok: false, error: `due date "${s}" is not YYYY-MM-DD` };
  const d = DateTime.fromISO(s, { zone: 'utc' });
  if (!d.isValid) return { ok: false, error: `due date "${s}" is not a real date` };
  return { ok: true, date: d.toISODate() ?? s };
}

export type CorrectiveActionResult = { ok: true; value: CorrectiveAction } | { ok: false; errors: string[] };

/** Validates one corrective action row as the PIR editor submits it. */
export function validateCorrectiveAction(input: { action?: unknown; owner?: unknown; due?: unknown }): CorrectiveActionResult {
  const errors: string[] = [];
  const action = typeof input.action === 'string' ? input.action.trim() : '';
  const owner = typeof input.owner === 'string' ? input.owner.trim() : '';
  const dueRaw = typeof input.due === 'string' ? input.due : '';
  if (action === '') errors.push('action is empty');
  if (owner === '') errors.push('owner is empty');
  const due = parseDueDate(dueRaw);
  if (!due.ok) errors.push(due.error);
  if (errors.length > 0 || !due.ok) return { ok: false, errors };
  return { ok: true, value: { action, owner, due: due.date } };
}
