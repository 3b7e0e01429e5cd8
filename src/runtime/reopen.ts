// The reopen rule at run time (src/core/lifecycle.ts): after a resolve, a trigger that fires
// again within the reopen window does not open a new incident behind the operator's back. It is
// held, the screen says so and offers to reopen the same incident (O); opening a new one stays
// the operator's choice (I). When the incident becomes active again (reopened, or a new one opened
// by hand), the held triggers still firing are recorded in it. When the window passes with them
// still firing, they open a new incident as any first trigger does, and the screen says why.
import { DEFAULT_REOPEN_WINDOW_MS, lastResolvedAt, reopenOffer, type ReopenOffer } from '../core/lifecycle.js';
import { sanitize } from '../core/sanitize.js';
import type { TriggerState } from '../core/triggers.js';
import type { IncidentRecorder } from '../journal/recorder.js';
import type { CockpitStore } from '../ui/state/store.js';

const hhmm = (iso: string) => iso.slice(11, 19) + 'Z';

export class ReopenGuard {
  private readonly held = new Map<string, TriggerState>();

  constructor(
    private readonly store: CockpitStore,
    private readonly recorder: IncidentRecorder,
    private readonly now: () => number = Date.now,
  ) {}

  private windowMs(): number {
    return this.store.getState().session.reopenWindowMs ?? DEFAULT_REOPEN_WINDOW_MS;
  }

  /** The offer standing now: the current incident resolved less than the window ago. */
  offer(): ReopenOffer | null {
    const v = this.recorder.view();
    if (!v) return null;
    return reopenOffer({ id: v.id, state: v.state, resolvedAt: lastResolvedAt(v) }, this.now(), this.windowMs());
  }

  /** Triggers held for the offer (fired again after the resolve, within the window). */
  heldKeys(): string[] {
    return [...this.held.keys()];
  }

  /**
   * A trigger fired. True: it is held (the current incident was resolved less than the window
   * ago), and the screen offers to reopen it; false: the recorder takes it as usual.
   */
  holds(t: TriggerState): boolean {
    if (this.recorder.isActive()) return false;
    const offer = this.offer();
    if (!offer) return false;
    // One already firing at the resolution is the resolved incident's own (the recorder keeps it there).
    if (this.recorder.view()?.activeTriggers.some((a) => a.key === t.key)) return false;
    if (!this.held.has(t.key)) {
      this.held.set(t.key, t);
      this.store
        .getState()
        .flash(
          sanitize(
            `${t.title} on ${t.target} fires again after ${offer.incidentId} was resolved: O reopens it (until ${hhmm(offer.until)}), I opens a new incident`,
            300,
          ),
          'warn',
        );
    }
    return true;
  }

  /**
   * After each store update (and after a reopen): held triggers still firing go into the incident
   * once one is active again; once the window has passed with none active, they open a new one.
   */
  settle(record: (t: TriggerState) => void): void {
    if (this.held.size === 0) return;
    const firing = this.store.getState().triggers.filter((t) => t.firing && this.held.has(t.key));
    if (this.recorder.isActive()) {
      this.held.clear();
      for (const t of firing) record(t);
      return;
    }
    if (this.offer()) return;
    const was = this.recorder.view()?.id ?? 'the incident';
    this.held.clear();
    if (firing.length === 0) return;
    this.store
      .getState()
      .flash(
        sanitize(`${was} was not reopened within its reopen window: ${firing[0]!.title} on ${firing[0]!.target} opens a new incident`, 300),
        'warn',
      );
    for (const t of firing) record(t);
  }
}
