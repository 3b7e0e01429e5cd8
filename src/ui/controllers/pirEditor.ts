// The PIR editor's rows, shared by the router (what Enter / d act on), the PIR bindings
// (controllers/pir.ts: what they record) and the overlay (what it draws). Pure. Validation is not here: the recorder refuses
// bad rows (a due date that is not a real date) and the dispatcher shows why.
import { PIR_FIELD_LABELS, type BlastRadius, type CorrectiveAction, type PirTextField } from '../../core/incident.js';
import type { CorrectiveActionInput } from '../registry/commands.js';
import type { IncidentSummary, PirSummary } from '../state/store.js';

export const BLAST_PARTS = ['modules', 'queues', 'campaigns', 'replicas', 'notes'] as const;
export type BlastPart = (typeof BLAST_PARTS)[number];

interface RowBase {
  /** Stable id, also the `row` argument of the edit action: `rootCause`, `blastRadius.queues`, `correctiveActions.2`. */
  key: string;
  label: string;
  /** The value as shown and as prefilled in the edit prompt. */
  value: string;
  /** Required by runbook section 9 and still empty (what --strict reports). */
  missing: boolean;
  /** Set by the operator (as opposed to empty or prefilled from the triggers). */
  edited: boolean;
}

export type PirRow =
  | (RowBase & { kind: 'text'; field: PirTextField })
  | (RowBase & { kind: 'blast'; part: BlastPart; /** Shown as the triggers saw it, not yet edited. */ prefilled: boolean })
  | (RowBase & { kind: 'action'; index: number })
  | (RowBase & { kind: 'add-action' });

/** The row key of corrective action `index` (0-based). */
export const actionRowKey = (index: number) => `correctiveActions.${index + 1}`;
export const ADD_ACTION_ROW = 'correctiveActions.add';

/** How a corrective action is shown and typed: `action | owner | YYYY-MM-DD`. */
export function formatCorrectiveAction(a: CorrectiveAction): string {
  return `${a.action} | ${a.owner} | ${a.due}`;
}

/**
 * Splits `action | owner | YYYY-MM-DD` (the action may itself contain `|`: owner and due are the
 * last two parts). Missing parts come back empty for the recorder to refuse with its reason.
 */
export function parseCorrectiveActionLine(text: string): CorrectiveActionInput {
  const parts = text.split('|').map((p) => p.trim());
  if (parts.length < 3) return { action: parts[0] ?? '', owner: parts[1] ?? '', due: '' };
  const due = parts.pop() ?? '';
  const owner = parts.pop() ?? '';
  return { action: parts.join(' | '), owner, due };
}

/** `a, b ,, c` -> ['a', 'b', 'c']. */
export function parseList(text: string): string[] {
  return text
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

/** The blast radius with one part replaced by what was typed (lists are comma-separated). */
export function blastRadiusWith(current: BlastRadius, part: BlastPart, text: string): BlastRadius {
  const next: BlastRadius = {
    modules: [...current.modules],
    queues: [...current.queues],
    campaigns: [...current.campaigns],
    replicas: [...current.replicas],
    notes: current.notes,
  };
  if (part === 'notes') next.notes = text.trim();
  else next[part] = parseList(text);
  return next;
}

function blastValue(b: BlastRadius, part: BlastPart): string {
  return part === 'notes' ? b.notes : b[part].join(', ');
}

function textRow(pir: PirSummary, field: PirTextField): PirRow {
  return {
    kind: 'text',
    key: field,
    field,
    label: PIR_FIELD_LABELS[field],
    value: pir.values[field],
    missing: pir.missing.includes(field),
    edited: pir.edited.includes(field),
  };
}

function buildRows(pir: PirSummary): PirRow[] {
  const blastEdited = pir.edited.includes('blastRadius');
  const blastMissing = pir.missing.includes('blastRadius');
  const blast: PirRow[] = BLAST_PARTS.map((part) => {
    const value = blastValue(pir.values.blastRadius, part);
    return {
      kind: 'blast',
      key: `blastRadius.${part}`,
      part,
      label: `blast radius: ${part}`,
      value,
      missing: blastMissing,
      edited: blastEdited,
      prefilled: !blastEdited && value !== '',
    };
  });
  const actionsMissing = pir.missing.includes('correctiveActions');
  const actions: PirRow[] = pir.values.correctiveActions.map((a, index) => ({
    kind: 'action',
    key: actionRowKey(index),
    index,
    label: `corrective action ${index + 1}`,
    value: formatCorrectiveAction(a),
    // A row --strict still refuses (e.g. recorded by an older cockpit) is marked too.
    missing: pir.strictProblems.some((p) => p.startsWith(`Corrective actions: row ${index + 1}:`)),
    edited: true,
  }));
  const add: PirRow = {
    kind: 'add-action',
    key: ADD_ACTION_ROW,
    label: 'add a corrective action',
    value: '',
    missing: actionsMissing,
    edited: false,
  };
  // The order of the exported review (core/pir.ts PIR_SECTIONS).
  return [
    textRow(pir, 'summary'),
    textRow(pir, 'impact'),
    textRow(pir, 'rootCause'),
    textRow(pir, 'contributingFactors'),
    ...blast,
    textRow(pir, 'wentWell'),
    textRow(pir, 'wentBadly'),
    ...actions,
    add,
    textRow(pir, 'monitoringGaps'),
    textRow(pir, 'runbookImprovements'),
  ];
}

const rowCache = new WeakMap<PirSummary, PirRow[]>();

/** The editor's rows for an incident: the same array until its review changes. */
export function pirRows(incident: IncidentSummary | null): PirRow[] {
  const pir = incident?.pir;
  if (!pir) return [];
  let rows = rowCache.get(pir);
  if (!rows) {
    rows = buildRows(pir);
    rowCache.set(pir, rows);
  }
  return rows;
}

export function findPirRow(incident: IncidentSummary | null, key: string): PirRow | undefined {
  return pirRows(incident).find((r) => r.key === key.trim());
}

/** The highlighted row, clamped (rows come and go as corrective actions are added or removed). */
export function clampPirIndex(index: number, rows: readonly PirRow[]): number {
  return rows.length === 0 ? 0 : Math.max(0, Math.min(index, rows.length - 1));
}
