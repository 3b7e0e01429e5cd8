// What every panel gets from the Cockpit, and the per-panel UI slices they all read.
import { useStore } from 'zustand';
import { keptByBreach, selectedIndex, rowCount } from '../src/ui/state/selectors.js';
import { sortLabel } from '../src/ui/state/sort.js';
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

/**
 * The panel's filter, whether it is being typed, its clamped selection and `3/12` position, its
 * sort (and how the title says it), the rows shown only because they started breaching.
 */
export function usePanelUi(store: CockpitStore, panel: PanelId) {
  const sort = useStore(store, (s) => s.ui.sorts[panel]);
  const ascii = useStore(store, (s) => s.session.ascii);
  const kept = useStore(store, (s) => keptByBreach(s, panel));
  const filter = useStore(store, (s) => s.ui.filters[panel]);
  const editing = useStore(store, (s) => s.ui.overlay?.kind === 'filter' && s.ui.overlay.panel === panel);
  const selected = useStore(store, (s) => selectedIndex(s, panel));
  const count = useStore(store, (s) => rowCount(s, panel));
  const info = count === 0 ? '0' : `${selected + 1}/${count}`;
  return { filter, editing, selected, count, info, sort, sortText: sortLabel(panel, sort, ascii), kept };
}

export { useSlice } from '../components/useSlice.js';
