// The incident as derived from its timeline: state, severities, milestones (corrections win,
// history kept), what the triggers saw, responders, actions, escalations and the PIR fields.
// The timeline is the only truth; this is a pure fold over it.
import type { BlastRadius, CorrectiveAction, IncidentState, MilestoneName, PirFieldValues, PirTextField, Severity } from './incident.js';
import {
  MILESTONES,
  PIR_TEXT_FIELDS,
  emptyBlastRadius,
  isBlastRadius,
  isIncidentState,
  isMilestoneName,
  isPirTextField,
  isSeverity,
  moreSevere,
  validateCorrectiveAction,
} from './incident.js';
import { triggerId, triggerIdentityOf, type TriggerEntryIdentity } from '../domain/triggerId.js';
import type { TimelineEntry } from './timeline.js';
import { GENESIS_HASH, isUtcTimestamp, parseUtc } from './timeline.js';

export interface MilestoneStamp {
  name: MilestoneName;
  /** The milestone time (for corrections: the corrected time). */
  at: string;
  atMs: number;
  /** The entry that stamped or corrected it. */
  seq: number;
  recordedAt: string;
  operator: string;
  corrected: boolean;
  reason: string | null;
  /** Set when a later entry superseded this one. */
  supersededBySeq: number | null;
}

export interface SeverityChange {
  seq: number;
  at: string;
  operator: string;
  kind: 'suggested' | 'decided';
  severity: Severity;
  previous: Severity | null;
  reason: string;
}

/** A trigger as the incident saw it fire (and clear): named as the journal names it (`triggerKey`, `target`). */
export interface TriggerSeen extends TriggerEntryIdentity {
  /** The trigger's id, `kind:target` (src/domain/triggerId.ts): one trigger can fire on several targets. */
  key: string;
  title: string;
  section: string;
  value: number | null;
  threshold: number | null;
  unit: string;
  firedAt: string;
  firedSeq: number;
  clearedAt: string | null;
  clearedValue: number | null;
  /** Times it fired during the incident (it may clear and fire again). */
  firings: number;
}

export interface SourceOutage {
  source: string;
  lostAt: string;
  restoredAt: string | null;
  error: string | null;
}

export interface NoteView {
  seq: number;
  at: string;
  operator: string;
  text: string;
}

export interface ProcedureStepView {
  section: string;
  step: string;
  text: string;
  done: boolean;
  seq: number;
  at: string;
  operator: string;
}

export interface ResponderView {
  operator: string;
  roles: string[];
  entries: number;
  firstAt: string;
  lastAt: string;
}

export interface ActionView {
  seq: number;
  at: string;
  operator: string;
  kind: 'action' | 'procedure-step';
  action: string;
  details: Record<string, unknown>;
}

/** One integrity check result (runbook 6 step 4) as the PIR lists it. */
export interface IntegrityCheckView {
  seq: number;
  at: string;
  operator: string;
  check: string;
  status: string;
  expect: string;
  figures: Record<string, unknown>;
  detail: string;
  server: string;
}

export interface EscalationView {
  seq: number;
  at: string;
  operator: string;
  kind: 'severity' | 'page';
  severity: Severity | null;
  previous: Severity | null;
  /** Who was paged (pages only). */
  target: string | null;
  role: string | null;
  reason: string;
}

/** Who commands a shared incident (a `commander` entry): the opener, or whoever took command. */
export interface CommanderView {
  user: string;
  host: string;
  instance: string;
  /** When command was taken (the entry's wall-clock time). */
  since: string;
  seq: number;
  how: 'opened' | 'took';
  /** Who held it before (`user@host`), null when nobody did. */
  previous: string | null;
}

/** One cockpit in a shared incident: joined (`responder-joined`), and left or lapsed (`responder-left`). */
export interface SessionView {
  user: string;
  host: string;
  instance: string;
  access: 'operator' | 'viewer';
  role: string;
  joinedAt: string;
  leftAt: string | null;
  /** Last seen by presence when it left or lapsed. */
  lastSeen: string | null;
  why: string | null;
}

export interface IncidentDurations {
  /** detected − started */
  timeToDetectMs: number | null;
  /** acknowledged − detected */
  timeToAcknowledgeMs: number | null;
  /** mitigated − started */
  timeToMitigateMs: number | null;
  /** resolved − started */
  timeToResolveMs: number | null;
}

export interface IncidentView {
  id: string;
  state: IncidentState;
  openedAt: string | null;
  openedBy: string | null;
  openReason: string;
  /** The latest decided severity, else the latest suggestion. */
  severity: Severity | null;
  severityDecided: boolean;
  /** The highest decided severity; the highest suggestion while nothing was decided. */
  highestSeverity: Severity | null;
  severityHistory: SeverityChange[];
  /** Effective milestones: the latest stamp or correction of each. */
  milestones: Record<MilestoneName, MilestoneStamp | null>;
  /** Every stamp and correction, oldest first; superseded ones say by which seq. */
  milestoneHistory: MilestoneStamp[];
  durations: IncidentDurations;
  triggers: TriggerSeen[];
  activeTriggers: TriggerSeen[];
  sourceOutages: SourceOutage[];
  sourcesDown: string[];
  notes: NoteView[];
  /** The latest state of each runbook step touched, in the order first ticked. */
  procedureSteps: ProcedureStepView[];
  /** Latest value of each PIR field; blastRadius falls back to the prefill. */
  pir: PirFieldValues;
  /** PIR fields the operator has set. */
  pirEdited: string[];
  blastRadiusPrefill: BlastRadius;
  responders: ResponderView[];
  actions: ActionView[];
  escalations: EscalationView[];
  /** Optional (added for integrity checks): every integrity check result, oldest first. */
  integrityChecks?: IntegrityCheckView[];
  /** Shared incidents: the incident commander now (the latest `commander` entry); null when none. */
  commander?: CommanderView | null;
  /** Shared incidents: every handover, oldest first. */
  commanderHistory?: CommanderView[];
  /** Shared incidents: every cockpit that joined, how, since when, and when it left. */
  sessions?: SessionView[];
  /** Ids of incidents merged into this one. */
  absorbed?: string[];
  /** Set when this incident was merged into another (it is then never resumed). */
  mergedInto?: string | null;
  entries: TimelineEntry[];
  lastSeq: number;
  lastHash: string;
  /** Entries whose details could not be used (shown in the timeline all the same). */
  problems: string[];
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '') : [];
}

function addUnique(into: string[], items: Iterable<string>): void {
  for (const i of items) if (!into.includes(i)) into.push(i);
}

function emptyMilestones(): Record<MilestoneName, MilestoneStamp | null> {
  return { started: null, detected: null, acknowledged: null, mitigated: null, resolved: null };
}

function emptyPir(): PirFieldValues {
  const texts = Object.fromEntries(PIR_TEXT_FIELDS.map((f) => [f, ''])) as { [K in PirTextField]: string };
  return { ...texts, blastRadius: emptyBlastRadius(), correctiveActions: [] };
}

/**
 * Folds entries one at a time, so the recorder pays O(1) per append and O(n) only when it takes
 * a view. foldIncident() is the one-shot form.
 */
export class IncidentFolder {
  private readonly id: string;
  private state: IncidentState = 'open';
  private openedAt: string | null = null;
  private openedBy: string | null = null;
  private openReason = '';
  private severityHistory: SeverityChange[] = [];
  private milestones = emptyMilestones();
  private milestoneHistory: MilestoneStamp[] = [];
  private triggers = new Map<string, TriggerSeen>();
  private outages: SourceOutage[] = [];
  private notes: NoteView[] = [];
  private steps = new Map<string, ProcedureStepView>();
  private pir = emptyPir();
  private pirEdited = new Set<string>();
  private prefill = emptyBlastRadius();
  /** Most campaigns any trigger counted, for when no trigger named them. */
  private campaignCount = 0;
  private responders = new Map<string, ResponderView>();
  private actions: ActionView[] = [];
  private escalations: EscalationView[] = [];
  private integrityChecks: IntegrityCheckView[] = [];
  private commanders: CommanderView[] = [];
  private sessions: SessionView[] = [];
  private absorbed: string[] = [];
  private mergedInto: string | null = null;
  private entries: TimelineEntry[] = [];
  private problems: string[] = [];

  constructor(incidentId = '') {
    this.id = incidentId;
  }

  add(entry: TimelineEntry): void {
    // A practice incident runs on the simulation's clock: its entries carry wall-clock `at` beside
    // the simulated `simAt`, and the milestones and trigger evidence are simulated times. The view
    // reads every entry at its simulated time, so the incident has one clock (screen, PIR, figures).
    const e = entry.simAt !== undefined ? { ...entry, at: entry.simAt } : entry;
    this.entries.push(e);
    this.trackResponder(e);
    const d = e.details;
    const problem = (what: string): void => {
      this.problems.push(`seq ${e.seq} (${e.kind}): ${what}`);
    };
    // An entry of an incident merged into this one (src/journal/shared merge rule): it counts for
    // the timeline, triggers, decisions and notes, but not for this incident's opening, state or
    // command, and its milestones only when they are earlier evidence of the start.
    if (this.id !== '' && e.incidentId !== this.id) {
      if (e.kind === 'incident-opened' || e.kind === 'state-changed' || e.kind === 'commander' || e.kind === 'incident-merged') return;
      if (e.kind === 'milestone' || e.kind === 'milestone-corrected') {
        const current = isMilestoneName(d.name) ? this.milestones[d.name] : null;
        const at = isUtcTimestamp(d.at) ? parseUtc(d.at) : null;
        if ((d.name !== 'started' && d.name !== 'detected') || at === null || (current && current.atMs <= at)) return;
      }
    }
    switch (e.kind) {
      case 'incident-opened':
        if (this.openedAt === null) {
          this.openedAt = e.at;
          this.openedBy = e.operator;
          this.openReason = str(d.reason);
        }
        break;
      case 'trigger-fired':
      case 'trigger-cleared':
        this.trigger(e, e.kind === 'trigger-fired', problem);
        break;
      case 'severity-suggested':
      case 'severity-decided': {
        if (!isSeverity(d.severity)) return problem('not a severity');
        const decided = e.kind === 'severity-decided';
        this.severityHistory.push({
          seq: e.seq,
          at: e.at,
          operator: e.operator,
          kind: decided ? 'decided' : 'suggested',
          severity: d.severity,
          previous: isSeverity(d.previous) ? d.previous : null,
          reason: str(d.reason),
        });
        if (decided) {
          this.escalations.push({
            seq: e.seq,
            at: e.at,
            operator: e.operator,
            kind: 'severity',
            severity: d.severity,
            previous: isSeverity(d.previous) ? d.previous : null,
            target: null,
            role: null,
            reason: str(d.reason),
          });
        }
        break;
      }
      case 'source-lost': {
        const source = str(d.source);
        if (source === '') return problem('no source named');
        if (!this.outages.some((o) => o.source === source && o.restoredAt === null)) {
          this.outages.push({ source, lostAt: e.at, restoredAt: null, error: str(d.error) || null });
        }
        break;
      }
      case 'source-restored': {
        const open = this.outages.find((o) => o.source === str(d.source) && o.restoredAt === null);
        if (open) open.restoredAt = e.at;
        break;
      }
      case 'state-changed':
        if (!isIncidentState(d.to)) return problem('not a state');
        this.state = d.to;
        break;
      case 'milestone':
      case 'milestone-corrected':
        this.milestone(e, problem);
        break;
      case 'note':
        this.notes.push({ seq: e.seq, at: e.at, operator: e.operator, text: str(d.text) });
        break;
      case 'procedure-step': {
        const section = str(d.section);
        const step = str(d.step);
        if (section === '' || step === '') return problem('section or step missing');
        const view: ProcedureStepView = {
          section,
          step,
          text: str(d.text),
          done: d.done !== false,
          seq: e.seq,
          at: e.at,
          operator: e.operator,
        };
        this.steps.set(`${section}/${step}`, view);
        if (view.done) {
          this.actions.push({
            seq: e.seq,
            at: e.at,
            operator: e.operator,
            kind: 'procedure-step',
            action: `Runbook §${section} step ${step}${view.text === '' ? '' : `: ${view.text}`}`,
            details: d,
          });
        }
        break;
      }
      case 'pir-field':
        this.pirField(d, problem);
        break;
      case 'action':
        this.actions.push({ seq: e.seq, at: e.at, operator: e.operator, kind: 'action', action: str(d.action), details: d });
        break;
      case 'integrity-check':
        this.integrityChecks.push({
          seq: e.seq,
          at: e.at,
          operator: e.operator,
          check: str(d.check),
          status: str(d.status),
          expect: str(d.expect),
          figures:
            typeof d.figures === 'object' && d.figures !== null && !Array.isArray(d.figures) ? (d.figures as Record<string, unknown>) : {},
          detail: str(d.detail),
          server: str(d.server),
        });
        break;
      case 'page':
        this.escalations.push({
          seq: e.seq,
          at: e.at,
          operator: e.operator,
          kind: 'page',
          severity: isSeverity(d.severity) ? d.severity : null,
          previous: null,
          target: str(d.target) || null,
          role: str(d.role) || null,
          reason: str(d.reason),
        });
        break;
      case 'commander': {
        const how = d.how === 'took' ? 'took' : 'opened';
        const c: CommanderView = {
          user: str(d.user) || e.operator,
          host: str(d.host),
          instance: str(d.instance),
          since: e.at,
          seq: e.seq,
          how,
          previous: str(d.previous) || null,
        };
        this.commanders.push(c);
        break;
      }
      case 'responder-joined':
        if (d.access === 'operator' || d.access === 'viewer') {
          this.sessions.push({
            user: e.operator,
            host: str(d.host),
            instance: str(d.instance),
            access: d.access,
            role: str(d.role),
            joinedAt: e.at,
            leftAt: null,
            lastSeen: null,
            why: null,
          });
        }
        break;
      case 'responder-left': {
        const s = this.sessions.find((x) => x.instance === str(d.instance) && x.leftAt === null);
        if (s) {
          s.leftAt = e.at;
          s.lastSeen = str(d.lastSeen) || e.at;
          s.why = str(d.why) || null;
        }
        break;
      }
      case 'incident-merged': {
        const from = str(d.from);
        const into = str(d.into);
        const self = this.id !== '' ? this.id : e.incidentId;
        if (into === self && from !== self && from !== '' && !this.absorbed.includes(from)) this.absorbed.push(from);
        if (from === self && into !== self && into !== '') this.mergedInto = into;
        break;
      }
      default:
        // resumed and kinds from newer cockpits: timeline only.
        break;
    }
  }

  private trackResponder(e: TimelineEntry): void {
    let r = this.responders.get(e.operator);
    if (!r) {
      r = { operator: e.operator, roles: [], entries: 0, firstAt: e.at, lastAt: e.at };
      this.responders.set(e.operator, r);
    }
    r.entries += 1;
    r.lastAt = e.at;
    if (e.kind === 'responder-joined') addUnique(r.roles, strings([e.details.role]));
  }

  private trigger(e: TimelineEntry, fired: boolean, problem: (what: string) => void): void {
    const d = e.details;
    const who = triggerIdentityOf(d);
    if (who === null) return problem('no triggerKey');
    const { kind: triggerKey, target } = who;
    const key = triggerId(triggerKey, target);
    const seen = this.triggers.get(key);
    if (fired) {
      if (seen) {
        seen.firings += 1;
        seen.clearedAt = null;
        seen.clearedValue = null;
      } else {
        this.triggers.set(key, {
          key,
          triggerKey,
          title: str(d.title) || triggerKey,
          section: str(d.section),
          target,
          value: num(d.value),
          threshold: num(d.threshold),
          unit: str(d.unit),
          firedAt: e.at,
          firedSeq: e.seq,
          clearedAt: null,
          clearedValue: null,
          firings: 1,
        });
      }
      addUnique(this.prefill.modules, strings([d.module]));
      addUnique(this.prefill.queues, strings(d.queues));
      addUnique(this.prefill.campaigns, strings(d.campaigns));
      addUnique(this.prefill.replicas, strings(d.replicas));
      const count = num(d.campaignsAffected);
      if (count !== null && count > this.campaignCount) this.campaignCount = count;
    } else if (seen) {
      seen.clearedAt = e.at;
      seen.clearedValue = num(d.value);
    }
  }

  private milestone(e: TimelineEntry, problem: (what: string) => void): void {
    const d = e.details;
    if (!isMilestoneName(d.name)) return problem('not a milestone');
    const at = str(d.at);
    const atMs = isUtcTimestamp(at) ? parseUtc(at) : null;
    if (atMs === null) return problem('milestone time is not an ISO UTC timestamp');
    const corrected = e.kind === 'milestone-corrected';
    const stamp: MilestoneStamp = {
      name: d.name,
      at,
      atMs,
      seq: e.seq,
      recordedAt: e.at,
      operator: e.operator,
      corrected,
      reason: corrected ? str(d.reason) : null,
      supersededBySeq: null,
    };
    // A correction supersedes, it never edits: the old stamp stays in the history.
    const previous = this.milestones[d.name];
    if (previous) previous.supersededBySeq = e.seq;
    this.milestones[d.name] = stamp;
    this.milestoneHistory.push(stamp);
  }

  private pirField(d: Record<string, unknown>, problem: (what: string) => void): void {
    const field = d.field;
    if (isPirTextField(field)) {
      if (typeof d.value !== 'string') return problem(`${field} is not text`);
      this.pir[field] = d.value;
    } else if (field === 'blastRadius') {
      if (!isBlastRadius(d.value)) return problem('blast radius has the wrong shape');
      this.pir.blastRadius = d.value;
    } else if (field === 'correctiveActions') {
      if (!Array.isArray(d.value)) return problem('corrective actions is not a list');
      const rows: CorrectiveAction[] = [];
      d.value.forEach((row: unknown, i) => {
        const r = typeof row === 'object' && row !== null ? (row as Record<string, unknown>) : {};
        const checked = validateCorrectiveAction(r);
        if (checked.ok) rows.push(checked.value);
        else {
          // Keep the row so the PIR shows it; --strict reports it.
          problem(`corrective action ${i + 1}: ${checked.errors.join(', ')}`);
          rows.push({ action: str(r.action), owner: str(r.owner), due: str(r.due) });
        }
      });
      this.pir.correctiveActions = rows;
    } else {
      return problem(`unknown PIR field ${str(field)}`);
    }
    this.pirEdited.add(String(field));
  }

  view(): IncidentView {
    const m = this.milestones;
    const diff = (a: MilestoneName, b: MilestoneName): number | null => {
      const x = m[a];
      const y = m[b];
      return x && y ? x.atMs - y.atMs : null;
    };
    const decided = this.severityHistory.filter((s) => s.kind === 'decided');
    const considered = decided.length > 0 ? decided : this.severityHistory;
    const latest = considered[considered.length - 1];
    const triggers = [...this.triggers.values()].map((t) => ({ ...t }));
    const prefill: BlastRadius = {
      modules: [...this.prefill.modules],
      queues: [...this.prefill.queues],
      campaigns:
        this.prefill.campaigns.length === 0 && this.campaignCount > 0
          ? [`${this.campaignCount} campaigns (not named by the triggers)`]
          : [...this.prefill.campaigns],
      replicas: [...this.prefill.replicas],
      notes: '',
    };
    const last = this.entries[this.entries.length - 1];
    return {
      id: this.id !== '' ? this.id : (this.entries[0]?.incidentId ?? ''),
      state: this.state,
      openedAt: this.openedAt,
      openedBy: this.openedBy,
      openReason: this.openReason,
      severity: latest ? latest.severity : null,
      severityDecided: decided.length > 0,
      highestSeverity: considered.reduce<Severity | null>((acc, s) => moreSevere(acc, s.severity), null),
      severityHistory: [...this.severityHistory],
      milestones: Object.fromEntries(MILESTONES.map((n) => [n, m[n] ? { ...m[n] } : null])) as Record<MilestoneName, MilestoneStamp | null>,
      milestoneHistory: this.milestoneHistory.map((s) => ({ ...s })),
      durations: {
        timeToDetectMs: diff('detected', 'started'),
        timeToAcknowledgeMs: diff('acknowledged', 'detected'),
        timeToMitigateMs: diff('mitigated', 'started'),
        timeToResolveMs: diff('resolved', 'started'),
      },
      triggers,
      activeTriggers: triggers.filter((t) => t.clearedAt === null),
      sourceOutages: this.outages.map((o) => ({ ...o })),
      sourcesDown: this.outages.filter((o) => o.restoredAt === null).map((o) => o.source),
      notes: [...this.notes],
      procedureSteps: [...this.steps.values()],
      pir: {
        ...this.pir,
        blastRadius: this.pirEdited.has('blastRadius') ? this.pir.blastRadius : prefill,
        correctiveActions: [...this.pir.correctiveActions],
      },
      pirEdited: [...this.pirEdited],
      blastRadiusPrefill: prefill,
      responders: [...this.responders.values()].map((r) => ({ ...r, roles: [...r.roles] })),
      actions: [...this.actions],
      escalations: [...this.escalations],
      integrityChecks: [...this.integrityChecks],
      commander: this.commanders.length > 0 ? { ...this.commanders[this.commanders.length - 1]! } : null,
      commanderHistory: this.commanders.map((c) => ({ ...c })),
      sessions: this.sessions.map((x) => ({ ...x })),
      absorbed: [...this.absorbed],
      mergedInto: this.mergedInto,
      entries: [...this.entries],
      lastSeq: last ? last.seq : 0,
      lastHash: last ? last.hash : GENESIS_HASH,
      problems: [...this.problems],
    };
  }
}

export function foldIncident(entries: readonly TimelineEntry[], incidentId?: string): IncidentView {
  const folder = new IncidentFolder(incidentId ?? entries[0]?.incidentId ?? '');
  for (const e of entries) folder.add(e);
  return folder.view();
}
