// y runs the binding (confirmed) and goes back to where it was asked from; n or Esc declines.
import { NONE, type OverlayKeys } from '../../../src/ui/input/keys.js';
import type { Overlay } from '../../../src/ui/state/store.js';
import type { ConfirmOverlay } from './state.js';

export const confirmKeys: OverlayKeys<ConfirmOverlay<Overlay>> = {
  typing: () => false,
  route({ overlay, name }) {
    if (name === 'y' || name === 'Y') {
      return {
        kind: 'action',
        id: overlay.actionId,
        confirmed: true,
        ui: { overlay: overlay.back ?? null },
        ...(overlay.args ? { args: overlay.args } : {}),
      };
    }
    if (name === 'n' || name === 'N' || name === 'esc')
      return { kind: 'cancel', id: overlay.actionId, ...(overlay.back ? { back: overlay.back } : {}) };
    return NONE;
  },
};
