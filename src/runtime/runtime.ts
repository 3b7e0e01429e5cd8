// Wires the pieces together without owning any of them: store changes (triggers firing and
// clearing, the severity suggestion, sources lost and restored) go to the incident recorder,
// and every durable timeline entry comes back into the store for the timeline panel.
// It also implements CockpitCommands, what actions ask of the running cockpit.
import type { Severity } from '../core/escalation.js';
import { isMilestoneName, MILESTONES } from '../core/incident.js';
import { isPirField, type PirField, type PirFieldValues } from '../core/incident.js';
import type { IncidentView } from '../core/incidentView.js';
import { PIR_SECTIONS, strictProblems, type ChainVerification, type PirSection } from '../core/pir.js';
import { describeEntry } from '../core/timeline.js';
import { exportPirToFile } from '../cli/pir.js';
import { IncidentError, IncidentRecorder, triggerDetailsOf } from '../journal/recorder.js';
import type { CockpitCommands, CorrectiveActionInput } from '../ui/registry/commands.js';
import type { CockpitState, CockpitStore, IncidentSummary, PirSummary } from '../ui/state/store.js';

export interface RuntimeHooks {
  quit(): void;
  repaint(): void;
}

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

/** The store's picture of an incident: what the timeline and escalation panels and the PIR editor draw. */
export function incidentSummary(
  view: IncidentView | null,
  journalProblems: string[] = [],
  verification?: ChainVerification,
): IncidentSummary | null {
  if (!view) return null;
  return {
    id: view.id,
    state: view.state,
    severity: view.severity,
    startedAt: view.milestones.started?.at ?? view.openedAt ?? '',
    entries: view.entries.map((e) => ({ seq: e.seq, at: e.at, operator: e.operator, kind: e.kind, text: describeEntry(e) })),
    stepsDone: view.procedureSteps.filter((s) => s.done).map((s) => `${s.section}.${s.step}`),
    journalProblems,
    pir: pirSummary(view, verification),
  };
}

export class CockpitRuntime implements CockpitCommands {
  private readonly unsubscribe: Array<() => void> = [];
  private lastSuggested: Severity | null = null;

  constructor(
    readonly store: CockpitStore,
    readonly recorder: IncidentRecorder,
    private readonly hooks: RuntimeHooks,
  ) {
    const problems = recorder.resumeReport()?.problems ?? [];
    // The resume report (chain broken?) counts for --strict too, as it does on export.
    const summarise = (view: IncidentView | null) => incidentSummary(view, problems, recorder.resumeReport() ?? undefined);
    store.getState().setIncident(summarise(recorder.view()));
    this.lastSuggested = recorder.view()?.severity ?? null;
    this.unsubscribe.push(recorder.subscribe((view) => store.getState().setIncident(summarise(view))));
    this.unsubscribe.push(store.subscribe((s, prev) => this.onStoreChange(s, prev)));
  }

  dispose(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  /** Records what the latest ingest changed. Runs synchronously inside the store update. */
  private onStoreChange(s: CockpitState, prev: CockpitState): void {
    if (s.lastChanges !== prev.lastChanges) {
      for (const c of s.lastChanges) {
        const details = triggerDetailsOf(c.trigger);
        if (c.fired) this.recorder.onTriggerFired(details);
        else this.recorder.onTriggerCleared(details);
      }
    }
    if (s.suggestion !== prev.suggestion && this.recorder.isActive()) {
      const sev = s.suggestion.severity;
      if (sev !== null && sev !== this.lastSuggested) {
        this.lastSuggested = sev;
        this.recorder.suggestSeverity(sev, s.suggestion.reason, s.suggestion.page.join(', ') || 'ticket');
      }
    }
    if (s.snapshot.sources !== prev.snapshot.sources) {
      for (const src of s.snapshot.sources) {
        const before = prev.snapshot.sources.find((x) => x.name === src.name);
        if (src.state === 'unreachable' && before?.state !== 'unreachable') this.recorder.onSourceLost(src.name, src.error);
        if (before?.state === 'unreachable' && src.state !== 'unreachable') this.recorder.onSourceRestored(src.name);
      }
    }
  }

  /**
   * The registry's audit point: a mutating action that was refused on screen (read-only session,
   * disabled) or failed is recorded while an incident is open. Mitigations record their own
   * attempts, done ones included, through their executor; navigation is not recorded.
   */
  recordAttempt(
    action: { id: string; mutates: boolean; group?: string },
    outcome: { status: string; reason?: string; error?: string },
  ): void {
    if (!action.mutates || !this.recorder.isActive()) return;
    if (outcome.status !== 'disabled' && outcome.status !== 'failed') return;
    if (outcome.status === 'failed' && action.group === 'mitigation') return; // its executor recorded it
    try {
      this.recorder.record('action', {
        action: action.id,
        outcome: outcome.status === 'disabled' ? 'refused' : 'failed',
        reason: outcome.reason ?? outcome.error ?? '',
      });
    } catch {
      /* recording is best effort here: the refusal is already on screen */
    }
  }

  // ---- CockpitCommands ---------------------------------------------------------------------------

  quit(): void {
    this.hooks.quit();
  }

  repaint(): void {
    this.hooks.repaint();
  }

  async openIncident(reason: string): Promise<void> {
    this.guard(() => this.recorder.openIncident(reason));
  }

  async addNote(text: string): Promise<void> {
    this.guard(() => this.recorder.note(text));
  }

  async decideSeverity(severity: Severity, reason: string): Promise<void> {
    this.guard(() => {
      if (!this.recorder.isActive()) this.recorder.openIncident(`severity ${severity} set by the operator: ${reason}`);
      this.recorder.decideSeverity(severity, reason);
      this.store.getState().decideSeverity(severity, reason, Date.now());
    });
  }

  async tickStep(section: number, step: number): Promise<void> {
    this.guard(() => {
      const done = this.store.getState().incident?.stepsDone.includes(`${section}.${step}`) ?? false;
      this.recorder.tickStep(section, step, '', !done);
    });
  }

  async setIncidentState(state: 'mitigated' | 'resolved'): Promise<void> {
    this.guard(() => this.recorder.setState(state, `marked ${state} by the operator`));
  }

  async correctMilestone(milestone: string, at: string, reason: string): Promise<void> {
    if (!isMilestoneName(milestone)) throw new IncidentError(`not a milestone: ${milestone} (one of ${MILESTONES.join(', ')})`);
    this.guard(() => this.recorder.correctMilestone(milestone, at, reason));
  }

  async exportPir(): Promise<string> {
    const view = this.recorder.view();
    if (!view) throw new IncidentError('no incident to export');
    const out = exportPirToFile(this.recorder.stateDir, view.id);
    if (!out) throw new IncidentError(`incident ${view.id} not found in ${this.recorder.stateDir}`);
    return out.path;
  }

  async setPirField<F extends PirField>(field: F, value: PirFieldValues[F]): Promise<void> {
    this.guard(() => this.recorder.setPirField(field, value));
  }

  async addCorrectiveAction(row: CorrectiveActionInput): Promise<void> {
    this.guard(() => this.recorder.addCorrectiveAction(row));
  }

  async removeCorrectiveAction(index: number): Promise<void> {
    this.guard(() => this.recorder.removeCorrectiveAction(index));
  }

  /** Refused requests (bad input, wrong state) become a message on screen, never a crash. */
  private guard(fn: () => unknown): void {
    try {
      fn();
    } catch (err) {
      if (err instanceof IncidentError) {
        this.store.getState().flash(err.message, 'warn');
        throw err;
      }
      throw err;
    }
  }
}
