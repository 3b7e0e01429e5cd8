// Enter adds the note (not an empty one), Esc cancels; everything else edits it.
import { LONG_TEXT_MAX } from '../../../src/domain/textLimits.js';
import { NONE, type OverlayKeys } from '../../../src/ui/input/keys.js';
import type { NoteOverlay } from './state.js';

export const noteKeys: OverlayKeys<NoteOverlay> = {
  typing: () => true,
  // A note can be long (a log excerpt): kept whole up to the limit, never cut.
  textLimit: () => LONG_TEXT_MAX,
  route({ overlay, name, edit }) {
    if (name === 'esc') return { kind: 'ui', ui: { overlay: null } };
    if (name === 'enter') {
      const text = overlay.text.trim();
      if (text === '') return { kind: 'ui', ui: {}, flash: { text: 'type something first (Esc cancels)', level: 'warn' } };
      return { kind: 'action', id: 'note', args: { text }, ui: { overlay: null } };
    }
    const text = edit(overlay.text);
    return text === null ? NONE : { kind: 'ui', ui: { overlay: { ...overlay, text } } };
  },
};
