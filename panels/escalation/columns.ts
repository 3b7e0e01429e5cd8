// Escalation's content (runbook 7), pure: the trigger table's column set, what the matrix suggests
// and whom to page, and the paging lines (who was paged, delivery, acknowledgement). The view
// (EscalationPanel.tsx) only draws these with the theme's tones and the live clock.
import { utcClock } from '../../components/format.js';
import { tableAt, type Column, type Table } from '../../components/table.js';
import { compareSeverity, impliedSeverity, whoToPage, type Severity, type SeveritySuggestion } from '../../src/core/escalation.js';
import type { PagingTargetView, PagingView } from '../../src/core/paging.js';
import { sanitize } from '../../src/core/sanitize.js';
import type { TriggerState } from '../../src/core/triggers.js';
import type { SharedView } from '../../src/journal/shared/session.js';
import { triggerSpec } from '../../src/domain/thresholds.js';
import type { Tone } from '../../src/ui/state/theme.js';

export function severityTone(sev: Severity | null): Tone {
  return sev === 'SEV-1' ? 'breach' : sev === 'SEV-2' ? 'warn' : sev === 'SEV-3' ? 'accent' : 'ok';
}

export const TRIGGER_COLUMNS: readonly Column<TriggerState>[] = [
  { key: 'mark', header: ' ', width: 1, text: (t) => (t.firing ? '!' : ' '), tone: (t) => (t.firing ? 'breach' : 'muted') },
  // The severity each implies by the matrix: the rows are ordered by it, then by how far past the line.
  {
    key: 'sev',
    header: 'sev',
    width: 5,
    text: (t) => impliedSeverity(t),
    tone: (t) => (t.firing ? severityTone(impliedSeverity(t)) : 'muted'),
  },
  {
    key: 'trigger',
    header: 'trigger',
    // As wide as its longest name (up to 28): two triggers on one target (`crawl DL spike`,
    // `crawl lag`) never both read `crawl …`; the detail gives way first.
    fit: 28,
    minWidth: 12,
    // The trigger's short name; the detail column and the runbook pane say the rest.
    text: (t) => `${sanitize(t.target, 60)} ${triggerSpec(t.kind).short}`,
    tone: (t) => (t.firing ? undefined : 'muted'),
  },
  {
    key: 'detail',
    header: 'detail',
    grow: 2,
    minWidth: 8,
    // Narrower than this, the trigger names keep the room (Enter on a row shows the detail).
    hideBelow: 44,
    text: (t) => sanitize(t.firing ? t.detail : `cleared: ${t.detail}`, 200),
    tone: (t) => (t.firing ? undefined : 'muted'),
  },
  // How long it has fired: an age by the cockpit clock (a live cell: the clock ticking redraws it alone).
  { key: 'since', header: 'since', width: 6, align: 'right', text: (t) => utcClock(t.since), since: (t) => t.since },
];

/** The trigger table at `width`. */
export function triggerTable(rows: readonly TriggerState[], width: number): Table<TriggerState> {
  return tableAt(TRIGGER_COLUMNS, rows, width);
}

/** The suggestion's first line after `suggest SEV-n`: whom to page, or the ticket. */
export function suggestionText(s: SeveritySuggestion, pagingModules: readonly string[] | null = null): { severity: string; page: string } {
  const who = suggestedPages(s, pagingModules);
  const page = who.length > 0 ? `page ${who.join(', ')}` : s.ticket ? 'ticket, same-day remediation' : 'nobody to page';
  return { severity: s.severity ?? 'none', page: `  ${sanitize(page, 200)}${s.ticket && who.length > 0 ? ' + ticket' : ''}` };
}

/**
 * Whom the suggested severity would page: the matrix's people for it with the owners of the
 * modules paging uses (the incident's affected modules, src/core/paging.ts affectedModules), so
 * the screen names who a decision pages; the suggestion's own list while paging knows none.
 */
export function suggestedPages(s: SeveritySuggestion, pagingModules: readonly string[] | null): string[] {
  if (s.severity === null || !pagingModules || pagingModules.length === 0) return s.page;
  return whoToPage(s.severity, [...new Set(pagingModules)].sort());
}

/** The decision shown: the store's, else (after a restart, before any new decision) the one the journal holds through the paging view. */
export function shownDecision<D>(stored: D | null, fromJournal: D | null): D | null {
  return stored ?? fromJournal;
}

/** The delivery column: what happened to the latest (or a stuck) message. */
export function deliveryText(t: PagingTargetView): { text: string; tone: Tone } {
  const what = t.lastAction === 'trigger' ? '' : `${t.lastAction} `;
  switch (t.delivery) {
    case 'delivered':
      return { text: `${what}delivered${t.lastStatus ? ` ${t.lastStatus}` : ''}`, tone: 'ok' };
    case 'recorded':
      return { text: `${what}record only`, tone: 'muted' };
    case 'pending':
      return { text: `${what}${t.sending ? 'sending…' : 'pending'}`, tone: 'warn' };
    case 'retrying':
      return { text: `UNDELIVERED ${what}retrying ${t.attempts}${t.sending ? ' (sending…)' : ''}: ${t.lastError ?? ''}`, tone: 'breach' };
    case 'failed':
      return { text: `FAILED ${what}permanently: ${t.lastError ?? ''}`, tone: 'breach' };
    case 'cancelled':
      return { text: `${what}cancelled`, tone: 'muted' };
  }
}

export function ackText(t: PagingTargetView): { text: string; tone: Tone } {
  if (t.channel === 'ticket') return { text: t.resolvedAt !== null ? 'ticket closed' : 'ticket', tone: 'muted' };
  if (t.ack)
    return { text: `ack ${sanitize(t.ack.by, 30)} (${t.ack.via === 'callback' ? 'callback' : 'key'}) ${utcClock(t.ack.at)}Z`, tone: 'ok' };
  if (t.resolvedAt !== null) return { text: 'resolved, never acked', tone: 'muted' };
  return { text: 'NOT ACKED', tone: 'warn' };
}

/**
 * Whom the suggestion names that the decision did not page, said on one line: a decision pages,
 * a suggestion that grows after it (a trigger fired on another module) pages no one. With what
 * would page them: `s` deciding the more serious severity, or `m` picking the module (deciding
 * the same severity again pages no one new). Null when the suggestion names no one left out, no
 * severity is decided, paging is off, or the incident is resolved. Never pages anyone.
 */
export function notPagedText(suggestion: SeveritySuggestion, paging: PagingView | null, opts: { resolved: boolean }): string | null {
  const decided = paging?.decided ?? null;
  if (!paging || paging.disabled !== null || !decided || opts.resolved || suggestion.severity === null) return null;
  // A less serious suggestion than the decision: the matrix row decided is the one that counts.
  const order = compareSeverity(suggestion.severity, decided.severity);
  if (order > 0) return null;
  const paged = new Set(paging.targets.map((t) => t.role));
  const missing = suggestedPages(suggestion, paging.modules).filter((who) => !who.endsWith('(pick the module)') && !paged.has(who));
  if (missing.length === 0) return null;
  const why =
    order < 0
      ? `${suggestion.severity} suggested, ${decided.severity} decided; s decides ${suggestion.severity}`
      : `suggested after the ${decided.severity} decision; ${missing.some((w) => w.endsWith(' owner')) ? 'm pages the module owner' : 'deciding it again pages no one new'}`;
  return `not paged: ${sanitize(missing.join(', '), 160)} (${why})`;
}

/** Lines the paging block wants: its header, whom the suggestion names unpaged, a notice, one per target. */
export function pagingLineCount(p: PagingView | null | undefined, notPaged: string | null = null): number {
  if (!p) return 0;
  return 1 + (notPaged !== null ? 1 : 0) + (p.needsModule || (p.notice !== null && p.targets.length === 0) ? 1 : 0) + p.targets.length;
}

/** A piece of a line with its tone (undefined: the terminal's default). */
export interface Span {
  text: string;
  tone: Tone | undefined;
}

/** The paging block as lines of spans, cut to `lines`; a target's re-page countdown is left to the view's clock. */
export interface PagingLines {
  head: Span[];
  /** Whom the suggestion names that the decision did not page (notPagedText). */
  notPaged: Span | null;
  notice: Span | null;
  targets: Array<{ key: string; spans: Span[]; repageAt: number | null }>;
}

export function pagingLines(paging: PagingView, lines: number, notPaged: string | null = null): PagingLines {
  const mode: Span =
    paging.disabled !== null
      ? { text: `paging OFF: ${sanitize(paging.disabled, 200)}`, tone: 'breach' }
      : paging.mode === 'record-only'
        ? { text: 'paging RECORD ONLY (pages journaled, not sent)', tone: 'warn' }
        : { text: `paging live${paging.callback ? `, ack callback ${paging.callback}` : ''}`, tone: 'muted' };
  const showNotice = paging.needsModule || (paging.notice !== null && paging.targets.length === 0);
  const showNotPaged = notPaged !== null && lines > 1;
  const targets = paging.targets.slice(0, Math.max(0, lines - 1 - (showNotPaged ? 1 : 0) - (showNotice ? 1 : 0)));
  const hidden = paging.targets.length - targets.length;
  return {
    head: [mode, { text: `  ${paging.targets.length} paged${hidden > 0 ? ` (${hidden} more)` : ''}  a ack  m module`, tone: 'muted' }],
    notPaged: showNotPaged ? { text: `  ${notPaged}`, tone: 'warn' } : null,
    notice:
      showNotice && lines > (showNotPaged ? 2 : 1)
        ? { text: `  ${sanitize(paging.notice ?? '', 300)}`, tone: paging.needsModule ? 'warn' : 'muted' }
        : null,
    targets: targets.map((t) => {
      const d = deliveryText(t);
      const a = ackText(t);
      const stuck = t.delivery === 'retrying' || t.delivery === 'failed';
      return {
        key: t.target,
        spans: [
          { text: stuck ? '!' : ' ', tone: stuck ? 'breach' : 'muted' },
          { text: ` ${sanitize(t.target, 24)} `, tone: undefined },
          { text: `${sanitize(t.contact, 24)} `, tone: 'muted' },
          { text: t.severity, tone: severityTone(t.severity) },
          { text: ` ${utcClock(t.firstPagedAt)}Z${t.pages > 1 ? ` x${t.pages}` : ''} `, tone: undefined },
          { text: sanitize(d.text, 160), tone: d.tone },
          { text: ' ', tone: undefined },
          { text: a.text, tone: a.tone },
        ],
        repageAt: t.nextRepageAt,
      };
    }),
  };
}

/** How the panel's inside is shared: the paging block takes what it needs, leaving the trigger table a header and two rows. */
export function escalationSplit(
  height: number,
  paging: PagingView | null,
  notPaged: string | null = null,
): { paging: number; triggers: number } {
  const pagingRows = Math.min(pagingLineCount(paging, notPaged), Math.max(paging ? 1 : 0, height - 3 - 3));
  return { paging: pagingRows, triggers: Math.max(0, height - 3 - pagingRows) };
}

/**
 * The shared incident in one line (src/journal/shared): who commands it, who has it open (viewer or
 * operator, away when a heartbeat is late), which cockpit sends the pages, what waits for the
 * shared Redis. While Redis is unreachable, that first.
 */
export function presenceLine(v: SharedView, ascii: boolean): Span[] {
  const sep = ascii ? ' - ' : ' · ';
  if (v.redis !== 'connected') {
    const what = v.redis === 'connecting' ? 'connecting to the shared Redis' : `shared Redis UNREACHABLE since ${utcClock(v.since)}Z`;
    const waiting = v.outbox > 0 ? `, ${v.outbox} entries to send` : '';
    return [{ text: `${what}${waiting}: this cockpit records alone; merged when it returns`, tone: 'warn' }];
  }
  const out: Span[] = [];
  const c = v.commander;
  out.push(
    c
      ? { text: `IC ${sanitize(c.user, 24)}@${sanitize(c.host, 24)}`, tone: 'accent' }
      : { text: v.incidentId ? 'no commander (c takes command)' : 'no shared incident open', tone: v.incidentId ? 'warn' : 'muted' },
  );
  if (v.presence.length > 0) {
    const who = v.presence.map(
      (p) => `${sanitize(p.user, 16)}${p.self ? '*' : ''} ${p.access === 'viewer' ? 'viewer' : 'op'}${p.away ? ' away' : ''}`,
    );
    out.push({ text: `${sep}here: ${who.join(', ')}`, tone: undefined });
  }
  if (v.pagingSender) out.push({ text: `${sep}pages sent by ${sanitize(v.pagingSender, 40)}`, tone: 'muted' });
  if (v.outbox > 0) out.push({ text: `${sep}${v.outbox} to send`, tone: 'warn' });
  if (v.incidentId && !v.shared && v.openIncident === null) out.push({ text: `${sep}not shared yet`, tone: 'warn' });
  return out;
}
