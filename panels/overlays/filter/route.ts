// The `/` filter: every edit filters at once; Enter keeps the filter, Esc clears it.
import { NONE, type OverlayKeys } from '../../../src/ui/input/keys.js';
import type { PanelId } from '../../../src/ui/state/panels.js';
import type { Overlay, UiState } from '../../../src/ui/state/store.js';
import type { FilterOverlay } from './state.js';

function filterPatch(ui: UiState, panel: PanelId, text: string, overlay: Overlay | null): Partial<UiState> {
  return {
    overlay,
    filters: { ...ui.filters, [panel]: text },
    // New rows: the selection restarts at the top (the timeline keeps following its newest).
    selected: { ...ui.selected, [panel]: panel === 'timeline' ? ui.selected.timeline : 0 },
  };
}

export const filterKeys: OverlayKeys<FilterOverlay> = {
  typing: () => true,
  route({ state, overlay, name, edit }) {
    if (name === 'esc') return { kind: 'ui', ui: filterPatch(state.ui, overlay.panel, '', null) };
    if (name === 'enter') return { kind: 'ui', ui: { overlay: null } };
    const text = edit(overlay.text);
    if (text === null) return NONE;
    return { kind: 'ui', ui: filterPatch(state.ui, overlay.panel, text, { ...overlay, text }) };
  },
};
