// The incident recorder: the one way anything gets into the timeline. Each call appends a
// durable (fsync'd) entry to the journal, folds it into the incident view and only then tells
// listeners, so the screen never shows an entry a crash could lose.
import * as fs from 'node:fs';
import type { Clock } from '../core/source.js';
import { systemClock } from '../core/source.js';
import type { EpochMs } from '../core/snapshot.js';
import type { CorrectiveAction, IncidentState, MilestoneName, PirFieldValues, Severity } from '../core/incident.js';
import {
  canTransition,
  isBlastRadius,
  isIncidentId,
  isMilestoneName,
  isPirTextField,
  isSeverity,
  newIncidentId,
  validateCorrectiveAction,
} from '../core/incident.js';
import type { IncidentView } from '../core/incidentView.js';
import { IncidentFolder } from '../core/incidentView.js';
import type { EntryDetails, EntryKind, TimelineEntry, TriggerDetails } from '../core/timeline.js';
import { formatUtc, parseOperatorTime, parseUtc } from '../core/timeline.js';
import type { TriggerState } from '../core/triggers.js';
import type { JournalReport } from './journal.js';
import { IncidentJournal, defaultOperator } from './journal.js';
import { findOpenIncident, incidentIds, journalPath } from './store.js';

/** A request the recorder refuses (bad input, wrong state). The UI shows the message. */
export class IncidentError extends Error {
  override name = 'IncidentError';
}

export interface RecorderOptions {
  /** Where journals live (store.stateDir()). */
  stateDir: string;
  clock?: Clock;
  /** The OS user running the cockpit, by default. */
  operator?: string;
  /** This operator's role, recorded when they join an incident. */
  role?: string;
}

export type RecorderListener = (view: IncidentView | null, entry: TimelineEntry | null) => void;

export const DEFAULT_ROLE = 'on-call engineer';

/** What the timeline keeps of a trigger evaluation (core/triggers.ts) when it fires or clears. */
export function triggerDetailsOf(t: TriggerState): TriggerDetails {
  const d: TriggerDetails = {
    triggerKey: t.kind,
    title: t.title,
    section: String(t.section),
    target: t.target,
    value: Number.isFinite(t.value) ? t.value : null,
    threshold: Number.isFinite(t.threshold) ? t.threshold : null,
    unit: t.unit,
    module: t.module,
    detail: t.detail,
  };
  if (t.scope.queues) d.queues = [...t.scope.queues];
  if (t.scope.replicas) d.replicas = [...t.scope.replicas];
  if (t.scope.providers) d.providers = [...t.scope.providers];
  if (typeof t.scope.campaigns === 'number') d.campaignsAffected = t.scope.campaigns;
  return d;
}

export class IncidentRecorder {
  readonly stateDir: string;
  readonly operator: string;
  readonly role: string;
  private readonly clock: Clock;
  private journal: IncidentJournal | null = null;
  private folder: IncidentFolder | null = null;
  private cached: IncidentView | null = null;
  private resumed: JournalReport | null = null;
  private readonly listeners = new Set<RecorderListener>();

  /** Resumes the open incident found in the state directory, if there is one. */
  constructor(opts: RecorderOptions) {
    this.stateDir = opts.stateDir;
    this.clock = opts.clock ?? systemClock;
    this.operator = opts.operator ?? defaultOperator();
    this.role = opts.role ?? DEFAULT_ROLE;
    const open = findOpenIncident(this.stateDir);
    if (open) this.resume(open.id);
  }

  // ---- Reading ---------------------------------------------------------------------------------

  /** The current incident (open, mitigated, or resolved and still being reviewed); null if none. */
  view(): IncidentView | null {
    if (this.folder && this.cached === null) this.cached = this.folder.view();
    return this.cached;
  }

  /** True while an incident is open or mitigated: triggers then add to it instead of opening one. */
  isActive(): boolean {
    const v = this.view();
    return v !== null && v.state !== 'resolved';
  }

  /** What the journal held when the cockpit resumed it (torn tail, chain break), else null. */
  resumeReport(): JournalReport | null {
    return this.resumed;
  }

  /** Verifies the current journal on disk (for the PIR footer). */
  verify(): JournalReport | null {
    return this.journal ? this.journal.verify() : null;
  }

  /** Called after every durable append with the new view. Returns an unsubscribe function. */
  subscribe(listener: RecorderListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- Incidents -------------------------------------------------------------------------------

  /**
   * Opens an incident by key. If one is already active it is returned as is: the cockpit tracks
   * one incident at a time.
   */
  openIncident(reason: string, opts: { severity?: Severity } = {}): IncidentView {
    if (!this.isActive()) {
      this.start({ reason: reason.trim() || 'opened by the operator', openedBy: 'operator' });
      if (opts.severity) this.decideSeverity(opts.severity, reason.trim() || 'set when opened');
    }
    return this.mustView();
  }

  /**
   * Switches to an existing incident's journal, e.g. to finish the PIR of a resolved one.
   * Records a `resumed` entry, and `responder-joined` if this operator is new to it.
   */
  resume(incidentId: string): IncidentView {
    if (!isIncidentId(incidentId) || !fs.existsSync(journalPath(this.stateDir, incidentId))) {
      throw new IncidentError(`no incident ${incidentId} in ${this.stateDir}`);
    }
    this.closeJournal();
    const journal = IncidentJournal.open(this.stateDir, incidentId, { clock: this.clock, operator: this.operator });
    const report = journal.openReport();
    this.journal = journal;
    this.folder = new IncidentFolder(incidentId);
    for (const e of report.entries) this.folder.add(e);
    this.cached = null;
    this.resumed = report;
    this.append('resumed', {
      entriesRead: report.entries.length,
      tornTail: report.tornTail,
      brokenAtSeq: report.brokenAtSeq,
      problems: report.problems.slice(0, 20),
    });
    this.join();
    return this.mustView();
  }

  private start(opened: EntryDetails<'incident-opened'>, trigger?: TriggerDetails): void {
    this.closeJournal();
    const now = this.clock.now();
    // Another cockpit may take the same minute between listing and creating: retry on EEXIST.
    for (let attempt = 0; ; attempt++) {
      const id = newIncidentId(now, incidentIds(this.stateDir));
      try {
        this.journal = IncidentJournal.create(this.stateDir, id, { clock: this.clock, operator: this.operator });
        this.folder = new IncidentFolder(id);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw err;
      }
    }
    this.cached = null;
    this.resumed = null;
    this.append('incident-opened', opened);
    this.join();
    if (trigger) this.append('trigger-fired', trigger);
    const at = formatUtc(now);
    this.append('milestone', { name: 'started', at });
    this.append('milestone', { name: 'detected', at });
  }

  private join(): void {
    const v = this.mustView();
    const known = v.responders.find((r) => r.operator === this.operator);
    if (!known || !known.roles.includes(this.role)) this.append('responder-joined', { role: this.role });
  }

  // ---- Recorded without anyone typing ----------------------------------------------------------

  /**
   * A runbook trigger fired. Opens an incident when none is active (stamping started and
   * detected); a trigger already firing in this incident is not recorded twice. Safe to call on
   * every evaluation, not only on the edge: a trigger still firing when the incident was resolved
   * opens a new incident only after it has cleared and fired again.
   */
  onTriggerFired(trigger: TriggerDetails): TimelineEntry[] {
    const key = `${trigger.triggerKey}@${trigger.target}`;
    if (!this.isActive()) {
      if (this.view()?.activeTriggers.some((t) => t.key === key)) return [];
      this.start({ reason: trigger.title, openedBy: 'trigger', triggerKey: trigger.triggerKey }, trigger);
      return [...this.mustView().entries];
    }
    const firing = this.mustView().activeTriggers.some((t) => t.key === key);
    return firing ? [] : [this.append('trigger-fired', trigger)];
  }

  /** A runbook trigger cleared; recorded only when it was firing in the current incident. */
  onTriggerCleared(trigger: TriggerDetails): TimelineEntry | null {
    const v = this.view();
    if (!v || !v.activeTriggers.some((t) => t.key === `${trigger.triggerKey}@${trigger.target}`)) return null;
    return this.append('trigger-cleared', trigger);
  }

  /** The escalation matrix suggests a severity; repeated identical suggestions are not recorded. */
  suggestSeverity(severity: Severity, reason: string, basis?: string): TimelineEntry | null {
    const v = this.activeView();
    if (!v) return null;
    const lastSuggestion = [...v.severityHistory].reverse().find((s) => s.kind === 'suggested');
    if (lastSuggestion && lastSuggestion.severity === severity) return null;
    return this.append('severity-suggested', basis === undefined ? { severity, reason } : { severity, reason, basis });
  }

  /** A data source went away; recorded once per outage, only during an active incident. */
  onSourceLost(source: string, error: string | null = null): TimelineEntry | null {
    const v = this.activeView();
    if (!v || v.sourcesDown.includes(source)) return null;
    return this.append('source-lost', { source, error });
  }

  onSourceRestored(source: string): TimelineEntry | null {
    const v = this.view();
    const outage = v?.sourceOutages.find((o) => o.source === source && o.restoredAt === null);
    if (!v || !outage) return null;
    const lost = parseUtc(outage.lostAt);
    return this.append('source-restored', { source, downForMs: lost === null ? null : this.clock.now() - lost });
  }

  // ---- Operator decisions ----------------------------------------------------------------------

  decideSeverity(severity: Severity, reason: string): TimelineEntry {
    if (!isSeverity(severity)) throw new IncidentError(`not a severity: ${String(severity)}`);
    if (reason.trim() === '') throw new IncidentError('a severity change needs a reason');
    const v = this.mustView();
    const previous = v.severityDecided ? v.severity : null;
    const entry = this.append('severity-decided', { severity, previous, reason: reason.trim() });
    this.autoAcknowledge();
    return entry;
  }

  /** The operator has seen it and is on it. Stamped once. */
  acknowledge(): TimelineEntry | null {
    const v = this.mustView();
    if (v.milestones.acknowledged) return null;
    return this.milestone('acknowledged');
  }

  private autoAcknowledge(): void {
    // Any decision by the operator shows the incident was acknowledged.
    const v = this.view();
    if (v && !v.milestones.acknowledged) this.milestone('acknowledged');
  }

  /**
   * open → mitigated → resolved (and mitigated → open when a mitigation does not hold). Stamps the
   * mitigated / resolved milestone; resolving straight from open stamps mitigated too.
   */
  setState(to: IncidentState, reason: string): TimelineEntry[] {
    const v = this.mustView();
    if (!canTransition(v.state, to)) throw new IncidentError(`cannot go from ${v.state} to ${to}`);
    const out = [this.append('state-changed', { from: v.state, to, reason: reason.trim() })];
    this.autoAcknowledge();
    if (to === 'mitigated') out.push(this.milestone('mitigated'));
    if (to === 'resolved') {
      if (!this.mustView().milestones.mitigated) out.push(this.milestone('mitigated'));
      out.push(this.milestone('resolved'));
    }
    return out;
  }

  /** Stamps a milestone now (or at a given time, e.g. the start when opened by hand). */
  milestone(name: MilestoneName, at?: EpochMs | string): TimelineEntry {
    if (!isMilestoneName(name)) throw new IncidentError(`not a milestone: ${String(name)}`);
    this.mustView();
    return this.append('milestone', { name, at: this.timeArg(at ?? this.clock.now()) });
  }

  /**
   * The operator learned the real time of a milestone: a new entry supersedes the old time.
   * History is never edited.
   */
  correctMilestone(name: MilestoneName, at: EpochMs | string, reason: string): TimelineEntry {
    if (!isMilestoneName(name)) throw new IncidentError(`not a milestone: ${String(name)}`);
    if (reason.trim() === '') throw new IncidentError('a correction needs a reason');
    const v = this.mustView();
    const current = v.milestones[name];
    return this.append('milestone-corrected', {
      name,
      at: this.timeArg(at),
      previousAt: current?.at ?? null,
      reason: reason.trim(),
      supersedesSeq: current?.seq ?? null,
    });
  }

  note(text: string): TimelineEntry {
    if (text.trim() === '') throw new IncidentError('an empty note is not recorded');
    this.mustView();
    return this.append('note', { text });
  }

  /** Ticks (or un-ticks) a runbook procedure step, e.g. section "3", step "2". */
  tickStep(section: string | number, step: string | number, text = '', done = true): TimelineEntry {
    const s = String(section).trim();
    const st = String(step).trim();
    if (s === '' || st === '') throw new IncidentError('a procedure step needs a section and a step');
    this.mustView();
    return this.append('procedure-step', { section: s, step: st, text, done });
  }

  // ---- The PIR editor --------------------------------------------------------------------------

  setPirField<F extends keyof PirFieldValues>(field: F, value: PirFieldValues[F]): TimelineEntry {
    if (isPirTextField(field)) {
      if (typeof value !== 'string') throw new IncidentError(`${field} must be text`);
    } else if (field === 'blastRadius') {
      if (!isBlastRadius(value)) throw new IncidentError('blast radius needs modules, queues, campaigns, replicas and notes');
    } else if (field === 'correctiveActions') {
      return this.setCorrectiveActions(value as CorrectiveAction[]);
    } else {
      throw new IncidentError(`not a PIR field: ${String(field)}`);
    }
    this.mustView();
    return this.append('pir-field', { field, value });
  }

  /** Replaces the corrective actions table; every row needs action, owner and a real due date. */
  setCorrectiveActions(rows: readonly { action: string; owner: string; due: string }[]): TimelineEntry {
    const checked: CorrectiveAction[] = rows.map((row, i) => {
      const r = validateCorrectiveAction(row);
      if (!r.ok) throw new IncidentError(`corrective action ${i + 1}: ${r.errors.join(', ')}`);
      return r.value;
    });
    this.mustView();
    return this.append('pir-field', { field: 'correctiveActions', value: checked });
  }

  addCorrectiveAction(row: { action: string; owner: string; due: string }): TimelineEntry {
    return this.setCorrectiveActions([...this.mustView().pir.correctiveActions, row]);
  }

  removeCorrectiveAction(index: number): TimelineEntry {
    const rows = this.mustView().pir.correctiveActions;
    if (!Number.isInteger(index) || index < 0 || index >= rows.length) throw new IncidentError(`no corrective action ${index + 1}`);
    return this.setCorrectiveActions(rows.filter((_, i) => i !== index));
  }

  // ---- Anything else (mitigation actions, pages: later issues) ---------------------------------

  /** Records an entry of any kind into the current incident. */
  record<K extends EntryKind>(kind: K, details: EntryDetails<K>): TimelineEntry {
    this.mustView();
    return this.append(kind, details);
  }

  close(): void {
    this.closeJournal();
  }

  // ---- Internals -------------------------------------------------------------------------------

  private append<K extends EntryKind>(kind: K, details: EntryDetails<K>): TimelineEntry {
    if (!this.journal || !this.folder) throw new IncidentError('no incident is open');
    const entry = this.journal.append(kind, details); // returns only after fsync
    this.folder.add(entry);
    this.cached = null;
    const view = this.view();
    for (const l of this.listeners) l(view, entry);
    return entry;
  }

  private timeArg(at: EpochMs | string): string {
    if (typeof at === 'number') {
      if (!Number.isFinite(at)) throw new IncidentError('not a time');
      return formatUtc(at);
    }
    const iso = parseOperatorTime(at);
    if (iso === null) throw new IncidentError(`not an ISO 8601 time: ${at}`);
    return iso;
  }

  private activeView(): IncidentView | null {
    return this.isActive() ? this.view() : null;
  }

  private mustView(): IncidentView {
    const v = this.view();
    if (!v) throw new IncidentError('no incident is open');
    return v;
  }

  private closeJournal(): void {
    this.journal?.close();
  }
}
