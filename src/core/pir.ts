// The post-incident review (runbook section 9) as GitHub-flavoured markdown, rendered from the
// incident view alone, and the --strict check of what the review still lacks. Pure.
import type { BlastRadius, MilestoneName } from './incident.js';
import { parseDueDate } from './incident.js';
import type { IncidentView } from './incidentView.js';
import { describeEntry, formatDuration, formatFigure } from './timeline.js';
import { isBlank, mdCell, mdInline, mdParagraphs, mdTable } from './pirMarkdown.js';

export { parseDueDate, validateCorrectiveAction } from './incident.js';

/** What the journal said when it was read back (IncidentJournal.verify() returns a superset). */
export interface ChainVerification {
  ok: boolean;
  brokenAtSeq: number | null;
  tornTail: boolean;
  problems: readonly string[];
}

/** The fixed section headings, in order. Tests and tooling rely on these words. */
export const PIR_SECTIONS = [
  'Summary',
  'Timeline',
  'Responders',
  'Impact',
  'Root cause and contributing factors',
  'Blast radius',
  'Actions taken',
  'Escalations',
  'What went well',
  'What went badly',
  'Corrective actions',
  'Monitoring gap updates',
  'Runbook improvements',
] as const;
export type PirSection = (typeof PIR_SECTIONS)[number];

const REQUIRED_MILESTONES: readonly MilestoneName[] = ['started', 'detected', 'mitigated', 'resolved'];

const NOT_WRITTEN = '_Not written yet._';
const NONE = '_None recorded._';

function text(t: string): string {
  return isBlank(t) ? NOT_WRITTEN : mdParagraphs(t);
}

function blastRadiusEmpty(b: BlastRadius): boolean {
  return b.modules.length + b.queues.length + b.campaigns.length + b.replicas.length === 0 && isBlank(b.notes);
}

function summary(view: IncidentView): string {
  const m = view.milestones;
  const stamp = (name: MilestoneName): string => {
    const s = m[name];
    if (!s) return '—';
    return s.corrected ? `${s.at} (corrected)` : s.at;
  };
  const dur = (ms: number | null, from: string): string => (ms === null ? '—' : `${formatDuration(ms)} (${from})`);
  const severity =
    view.highestSeverity === null ? '—' : `${view.highestSeverity}${view.severityDecided ? '' : ' (suggested, not decided)'}`;
  const rows: string[][] = [
    ['Incident', view.id],
    ['State', view.state],
    ['Highest severity', severity],
    ['Opened', `${view.openedAt ?? '—'}${view.openReason === '' ? '' : ` — ${view.openReason}`}`],
    ['Started', stamp('started')],
    ['Detected', stamp('detected')],
    ['Acknowledged', stamp('acknowledged')],
    ['Mitigated', stamp('mitigated')],
    ['Resolved', stamp('resolved')],
    ['Time to detect', dur(view.durations.timeToDetectMs, 'start to detection')],
    ['Time to acknowledge', dur(view.durations.timeToAcknowledgeMs, 'detection to acknowledgement')],
    ['Time to mitigate', dur(view.durations.timeToMitigateMs, 'start to mitigation')],
    ['Time to resolve', dur(view.durations.timeToResolveMs, 'start to resolution')],
  ];
  const parts = [
    mdTable(
      ['Field', 'Value'],
      rows.map(([k, v]) => [mdCell(k ?? ''), mdCell(v ?? '')]),
    ),
  ];
  const corrections = view.milestoneHistory.filter((s) => s.corrected);
  if (corrections.length > 0) {
    const history = view.milestoneHistory.filter((s) => corrections.some((c) => c.name === s.name));
    parts.push(
      'Milestone corrections (a correction is a new entry; the superseded time stays in the timeline):',
      history
        .map((s) => {
          const how = s.corrected
            ? `corrected to ${s.at} by ${s.operator} at seq ${s.seq}: ${s.reason ?? ''}`
            : `stamped ${s.at} at seq ${s.seq}`;
          const superseded = s.supersededBySeq === null ? '' : ` (superseded by seq ${s.supersededBySeq})`;
          return `- ${mdInline(`${s.name} ${how}${superseded}`)}`;
        })
        .join('\n'),
    );
  }
  if (!isBlank(view.pir.summary)) parts.push(mdParagraphs(view.pir.summary));
  return parts.join('\n\n');
}

function timeline(view: IncidentView): string {
  if (view.entries.length === 0) return NONE;
  const rows = view.entries.map((e) => [String(e.seq), mdCell(e.at), mdCell(e.operator), mdCell(e.kind), mdCell(describeEntry(e))]);
  return `All times are UTC.\n\n${mdTable(['Seq', 'Time (UTC)', 'Operator', 'Kind', 'Details'], rows)}`;
}

function responders(view: IncidentView): string {
  if (view.responders.length === 0) return NONE;
  const rows = view.responders.map((r) => [
    mdCell(r.operator),
    mdCell(r.roles.length > 0 ? r.roles.join(', ') : 'operator'),
    String(r.entries),
    mdCell(r.firstAt),
    mdCell(r.lastAt),
  ]);
  return mdTable(['Responder', 'Role', 'Entries', 'First entry (UTC)', 'Last entry (UTC)'], rows);
}

function impact(view: IncidentView): string {
  const parts = [text(view.pir.impact)];
  if (view.triggers.length > 0) {
    const rows = view.triggers.map((t) => [
      mdCell(t.title),
      mdCell(t.section === '' ? '—' : `§${t.section}`),
      mdCell(t.target),
      mdCell(formatFigure(t.value, t.unit)),
      mdCell(formatFigure(t.threshold, t.unit)),
      mdCell(t.firedAt),
      mdCell(t.clearedAt ?? 'still firing'),
    ]);
    parts.push(
      'Runbook triggers that fired:',
      mdTable(['Trigger', 'Runbook', 'Target', 'Figure when fired', 'Threshold', 'Fired (UTC)', 'Cleared (UTC)'], rows),
    );
  }
  return parts.join('\n\n');
}

function rootCause(view: IncidentView): string {
  return [text(view.pir.rootCause), '**Contributing factors:**', text(view.pir.contributingFactors)].join('\n\n');
}

function blastRadius(view: IncidentView): string {
  const b = view.pir.blastRadius;
  if (blastRadiusEmpty(b)) return NOT_WRITTEN;
  const edited = view.pirEdited.includes('blastRadius');
  const list = (items: string[]): string => (items.length === 0 ? '—' : mdCell(items.join(', ')));
  const parts = [
    edited ? 'Edited by the operator.' : 'Prefilled from what the runbook triggers saw.',
    mdTable(
      ['Affected', 'Items'],
      [
        ['Modules', list(b.modules)],
        ['Queues', list(b.queues)],
        ['Campaigns', list(b.campaigns)],
        ['Replicas', list(b.replicas)],
      ],
    ),
  ];
  if (!isBlank(b.notes)) parts.push(mdParagraphs(b.notes));
  return parts.join('\n\n');
}

/** Runbook 6 step 4: each integrity check's verdict with the figures it was judged on. */
function integrityChecks(view: IncidentView): string | null {
  const checks = view.integrityChecks ?? [];
  if (checks.length === 0) return null;
  const figures = (f: Record<string, unknown>): string =>
    Object.entries(f)
      .filter(([k]) => k !== 'sample' && k !== 'failures')
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(', ');
  const rows = checks.map((c) => [
    mdCell(c.at),
    mdCell(c.check),
    mdCell(c.status.toUpperCase()),
    mdCell(c.expect),
    mdCell(figures(c.figures) || '—'),
    mdCell(c.detail),
    mdCell(c.server),
  ]);
  const failed = checks.filter((c) => c.status === 'fail' || c.status === 'error').length;
  return [
    '### Integrity checks',
    `${checks.length} result${checks.length === 1 ? '' : 's'}, ${failed} failed or errored.`,
    mdTable(['Time (UTC)', 'Check', 'Result', 'Expected', 'Figures', 'Details', 'Server'], rows),
  ].join('\n\n');
}

function actionsTaken(view: IncidentView): string {
  const integrity = integrityChecks(view);
  if (integrity === null) return actionsTable(view);
  return [view.actions.length === 0 ? NONE : actionsTable(view), integrity].join('\n\n');
}

function actionsTable(view: IncidentView): string {
  if (view.actions.length === 0) return NONE;
  const rows = view.actions.map((a) => {
    const d = a.details;
    const detail = [d.target, d.outcome, d.reason].filter((x): x is string => typeof x === 'string' && x !== '').join('; ');
    return [mdCell(a.at), mdCell(a.operator), mdCell(a.action), mdCell(a.kind === 'action' ? detail : 'procedure step done')];
  });
  return mdTable(['Time (UTC)', 'Operator', 'Action', 'Details'], rows);
}

function escalations(view: IncidentView): string {
  if (view.escalations.length === 0) return NONE;
  const rows = view.escalations.map((e) => {
    const what =
      e.kind === 'severity'
        ? `Severity ${e.previous ?? 'none'} → ${e.severity ?? '?'}`
        : `Paged ${e.target ?? '?'}${e.role ? ` (${e.role})` : ''}${e.severity ? ` for ${e.severity}` : ''}`;
    return [mdCell(e.at), mdCell(e.operator), mdCell(what), mdCell(e.reason)];
  });
  return mdTable(['Time (UTC)', 'Operator', 'Escalation', 'Reason'], rows);
}

function correctiveActions(view: IncidentView): string {
  if (view.pir.correctiveActions.length === 0) return NOT_WRITTEN;
  const rows = view.pir.correctiveActions.map((a, i) => [String(i + 1), mdCell(a.action), mdCell(a.owner), mdCell(a.due)]);
  return mdTable(['#', 'Action', 'Owner', 'Due'], rows);
}

function monitoringGaps(view: IncidentView): string {
  const parts = [text(view.pir.monitoringGaps)];
  if (view.sourceOutages.length > 0) {
    parts.push(
      'Data sources lost during the incident:',
      mdTable(
        ['Source', 'Lost (UTC)', 'Restored (UTC)', 'Error'],
        view.sourceOutages.map((o) => [mdCell(o.source), mdCell(o.lostAt), mdCell(o.restoredAt ?? 'not restored'), mdCell(o.error ?? '')]),
      ),
    );
  }
  return parts.join('\n\n');
}

function footer(view: IncidentView, v: ChainVerification | undefined): string {
  const lines: string[] = ['---', ''];
  const hash = `final hash \`${view.lastHash}\``;
  if (v === undefined) {
    lines.push(`Journal ${mdInline(view.id)}: ${view.entries.length} entries, ${hash}, chain verified: not checked.`);
  } else {
    const verdict = v.ok ? 'yes' : v.brokenAtSeq !== null ? `NO (broken at seq ${v.brokenAtSeq})` : 'yes, with problems';
    lines.push(`Journal ${mdInline(view.id)}: ${view.entries.length} entries, ${hash}, chain verified: ${verdict}.`);
    if (v.problems.length > 0) {
      lines.push('', 'Journal problems:', '', ...v.problems.map((p) => `- ${mdInline(p)}`));
    }
  }
  return lines.join('\n');
}

/** The whole PIR. `verification` is what the journal reported when read back for export. */
export function renderPir(view: IncidentView, verification?: ChainVerification): string {
  const body: Record<PirSection, string> = {
    Summary: summary(view),
    Timeline: timeline(view),
    Responders: responders(view),
    Impact: impact(view),
    'Root cause and contributing factors': rootCause(view),
    'Blast radius': blastRadius(view),
    'Actions taken': actionsTaken(view),
    Escalations: escalations(view),
    'What went well': text(view.pir.wentWell),
    'What went badly': text(view.pir.wentBadly),
    'Corrective actions': correctiveActions(view),
    'Monitoring gap updates': monitoringGaps(view),
    'Runbook improvements': text(view.pir.runbookImprovements),
  };
  const out = [`# Post-incident review: ${mdInline(view.id)}`];
  for (const section of PIR_SECTIONS) out.push(`## ${section}`, body[section]);
  out.push(footer(view, verification));
  return `${out.join('\n\n')}\n`;
}

/**
 * What runbook section 9 requires and the review still lacks, one line each. Empty: complete.
 * A broken journal chain counts too: the timeline could not be trusted.
 */
export function strictProblems(view: IncidentView, verification?: ChainVerification): string[] {
  const problems: string[] = [];
  if (view.entries.length === 0) problems.push('Timeline: no entries');
  // Acknowledgement is optional; the others carry time to detect, mitigate and resolve.
  for (const name of REQUIRED_MILESTONES) {
    if (view.milestones[name] === null) problems.push(`Summary: ${name} time missing`);
  }
  if (isBlank(view.pir.rootCause)) problems.push('Root cause and contributing factors: root cause is empty');
  if (blastRadiusEmpty(view.pir.blastRadius)) problems.push('Blast radius: empty');
  if (view.pir.correctiveActions.length === 0) problems.push('Corrective actions: none recorded');
  view.pir.correctiveActions.forEach((a, i) => {
    const row = `Corrective actions: row ${i + 1}`;
    if (isBlank(a.action)) problems.push(`${row}: action is empty`);
    if (isBlank(a.owner)) problems.push(`${row}: owner is empty`);
    const due = parseDueDate(a.due);
    if (!due.ok) problems.push(`${row}: ${due.error}`);
  });
  if (isBlank(view.pir.monitoringGaps)) problems.push('Monitoring gap updates: empty');
  if (isBlank(view.pir.runbookImprovements)) problems.push('Runbook improvements: empty');
  if (verification && verification.brokenAtSeq !== null) {
    problems.push(`Journal: hash chain broken at seq ${verification.brokenAtSeq}`);
  }
  return problems;
}
