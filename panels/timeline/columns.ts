// The incident timeline's content, pure: the head line (id, state, severity, start), journal
// problems, and the entries' column set, newest last.
import { utcClock } from '../../components/format.js';
import { tableAt, type Column, type Table } from '../../components/table.js';
import type { Severity } from '../../src/core/escalation.js';
import { sanitize } from '../../src/core/sanitize.js';
import type { RecorderHealth } from '../../src/journal/recorder.js';
import { entryKindWord, isTriggerKind, KIND_WORD_WIDTH } from '../../src/ui/state/entryKinds.js';
import type { IncidentSummary, TimelineLine } from '../../src/ui/state/store.js';
import type { Tone } from '../../src/ui/state/theme.js';
import { thousands } from '../../src/domain/thousands.js';

/** The incident as the head line shows it; null when there is none. */
export interface TimelineHead {
  id: string;
  state: IncidentSummary['state'];
  /** The incident's severity: its latest decision, else its latest suggestion. */
  severity: Severity | null;
  /** Whether a severity was decided (false: `severity` is only a suggestion); absent: not known. */
  decided?: boolean;
  startedAt: string;
  problems: readonly string[];
}

export const TIMELINE_COLUMNS: readonly Column<TimelineLine>[] = [
  // A simulation's entries at its own clock, as the status line, the milestones and the PIR tell
  // them (the wall clock runs at another speed beside it).
  { key: 'at', header: 'UTC', width: 8, text: (e) => utcClock(e.simAt ?? e.at) },
  // Who and kind are as wide as what they hold (a short word per kind, never cut), so the entry
  // text gets the rest of the width.
  { key: 'who', header: 'who', fit: 10, hideBelow: 48, text: (e) => sanitize(e.operator, 40), tone: () => 'muted' },
  {
    key: 'kind',
    header: 'kind',
    fit: KIND_WORD_WIDTH,
    text: (e) => entryKindWord(e.kind),
    // What the triggers did stands out from what people did.
    tone: (e) => (isTriggerKind(e.kind) ? 'warn' : 'accent'),
  },
  {
    key: 'text',
    header: 'entry',
    grow: 1,
    minWidth: 10,
    // An entry the journal could not write yet says so where it is read.
    text: (e) => (e.unwritten ? `(not written) ${sanitize(e.text, 400)}` : sanitize(e.text, 400)),
    tone: (e) => (e.unwritten ? 'breach' : undefined),
  },
];

/** Open is a breach, mitigated a warning, resolved fine. */
export function incidentStateTone(state: IncidentSummary['state']): Tone {
  return state === 'open' ? 'breach' : state === 'mitigated' ? 'warn' : 'ok';
}

/** A suggestion is not a decision: the head line says so (the status line says what is suggested now; this is the last one recorded). */
function severityText(head: TimelineHead): string {
  if (head.severity === null) return 'severity not decided';
  return head.decided === false ? `severity not decided (last suggested ${head.severity})` : head.severity;
}

/** The head line's three pieces, and the journal problems shown (at most two lines). */
export function timelineHead(
  head: TimelineHead,
  journal?: RecorderHealth | null,
): { id: string; state: string; rest: string; problems: string[] } {
  const fault = journalFaultLine(journal);
  return {
    id: sanitize(head.id, 60),
    state: ` ${head.state}`,
    rest: ` ${severityText(head)}  since ${utcClock(head.startedAt)}Z`,
    problems: [...(fault ? [fault] : []), ...head.problems.slice(0, fault ? 1 : 2).map((p) => `! journal: ${sanitize(p, 300)}`)],
  };
}

/**
 * The journal fault as the timeline says it, for as long as it lasts: the file system's reason,
 * since when, what was not written (entries marked "(not written)" below, waiting in memory) and
 * what was refused. Null while everything is on disk.
 */
export function journalFaultLine(j: RecorderHealth | null | undefined): string | null {
  if (!j) return null;
  const jr = j.journal;
  const waiting = (jr?.pending ?? 0) + j.earlierPending;
  const refused = jr?.refused ?? 0;
  if (jr?.fault) {
    const from = jr.firstPendingSeq !== null ? ` from #${jr.firstPendingSeq}` : '';
    return (
      `! journal not written since ${utcClock(jr.fault.since)}Z: ` +
      `${waiting} ${waiting === 1 ? 'entry' : 'entries'}${from} waiting in memory (at most ${thousands(jr.limit.entries)}), ` +
      `written when the disk takes them${refused > 0 ? `; ${refused} NOT RECORDED (memory full)` : ''}; ${sanitize(jr.fault.message, 200)}`
    );
  }
  if (j.stateDirProblem !== null) {
    return `! journal: ${sanitize(j.stateDir, 120)} cannot be written (${sanitize(j.stateDirProblem, 80)}): read-only; ${waiting} waiting in memory`;
  }
  if (waiting > 0 || refused > 0) return `! journal: ${waiting} waiting in memory${refused > 0 ? `, ${refused} not recorded` : ''}`;
  return null;
}

/** The entries at `width`. */
export function timelineTable(rows: readonly TimelineLine[], width: number): Table<TimelineLine> {
  return tableAt(TIMELINE_COLUMNS, rows, width);
}
