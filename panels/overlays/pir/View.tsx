// The post-incident review editor (P): every PIR field with its current value, a mark on what
// `pir export --strict` still needs, the blast radius as the triggers saw it, corrective action
// rows, and the strict problems left. It only draws: the router sends it every key (j/k move,
// Enter edits, a adds a corrective action, d deletes one, Esc closes) and the recorder decides
// what is valid.
import React, { memo, useMemo } from 'react';
import { Text } from 'ink';
import { useStore } from 'zustand';
import { DenseTable, type Column } from '../../../components/DenseTable.js';
import { Modal, modalInnerWidth } from '../../../components/Modal.js';
import { blastRadiusPartsEdited } from '../../../src/core/pir/blastRadius.js';
import { sanitize } from '../../../src/core/sanitize.js';
import { clampPirIndex, pirRows, type PirRow } from '../../../src/ui/controllers/pirEditor.js';
import type { IncidentSummary } from '../../../src/ui/state/store.js';
import type { Theme } from '../../../src/ui/state/theme.js';
import { place } from '../common.js';
import type { OverlayViewProps } from '../types.js';
import type { PirOverlay } from './state.js';

export interface PirEditorProps {
  overlay: PirOverlay;
  incident: IncidentSummary | null;
  theme: Theme;
  ascii: boolean;
  readonly: boolean;
  box: { width: number; height: number; top: number; left: number };
}

/** The mark column: `!` required and still missing, `~` prefilled from the triggers, `*` written. */
export function pirMark(r: PirRow): string {
  if (r.missing) return '!';
  if (r.kind === 'blast' && r.prefilled) return '~';
  if (r.edited && r.value !== '') return '*';
  return ' ';
}

/**
 * The blast radius rows with only the parts the operator changed marked as theirs (the editor
 * writes the whole blast radius when one part is edited: src/core/pir/blastRadius.ts).
 */
export function withBlastEdits(rows: readonly PirRow[], entries: readonly { kind: string; details?: Record<string, unknown> }[]): PirRow[] {
  if (!rows.some((r) => r.kind === 'blast' && r.edited)) return [...rows];
  const edited = blastRadiusPartsEdited(entries);
  return rows.map((r) => {
    if (r.kind !== 'blast') return r;
    const mine = edited.has(r.part);
    return { ...r, edited: mine, prefilled: !mine && r.value !== '' };
  });
}

function columns(): Column<PirRow>[] {
  return [
    {
      key: 'mark',
      header: '',
      width: 1,
      text: pirMark,
      tone: (r) => (r.missing ? 'breach' : r.kind === 'blast' && r.prefilled ? 'accent' : 'ok'),
    },
    {
      key: 'label',
      header: 'Field',
      width: 26,
      text: (r) => r.label,
      tone: (r) => (r.missing ? 'breach' : r.kind === 'add-action' ? 'accent' : undefined),
    },
    {
      key: 'value',
      header: 'Value',
      grow: 1,
      minWidth: 10,
      text: (r) => {
        if (r.kind === 'add-action') return 'a (or Enter) adds one: action | owner | YYYY-MM-DD';
        if (r.value === '') return '(empty)';
        return sanitize(r.kind === 'blast' && r.prefilled ? `${r.value}  (from the triggers)` : r.value, 400);
      },
      tone: (r) => (r.value === '' || r.kind === 'add-action' || (r.kind === 'blast' && r.prefilled) ? 'muted' : undefined),
    },
  ];
}

const PROBLEM_LINES = 3;

export const PirEditor = memo(function PirEditor({ overlay, incident, theme, ascii, readonly, box }: PirEditorProps) {
  const rows = useMemo(() => withBlastEdits(pirRows(incident), incident?.entries ?? []), [incident]);
  const cols = useMemo(() => columns(), []);
  const inner = modalInnerWidth(box.width);
  if (!incident) {
    return (
      <Modal title="Post-incident review" footer="Esc closes" theme={theme} ascii={ascii} {...box}>
        <Text {...theme.tones.muted}>no incident</Text>
      </Modal>
    );
  }
  const problems = incident.pir?.strictProblems ?? [];
  const missing = rows.filter((r) => r.missing).length;
  // Title, footer and the border take 4 lines, the status line 1; the table (with its header)
  // comes first, the problems get what is left, at least PROBLEM_LINES.
  const room = Math.max(3, box.height - 5);
  const problemRoom = problems.length === 0 ? 0 : Math.min(problems.length, Math.max(PROBLEM_LINES, room - (rows.length + 1) - 1));
  const problemLines = problems.length === 0 ? 0 : 1 + problemRoom;
  const tableHeight = Math.max(2, room - problemLines);
  const shown = problems.length > problemRoom ? problems.slice(0, problemRoom - 1) : problems;
  const status =
    problems.length === 0
      ? 'complete: the review passes pir export --strict'
      : `${problems.length} ${problems.length === 1 ? 'item' : 'items'} still missing for --strict${missing > 0 ? ` (! marks ${missing} ${missing === 1 ? 'field' : 'fields'})` : ''}`;
  return (
    <Modal
      title={`Post-incident review: ${sanitize(incident.id, 40)} (${incident.state})${readonly ? ' read-only' : ''}`}
      footer="j/k move  Enter edit  a add corrective action  d delete it  Esc close   ! required  ~ from triggers  * written"
      theme={theme}
      ascii={ascii}
      {...box}
    >
      <Text wrap="truncate-end" {...(problems.length === 0 ? theme.tones.ok : theme.tones.warn)}>
        {status}
      </Text>
      <DenseTable
        columns={cols}
        rows={rows}
        rowKey={(r) => r.key}
        width={inner}
        height={tableHeight}
        selected={clampPirIndex(overlay.index, rows)}
        focused
        theme={theme}
      />
      {problemLines > 0 ? (
        <Text wrap="truncate-end" {...theme.tones.muted}>
          Still missing before export:
        </Text>
      ) : null}
      {shown.map((p, i) => (
        <Text key={i} wrap="truncate-end" {...theme.tones.warn}>
          {`- ${sanitize(p, 300)}`}
        </Text>
      ))}
      {problems.length > shown.length ? (
        <Text wrap="truncate-end" {...theme.tones.muted}>
          {`  and ${problems.length - shown.length} more`}
        </Text>
      ) : null}
    </Modal>
  );
});

/** The editor as an overlay: the incident and the session's read-only flag from the store. */
export function PirEditorView({ overlay, store, theme, ascii, size }: OverlayViewProps<PirOverlay>) {
  const incident = useStore(store, (s) => s.incident);
  const readonly = useStore(store, (s) => s.session.readonly);
  return (
    <PirEditor overlay={overlay} incident={incident} readonly={readonly} box={place(size, 120, size.rows, 1)} theme={theme} ascii={ascii} />
  );
}
