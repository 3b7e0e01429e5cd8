// The post-incident review (runbook section 9) as GitHub-flavoured markdown or JSON, rendered
// from the incident view alone (core/pir/model.ts builds the content), and the --strict check of
// what the review still lacks. Every piece of text that came from a person or a system goes
// through pirMarkdown's escaping: a note cannot break a table or start a section. Pure.
import type { BlastRadius, MilestoneName } from './incident.js';
import { parseDueDate } from './incident.js';
import type { IncidentView } from './incidentView.js';
import type { ActionEffect, ActionRun } from './pir/actions.js';
import { formatCount } from './pir/actions.js';
import { asciiChart, mermaidChart } from './pir/charts.js';
import { figureLabel } from './pir/figures.js';
import type { ChainVerification, PirModel, PirOptions } from './pir/model.js';
import { buildPirModel } from './pir/model.js';
import { describeAction, describeOutcome, describePageTarget } from './pir/rows.js';
import { isBlank, mdCell, mdInline, mdParagraphs, mdTable } from './pirMarkdown.js';
import { formatDuration } from './timeline.js';

export { parseDueDate, validateCorrectiveAction } from './incident.js';
export type { ChainVerification, PirModel, PirOptions } from './pir/model.js';
export { buildPirModel } from './pir/model.js';

/** The fixed section headings, in order. Tests and tooling rely on these words. */
export const PIR_SECTIONS = [
  'Summary',
  'Timeline',
  'Charts',
  'Responders',
  'Impact',
  'Root cause and contributing factors',
  'Blast radius',
  'Actions taken',
  'Escalations',
  'State at resolution',
  'What went well',
  'What went badly',
  'Corrective actions',
  'Monitoring gap updates',
  'Runbook improvements',
] as const;
export type PirSection = (typeof PIR_SECTIONS)[number];

/** With --full, after the sections. */
export const PIR_APPENDIX = 'Appendix: full journal';

export interface PirRenderOptions extends PirOptions {
  /** Charts as plain text instead of Mermaid, for readers that do not render it. */
  asciiCharts?: boolean;
}

const REQUIRED_MILESTONES: readonly MilestoneName[] = ['started', 'detected', 'mitigated', 'resolved'];

const NOT_WRITTEN = '_Not written yet._';
const NONE = '_None recorded._';

function text(t: string): string {
  return isBlank(t) ? NOT_WRITTEN : mdParagraphs(t);
}

function blastRadiusEmpty(b: BlastRadius): boolean {
  return b.modules.length + b.queues.length + b.campaigns.length + b.replicas.length === 0 && isBlank(b.notes);
}

const list = (items: readonly string[]): string => items.map((i) => `- ${mdInline(i)}`).join('\n');

// ---- Sections -----------------------------------------------------------------------------------

function practiceBanner(m: PirModel): string | null {
  if (!m.practice) return null;
  const scenario = m.practice.scenario ? `, scenario ${m.practice.scenario}` : '';
  return `> **PRACTICE (simulation${mdInline(scenario)}).** ${mdInline(m.practice.note)}`;
}

function summary(m: PirModel): string {
  const d = m.durations;
  const dur = (ms: number | null, from: string): string => (ms === null ? '—' : `${formatDuration(ms)} (${from})`);
  const i = m.incident;
  const severity = i.highestSeverity === null ? '—' : `${i.highestSeverity}${i.severityDecided ? '' : ' (suggested, not decided)'}`;
  const rows: string[][] = [
    ['Incident', i.id],
    ['State', i.state],
    ['Highest severity', severity],
    ['Opened', `${i.openedAt ?? '—'}${i.openReason === '' ? '' : ` — ${i.openReason}`}`],
    ['Time to detect', dur(d.timeToDetectMs, 'started to detected')],
    ['Time to decide the severity', dur(d.timeToDecideMs, 'detected to severity decided')],
    ['Time to acknowledge', dur(d.timeToAcknowledgeMs, 'detected to the first page acknowledgement')],
    [
      'Time to mitigate',
      m.milestones.find((ms) => ms.name === 'mitigated')?.didNotHappen ?? dur(d.timeToMitigateMs, 'started to mitigated'),
    ],
    ['Time to resolve', dur(d.timeToResolveMs, 'started to resolved')],
  ];
  const parts: string[] = [];
  if (!isBlank(m.summary)) parts.push(mdParagraphs(m.summary));
  parts.push(
    mdTable(
      ['Field', 'Value'],
      rows.map(([k, v]) => [mdCell(k ?? ''), mdCell(v ?? '')]),
    ),
    'Milestones, each with where its time comes from:',
    mdTable(
      ['Milestone', 'Time (UTC)', 'From'],
      m.milestones.map((ms) => [
        mdCell(ms.name),
        mdCell(ms.at === null ? (ms.didNotHappen ?? '—') : `${ms.at}${ms.corrected ? ' (corrected)' : ''}`),
        mdCell(ms.source),
      ]),
    ),
  );
  const corrected = m.milestones.filter((ms) => ms.history.length > 1);
  if (corrected.length > 0) {
    parts.push(
      'Milestone history (a correction is a new entry; the superseded time stays in the journal):',
      list(
        corrected.flatMap((ms) =>
          ms.history.map((h) => {
            const superseded = h.supersededBySeq === null ? '' : ` (superseded by seq ${h.supersededBySeq})`;
            return `${ms.name} ${h.how === 'stamped' ? 'stamped' : h.how} — ${h.at} by ${h.operator} at seq ${h.seq}${superseded}`;
          }),
        ),
      ),
    );
  }
  return parts.join('\n\n');
}

function timeline(m: PirModel): string {
  if (m.timeline.length === 0) return NONE;
  const zone = m.practice ? 'All times are UTC, in simulated time (a practice incident).' : 'All times are UTC.';
  const rows = m.timeline.map((r) => [mdCell(r.at), mdCell(r.who), mdCell(r.what)]);
  return [
    `${zone} One row per action (attempt and result together) and per page target; PIR edits, runbook ticks and the figure series are in the full journal (\`pir export --full\`).`,
    mdTable(['Time (UTC)', 'Who', 'What'], rows),
  ].join('\n\n');
}

function charts(m: PirModel, ascii: boolean): string {
  if (m.charts.length === 0) {
    const f = m.figureSeries;
    if (f.samples === 0) return '_No figures were recorded for this incident (the figure series starts with the first active minute)._';
    // Figures were kept, but the charts follow the triggers that fired: say so, not that nothing was recorded.
    const minute = (iso: string | null) => (iso ?? '?').slice(0, 16).replace('T', ' ');
    return `_${f.samples} figure sample${f.samples === 1 ? ' was' : 's were'} recorded (${minute(f.from)} to ${minute(f.to)} UTC), but no runbook trigger on a charted figure (queue lag, dead letters, replica lag, SERP failures, report failures) fired in this incident, so there is nothing to chart. The samples are in the full journal (\`pir export --full\`)._`;
  }
  const parts: string[] = [];
  for (const c of m.charts) {
    parts.push(ascii ? `\`\`\`text\n${asciiChart(c)}\n\`\`\`` : `\`\`\`mermaid\n${mermaidChart(c)}\n\`\`\``);
    if (c.marks.length > 0) {
      parts.push(`Actions marked${ascii ? ' (^)' : ' (bars)'}:`, list(c.marks.map((k) => `${k.action} at ${k.at}: ${k.text}`)));
    }
  }
  parts.push(
    ascii
      ? 'One sample a minute, from the journal.'
      : 'One sample a minute, from the journal. `pir export --ascii-charts` draws these as text.',
  );
  return parts.join('\n\n');
}

function responders(m: PirModel): string {
  if (m.responders.length === 0) return NONE;
  const rows = m.responders.map((r) => [
    mdCell(r.operator),
    mdCell(r.roles.length > 0 ? r.roles.join(', ') : 'operator'),
    String(r.entries),
    mdCell(r.firstAt),
    mdCell(r.lastAt),
  ]);
  return mdTable(['Responder', 'Role', 'Entries', 'First entry (UTC)', 'Last entry (UTC)'], rows);
}

function impact(m: PirModel): string {
  const parts = [text(m.impact.text)];
  if (m.impact.triggers.length > 0) {
    const rows = m.impact.triggers.map((t) => [
      mdCell(t.title),
      mdCell(t.section === '' ? '—' : `§${t.section}`),
      mdCell(t.target),
      mdCell(t.value),
      mdCell(t.threshold),
      mdCell(t.firedAt),
      mdCell(t.clearedAt ?? 'still firing'),
      mdCell(t.evidenceAt === null ? '—' : `${t.evidenceAt}: ${t.evidence ?? ''}`),
    ]);
    parts.push(
      'Runbook triggers that fired:',
      mdTable(
        ['Trigger', 'Runbook', 'Target', 'Figure when fired', 'Threshold', 'Fired (UTC)', 'Cleared (UTC)', 'Earliest evidence'],
        rows,
      ),
    );
  }
  return parts.join('\n\n');
}

function rootCause(m: PirModel): string {
  return [text(m.rootCause), '**Contributing factors:**', text(m.contributingFactors)].join('\n\n');
}

function blastRadius(m: PirModel): string {
  const b = m.blastRadius.fromData;
  const named = (items: readonly { name: string; detail: string }[]): [string, string] =>
    items.length === 0 ? ['not known', '—'] : [items.map((i) => i.name).join(', '), items.map((i) => `${i.name}: ${i.detail}`).join('; ')];
  const c = b.campaigns;
  const campaignNames =
    c.named.length === 0 ? 'not known: no source named them' : `${c.named.join(', ')} (named by ${c.namedFrom.join(', ')})`;
  // A count from one source is never paired with names from another as if it counted them.
  const namedCount =
    c.named.length === 0 ? '' : `named: ${c.named.length <= 3 ? c.named.join(', ') : `${c.named.length}`} (${c.namedFrom.join(', ')})`;
  const campaignCount =
    c.count === null
      ? 'not known'
      : c.countFrom === 'campaigns named above'
        ? `${c.count} (the campaigns named)`
        : `${c.count} campaigns (${c.countFrom ?? ''})${namedCount === '' ? '' : `; ${namedCount}`}`;
  const rows: string[][] = [
    ['Modules', ...named(b.modules)],
    ['Queues', ...named(b.queues)],
    ['Campaigns', campaignNames, campaignCount],
    [
      'Tenants',
      b.tenants.length === 0 ? b.tenantsNote : b.tenants.join(', '),
      b.tenants.length === 0 ? 'not known' : String(b.tenants.length),
    ],
    ['Replicas', ...named(b.replicas)],
    ['SERP providers', ...named(b.providers)],
  ];
  const parts = [
    'From the data the journal holds (triggers, the figure series, the completeness query):',
    mdTable(
      ['Affected', 'Named', 'Counts'],
      rows.map((r) => r.map((x) => mdCell(x ?? ''))),
    ),
  ];
  const op = m.blastRadius.operator;
  // Only what the operator changed is theirs: the lists they left as prefilled are the triggers'.
  const edited = new Set(m.blastRadius.edited);
  if (op && !blastRadiusEmpty(op)) {
    const items = (xs: string[]): string => (xs.length === 0 ? '—' : mdCell(xs.join(', ')));
    const lists = (
      [
        ['Modules', 'modules'],
        ['Queues', 'queues'],
        ['Campaigns', 'campaigns'],
        ['Replicas', 'replicas'],
      ] as const
    ).filter(([, part]) => edited.has(part));
    if (lists.length > 0)
      parts.push(
        "The responders' statement (edited by the operator):",
        mdTable(
          ['Affected', 'Items'],
          lists.map(([label, part]) => [label, items(op[part])]),
        ),
      );
    if (!isBlank(op.notes)) parts.push(...(lists.length > 0 ? [] : ["The responders' notes:"]), mdParagraphs(op.notes));
  }
  return parts.join('\n\n');
}

/** A figure's value as a reader wants it: 15m 40s, 834/h, 12%, 320. */
export function formatEffectValue(v: number | null, unit: ActionEffect['unit']): string {
  if (v === null) return 'not recorded';
  switch (unit) {
    case 's':
      return formatDuration(v * 1000);
    case 'per-hour':
      return `${Math.round(v * 10) / 10}/h`;
    case 'ratio':
      return `${Math.round(v * 1000) / 10}%`;
    default:
      return String(Math.round(v * 10) / 10);
  }
}

function effectRow(a: ActionRun): string[] {
  const e = a.effect;
  const figure = e.figure === null ? '—' : figureLabel(e.figure);
  const shown = e.figure !== null && e.verdict !== 'not run';
  const lag = (x: number | null): string => (shown ? formatEffectValue(x, e.unit) : '—');
  const depth = e.depth;
  const withDepth = (x: number | null, d: number | null): string => (d === null ? lag(x) : `${lag(x)} · depth ${formatCount(d)}`);
  const v = (x: number | null, which: 'atAction' | 'after5' | 'after15'): string =>
    depth === undefined || !shown ? lag(x) : withDepth(x, depth[which]);
  return [
    mdCell(a.label),
    mdCell(figure),
    mdCell(v(e.atAction, 'atAction')),
    mdCell(v(e.after5, 'after5')),
    mdCell(v(e.after15, 'after15')),
    mdCell(`${e.verdict}: ${e.why}`),
  ];
}

/** Runbook 6 step 4: each integrity check's verdict with the figures it was judged on. */
function integrityChecks(m: PirModel): string | null {
  const checks = m.integrityChecks;
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

function actionsTaken(m: PirModel): string {
  const parts: string[] = [];
  if (m.actions.length === 0) parts.push(NONE);
  else {
    parts.push(
      mdTable(
        ['#', 'Time (UTC)', 'Who', 'Action', 'Outcome'],
        m.actions.map((a) => [
          mdCell(a.label),
          mdCell(a.at),
          mdCell(a.operator),
          mdCell(describeAction(a).replace(/^A\d+ /, '')),
          mdCell(describeOutcome(a)),
        ]),
      ),
      'Effect of each action: the figure it aimed at, at the time of the action and 5 and 15 minutes later (from the figure series in the journal):',
      mdTable(['#', 'Figure', 'At the action', '+5 min', '+15 min', 'Verdict'], m.actions.map(effectRow)),
    );
  }
  const integrity = integrityChecks(m);
  if (integrity !== null) parts.push(integrity);
  return parts.join('\n\n');
}

function escalations(m: PirModel): string {
  const parts: string[] = [];
  const sev = m.escalations.severity;
  parts.push(
    sev.length === 0
      ? 'No severity was decided.'
      : mdTable(
          ['Time (UTC)', 'Who', 'Severity', 'Reason'],
          sev.map((s) => [mdCell(s.at), mdCell(s.operator), mdCell(`Severity ${s.previous ?? 'none'} → ${s.severity}`), mdCell(s.reason)]),
        ),
  );
  const pages = m.escalations.pages;
  parts.push(
    pages.length === 0
      ? 'Nobody was paged by the cockpit.'
      : mdTable(
          ['Target', 'Contact', 'Paged (UTC)', 'Delivery', 'Acknowledged', 'Re-pages', 'Resolved (UTC)'],
          pages.map((p) => [
            mdCell(`${p.target}${p.role !== '' && p.role !== p.target ? ` (${p.role})` : ''} for ${p.severity}`),
            mdCell(p.contact),
            mdCell(p.pagedAt),
            mdCell(p.delivery),
            mdCell(
              p.channel === 'ticket'
                ? 'not applicable (ticket)'
                : p.acknowledgedAt === null
                  ? 'never'
                  : `${p.acknowledgedAt} by ${p.acknowledgedBy ?? '?'}`,
            ),
            String(p.repages),
            mdCell(p.resolvedAt ?? '—'),
          ]),
        ),
  );
  return parts.join('\n\n');
}

function atResolution(m: PirModel): string {
  const r = m.atResolution;
  const parts = [
    r.resolvedAt === null
      ? `Not resolved yet: the state as of the last entry (${r.asOf ?? '—'}).`
      : `Marked resolved at ${r.resolvedAt}. At that moment:`,
  ];
  parts.push(
    '**Triggers still firing:**',
    r.triggersFiring.length === 0
      ? 'None.'
      : list(
          r.triggersFiring.map(
            (t) =>
              `${t.title} on ${t.target} (firing since ${t.firedAt}; ${t.clearedLater === null ? 'never cleared' : `cleared later, at ${t.clearedLater}`})`,
          ),
        ),
    '**Mitigations still in force:**',
    r.inForce.length === 0
      ? 'None.'
      : mdTable(
          ['Mitigation', 'On', 'Set by', 'Since (UTC)', 'Until', 'Undo', 'Reason'],
          r.inForce.map((x) => [
            mdCell(x.action),
            mdCell(x.target),
            mdCell(x.by),
            mdCell(x.since),
            mdCell(x.until ?? 'until undone'),
            mdCell(x.undo ?? '—'),
            mdCell(x.reason),
          ]),
        ),
    '**Runbook steps not done** (sections whose triggers fired; a step counts as done when ticked or when the cockpit ran it):',
    r.stepsNotDone.length === 0 ? 'None.' : list(r.stepsNotDone.map((s) => `§${s.section} step ${s.step}: ${s.text}`)),
    '**Pages never acknowledged:**',
    r.pagesNotAcknowledged.length === 0
      ? 'None.'
      : list(
          r.pagesNotAcknowledged.map((p) => `${p.target} (${p.contact}), paged ${p.pagedAt}, ${p.pages} page${p.pages === 1 ? '' : 's'}`),
        ),
  );
  return parts.join('\n\n');
}

function correctiveActions(m: PirModel): string {
  if (m.correctiveActions.length === 0) return NOT_WRITTEN;
  const rows = m.correctiveActions.map((a, i) => [String(i + 1), mdCell(a.action), mdCell(a.owner), mdCell(a.due)]);
  return mdTable(['#', 'Action', 'Owner', 'Due'], rows);
}

function monitoringGaps(m: PirModel): string {
  const parts = [text(m.monitoringGaps)];
  if (m.sourceOutages.length > 0) {
    parts.push(
      'Data sources lost during the incident:',
      mdTable(
        ['Source', 'Lost (UTC)', 'Restored (UTC)', 'Error'],
        m.sourceOutages.map((o) => [mdCell(o.source), mdCell(o.lostAt), mdCell(o.restoredAt ?? 'not restored'), mdCell(o.error ?? '')]),
      ),
    );
  }
  return parts.join('\n\n');
}

function appendix(m: PirModel): string {
  const rows = (m.fullJournal ?? []).map((e) => [String(e.seq), mdCell(e.at), mdCell(e.operator), mdCell(e.kind), mdCell(e.details)]);
  return ['Every journal entry, as recorded.', mdTable(['Seq', 'Time (UTC)', 'Operator', 'Kind', 'Details'], rows)].join('\n\n');
}

function footer(m: PirModel): string {
  const lines: string[] = ['---', ''];
  const j = m.journal;
  const hash = `final hash \`${j.lastHash}\``;
  const v = j.verification;
  if (v === null) {
    lines.push(`Journal ${mdInline(m.incident.id)}: ${j.entries} entries, ${hash}, chain verified: not checked.`);
  } else {
    const verdict = v.ok ? 'yes' : v.brokenAtSeq !== null ? `NO (broken at seq ${v.brokenAtSeq})` : 'yes, with problems';
    lines.push(`Journal ${mdInline(m.incident.id)}: ${j.entries} entries, ${hash}, chain verified: ${verdict}.`);
    if (v.problems.length > 0) lines.push('', 'Journal problems:', '', ...v.problems.map((p) => `- ${mdInline(p)}`));
  }
  if (m.practice) lines.push('', '**PRACTICE (simulation):** nothing here happened to a real system; the timestamps are simulated time.');
  return lines.join('\n');
}

/** The PIR markdown of a model (renderPir builds the model from a view). */
export function renderPirModel(m: PirModel, opts: PirRenderOptions = {}): string {
  const body: Record<PirSection, string> = {
    Summary: summary(m),
    Timeline: timeline(m),
    Charts: charts(m, opts.asciiCharts === true),
    Responders: responders(m),
    Impact: impact(m),
    'Root cause and contributing factors': rootCause(m),
    'Blast radius': blastRadius(m),
    'Actions taken': actionsTaken(m),
    Escalations: escalations(m),
    'State at resolution': atResolution(m),
    'What went well': text(m.wentWell),
    'What went badly': text(m.wentBadly),
    'Corrective actions': correctiveActions(m),
    'Monitoring gap updates': monitoringGaps(m),
    'Runbook improvements': text(m.runbookImprovements),
  };
  const out = [`# Post-incident review: ${mdInline(m.incident.id)}`];
  const banner = practiceBanner(m);
  if (banner) out.push(banner);
  for (const section of PIR_SECTIONS) out.push(`## ${section}`, body[section]);
  if (m.fullJournal) out.push(`## ${PIR_APPENDIX}`, appendix(m));
  out.push(footer(m));
  return `${out.join('\n\n')}\n`;
}

/** The whole PIR as markdown. `verification` is what the journal reported when read back for export. */
export function renderPir(view: IncidentView, verification?: ChainVerification, opts: PirRenderOptions = {}): string {
  return renderPirModel(buildPirModel(view, verification, opts), opts);
}

/** The same content as JSON (for an incident tracker): the model, plus what --strict reports. */
export function renderPirJson(view: IncidentView, verification?: ChainVerification, opts: PirOptions = {}): string {
  const model = buildPirModel(view, verification, opts);
  return `${JSON.stringify({ ...model, strictProblems: strictProblems(view, verification) }, null, 2)}\n`;
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
