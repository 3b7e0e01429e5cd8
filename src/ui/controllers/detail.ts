// Reading one row in full: Enter on a timeline entry or a mitigation in force, `v` on those and on
// a trigger, opens a detail with everything the row stands for (a journal entry's details, who,
// when, its hash and the one before it; a trigger's figure, threshold, evidence; a mitigation's
// reason, expiry, undo and drift). The fields are read once, when the detail opens.
import { sanitize } from '../../core/sanitize.js';
import type { TriggerState } from '../../core/triggers.js';
import type { InForce } from '../../control/mitigations/inForce.js';
import type { Binding, CockpitServices } from '../registry/types.js';
import { entryKindWord } from '../state/entryKinds.js';
import { selectedIndex, selectedTrigger, timelineRows } from '../state/selectors.js';
import type { CockpitState, Overlay, TimelineLine } from '../state/store.js';
import { setUi } from './common.js';

type Field = { label: string; value: string };
type Detail = Extract<Overlay, { kind: 'detail' }>;

/** A value from a journal entry's details as one line of text (objects as compact JSON). */
function valueText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

const clean = (v: unknown) => sanitize(v, 4000);

export function entryDetail(e: TimelineLine): Detail {
  const fields: Field[] = [
    { label: 'entry', value: `#${e.seq} ${entryKindWord(e.kind)} (${e.kind})` },
    { label: 'when', value: e.simAt ? `${e.simAt} (simulated time: a practice incident)` : e.at },
    { label: 'who', value: clean(e.operator) },
    { label: 'text', value: clean(e.text) },
  ];
  for (const [k, v] of Object.entries(e.details ?? {})) fields.push({ label: clean(k), value: clean(valueText(v)) });
  // Read loosely: the journal-fault and signal fields arrive with other work on the same types.
  if ((e as { unwritten?: boolean }).unwritten) fields.push({ label: 'on disk', value: 'not yet: waiting in memory for the journal' });
  fields.push({ label: 'hash', value: e.hash ?? 'not known' }, { label: 'previous', value: e.prevHash ?? 'not known' });
  return { kind: 'detail', title: `Timeline entry #${e.seq}: ${entryKindWord(e.kind)}`, fields, offset: 0 };
}

export function triggerDetail(t: TriggerState): Detail {
  const fields: Field[] = [
    { label: 'trigger', value: clean(t.title) },
    { label: 'on', value: `${clean(t.target)} (module ${clean(t.module)})` },
    { label: 'state', value: `${t.firing ? 'firing' : 'clear'} since ${new Date(t.since).toISOString()}` },
    { label: 'figure', value: `${t.value} ${t.unit}, threshold ${t.threshold}, clears at ${t.clearAt}` },
    { label: 'detail', value: clean(t.detail) },
    { label: 'runbook', value: `section ${t.section}` },
    { label: 'id', value: clean(t.key) },
  ];
  const signal = t as { severity?: string; evidence?: readonly string[] };
  if (signal.severity) fields.push({ label: 'severity', value: signal.severity });
  (signal.evidence ?? []).forEach((line, i) => fields.push({ label: i === 0 ? 'evidence' : '', value: clean(line) }));
  return { kind: 'detail', title: `Trigger: ${clean(t.title)} on ${clean(t.target)}`, fields, offset: 0 };
}

export function inForceDetail(m: InForce): Detail {
  const fields: Field[] = [
    { label: 'in force', value: m.kind },
    { label: 'on', value: clean(m.target) },
    { label: 'set by', value: `${clean(m.by)} at ${m.at}${m.simulated ? ' (simulation)' : ''}` },
    { label: 'reason', value: clean(m.reason) },
    { label: 'until', value: m.until ?? 'until undone' },
    { label: 'action', value: clean(m.action) },
    { label: 'undo', value: m.undo ? clean(m.undo) : 'none' },
    { label: 'expects', value: clean(valueText(m.expect)) },
    { label: 'drift', value: m.drift ? clean(m.drift) : `none${m.checkedAt ? ` (checked ${m.checkedAt})` : ''}` },
  ];
  return { kind: 'detail', title: `In force: ${m.kind} on ${clean(m.target)}`, fields, offset: 0 };
}

/** The detail of the focused panel's selected row; a string says why there is none. */
export function selectedDetail(s: CockpitState): Detail | string {
  switch (s.ui.focus) {
    case 'timeline': {
      const rows = timelineRows(s);
      const e = rows[selectedIndex(s, 'timeline')];
      return e ? entryDetail(e) : 'no timeline entry selected';
    }
    case 'escalation': {
      const t = selectedTrigger(s);
      return t ? triggerDetail(t) : 'no trigger selected';
    }
    case 'mitigations': {
      const m = s.mitigations?.inForce[selectedIndex(s, 'mitigations')];
      return m ? inForceDetail(m) : 'no mitigation in force selected';
    }
    default:
      return 'no detail for this panel';
  }
}

export function bindings(_services: CockpitServices): Binding[] {
  const open = (id: string, keys: string[], panels: Binding['panels'], title: string): Binding => ({
    id,
    keys,
    title,
    description:
      'Read the selected row in full: a timeline entry with all its details, who, when and its hash; a trigger with its figure, threshold and evidence; a mitigation in force with its reason, expiry, undo and drift.',
    panels,
    mutates: false,
    dangerous: false,
    group: 'view',
    when: (s) => {
      const d = selectedDetail(s);
      return typeof d === 'string' ? d : null;
    },
    run: ({ store }) => {
      const d = selectedDetail(store.getState());
      if (typeof d !== 'string') setUi(store, { overlay: d });
    },
  });
  return [
    // Enter reads a timeline entry (it has nothing else to do); elsewhere Enter keeps the actions
    // menu, where `view` is listed.
    open('detail', ['enter'], ['timeline'], 'Read the entry in full'),
    open('view', ['v'], ['timeline', 'mitigations', 'escalation'], 'Read the selected row in full'),
  ];
}
