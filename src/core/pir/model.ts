// The post-incident review as data: everything the markdown shows, in one object that is also
// the `--format json` output (the same content, for an incident tracker). Built from the incident
// view (the journal folded) alone. Pure.
import type { BlastRadius, CorrectiveAction, IncidentState, Severity } from '../incident.js';
import type { IncidentView, IntegrityCheckView, SeverityChange, SourceOutage } from '../incidentView.js';
import { foldPaging } from '../paging.js';
import { describeEntry, formatFigure, formatUtc } from '../timeline.js';
import type { ActionRun } from './actions.js';
import { actionRuns } from './actions.js';
import type { BlastRadiusFromData, BlastRadiusPart } from './blastRadius.js';
import { blastRadiusFromData, blastRadiusPartsEdited } from './blastRadius.js';
import type { Chart } from './charts.js';
import { buildCharts, chartedFigures } from './charts.js';
import { readFigureSeries } from './figures.js';
import type { PirDurations, PirMilestone } from './milestones.js';
import { pirDurations, pirMilestones } from './milestones.js';
import type { StateAtResolution } from './resolution.js';
import { stateAtResolution } from './resolution.js';
import type { PageTargetRow, TimelineRow } from './rows.js';
import { pageTargetRows, timelineRows } from './rows.js';

/** What the journal said when it was read back (IncidentJournal.verify() returns a superset). */
export interface ChainVerification {
  ok: boolean;
  brokenAtSeq: number | null;
  tornTail: boolean;
  problems: readonly string[];
}

export interface PirOptions {
  /** Add the full journal as an appendix. */
  full?: boolean;
}

export interface TriggerRow {
  title: string;
  section: string;
  target: string;
  /** The figure when it fired and the threshold, formatted with their unit. */
  value: string;
  threshold: string;
  firedAt: string;
  clearedAt: string | null;
  firings: number;
  /** The earliest evidence it recorded when it fired (null: none recorded). */
  evidenceAt: string | null;
  evidence: string | null;
}

export interface ResponderRow {
  operator: string;
  roles: string[];
  entries: number;
  firstAt: string;
  lastAt: string;
}

export interface JournalRow {
  seq: number;
  at: string;
  operator: string;
  kind: string;
  details: string;
}

export interface PirModel {
  format: 'lsos-cockpit-pir/1';
  incident: {
    id: string;
    state: IncidentState;
    highestSeverity: Severity | null;
    severityDecided: boolean;
    openedAt: string | null;
    openedBy: string | null;
    openReason: string;
  };
  /** Set when the incident ran on the embedded simulation: a practice, in simulated time. */
  practice: { scenario: string | null; note: string } | null;
  summary: string;
  milestones: PirMilestone[];
  durations: PirDurations;
  timeline: TimelineRow[];
  charts: Chart[];
  /** The figure series the charts are drawn from: how many samples, first and last (UTC); null times when none. */
  figureSeries: { samples: number; from: string | null; to: string | null };
  responders: ResponderRow[];
  impact: { text: string; triggers: TriggerRow[] };
  rootCause: string;
  contributingFactors: string;
  /** `edited`: the parts the operator changed (the rest of `operator` is the triggers' prefill). */
  blastRadius: { operator: BlastRadius | null; edited: BlastRadiusPart[]; fromData: BlastRadiusFromData };
  actions: ActionRun[];
  integrityChecks: IntegrityCheckView[];
  escalations: { severity: SeverityChange[]; pages: PageTargetRow[] };
  atResolution: StateAtResolution;
  wentWell: string;
  wentBadly: string;
  correctiveActions: CorrectiveAction[];
  monitoringGaps: string;
  sourceOutages: SourceOutage[];
  runbookImprovements: string;
  journal: { entries: number; lastHash: string; verification: ChainVerification | null };
  /** Present with --full: every journal entry. */
  fullJournal?: JournalRow[];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Bookkeeping entries that are not a person's work: not counted for the responders. */
const MACHINE_KINDS = new Set(['figures', 'resumed']);

function responders(view: IncidentView): ResponderRow[] {
  const map = new Map<string, ResponderRow>();
  for (const e of view.entries) {
    if (MACHINE_KINDS.has(e.kind)) continue;
    let r = map.get(e.operator);
    if (!r) {
      r = { operator: e.operator, roles: [], entries: 0, firstAt: e.at, lastAt: e.at };
      map.set(e.operator, r);
    }
    r.entries += 1;
    r.lastAt = e.at;
  }
  for (const r of view.responders) map.get(r.operator)?.roles.push(...r.roles);
  // A shared incident: how each was in it (operator or viewer, where, since when, last seen) and who commanded.
  for (const x of view.sessions ?? []) {
    const left = x.leftAt === null ? 'still in at the last entry' : `last seen ${x.lastSeen ?? x.leftAt}`;
    map.get(x.user)?.roles.push(`${x.access} on ${x.host} from ${x.joinedAt}, ${left}`);
  }
  for (const c of view.commanderHistory ?? []) {
    const r = map.get(c.user);
    if (r && !r.roles.includes('incident commander')) r.roles.push('incident commander');
  }
  return [...map.values()];
}

function practiceOf(view: IncidentView, series: ReturnType<typeof readFigureSeries>, actions: readonly ActionRun[]): PirModel['practice'] {
  const fromSeries = series.find((s) => s.simulated === true);
  const fromTrigger = view.entries.find((e) => e.kind === 'trigger-fired' && e.details.simulated === true);
  const fromAction = actions.some((a) => a.simulated);
  // Recorded by a cockpit on the simulation: every entry carries its simulated time (simAt).
  const fromClock = view.entries.some((e) => e.simAt !== undefined);
  if (!fromSeries && !fromTrigger && !fromAction && !fromClock) return null;
  const scenario = fromSeries?.scenario ?? null;
  return {
    scenario,
    note:
      'A practice incident on the embedded simulation: nothing here happened to a real system. Every timestamp is the ' +
      "simulation's clock (simulated time), not wall-clock time.",
  };
}

export function buildPirModel(view: IncidentView, verification?: ChainVerification, opts: PirOptions = {}): PirModel {
  const series = readFigureSeries(view.entries);
  const paging = foldPaging(view.entries, view.id);
  const firstOf = (key: string): string | null => view.triggers.find((t) => t.triggerKey === key)?.target ?? null;
  const actions = actionRuns(view.entries, series, { provider: firstOf('serp-failures'), replica: firstOf('replica-lag') });
  const milestones = pirMilestones(view, paging);
  const pages = pageTargetRows(paging, view.entries);
  const triggers: TriggerRow[] = view.triggers.map((t) => {
    const d = view.entries.find((e) => e.seq === t.firedSeq)?.details ?? {};
    return {
      title: t.title,
      section: t.section,
      target: t.target,
      value: formatFigure(t.value, t.unit),
      threshold: formatFigure(t.threshold, t.unit),
      firedAt: t.firedAt,
      clearedAt: t.clearedAt,
      firings: t.firings,
      evidenceAt: str(d.evidenceAt) || null,
      evidence: str(d.evidence) || null,
    };
  });
  const last = view.entries[view.entries.length - 1];
  const model: PirModel = {
    format: 'lsos-cockpit-pir/1',
    incident: {
      id: view.id,
      state: view.state,
      highestSeverity: view.highestSeverity,
      severityDecided: view.severityDecided,
      openedAt: view.openedAt,
      openedBy: view.openedBy,
      openReason: view.openReason,
    },
    practice: practiceOf(view, series, actions),
    summary: view.pir.summary,
    milestones,
    durations: pirDurations(milestones),
    timeline: timelineRows(view, milestones, actions, pages),
    charts: buildCharts(chartedFigures(view.triggers.map((t) => ({ triggerKey: t.triggerKey, target: t.target }))), series, actions),
    figureSeries: {
      samples: series.length,
      from: series.length > 0 ? formatUtc(series[0]!.tMs) : null,
      to: series.length > 0 ? formatUtc(series[series.length - 1]!.tMs) : null,
    },
    responders: responders(view),
    impact: { text: view.pir.impact, triggers },
    rootCause: view.pir.rootCause,
    contributingFactors: view.pir.contributingFactors,
    blastRadius: {
      operator: view.pirEdited.includes('blastRadius') ? view.pir.blastRadius : null,
      edited: view.pirEdited.includes('blastRadius') ? [...blastRadiusPartsEdited(view.entries)] : [],
      fromData: blastRadiusFromData(view, view.entries, series),
    },
    actions,
    integrityChecks: view.integrityChecks ?? [],
    escalations: { severity: view.severityHistory.filter((s) => s.kind === 'decided'), pages },
    atResolution: stateAtResolution(view, paging),
    wentWell: view.pir.wentWell,
    wentBadly: view.pir.wentBadly,
    correctiveActions: view.pir.correctiveActions,
    monitoringGaps: view.pir.monitoringGaps,
    sourceOutages: view.sourceOutages,
    runbookImprovements: view.pir.runbookImprovements,
    journal: {
      entries: view.entries.length,
      lastHash: last ? last.hash : view.lastHash,
      verification: verification
        ? {
            ok: verification.ok,
            brokenAtSeq: verification.brokenAtSeq,
            tornTail: verification.tornTail,
            problems: [...verification.problems],
          }
        : null,
    },
  };
  if (opts.full) {
    model.fullJournal = view.entries.map((e) => ({ seq: e.seq, at: e.at, operator: e.operator, kind: e.kind, details: describeEntry(e) }));
  }
  return model;
}
