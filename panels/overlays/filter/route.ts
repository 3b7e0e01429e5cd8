// The `/` filter: every edit filters at once; Enter keeps the filter, Esc clears it.
import { NONE, type OverlayKeys } from '../../../src/ui/input/keys.js';
import type { PanelId } from '../../../src/ui/state/panels.js';
import { firingNow } from '../../../src/ui/state/selectors.js';
import type { CockpitState, Overlay, UiState } from '../../../src/ui/state/store.js';
import type { FilterOverlay } from './state.js';

function filterPatch(state: CockpitState, panel: PanelId, text: string, overlay: Overlay | null): Partial<UiState> {
  const ui = state.ui;
  return {
    overlay,
    filters: { ...ui.filters, [panel]: text },
    // What fires as the filter is typed: a row that starts breaching after this stays shown.
    filterFiring: { ...ui.filterFiring, [panel]: firingNow(state.triggers) },
    // New rows: the selection restarts at the top (the timeline keeps following its newest).
    selected: { ...ui.selected, [panel]: panel === 'timeline' ? ui.selected.timeline : 0 },
  };
}

export const filterKeys: OverlayKeys<FilterOverlay> = {
  typing: () => true,
  route({ state, overlay, name, edit }) {
    if (name === 'esc') return { kind: 'ui', ui: filterPatch(state, overlay.panel, '', null) };
    if (name === 'enter') return { kind: 'ui', ui: { overlay: null } };
    const text = edit(overlay.text);
    if (text === null) return NONE;
    return { kind: 'ui', ui: filterPatch(state, overlay.panel, text, { ...overlay, text }) };
  },
};
