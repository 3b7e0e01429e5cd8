// A signal raised in this cockpit (an operator's `:declare`, a watched integrity check) lives in
// the store, not in a source: when the cockpit restarts and resumes an open incident, the signals
// its journal shows still firing are raised again from their trigger entries, so the trigger, the
// suggested severity, the runbook pane and the war-room screen are what they were. Nothing is
// recorded again: the incident already holds them.
import type { IncidentView } from '../core/incidentView.js';
import { isSeverity } from '../core/incident.js';
import { isSignalKind } from '../core/signals.js';
import type { CockpitStore } from '../ui/state/store.js';

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Raises the resumed incident's firing signals into the store; returns how many. Call before the store's changes are recorded. */
export function resumeSignals(store: CockpitStore, view: IncidentView | null): number {
  if (!view || view.state === 'resolved') return 0;
  let n = 0;
  for (const t of view.activeTriggers) {
    if (!isSignalKind(t.triggerKey)) continue;
    const details = view.entries.find((e) => e.seq === t.firedSeq)?.details as Record<string, unknown> | undefined;
    const sig = details?.signal as Record<string, unknown> | undefined;
    if (!sig || !isSeverity(sig.severity) || typeof sig.detail !== 'string') continue;
    const s = store.getState();
    if (s.snapshot.signals.some((x) => x.id === t.target) || s.raisedSignals.some((x) => x.id === t.target)) continue;
    const at = Date.parse(t.firedAt);
    s.raiseSignal(
      {
        id: t.target,
        kind: t.triggerKey,
        severity: sig.severity,
        detail: sig.detail,
        campaigns: strings(details?.campaigns),
        evidence: strings(sig.evidence),
        raisedBy: typeof sig.raisedBy === 'string' ? sig.raisedBy : 'an earlier session',
        raisedAt: Number.isFinite(at) ? at : s.snapshot.at,
        active: true,
      },
      Math.max(s.snapshot.at, Number.isFinite(at) ? at : 0),
    );
    n++;
  }
  return n;
}
