// The Enter menu: j/k move, Enter or 1-9 run the entry (a disabled one says why), Esc closes.
import { NONE, type OverlayKeys, type Route } from '../../../src/ui/input/keys.js';
import { menuBindings } from '../../../src/ui/registry/help.js';
import type { ActionsOverlay } from './state.js';

export const actionsKeys: OverlayKeys<ActionsOverlay> = {
  typing: () => false,
  route({ state, overlay, name, bindings }) {
    const items = menuBindings(bindings, overlay.panel);
    const index = Math.max(0, Math.min(overlay.index ?? 0, items.length - 1));
    const runAt = (i: number): Route => {
      const b = items[i];
      if (!b) return NONE;
      // Disabled for the selection only (menuWhen): say why here; the dispatcher says the rest.
      const why = b.menuWhen?.(state);
      if (why) return { kind: 'ui', ui: {}, flash: { text: `${b.title}: ${why}`, level: 'warn' } };
      return { kind: 'action', id: b.id, ui: { overlay: null } };
    };
    if (name === 'esc') return { kind: 'ui', ui: { overlay: null } };
    if (name === 'enter') return runAt(index);
    if (name && /^[1-9]$/.test(name)) return runAt(Number(name) - 1);
    const move = (i: number): Route => ({
      kind: 'ui',
      ui: { overlay: { ...overlay, index: (i + items.length) % Math.max(1, items.length) } },
    });
    if (name === 'down' || name === 'j') return move(index + 1);
    if (name === 'up' || name === 'k') return move(index - 1);
    return NONE;
  },
};
