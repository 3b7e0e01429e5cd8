// Keys in the help: j/k and PgUp/PgDn scroll, g/G jump, / searches (type, Enter keeps, Esc
// clears), Esc ? q or Enter close.
import { NONE, type OverlayKeys, type Route } from '../../../src/ui/input/keys.js';
import { helpRows } from '../../../src/ui/registry/help.js';
import type { HelpOverlay } from './state.js';

export const helpKeys: OverlayKeys<HelpOverlay> = {
  typing: (overlay) => overlay.searching === true,
  route({ overlay, name, bindings, edit }) {
    const query = overlay.query ?? '';
    const show = (o: HelpOverlay): Route => ({ kind: 'ui', ui: { overlay: o } });
    if (overlay.searching) {
      if (name === 'enter') return show({ ...overlay, searching: false });
      if (name === 'esc') return show({ kind: 'help', scroll: 0 });
      const text = edit(query);
      return text === null ? NONE : show({ kind: 'help', scroll: 0, query: text, searching: true });
    }
    // The rows at the narrowest help (80 columns): the view clamps to what its width draws.
    const total = helpRows(bindings, 72, query).length;
    const scroll = overlay.scroll ?? 0;
    const to = (n: number): Route => show({ ...overlay, scroll: Math.max(0, Math.min(n, total - 1)) });
    if (name === '/') return show({ ...overlay, scroll: 0, searching: true });
    if (name === 'esc' && query !== '') return show({ kind: 'help', scroll: 0 });
    if (name === 'esc' || name === '?' || name === 'q' || name === 'enter') return { kind: 'ui', ui: { overlay: null } };
    if (name === 'j' || name === 'down') return to(scroll + 1);
    if (name === 'k' || name === 'up') return to(scroll - 1);
    if (name === 'pgdn' || name === 'space') return to(scroll + 10);
    if (name === 'pgup') return to(scroll - 10);
    if (name === 'g' || name === 'home') return to(0);
    if (name === 'G' || name === 'end') return to(total - 1);
    return NONE;
  },
};
