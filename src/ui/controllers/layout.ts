// Layout keys: z zooms the focused panel to the whole screen (Tab then cycles the zoomed panel
// through all of them, the way to read every panel at 80x24); z again shows all panels.
import { PANEL_TITLES } from '../state/panels.js';
import type { Binding, CockpitServices } from '../registry/types.js';
import { flash, setUi } from './common.js';

export function bindings(_services: CockpitServices): Binding[] {
  return [
    {
      id: 'zoom',
      keys: ['z'],
      title: 'Zoom the focused panel',
      description:
        'Draw the focused panel alone over the whole screen, every row and column it has; Tab and 1-7 then move the zoom to another panel; z again shows all panels.',
      mutates: false,
      dangerous: false,
      group: 'view',
      run: ({ store }) => {
        const s = store.getState();
        const zoom = !s.ui.zoom;
        setUi(store, { zoom });
        flash(store, zoom ? `${PANEL_TITLES[s.ui.focus]} zoomed (z shows all panels; Tab moves the zoom)` : 'all panels');
      },
    },
  ];
}
