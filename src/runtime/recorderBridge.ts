// The store and the incident recorder, joined both ways and nowhere else:
// - what a store update changed (triggers fired and cleared, the severity suggestion, sources lost
//   and restored) arrives as events once the update is over, and is recorded into the timeline;
// - every durable (fsynced) timeline entry comes back into the store as the incident summary the
//   timeline and escalation panels and the PIR editor draw.
import type { Severity } from '../core/escalation.js';
import { isPirField, type PirField } from '../core/incident.js';
import type { IncidentView } from '../core/incidentView.js';
import { PIR_SECTIONS, strictProblems, type ChainVerification, type PirSection } from '../core/pir.js';
import { sanitize } from '../core/sanitize.js';
import { describeEntry } from '../core/timeline.js';
import { triggerDetailsOf, type IncidentRecorder } from '../journal/recorder.js';
import { FigureSeries } from './figureSeries.js';
import { resumeSignals } from './signalResume.js';
import { ReopenGuard } from './reopen.js';
import { lastResolvedAt } from '../core/lifecycle.js';
import type { TriggerState } from '../core/triggers.js';
import type { CockpitStore, IncidentSummary, PirSummary, StoreChange } from '../ui/state/store.js';

/**
 * The PIR section a strictProblems line is about (lines read `<section>: <what>`) and the field
 * the editor marks for it. Sections with no editable field (Summary milestones, Timeline,
 * Journal) are only listed.
 */
const FIELD_OF_SECTION: Partial<Record<PirSection, PirField>> = {
  'Root cause and contributing factors': 'rootCause',
  'Blast radius': 'blastRadius',
  'Corrective actions': 'correctiveActions',
  'Monitoring gap updates': 'monitoringGaps',
  'Runbook improvements': 'runbookImprovements',
};

/** The PIR editor's picture of the review: values, what was edited, the prefill, what is missing. */
export function pirSummary(view: IncidentView, verification?: ChainVerification): PirSummary {
  const problems = strictProblems(view, verification);
  const missing: PirField[] = [];
  for (const p of problems) {
    const section = PIR_SECTIONS.find((s) => p.startsWith(`${s}:`));
    const field = section ? FIELD_OF_SECTION[section] : undefined;
    if (field && !missing.includes(field)) missing.push(field);
  }
  return {
    values: view.pir,
    edited: view.pirEdited.filter(isPirField),
    blastRadiusPrefill: view.blastRadiusPrefill,
    strictProblems: problems,
    missing,
  };
}

/** This incident's latest severity decision, as its journal has it (another incident's never shows). */
function decidedOf(view: IncidentView): IncidentSummary['decided'] {
  const d = [...view.severityHistory].reverse().find((x) => x.kind === 'decided');
  if (!d) return null;
  const at = Date.parse(d.at);
  return { severity: d.severity, by: d.operator, at: Number.isFinite(at) ? at : 0, reason: d.reason };
}

/** Who leads the incident: its commander (a shared incident: the opener or whoever took command), else who opened it. */
function commanderOf(view: IncidentView): string | null {
  return view.commander?.user ?? view.openedBy;
}

/** The store's picture of an incident: what the timeline and escalation panels and the PIR editor draw. */
export function incidentSummary(
  view: IncidentView | null,
  journalProblems: string[] = [],
  verification?: ChainVerification,
  /** The first entry not on disk yet (waiting in memory while the journal cannot be written). */
  firstUnwrittenSeq: number | null = null,
): IncidentSummary | null {
  if (!view) return null;
  const unwritten = (seq: number) => firstUnwrittenSeq !== null && seq >= firstUnwrittenSeq;
  return {
    id: view.id,
    state: view.state,
    severity: view.severity,
    startedAt: view.milestones.started?.at ?? view.openedAt ?? '',
    // The figure series is for the PIR's charts, not for reading on the timeline panel.
    entries: view.entries
      .filter((e) => e.kind !== 'figures')
      .map((e) => ({
        seq: e.seq,
        at: e.at,
        operator: e.operator,
        kind: e.kind,
        text: describeEntry(e),
        ...(unwritten(e.seq) ? { unwritten: true } : {}),
        details: e.details,
        hash: e.hash,
        prevHash: e.prevHash,
        ...(e.simAt ? { simAt: e.simAt } : {}),
      })),
    stepsDone: view.procedureSteps.filter((s) => s.done).map((s) => `${s.section}.${s.step}`),
    decided: decidedOf(view),
    resolvedAt: lastResolvedAt(view),
    commander: commanderOf(view),
    journalProblems,
    pir: pirSummary(view, verification),
  };
}

/** How often a journal that cannot be written is tried again. */
const RETRY_MS = 2_000;

export class RecorderBridge {
  private readonly unsubscribe: Array<() => void> = [];
  /** The severity last recorded as suggested: the matrix is evaluated on every ingest. */
  private lastSuggested: Severity | null;
  /** A sample of the key figures a minute into the journal, and each trigger's earliest evidence. */
  private readonly figures: FigureSeries;
  /** After a resolve: triggers firing again within the reopen window are held and offered (runtime/reopen.ts). */
  readonly reopen: ReopenGuard;
  /** Tries the disk again while the journal cannot be written (entries wait in memory meanwhile). */
  private retryTimer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly store: CockpitStore,
    private readonly recorder: IncidentRecorder,
    /** Wall-clock time, for the reopen window. */
    now: () => number = Date.now,
  ) {
    const problems = recorder.resumeReport()?.problems ?? [];
    // The resume report (chain broken?) counts for --strict too, as it does on export.
    const summarise = (view: IncidentView | null) =>
      incidentSummary(view, problems, recorder.resumeReport() ?? undefined, recorder.health().journal?.firstPendingSeq ?? null);
    store.getState().setIncident(summarise(recorder.view()));
    // Signals this cockpit raised before a restart, still firing in the resumed incident (before
    // the store's changes are recorded: the incident holds them already).
    resumeSignals(store, recorder.view());
    this.lastSuggested = recorder.view()?.severity ?? null;
    this.figures = new FigureSeries(recorder);
    this.reopen = new ReopenGuard(store, recorder, now);
    this.unsubscribe.push(recorder.subscribe((view) => store.getState().setIncident(summarise(view))));
    this.unsubscribe.push(store.getState().onChanges((changes) => this.record(changes)));
    store.getState().setJournal(recorder.health());
    this.unsubscribe.push(
      recorder.onHealth((health) => {
        const before = store.getState().journal;
        store.getState().setJournal(health);
        // Entries that were waiting are on disk now: the timeline drops their marks.
        store.getState().setIncident(summarise(recorder.view()));
        if (!recorder.healthy()) return this.startRetrying();
        this.stopRetrying();
        const waited = (before?.journal?.pending ?? 0) + (before?.earlierPending ?? 0);
        if (before && (before.stateDirProblem !== null || before.journal?.fault || waited > 0)) {
          store.getState().flash(`journal writable again${waited > 0 ? `: ${waited} waiting entries written` : ''}`, 'info');
        }
      }),
    );
    if (!recorder.healthy()) this.startRetrying();
  }

  dispose(): void {
    this.stopRetrying();
    for (const u of this.unsubscribe.splice(0)) u();
  }

  private startRetrying(): void {
    if (this.retryTimer !== null) return;
    this.retryTimer = setInterval(() => {
      try {
        this.recorder.retry();
      } catch (err) {
        const why = sanitize(err instanceof Error ? err.message : String(err), 200);
        this.store.getState().flash(`journal: ${why}`, 'error');
      }
    }, RETRY_MS);
    this.retryTimer.unref?.();
  }

  private stopRetrying(): void {
    if (this.retryTimer === null) return;
    clearInterval(this.retryTimer);
    this.retryTimer = null;
  }

  /**
   * Records what one store update changed, in the order it happened: triggers (the first may open
   * the incident), then the suggestion, then sources. Each entry is fsynced before it is drawn.
   */
  record(changes: readonly StoreChange[]): void {
    try {
      for (const c of changes) this.recordOne(c);
      this.settleReopen();
      this.figures.observe(this.store.getState().snapshot);
    } catch (err) {
      // The journal could not be written (disk full, file gone): say so, keep the cockpit running.
      const why = sanitize(err instanceof Error ? err.message : String(err), 200);
      this.store.getState().flash(`timeline: could not record (${why})`, 'error');
    }
  }

  private recordFired(t: TriggerState): void {
    this.recorder.onTriggerFired(this.figures.withEvidence(triggerDetailsOf(t), t, this.store.getState().snapshot));
  }

  /** Triggers held for a reopen offer: recorded once an incident is active again, or after the window. */
  settleReopen(): void {
    this.reopen.settle((t) => this.recordFired(t));
  }

  private recordOne(c: StoreChange): void {
    switch (c.kind) {
      case 'trigger-fired':
        // Within the reopen window after a resolve: held and offered, never a new incident silently.
        if (this.reopen.holds(c.trigger)) return;
        this.recordFired(c.trigger);
        return;
      case 'trigger-cleared':
        this.recorder.onTriggerCleared(triggerDetailsOf(c.trigger));
        return;
      case 'severity-evaluated': {
        const sev = c.suggestion.severity;
        if (!this.recorder.isActive() || sev === null || sev === this.lastSuggested) return;
        this.lastSuggested = sev;
        this.recorder.suggestSeverity(sev, c.suggestion.reason, c.suggestion.page.join(', ') || 'ticket');
        return;
      }
      case 'source-lost':
        this.recorder.onSourceLost(c.source, c.error);
        return;
      case 'source-restored':
        this.recorder.onSourceRestored(c.source);
        return;
      case 'source-switched':
        this.recorder.onSourceSwitched(c.source, c.role, c.to, c.from);
        return;
    }
  }
}
