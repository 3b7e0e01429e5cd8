// The running cockpit's side of the bindings: implements CockpitCommands (what key bindings ask
// of the cockpit: notes, severity, incident states, the PIR) on the incident recorder, and joins
// the store and the recorder through a RecorderBridge (store changes in, timeline entries out).
import type { Severity } from '../core/escalation.js';
import { systemClock, type Clock } from '../core/source.js';
import { isMilestoneName, MILESTONES, type PirField, type PirFieldValues } from '../core/incident.js';
import { exportPirToFile } from '../journal/pirExport.js';
import { IncidentError, IncidentRecorder } from '../journal/recorder.js';
import type { CockpitCommands, CorrectiveActionInput } from '../ui/registry/commands.js';
import type { CockpitStore } from '../ui/state/store.js';
import { RecorderBridge } from './recorderBridge.js';
import { resolveReason, type ExportChoice, type ResolveNote } from '../core/lifecycle.js';

export interface RuntimeHooks {
  quit(): void;
  repaint(): void;
  /**
   * A shared incident (src/journal/shared/session.ts): before opening one by hand, learn whether
   * one is open in the environment (it is joined instead) or reserve an id for it.
   */
  prepareOpen?(): Promise<void>;
}

export class CockpitRuntime implements CockpitCommands {
  private readonly bridge: RecorderBridge;
  /** The incident this session last resolved (a PIR export after a resolve means it). */
  private justResolved: string | null = null;

  constructor(
    readonly store: CockpitStore,
    readonly recorder: IncidentRecorder,
    private readonly hooks: RuntimeHooks,
    /**
     * now: wall-clock time (the reopen window); clock: the cockpit's clock (the simulation's on a
     * simulation), which the decision shown is stamped with, as the incident view reads its entry
     * (simAt). Tests pass their own.
     */
    opts: { now?: () => number; clock?: Clock } = {},
  ) {
    this.bridge = new RecorderBridge(store, recorder, opts.now);
    this.clock = opts.clock ?? systemClock;
  }

  private readonly clock: Clock;

  dispose(): void {
    this.bridge.dispose();
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
    if (!this.recorder.isActive()) await this.hooks.prepareOpen?.();
    this.guard(() => this.recorder.openIncident(reason));
  }

  /** Takes command of the shared incident (recorded; every cockpit shows it). */
  async takeCommand(): Promise<void> {
    this.guard(() => this.recorder.takeCommand());
  }

  async addNote(text: string): Promise<void> {
    this.guard(() => this.recorder.note(text));
  }

  async decideSeverity(severity: Severity, reason: string): Promise<void> {
    if (!this.recorder.isActive()) await this.hooks.prepareOpen?.();
    this.guard(() => {
      if (!this.recorder.isActive()) this.recorder.openIncident(`severity ${severity} set by the operator: ${reason}`);
      this.recorder.decideSeverity(severity, reason);
      this.store.getState().decideSeverity(severity, reason, this.clock.now());
    });
  }

  async tickStep(section: number, step: number): Promise<void> {
    this.guard(() => {
      const done = this.store.getState().incident?.stepsDone.includes(`${section}.${step}`) ?? false;
      this.recorder.tickStep(section, step, '', !done);
    });
  }

  async setIncidentState(state: 'mitigated' | 'resolved', note?: ResolveNote): Promise<void> {
    const resolving = state === 'resolved' && note !== undefined;
    this.guard(() =>
      this.recorder.setState(state, resolving ? resolveReason(note) : `marked ${state} by the operator`, resolving ? note : undefined),
    );
    if (state === 'resolved') this.justResolved = this.recorder.view()?.id ?? null;
  }

  async reopenIncident(reason: string): Promise<void> {
    this.guard(() => this.recorder.reopen(reason));
    // Triggers held for the offer and still firing go into the reopened incident now.
    this.bridge.settleReopen();
  }

  /**
   * The incident a PIR export without an id means: the current one when it is resolved (or the
   * only one); the question when this session resolved one and another is current now.
   */
  pirExportChoice(): ExportChoice {
    const view = this.recorder.view();
    if (!view) return { none: 'no incident to export' };
    if (view.state === 'resolved' || this.justResolved === null || this.justResolved === view.id) return { export: view.id };
    return { ask: [this.justResolved, view.id], why: `${view.id} (${view.state}) opened after ${this.justResolved} was resolved` };
  }

  async correctMilestone(milestone: string, at: string, reason: string): Promise<void> {
    if (!isMilestoneName(milestone)) throw new IncidentError(`not a milestone: ${milestone} (one of ${MILESTONES.join(', ')})`);
    this.guard(() => this.recorder.correctMilestone(milestone, at, reason));
  }

  async exportPir(incidentId?: string): Promise<string> {
    const id = incidentId ?? this.recorder.view()?.id;
    if (!id) throw new IncidentError('no incident to export');
    const out = exportPirToFile(this.recorder.stateDir, id);
    if (!out) throw new IncidentError(`incident ${id} not found in ${this.recorder.stateDir}`);
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
