// The status bar's content, pure: simulation and read-only markers, the incident, each data
// source's freshness (unreachable ones first), and the main keys. The view draws the ages live.
import { fitWidth, utcClock } from '../../components/format.js';
import { freshnessText } from '../../components/sourceFreshness.js';
import { severityWords } from '../../src/core/escalation.js';
import { sanitize } from '../../src/core/sanitize.js';
import type { SourceStatus } from '../../src/core/snapshot.js';
import type { SeverityOnScreen } from '../../src/ui/state/selectors.js';
import type { RecorderHealth } from '../../src/journal/recorder.js';
import type { IncidentSummary } from '../../src/ui/state/store.js';
import type { Tone } from '../../src/ui/state/theme.js';
import { thousands } from '../../src/domain/thousands.js';

/** How long a flash message stays up. */
export const FLASH_MS = 15_000;

/** What the bar is drawn from. */
export interface StatusData {
  simulated: boolean;
  scenario: string | null | undefined;
  readonly: boolean;
  readonlyReason: string | null;
  incident: Pick<IncidentSummary, 'id' | 'state' | 'severity'> | null;
  /** Suggested and decided, said as the escalation panel and presentation say them; absent: the incident's severity alone. */
  severity?: SeverityOnScreen;
  /** `--ascii`: the separator is ` - `. */
  ascii?: boolean;
  sources: readonly SourceStatus[];
  /** Writing the journal; absent or healthy: nothing is said. */
  journal?: RecorderHealth | null;
}

function entriesWord(n: number): string {
  return `${thousands(n)} ${n === 1 ? 'entry' : 'entries'}`;
}

/**
 * What the bar says while the journal cannot be written: a badge with the file system's reason,
 * then how many entries wait in memory (and the most it keeps) or were refused. Null when fine.
 */
export function journalNotice(j: RecorderHealth | null | undefined): { badge: string; detail: string } | null {
  if (!j) return null;
  const fault = j.journal?.fault ?? null;
  const waiting = (j.journal?.pending ?? 0) + j.earlierPending;
  const refused = j.journal?.refused ?? 0;
  if (fault === null && j.stateDirProblem === null && waiting === 0 && refused === 0) return null;
  const limit = j.journal?.limit.entries ?? 0;
  const parts: string[] = [];
  if (waiting > 0) parts.push(`${entriesWord(waiting)} waiting in memory${limit > 0 ? ` (at most ${thousands(limit)})` : ''}`);
  else if (fault !== null || j.stateDirProblem !== null) parts.push('nothing waiting yet');
  if (refused > 0) parts.push(`${entriesWord(refused)} NOT RECORDED (memory full)`);
  if (fault !== null) {
    return {
      badge: `JOURNAL NOT WRITTEN since ${utcClock(fault.since)}Z: ${sanitize(fault.code, 12)}`,
      detail: ` ${parts.join(', ')}  `,
    };
  }
  return {
    badge: `JOURNAL NOT WRITABLE: ${sanitize(j.stateDirProblem ?? 'earlier journal waiting', 60)}`,
    detail: ` ${parts.join(', ')}  `,
  };
}

/** The first line, left to right: an inverse badge, plain text, or a source with its live ages. */
export type StatusSegment =
  | { kind: 'badge'; text: string; tone: Tone }
  | { kind: 'text'; text: string; tone: Tone | undefined }
  | { kind: 'source'; source: SourceStatus; gap: string };

const SOURCE_ORDER: Record<SourceStatus['state'], number> = { unreachable: 0, stale: 1, connecting: 2, ok: 3, simulated: 3 };

/** Unreachable sources first, then stale, connecting, answering (a stable sort: otherwise as listed). */
export function sortedSources(sources: readonly SourceStatus[]): SourceStatus[] {
  return [...sources].sort((a, b) => SOURCE_ORDER[a.state] - SOURCE_ORDER[b.state]);
}

export function statusSegments(data: StatusData): StatusSegment[] {
  const out: StatusSegment[] = [];
  if (data.simulated) {
    out.push({ kind: 'badge', text: `SIMULATION${data.scenario ? `: ${sanitize(data.scenario, 40)}` : ''}`, tone: 'warn' });
    out.push({ kind: 'text', text: ' ', tone: undefined });
  }
  if (data.readonly) {
    out.push({ kind: 'badge', text: `READ-ONLY: ${sanitize(data.readonlyReason ?? 'no reason given', 80)}`, tone: 'accent' });
    out.push({ kind: 'text', text: ' ', tone: undefined });
  }
  const journal = journalNotice(data.journal);
  if (journal) {
    out.push({ kind: 'badge', text: journal.badge, tone: 'breach' });
    out.push({ kind: 'text', text: journal.detail, tone: 'breach' });
  }
  const inc = data.incident;
  const sev = data.severity;
  out.push(
    inc
      ? {
          kind: 'text',
          text: `${sanitize(inc.id, 40)} ${inc.state}${!sev && inc.severity ? ` ${inc.severity}` : ''}  `,
          tone: inc.state === 'open' ? 'breach' : inc.state === 'mitigated' ? 'warn' : 'ok',
        }
      : { kind: 'text', text: 'no incident ', tone: 'muted' },
  );
  // One wording of the severity everywhere: `SEV-2 suggested · SEV-1 decided by alice`.
  if (inc && sev) {
    const decided = sev.decided ? { severity: sev.decided.severity, by: sanitize(sev.decided.by, 30) } : null;
    out.push({
      kind: 'text',
      text: `${severityWords(sev.suggested, decided, data.ascii ? ' - ' : ' · ')}  `,
      tone: sev.decided ? 'breach' : 'warn',
    });
  }
  const sources = sortedSources(data.sources);
  if (sources.length === 0) out.push({ kind: 'text', text: 'no data source yet', tone: 'muted' });
  sources.forEach((source, i) => out.push({ kind: 'source', source, gap: i > 0 ? '  ' : '' }));
  return out;
}

/** The first line as plain text at `now`, cut to `width` (what the bar shows, without its styles). */
export function statusLineText(data: StatusData, width: number, now: number): string {
  const text = statusSegments(data)
    .map((s) => (s.kind === 'badge' ? ` ${s.text} ` : s.kind === 'text' ? s.text : s.gap + freshnessText(s.source, now)))
    .join('');
  return fitWidth(text, width);
}

/** The second line's flash message text (shown for FLASH_MS), with its tone. */
export function flashText(flash: { text: string; level: 'info' | 'warn' | 'error' }): { text: string; tone: Tone } {
  return {
    text: `${flash.level === 'info' ? '' : `${flash.level}: `}${sanitize(flash.text, 300)}  `,
    tone: flash.level === 'error' ? 'breach' : flash.level === 'warn' ? 'warn' : 'accent',
  };
}

/**
 * A flash message cut to `width`: a key hint in it (`…: O reopens it …`, from the first `: K word`)
 * is kept whole with the head cut before it, or dropped whole when there is no room for it.
 */
export function fitFlash(text: string, width: number): string {
  const t = text.trimEnd();
  if (t.length <= width) return t;
  const m = /: ([A-Z?]) [a-z]/.exec(t);
  if (m) {
    const head = t.slice(0, m.index);
    const tail = t.slice(m.index + 2);
    const room = width - tail.length - 2;
    // The head says what happened: it keeps at least 20 columns, else the hint goes.
    if (room >= Math.min(20, head.length)) return `${fitWidth(head, room)}: ${tail}`;
    return fitWidth(head, width);
  }
  return fitWidth(t, width);
}

/**
 * The footer line at `width`: the flash message (cut to leave room for `? help` and `q quit`),
 * then the key hints that fit whole, in order, those two always among them. The `first` hints
 * (e.g. `s severity` while no severity is decided) get their room before the others; lesser
 * hints are dropped first. Never a hint cut in the middle.
 */
export function fitFooter(
  flash: string,
  hints: readonly string[],
  width: number,
  first: readonly string[] = [],
): { flash: string; hints: string } {
  const must = hints.filter((h) => h.startsWith('? ') || h.startsWith('q '));
  const reserve = must.reduce((n, h) => n + h.length + 2, 0);
  let f = flash;
  if (f.length > 0 && f.length + reserve > width) f = `${fitFlash(f, Math.max(0, width - reserve - 2))}  `;
  let room = width - f.length - reserve;
  const take = new Set(must);
  const order = [...hints.filter((h) => first.includes(h) && !take.has(h)), ...hints.filter((h) => !first.includes(h) && !take.has(h))];
  for (const h of order) {
    if (h.length + 2 > room) continue;
    room -= h.length + 2;
    take.add(h);
  }
  return { flash: f, hints: hints.filter((h) => take.has(h)).join('  ') };
}

/** The hints the footer keeps before the others: `s severity` while none is decided, `O reopen` while offered. */
export function footerFirst(hints: readonly string[], severityDecided: boolean): string[] {
  return hints.filter((h) => (!severityDecided && h.startsWith('s ')) || h.startsWith('O '));
}
