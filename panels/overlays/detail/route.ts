// Esc, Enter or q closes the detail; j/k, arrows, PgUp/PgDn, g/G scroll it.
import { NONE, type OverlayKeys } from '../../../src/ui/input/keys.js';
import type { DetailOverlay } from './state.js';

const PAGE = 10;

export const detailKeys: OverlayKeys<DetailOverlay> = {
  typing: () => false,
  route({ overlay, name }) {
    if (name === 'esc' || name === 'enter' || name === 'q') return { kind: 'ui', ui: { overlay: null } };
    const step: Record<string, number> = { j: 1, down: 1, k: -1, up: -1, pgdn: PAGE, pgup: -PAGE, g: -1e9, home: -1e9, G: 1e9, end: 1e9 };
    const d = name === null ? undefined : step[name];
    if (d === undefined) return NONE;
    // The view clamps to what fits; here only never below the top.
    return { kind: 'ui', ui: { overlay: { ...overlay, offset: Math.max(0, Math.min(1e6, overlay.offset + d)) } } };
  },
};
