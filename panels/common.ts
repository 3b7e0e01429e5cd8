// What every panel gets from the Cockpit, and the per-panel UI slices they all read.
import { useStore } from 'zustand';
import { selectedIndex, rowCount } from '../src/ui/state/selectors.js';
import type { CockpitStore, PanelId } from '../src/ui/state/store.js';
import type { Theme } from '../src/ui/state/theme.js';

export interface PanelProps {
  store: CockpitStore;
  theme: Theme;
  ascii: boolean;
  width: number;
  height: number;
  focused: boolean;
}

/** The panel's filter, whether it is being typed, its clamped selection and `3/12` position. */
export function usePanelUi(store: CockpitStore, panel: PanelId) {
  const filter = useStore(store, (s) => s.ui.filters[panel]);
  const editing = useStore(store, (s) => s.ui.overlay?.kind === 'filter' && s.ui.overlay.panel === panel);
  const selected = useStore(store, (s) => selectedIndex(s, panel));
  const count = useStore(store, (s) => rowCount(s, panel));
  const info = count === 0 ? '0' : `${selected + 1}/${count}`;
  return { filter, editing, selected, count, info };
}

export { useSlice } from '../components/useSlice.js';
