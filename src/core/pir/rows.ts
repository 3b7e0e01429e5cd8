// The PIR's timeline: what a reader needs, one row each. One row per action (attempt and result
// merged), one per page target (paged, delivered, acknowledged, resolved), severity changes,
// triggers fired and cleared, notes, milestones, data sources lost and restored, state changes
// that are not milestones, integrity check runs. PIR edits, runbook ticks, the figure series and
// bookkeeping entries stay out (the full journal is the appendix, with --full). Pure.
import type { IncidentView } from '../incidentView.js';
import type { MessageState, PagingState } from '../paging.js';
import type { TimelineEntry } from '../timeline.js';
import { describeEntry, formatDuration, formatFigure, formatUtc, parseUtc } from '../timeline.js';
import type { ActionRun } from './actions.js';
import type { PirMilestone } from './milestones.js';
import { compareText } from '../../domain/textOrder.js';

export type TimelineRowKind =
  'milestone' | 'incident' | 'trigger' | 'severity' | 'action' | 'page' | 'note' | 'source' | 'state' | 'integrity';

export interface TimelineRow {
  at: string;
  atMs: number;
  who: string;
  kind: TimelineRowKind;
  what: string;
  /** The entries behind the row. */
  seqs: number[];
}

export interface PageTargetRow {
  target: string;
  role: string;
  contact: string;
  channel: string;
  severity: string;
  pagedAt: string;
  /** How the first page went: `recorded only (not sent)`, `delivered 09:03:02Z`, `FAILED: …`, `pending`. */
  delivery: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  /** Trigger messages after the first. */
  repages: number;
  resolvedAt: string | null;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : '');
const iso = (ms: number | null): string | null => (ms === null ? null : formatUtc(ms));

function deliveryOf(m: MessageState | undefined): string {
  if (!m) return 'unknown';
  switch (m.state) {
    case 'recorded':
      return 'recorded only (not sent: record-only paging)';
    case 'delivered':
      return `delivered ${iso(m.deliveredAt) ?? ''}${m.attempts > 1 ? ` (attempt ${m.attempts})` : ''}`.trim();
    case 'failed':
      return `FAILED: ${m.lastError ?? 'refused'}`;
    case 'retrying':
      return `not delivered (retrying: ${m.lastError ?? ''})`;
    case 'cancelled':
      return 'cancelled before delivery';
    default:
      return 'pending';
  }
}

/**
 * One row per page target from the paging fold; `entries` adds the `page` entries written without
 * a paging step (`event`), as cockpits before the paging controller wrote them: one row each.
 */
export function pageTargetRows(paging: PagingState, entries: readonly TimelineEntry[] = []): PageTargetRow[] {
  const rows: PageTargetRow[] = [];
  for (const e of entries) {
    if (e.kind !== 'page' || e.details.event !== undefined) continue;
    const d = e.details;
    rows.push({
      target: str(d.target) || '?',
      role: str(d.role),
      contact: str(d.target) || '?',
      channel: str(d.channel) || 'unknown',
      severity: str(d.severity) || '?',
      pagedAt: e.at,
      delivery: `recorded${str(d.reason) === '' ? '' : `: ${str(d.reason)}`}`,
      acknowledgedAt: null,
      acknowledgedBy: null,
      repages: 0,
      resolvedAt: null,
    });
  }
  for (const t of paging.targets.values()) {
    const first = t.messages.map((id) => paging.messages.get(id)).find((m) => m?.message.action === 'trigger');
    rows.push({
      target: t.target,
      role: t.role,
      contact: t.contact,
      channel: t.channel,
      severity: t.severity,
      pagedAt: formatUtc(t.firstPagedAt),
      delivery: deliveryOf(first),
      acknowledgedAt: t.ack ? formatUtc(t.ack.at) : null,
      acknowledgedBy: t.ack ? `${t.ack.by} (${t.ack.via === 'callback' ? 'callback' : 'key in the cockpit'})` : null,
      repages: Math.max(0, t.triggers - 1),
      resolvedAt: iso(t.resolvedAt),
    });
  }
  return rows.sort((a, b) => compareText(a.pagedAt, b.pagedAt));
}

/** One line for a page target, as the timeline and the escalations table say it. */
export function describePageTarget(r: PageTargetRow): string {
  const who = `${r.target}${r.role !== '' && r.role !== r.target ? ` (${r.role})` : ''}`;
  const parts = [`${r.channel === 'ticket' ? 'Ticket' : 'Paged'} ${who} for ${r.severity}`, r.delivery];
  if (r.channel !== 'ticket') {
    const after = r.acknowledgedAt === null ? null : (parseUtc(r.acknowledgedAt) ?? 0) - (parseUtc(r.pagedAt) ?? 0);
    parts.push(
      r.acknowledgedAt === null
        ? 'never acknowledged'
        : `acknowledged ${r.acknowledgedAt} by ${r.acknowledgedBy ?? '?'} (${formatDuration(after ?? 0)} after the page)`,
    );
  }
  if (r.repages > 0) parts.push(`re-paged ${r.repages} time${r.repages === 1 ? '' : 's'}`);
  parts.push(r.resolvedAt === null ? 'no resolve sent' : `resolved ${r.resolvedAt}`);
  return parts.join('; ');
}

export function describeAction(a: ActionRun): string {
  const on = a.target === '' ? '' : ` on ${a.target}`;
  const step = a.section ? ` (runbook ${a.section})` : '';
  const why = a.reason === '' ? '' : ` — reason: ${a.reason}`;
  return `${a.label} ${a.action}${on}${step}${why}`;
}

export function describeOutcome(a: ActionRun): string {
  const outcome = a.outcome === 'attempted' ? 'attempted, no result recorded' : a.outcome;
  const when = a.outcomeAt !== null && a.outcomeAt !== a.at ? ` at ${a.outcomeAt}` : '';
  const sim = a.simulated ? ' (SIMULATED)' : '';
  const detail = a.detail === '' ? '' : `: ${a.detail}`;
  return `${outcome}${sim}${when}${detail}`;
}

export function timelineRows(
  view: IncidentView,
  milestones: readonly PirMilestone[],
  actions: readonly ActionRun[],
  pages: readonly PageTargetRow[],
): TimelineRow[] {
  const rows: TimelineRow[] = [];
  const at = (iso: string): number => parseUtc(iso) ?? 0;
  for (const m of milestones) {
    if (m.at === null || m.atMs === null) continue;
    rows.push({
      at: m.at,
      atMs: m.atMs,
      who: '—',
      kind: 'milestone',
      what: `Milestone ${m.name}${m.corrected ? ' (corrected)' : ''}: ${m.source}`,
      seqs: m.seq === null ? [] : [m.seq],
    });
  }
  const runs = new Set<number>();
  for (const a of actions) {
    for (const s of a.seqs) runs.add(s);
    rows.push({
      at: a.at,
      atMs: a.atMs,
      who: a.operator,
      kind: 'action',
      what: `${describeAction(a)} → ${describeOutcome(a)}`,
      seqs: a.seqs,
    });
  }
  for (const p of pages) {
    rows.push({ at: p.pagedAt, atMs: at(p.pagedAt), who: 'paging', kind: 'page', what: describePageTarget(p), seqs: [] });
  }
  const integrityRuns = new Map<string, { row: TimelineRow; counts: Map<string, number> }>();
  for (const e of view.entries) {
    const d = e.details;
    // What the cockpit recorded by itself is the cockpit's, not the person whose session it ran in.
    const automatic =
      e.kind === 'trigger-fired' ||
      e.kind === 'trigger-cleared' ||
      e.kind === 'severity-suggested' ||
      e.kind === 'source-lost' ||
      e.kind === 'source-restored' ||
      e.kind === 'source-switched' ||
      (e.kind === 'incident-opened' && d.openedBy === 'trigger');
    const row = (kind: TimelineRowKind, what: string): void => {
      rows.push({ at: e.at, atMs: at(e.at), who: automatic ? 'cockpit' : e.operator, kind, what, seqs: [e.seq] });
    };
    switch (e.kind) {
      case 'incident-opened':
        row('incident', describeEntry(e));
        break;
      case 'trigger-fired':
      case 'trigger-cleared': {
        const verb = e.kind === 'trigger-fired' ? 'fired' : 'cleared';
        const section = str(d.section) === '' ? '' : ` (runbook §${str(d.section)})`;
        row(
          'trigger',
          `${str(d.title) || str(d.triggerKey)} ${verb} on ${str(d.target)}: ${formatFigure(d.value, d.unit)}, threshold ${formatFigure(d.threshold, d.unit)}${section}`,
        );
        break;
      }
      case 'severity-suggested':
      case 'severity-decided':
        row('severity', describeEntry(e));
        break;
      case 'note':
        row('note', describeEntry(e));
        break;
      case 'source-lost':
      case 'source-restored':
      case 'source-switched':
        row('source', describeEntry(e));
        break;
      case 'state-changed':
        // mitigated and resolved are milestones; a mitigation that did not hold is not.
        if (str(d.to) === 'open') row('state', describeEntry(e));
        break;
      case 'integrity-check': {
        // One row per run of the checks, with the count of each result.
        const id = str(d.runId) || `seq-${e.seq}`;
        let run = integrityRuns.get(id);
        if (!run) {
          run = { row: { at: e.at, atMs: at(e.at), who: e.operator, kind: 'integrity', what: '', seqs: [] }, counts: new Map() };
          integrityRuns.set(id, run);
          rows.push(run.row);
        }
        const status = (str(d.status) || '?').toUpperCase();
        run.counts.set(status, (run.counts.get(status) ?? 0) + 1);
        run.row.seqs.push(e.seq);
        run.row.what = `Integrity checks on ${str(d.server) || '?'}: ${[...run.counts].map(([k, n]) => `${n} ${k}`).join(', ')}`;
        break;
      }
      default:
        // Actions are merged above; pages are per target; PIR edits, ticks, figures, joins and
        // resumes are in the full journal only.
        break;
    }
  }
  return rows.sort((a, b) => a.atMs - b.atMs || (a.seqs[0] ?? Infinity) - (b.seqs[0] ?? Infinity));
}
