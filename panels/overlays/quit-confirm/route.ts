// y quits; n, Esc or q stays.
import { NONE, type OverlayKeys } from '../../../src/ui/input/keys.js';
import type { QuitConfirmOverlay } from './state.js';

export const quitConfirmKeys: OverlayKeys<QuitConfirmOverlay> = {
  typing: () => false,
  route({ name }) {
    if (name === 'y' || name === 'Y') return { kind: 'action', id: 'quit', confirmed: true, ui: { overlay: null } };
    if (name === 'n' || name === 'N' || name === 'esc' || name === 'q') {
      return { kind: 'ui', ui: { overlay: null }, flash: { text: 'quit cancelled', level: 'info' } };
    }
    return NONE;
  },
};
