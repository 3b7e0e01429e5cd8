// Small helpers the controllers share: writing the UI slice of the store, the status-bar message,
// and the "is there an incident" guards, in the operator's words.
import { sanitize } from '../../core/sanitize.js';
import type { CockpitState, CockpitStore, UiState } from '../state/store.js';

export function setUi(store: CockpitStore, patch: Partial<UiState> | ((ui: UiState) => Partial<UiState>)): void {
  store.getState().setUi(patch);
}

export function flash(store: CockpitStore, text: string, level: 'info' | 'warn' | 'error' = 'info'): void {
  store.getState().flash(text, level);
}

export function needsIncident(s: CockpitState): string | null {
  return s.incident === null ? 'no incident open (I opens one)' : null;
}

/** An incident that is open or mitigated (not resolved). */
export function needsActiveIncident(s: CockpitState): string | null {
  if (s.incident === null) return 'no incident open (I opens one)';
  if (s.incident.state === 'resolved') return `incident ${sanitize(s.incident.id, 60)} is resolved`;
  return null;
}

/** Keys that act on the panels (filter, Enter menu, zoom) do nothing in presentation mode: disabled there, saying so. */
export function panelsShown(s: CockpitState): string | null {
  return s.ui.presentation ? 'presentation mode shows no panels (p returns to them)' : null;
}
