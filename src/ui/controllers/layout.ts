// Layout keys: z zooms the focused panel to the whole screen (Tab then cycles the zoomed panel
// through all of them, the way to read every panel at 80x24); z again shows all panels.
import { PANEL_TITLES } from '../state/panels.js';
import { cycleSort, sortKeys, sortLabel } from '../state/sort.js';
import type { CockpitStore } from '../state/store.js';
import type { Binding, CockpitServices } from '../registry/types.js';
import { flash, panelsShown, setUi } from './common.js';

/** `<` / `>`: sort the focused panel by the previous / next column (past the ends: its own order). */
function cycle(store: CockpitStore, dir: 1 | -1): void {
  const s = store.getState();
  const panel = s.ui.focus;
  if (sortKeys(panel).length === 0) {
    flash(store, `${PANEL_TITLES[panel]} keeps its own order (not sortable)`);
    return;
  }
  const next = cycleSort(panel, s.ui.sorts[panel], dir);
  setUi(store, (ui) => ({ sorts: { ...ui.sorts, [panel]: next ?? undefined } }));
  flash(
    store,
    next
      ? `${PANEL_TITLES[panel]}: ${sortLabel(panel, next, s.session.ascii)} (< > column, o reverses)`
      : `${PANEL_TITLES[panel]}: own order`,
  );
}

export function bindings(_services: CockpitServices): Binding[] {
  return [
    {
      id: 'sort-next',
      keys: ['>'],
      title: 'Sort by the next column',
      description:
        "Sort the focused panel's table by the next column (figures largest first, names A to Z); past the last column, the panel's own order again. The title shows the sort; a breaching row keeps its ! marker.",
      mutates: false,
      dangerous: false,
      group: 'view',
      aliases: ['sort'],
      run: ({ store }) => cycle(store, 1),
    },
    {
      id: 'sort-prev',
      keys: ['<'],
      title: 'Sort by the previous column',
      description: "Sort the focused panel's table by the previous column; before the first, the panel's own order again.",
      mutates: false,
      dangerous: false,
      group: 'view',
      run: ({ store }) => cycle(store, -1),
    },
    {
      id: 'sort-reverse',
      keys: ['o'],
      title: 'Reverse the sort',
      description: "Reverse the focused panel's sort order.",
      mutates: false,
      dangerous: false,
      group: 'view',
      run: ({ store }) => {
        const s = store.getState();
        const panel = s.ui.focus;
        const cur = s.ui.sorts[panel];
        if (!cur) {
          flash(store, `${PANEL_TITLES[panel]} is not sorted (> picks a column)`);
          return;
        }
        const next = { ...cur, desc: !cur.desc };
        setUi(store, (ui) => ({ sorts: { ...ui.sorts, [panel]: next } }));
        flash(store, `${PANEL_TITLES[panel]}: ${sortLabel(panel, next, s.session.ascii)}`);
      },
    },
    {
      id: 'zoom',
      keys: ['z'],
      title: 'Zoom the focused panel',
      description:
        'Draw the focused panel alone over the whole screen, every row and column it has; Tab and 1-7 then move the zoom to another panel; z again shows all panels.',
      mutates: false,
      dangerous: false,
      group: 'view',
      hint: 'zoom',
      when: panelsShown,
      run: ({ store }) => {
        const s = store.getState();
        const zoom = !s.ui.zoom;
        setUi(store, { zoom });
        flash(store, zoom ? `${PANEL_TITLES[s.ui.focus]} zoomed (z shows all panels; Tab moves the zoom)` : 'all panels');
      },
    },
  ];
}
