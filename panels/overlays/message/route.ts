// Esc, Enter or q closes the message.
import { NONE, type OverlayKeys } from '../../../src/ui/input/keys.js';
import type { MessageOverlay } from './state.js';

export const messageKeys: OverlayKeys<MessageOverlay> = {
  typing: () => false,
  route({ name }) {
    if (name === 'esc' || name === 'enter' || name === 'q') return { kind: 'ui', ui: { overlay: null } };
    return NONE;
  },
};
