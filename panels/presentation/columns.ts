// Presentation mode's content, pure: what a projector in the war room shows, line by line, at
// 120x40 to 240x70 (and still sensibly at 80x24).
//
//   band      the severity and the elapsed time in block letters; beside them, in words, the
//             severity as everywhere (`SEV-2 suggested · SEV-1 decided by alice`), the incident,
//             who opened it and whom the matrix pages (or who was paged)
//   headline  the runbook section of the most serious trigger (or the one pinned with r), which
//             trigger it follows and how to switch, a signal's evidence
//   figures   the 3-4 figures that matter (the most serious firing triggers): figure, line, trend
//   paged     who was paged, when, acknowledged or not
//   in force  the mitigations in force, who set them and until when
//   timeline  the last 5 entries
//
// Every line is cut to the width; sections shrink from the bottom when the height is short.
import stringWidth from 'string-width';
import { bigText, BIG_TEXT_HEIGHT } from '../../components/blockLetters.js';
import { fitWidth, formatDuration, padTo, utcClock } from '../../components/format.js';
import { sparkline } from '../../components/trend.js';
import { impliedSeverity, severityWords, type Severity, type SeveritySuggestion } from '../../src/core/escalation.js';
import type { PagingView } from '../../src/core/paging.js';
import { sanitize } from '../../src/core/sanitize.js';
import { trendDirection, TREND_EVERY_MS, TREND_KEEP } from '../../src/core/triggerTrends.js';
import type { TriggerState } from '../../src/core/triggers.js';
import { triggerSpec } from '../../src/domain/thresholds.js';
import { entryKindWord, KIND_WORD_WIDTH } from '../../src/ui/state/entryKinds.js';
import type { RunbookFocus, SeverityOnScreen } from '../../src/ui/state/selectors.js';
import type { TimelineLine } from '../../src/ui/state/store.js';
import type { Tone } from '../../src/ui/state/theme.js';
import { severityTone, suggestedPages } from '../escalation/columns.js';
import { followText, triggerName } from '../runbook/columns.js';

/** One line of the screen: its text already cut (and for the band, padded) to the width. */
export interface ScreenLine {
  text: string;
  tone?: Tone;
  bold?: boolean;
  /** Drawn in reverse video: the band is solid in colour and in mono. */
  inverse?: boolean;
}

/** A mitigation in force as the screen names it. */
export interface InForceLine {
  action: string;
  target: string;
  by: string;
  /** ISO UTC; null: until undone. */
  until: string | null;
  drift: string | null;
}

/** What the screen is drawn from (the view reads these from the store). */
export interface PresentationData {
  severity: SeverityOnScreen;
  suggestion: SeveritySuggestion;
  /** The trigger the headline follows (the most serious, or the one pinned with r). */
  focus: RunbookFocus;
  /** Every trigger, most serious first. */
  triggers: readonly TriggerState[];
  /** Each trigger's recent figures, oldest first (src/core/triggerTrends.ts). */
  trends: Readonly<Record<string, readonly number[]>>;
  /** `openedBy`: the commander (src/ui/state/store.ts IncidentSummary.commander: the opener unless another took it). */
  incident: { id: string; state: string; startedAt: string; openedBy: string | null; entries: readonly TimelineLine[] } | null;
  paging: Pick<PagingView, 'targets' | 'mode' | 'modules'> | null;
  inForce: readonly InForceLine[];
}

/** Block letters twice the size on a large screen. */
export function presentationScale(width: number, height: number): 1 | 2 {
  return width >= 200 && height >= 56 ? 2 : 1;
}

/** How many rows the band takes at a scale: a blank row, the letters, a blank row. */
export function bandHeight(scale: 1 | 2): number {
  return BIG_TEXT_HEIGHT * scale + 2;
}

const sepOf = (ascii: boolean) => (ascii ? ' - ' : ' · ');

/** Cut to a width, with an ASCII ellipsis in ASCII mode. */
const fit = (text: string, width: number, ascii: boolean) => fitWidth(text, width, ascii ? '~' : '…');

/** The severity the band shows in block letters: the decision, else the suggestion. */
function bandSeverity(sev: SeverityOnScreen): Severity | null {
  return sev.decided?.severity ?? sev.suggested;
}

/**
 * The band: block letters of the severity and (with an incident) the elapsed time, and beside them
 * the same in words; every line the full width. `elapsed`: the time since the incident started,
 * as the clock formats it (`14m32s`), null without an incident.
 */
export function bandLines(
  data: Pick<PresentationData, 'severity' | 'suggestion' | 'incident' | 'paging'>,
  elapsed: string | null,
  width: number,
  ascii: boolean,
  scale: 1 | 2 = 1,
): { lines: string[]; tone: Tone } {
  const sev = bandSeverity(data.severity);
  const sevBig = bigText(sev ?? 'OK', ascii, scale);
  const sevWidth = Math.max(...sevBig.map((r) => stringWidth(r)));
  const timeBig = elapsed ? bigText(elapsed.replace(/[^0-9a-z:]/gi, ''), ascii, scale) : [];
  const timeWidth = Math.max(0, ...timeBig.map((r) => stringWidth(r)));
  // The elapsed time in letters only when the words beside it keep 36 columns.
  const withTime = timeBig.length > 0 && width - 2 - sevWidth - 6 - timeWidth - 4 >= 36;
  const left = sevBig.map((row, i) => `  ${padTo(row, sevWidth)}${withTime ? `      ${padTo(timeBig[i] ?? '', timeWidth)}` : ''}    `);
  const leftWidth = stringWidth(left[0] ?? '');
  const rightWidth = Math.max(0, width - leftWidth);
  const inc = data.incident;
  const paged = data.paging?.targets.filter((t) => t.channel !== 'ticket').map((t) => `${t.role} ${t.contact}`) ?? [];
  const decided = data.severity.decided ? { severity: data.severity.decided.severity, by: sanitize(data.severity.decided.by, 30) } : null;
  const words = [
    severityWords(data.severity.suggested, decided, sepOf(ascii)).toUpperCase(),
    inc
      ? `${sanitize(inc.id, 40)} ${inc.state.toUpperCase()}${elapsed ? `${sepOf(ascii)}${elapsed} since ${utcClock(inc.startedAt)}Z` : ''}`
      : 'NO INCIDENT OPEN',
    // The commander: whoever took the incident, else its opener (who is its commander until then).
    inc ? `commander ${sanitize(inc.openedBy ?? 'not known', 40)}` : '',
    paged.length > 0
      ? `paged: ${sanitize(paged.join(', '), 200)}`
      : suggestedPages(data.suggestion, data.paging?.modules ?? null).length > 0
        ? `matrix pages: ${sanitize(suggestedPages(data.suggestion, data.paging?.modules ?? null).join(', '), 200)}`
        : data.suggestion.ticket
          ? 'matrix: a ticket, same-day remediation'
          : '',
    '',
  ];
  // At scale 2 the words sit on every other row, level with the letters.
  const right = left.map((_, i) => (scale === 2 ? (i % 2 === 0 ? (words[i / 2] ?? '') : '') : (words[i] ?? '')));
  const body = left.map((l, i) => `${l}${fit(right[i] ?? '', rightWidth, ascii)}`);
  const lines = ['', ...body, ''].map((l) => padTo(fit(l, width, ascii), width));
  return { lines, tone: severityTone(sev) };
}

/** A trigger's figure in words: `23m05s`, `55.6x`, `12.5%`, `3`, `raised`. */
export function figureText(t: TriggerState): string {
  if (!Number.isFinite(t.value)) return 'unreachable';
  switch (t.unit) {
    case 's':
      return formatDuration(t.value);
    case 'x':
      return `${t.value.toFixed(1)}x baseline`;
    case 'ratio':
      return `${(t.value * 100).toFixed(1)}%`;
    case 'count':
      return String(Math.round(t.value));
    case 'flag':
      return triggerSpec(t.kind).matrix === 'signal' ? 'raised' : t.severity === 'SEV-1' ? 'down' : 'yes';
  }
}

/** The line a figure is judged against: `line 15m`, `line 3x`, `line 5.0%`, `any`. */
export function lineText(t: TriggerState): string {
  switch (t.unit) {
    case 's':
      return `line ${formatDuration(t.threshold)}`;
    case 'x':
      return `line ${t.threshold}x`;
    case 'ratio':
      return `line ${(t.threshold * 100).toFixed(1)}%`;
    default:
      return 'line: any';
  }
}

/** How many figures the screen shows: the 4 most serious firing triggers (3 when short of rows). */
export const FIGURES = 4;

function trendText(t: TriggerState, values: readonly number[], width: number, ascii: boolean): string {
  // A yes/no has no course to draw: when it started is what matters.
  if (t.unit === 'flag') return `since ${utcClock(t.since)}Z`;
  const dir = trendDirection(values);
  const arrow = ascii ? { rising: '^', falling: 'v', steady: '=' } : { rising: '▲', falling: '▼', steady: '=' };
  const cells = Math.max(4, Math.min(TREND_KEEP, width - 10));
  return `${sparkline(values, cells, ascii)} ${arrow[dir]} ${dir}`;
}

/**
 * A trigger's name in `width` columns, its decisive words (the kind: `cross-tenant risk`) kept:
 * the target gives way first (`cmp-017+cmp-023` -> `cmp-017+1`, then cut), never the kind while
 * it fits on its own.
 */
export function fitTriggerName(t: Pick<TriggerState, 'target' | 'kind'>, width: number, ascii: boolean): string {
  const full = triggerName(t);
  if (stringWidth(full) <= width) return full;
  const kind = triggerSpec(t.kind).short;
  const room = width - stringWidth(kind) - 1;
  const target = sanitize(t.target, 40);
  const parts = target.split('+');
  const counted = parts.length > 1 ? `${parts[0]}+${parts.length - 1}` : target;
  if (stringWidth(counted) <= room) return `${counted} ${kind}`;
  if (room >= 4) return `${fit(counted, room, ascii)} ${kind}`;
  return fit(kind, width, ascii);
}

/** One figure's lines: severity, name, figure, line and trend; then (when `detail`) its detail. */
export function figureLines(t: TriggerState, values: readonly number[], width: number, ascii: boolean, detail: boolean): ScreenLine[] {
  const sev = impliedSeverity(t);
  const nameW = Math.min(32, Math.max(14, Math.floor(width * 0.25)));
  const figW = 16;
  const lineW = 13;
  const trendW = Math.max(0, width - 7 - nameW - figW - lineW - 3);
  const main = [
    padTo(sev, 6),
    padTo(fitTriggerName(t, nameW - 1, ascii), nameW),
    padTo(fit(figureText(t), figW - 1, ascii), figW),
    padTo(fit(lineText(t), lineW - 1, ascii), lineW),
    trendW >= 8 ? trendText(t, values, trendW, ascii) : '',
  ].join(' ');
  const out: ScreenLine[] = [{ text: fit(main, width, ascii), tone: severityTone(sev), bold: true }];
  if (detail) out.push({ text: fit(`       ${sanitize(t.detail, 300)}`, width, ascii), tone: 'muted' });
  return out;
}

/** A figure in block letters: `102.3X`, `16M`, `20.6%`, `DOWN`, `RAISED`. */
export function bigFigure(t: TriggerState): string {
  if (t.unit === 'flag') return triggerSpec(t.kind).matrix === 'signal' ? 'RAISED' : t.severity === 'SEV-1' ? 'DOWN' : 'YES';
  if (t.unit === 'x' && Number.isFinite(t.value)) return `${t.value.toFixed(1)}X`;
  return figureText(t).toUpperCase();
}

/**
 * One figure for a large screen: the severity and name, then its value in block letters with,
 * beside them, what it is, its line, its trend and since when.
 */
export function bigFigureLines(t: TriggerState, values: readonly number[], width: number, ascii: boolean): ScreenLine[] {
  const sev = impliedSeverity(t);
  const big = bigText(bigFigure(t), ascii);
  const bigW = Math.max(...big.map((r) => stringWidth(r)));
  const room = Math.max(0, width - 7 - bigW - 4);
  const beside = [
    sanitize(t.detail, 300),
    lineText(t),
    t.unit === 'flag' ? '' : trendText(t, values, Math.min(room, 60), ascii),
    `firing since ${utcClock(t.since)}Z`,
    '',
  ];
  return [
    { text: fit(`${padTo(sev, 6)} ${fitTriggerName(t, width - 7, ascii)}`, width, ascii), tone: severityTone(sev), bold: true },
    ...big.map((row, i) => ({
      text: fit(`       ${padTo(row, bigW)}    ${fit(beside[i] ?? '', room, ascii)}`, width, ascii),
      tone: severityTone(sev),
      bold: true,
    })),
  ];
}

/** The headline: the section the most serious (or pinned) trigger calls for, what it follows, a signal's evidence. */
export function headlineLines(data: Pick<PresentationData, 'focus'>, width: number, ascii: boolean): ScreenLine[] {
  const { trigger, section } = data.focus;
  const sec = `${ascii ? 'Section ' : '§'}${section.id} ${section.title.toUpperCase()}`;
  if (!trigger) return [{ text: fit(`${sec}: no runbook trigger firing`, width, ascii), tone: 'ok', bold: true }];
  const sev = impliedSeverity(trigger);
  const tone = severityTone(sev);
  const whole = `${sec}${sepOf(ascii)}${triggerName(trigger)} ${sev}: ${sanitize(trigger.detail, 200)}`;
  // Too wide for one line: the section and the trigger's name (its kind kept) on the first, the
  // detail on its own line below, so neither loses its decisive words to the other.
  const head =
    stringWidth(whole) <= width
      ? [{ text: whole, tone, bold: true }]
      : [
          {
            text: fit(
              `${sec}${sepOf(ascii)}${fitTriggerName(trigger, Math.max(8, width - stringWidth(sec) - 10), ascii)} ${sev}`,
              width,
              ascii,
            ),
            tone,
            bold: true,
          },
          { text: fit(sanitize(trigger.detail, 200), width, ascii), tone, bold: true },
        ];
  const out: ScreenLine[] = [
    ...head,
    { text: fit(followText(data.focus, ascii), width, ascii), tone: data.focus.pinned ? 'warn' : 'muted' },
  ];
  const evidence = trigger.evidence?.filter((e) => e.trim() !== '') ?? [];
  if (evidence.length > 0) {
    const campaigns = trigger.scope.campaignIds?.length ? `${sepOf(ascii)}campaigns ${trigger.scope.campaignIds.join(', ')}` : '';
    out.push({ text: fit(`evidence: ${sanitize(evidence.join('; '), 300)}${campaigns}`, width, ascii), tone: 'breach', bold: true });
  }
  return out;
}

function inForceText(m: InForceLine, ascii: boolean): string {
  const until = m.until ? ` until ${utcClock(m.until)}Z` : ' until undone';
  const drift = m.drift ? `${sepOf(ascii)}DRIFT: ${sanitize(m.drift, 80)}` : '';
  return `${sanitize(m.action, 40)} ${sanitize(m.target, 60)}${sepOf(ascii)}by ${sanitize(m.by, 30)}${until}${drift}`;
}

function pagedText(t: PagingView['targets'][number], ascii: boolean): string {
  const ack =
    t.channel === 'ticket' ? 'ticket' : t.ack ? `acknowledged by ${sanitize(t.ack.by, 30)} ${utcClock(t.ack.at)}Z` : 'NOT ACKNOWLEDGED';
  return `${t.severity}  ${sanitize(t.role, 30)} ${sanitize(t.contact, 30)}${sepOf(ascii)}paged ${utcClock(t.firstPagedAt)}Z${t.pages > 1 ? ` x${t.pages}` : ''}${sepOf(ascii)}${ack}`;
}

function entryText(e: TimelineLine): string {
  // The kinds in the timeline panel's short words (fired, suggested, decided, note…).
  return `${utcClock(e.simAt ?? e.at)}Z  ${padTo(entryKindWord(e.kind), KIND_WORD_WIDTH)} ${sanitize(e.operator, 20)}: ${sanitize(e.text, 300)}`;
}

/** `FIGURES THAT MATTER (3 most serious of 9 firing)`: `drawn` is the number of figures on the screen. */
export function figuresTitle(drawn: number, firing: number, width: number, ascii: boolean): string {
  const count = firing > drawn ? ` (${drawn} most serious of ${firing} firing)` : '';
  return fit(
    `FIGURES THAT MATTER${count}${sepOf(ascii)}trend over the last ${formatDuration((TREND_EVERY_MS * TREND_KEEP) / 1000)}`,
    width,
    ascii,
  );
}

/** Rows each part wants, so the screen can shrink them from the bottom. */
interface Part {
  title: ScreenLine | null;
  lines: ScreenLine[];
  /** Fewest lines worth showing (the rest is cut first). */
  min: number;
}

/**
 * The body under the band, at most `height` lines of at most `width` columns: the headline, the
 * figures, the mitigations in force, the last 5 timeline entries.
 */
export function bodyLines(data: PresentationData, width: number, height: number, ascii: boolean): ScreenLine[] {
  const firing = data.triggers.filter((t) => t.firing);
  const shown = firing.slice(0, FIGURES);
  // Two lines per figure (with its detail) when there is room for them and the rest; on a large
  // screen (the rest leaves 6 rows a figure) the figures in block letters.
  const roomy = height >= 26;
  // What the rest takes: the headline (3), the titles and lines of the pages, the mitigations and
  // the timeline, and the blank rows between the parts.
  const others =
    3 +
    (1 + Math.max(1, data.paging?.targets.length ?? 0)) +
    (1 + Math.max(1, data.inForce.length)) +
    (1 + Math.max(1, Math.min(5, data.incident?.entries.length ?? 0))) +
    4;
  const large = width >= 160 && shown.length > 0 && height >= others + 1 + shown.length * 6;
  const perFigure = large ? 1 + BIG_TEXT_HEIGHT : roomy ? 2 : 1;
  const figures: Part = {
    title: { text: figuresTitle(shown.length, firing.length, width, ascii), tone: 'accent', bold: true },
    lines:
      shown.length === 0
        ? [{ text: 'no runbook trigger firing', tone: 'ok' }]
        : shown.flatMap((t) =>
            large
              ? bigFigureLines(t, data.trends[t.key] ?? [], width, ascii)
              : figureLines(t, data.trends[t.key] ?? [], width, ascii, roomy),
          ),
    min: Math.min(3, Math.max(1, shown.length)) * (large ? 6 : roomy ? 2 : 1),
  };
  const inForce: Part = {
    title: { text: fit(`MITIGATIONS IN FORCE (${data.inForce.length})`, width, ascii), tone: 'accent', bold: true },
    lines:
      data.inForce.length === 0
        ? [{ text: 'none in force', tone: 'muted' }]
        : data.inForce.map((m) => ({ text: fit(inForceText(m, ascii), width, ascii), tone: m.drift ? 'breach' : undefined })),
    min: 1,
  };
  const entries = data.incident?.entries.slice(-5) ?? [];
  const timeline: Part = {
    title: { text: fit(`LAST ${entries.length || 5} TIMELINE ENTRIES`, width, ascii), tone: 'accent', bold: true },
    lines:
      entries.length === 0
        ? [{ text: 'no incident open', tone: 'muted' }]
        : entries.map((e) => ({ text: fit(entryText(e), width, ascii) })),
    min: 1,
  };
  const targets = data.paging?.targets ?? [];
  const paged: Part = {
    title: {
      text: fit(
        `PAGED (${targets.length})${data.paging?.mode === 'record-only' ? `${sepOf(ascii)}record only: journaled, not sent` : ''}`,
        width,
        ascii,
      ),
      tone: 'accent',
      bold: true,
    },
    lines:
      targets.length === 0
        ? [{ text: data.severity.decided ? 'nobody paged' : 'nobody paged yet: no severity decided', tone: 'muted' }]
        : targets.map((t) => ({
            text: fit(pagedText(t, ascii), width, ascii),
            tone: t.ack || t.channel === 'ticket' ? ('ok' as const) : ('warn' as const),
          })),
    min: 1,
  };
  const headline: Part = { title: null, lines: headlineLines(data, width, ascii), min: 1 };
  const parts = [headline, figures, paged, inForce, timeline];
  const need = () => parts.reduce((n, p) => n + (p.title ? 1 : 0) + p.lines.length, 0) + (parts.length - 1);
  // Shrink from the bottom: the timeline, then the mitigations, then the figures, to their minimum;
  // then drop whole parts from the bottom.
  for (const p of [paged, timeline, inForce, figures, headline]) {
    // The timeline keeps its newest entries: the oldest give way; a figure goes whole.
    const step = p === figures && shown.length > 0 ? perFigure : 1;
    while (need() > height && p.lines.length - step >= p.min) {
      if (p === timeline) p.lines.shift();
      else p.lines.splice(p.lines.length - step, step);
    }
  }
  // The title counts the figures drawn, not the ones there would be room for on a taller screen.
  const drawn = shown.length === 0 ? 0 : Math.floor(figures.lines.length / perFigure);
  if (figures.title) figures.title = { ...figures.title, text: figuresTitle(drawn, firing.length, width, ascii) };
  if (entries.length > 0 && timeline.lines.length < entries.length && timeline.title) {
    timeline.title = {
      ...timeline.title,
      text: fit(`LAST ${timeline.lines.length} TIMELINE ENTRIES (of ${entries.length})`, width, ascii),
    };
  }
  // Then drop whole parts, the pages first, then from the bottom.
  if (need() > height) parts.splice(parts.indexOf(paged), 1);
  while (need() > height && parts.length > 1) parts.pop();
  const out: ScreenLine[] = [];
  parts.forEach((p, i) => {
    if (i > 0) out.push({ text: '' });
    if (p.title) out.push(p.title);
    out.push(...p.lines);
  });
  return out.slice(0, Math.max(0, height));
}
