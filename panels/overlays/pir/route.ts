// Keys in the PIR editor: j/k, PgUp/PgDn, g/G move between rows, Esc or q close; its own bindings
// (edit, add, delete: registry entries scoped to the editor) run on the highlighted row.
import { NONE, type OverlayKeys, type Route } from '../../../src/ui/input/keys.js';
import { clampPirIndex, pirRows } from '../../../src/ui/controllers/pirEditor.js';
import type { PirOverlay } from './state.js';

export const pirKeys: OverlayKeys<PirOverlay> = {
  typing: () => false,
  route({ state, overlay, name, bindings }) {
    const rows = pirRows(state.incident);
    const index = clampPirIndex(overlay.index, rows);
    const move = (i: number): Route => ({ kind: 'ui', ui: { overlay: { kind: 'pir', index: clampPirIndex(i, rows) } } });
    if (name === 'esc' || name === 'q') return { kind: 'ui', ui: { overlay: null } };
    if (name === 'down' || name === 'j') return move(index + 1);
    if (name === 'up' || name === 'k') return move(index - 1);
    if (name === 'pgdn') return move(index + 10);
    if (name === 'pgup') return move(index - 10);
    if (name === 'g' || name === 'home') return move(0);
    if (name === 'G' || name === 'end') return move(rows.length - 1);
    const binding = name === null ? undefined : bindings.find((b) => b.overlay === 'pir' && b.keys.includes(name));
    const row = rows[index];
    if (!binding || !row) return NONE;
    return { kind: 'action', id: binding.id, args: { row: row.key } };
  },
};
