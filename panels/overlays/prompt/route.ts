// Enter runs the prompt's binding with `{ ...args, text }` and goes back to where it was asked
// from; Esc goes back without running it; everything else edits the line.
import { NONE, type OverlayKeys } from '../../../src/ui/input/keys.js';
import type { Overlay, UiState } from '../../../src/ui/state/store.js';
import { promptTextLimit, type PromptOverlay } from './state.js';

export const promptKeys: OverlayKeys<PromptOverlay<Overlay>> = {
  typing: () => true,
  textLimit: promptTextLimit,
  route({ overlay, name, edit }) {
    const back: Partial<UiState> = { overlay: overlay.back ?? null };
    if (name === 'esc') return { kind: 'ui', ui: back };
    if (name === 'enter') {
      const text = overlay.text.trim();
      if (text === '' && overlay.allowEmpty !== true) {
        return { kind: 'ui', ui: {}, flash: { text: 'type something first (Esc cancels)', level: 'warn' } };
      }
      return { kind: 'action', id: overlay.actionId, args: overlay.args ? { ...overlay.args, text } : { text }, ui: back };
    }
    const text = edit(overlay.text);
    return text === null ? NONE : { kind: 'ui', ui: { overlay: { ...overlay, text } } };
  },
};
