// Procedure coverage: every step of runbook sections 2 to 9 mapped to what the cockpit shows
// (a panel, a daily-checklist check), does (a registry action or mitigation id) or records (a
// timeline entry kind) for it, or named as a manual step the operator ticks in the runbook pane.
// test/runbook/coverage.test.ts walks RUNBOOK and checks that every ref exists. Pure data.
import type { RunbookSectionId } from './runbook.js';
import { isRegistryRefusal } from './pir/actions.js';

export type ProcedureRef =
  | { kind: 'shows'; panel: string }
  | { kind: 'shows'; check: string }
  | { kind: 'does'; action: string }
  | { kind: 'records'; entryKind: string }
  /** Something only a person can do outside the cockpit: the runbook pane marks it `manual`. */
  | { kind: 'manual'; what: string };

const shows = (panel: string): ProcedureRef => ({ kind: 'shows', panel });
const check = (id: string): ProcedureRef => ({ kind: 'shows', check: id });
const does = (action: string): ProcedureRef => ({ kind: 'does', action });
const records = (entryKind: string): ProcedureRef => ({ kind: 'records', entryKind });
const manual = (what: string): ProcedureRef => ({ kind: 'manual', what });

/** Key `section.step` (e.g. `4.5`) -> what covers it. */
export const PROCEDURE_MAP: Readonly<Record<string, readonly ProcedureRef[]>> = {
  // 2 Daily Operations Checklist (`lsos-cockpit check` and the panels)
  '2.1': [check('api-health'), check('worker-heartbeat')],
  '2.2': [check('queue-lag'), shows('queues')],
  '2.3': [check('failure-ratio'), check('dead-letter-growth'), shows('failures')],
  '2.4': [check('freshness')],
  '2.5': [check('backup'), check('wal-archiving'), check('replica-lag'), shows('replicas')],
  // 3 Queue Triage
  '3.1': [shows('queues'), shows('failures')],
  '3.2': [shows('failures')],
  '3.3': [does('reduce-concurrency'), does('scale-replicas'), does('pause-task')],
  '3.4': [does('replay-dead-letters')],
  '3.5': [records('action')],
  // 4 Reporting Failure
  '4.1': [does('completeness'), records('action')],
  '4.2': [does('rerun-kpis'), manual('Verify the re-run KPI payloads (spot-check a report)')],
  '4.3': [does('rerender-reports')],
  '4.4': [does('resume-email')],
  '4.5': [does('notify-owners')],
  // 5 Provider/Proxy Incident
  '5.1': [manual('Check proxy provider health dashboard'), shows('failures')],
  '5.2': [does('quarantine-provider')],
  '5.3': [does('shift-provider')],
  '5.4': [does('pacing-conservative')],
  '5.5': [does('backfill-rank')],
  // 6 Database Incident
  '6.1': [does('freeze-writes')],
  '6.2': [shows('replicas')],
  '6.3': [does('fail-over-reads')],
  '6.4': [manual('Restore service (deploy / restart the database tier)'), does('integrity-checks'), records('integrity-check')],
  '6.5': [does('pir-action')],
  // 7 Escalation Matrix: severity definitions, no steps (the escalation panel applies them).
  // 8 Recovery and Replay Controls (enforced by the mitigation executor on every replay)
  '8.1': [does('replay-dead-letters'), records('action')],
  '8.2': [does('replay-dead-letters'), records('action')],
  '8.3': [does('replay-dead-letters')],
  '8.4': [does('replay-dead-letters')],
  // 9 Post-Incident Review
  '9.1': [shows('timeline'), does('pir')],
  '9.2': [does('pir-editor'), records('pir-field')],
  '9.3': [does('pir-action')],
  '9.4': [does('pir-edit'), records('pir-field')],
};

export const COVERED_SECTIONS: readonly RunbookSectionId[] = [2, 3, 4, 5, 6, 7, 8, 9];

export function procedureRefs(section: number, step: number): readonly ProcedureRef[] {
  return PROCEDURE_MAP[`${section}.${step}`] ?? [];
}

/** The manual part of a step, shown in the runbook pane (null: the cockpit covers all of it). */
export function manualPart(section: number, step: number): string | null {
  const m = procedureRefs(section, step).filter((r): r is Extract<ProcedureRef, { kind: 'manual' }> => r.kind === 'manual');
  return m.length ? m.map((r) => r.what).join('; ') : null;
}

/** What a journal entry needs for the step rule: its kind and details (a TimelineEntry or a timeline line). */
export interface StepEvidence {
  kind: string;
  details?: Record<string, unknown>;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/**
 * The one rule for a done runbook step, shared by the runbook pane and the PIR: a step is done
 * when the operator ticked it or the cockpit ran it (an action recorded with its runbook step that
 * was not refused or failed, an integrity check for 6.4, and 3.5 once a mitigation wrote its
 * audit row). `ticked` holds `section.step` keys.
 */
export function stepsDoneOf(ticked: Iterable<string>, entries: readonly StepEvidence[]): Set<string> {
  const done = new Set(ticked);
  let audited = false;
  for (const e of entries) {
    if (e.kind === 'integrity-check') done.add('6.4');
    const d = e.details ?? {};
    if (e.kind !== 'action' || isRegistryRefusal({ kind: e.kind, details: d })) continue;
    const status = str(obj(d.audit).result) || str(d.outcome).replace(/, SIMULATED$/, '');
    if (d.audit !== undefined) audited = true;
    if (status === 'refused' || status === 'failed') continue;
    const section = str(d.section);
    if (section !== '') done.add(section);
  }
  if (audited) done.add('3.5'); // every mitigation ran with its audit row
  return done;
}
