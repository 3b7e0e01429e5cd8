// What every panel gets from the Cockpit, and the per-panel UI slices they all read.
import { useStore } from 'zustand';
import { PANEL_TITLES, panelNumber } from '../src/ui/state/panels.js';
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

export type PanelUi = ReturnType<typeof usePanelUi>;

/**
 * The frame every panel draws alike: its title and number key from the panel list, its size, focus
 * and theme, its filter, and (unless the panel keeps its own order) its sort and the rows kept
 * because they started breaching. A panel adds its own `info` or footer after the spread.
 */
export function frameProps(
  panel: PanelId,
  p: Pick<PanelProps, 'width' | 'height' | 'focused' | 'theme' | 'ascii'>,
  ui: PanelUi,
  o: { sorted?: boolean } = {},
) {
  return {
    title: PANEL_TITLES[panel],
    number: panelNumber(panel),
    width: p.width,
    height: p.height,
    focused: p.focused,
    theme: p.theme,
    ascii: p.ascii,
    filter: ui.filter,
    editingFilter: ui.editing,
    ...(o.sorted === false ? {} : { kept: ui.kept, sort: ui.sortText }),
    info: ui.info,
  };
}

export { useSlice } from '../components/useSlice.js';
