// The `:` line: Tab completes, Enter runs the binding named (with the rest as its text), Esc closes.
import { NONE, type OverlayKeys } from '../../../src/ui/input/keys.js';
import { completeCommand, parseCommand } from '../../../src/ui/registry/commandLine.js';
import type { CommandOverlay } from './state.js';

export const commandKeys: OverlayKeys<CommandOverlay> = {
  typing: () => true,
  route({ overlay, name, edit, bindings }) {
    if (name === 'esc') return { kind: 'ui', ui: { overlay: null } };
    if (name === 'tab')
      return { kind: 'ui', ui: { overlay: { kind: 'command', text: completeCommand(bindings, overlay.text).completed } } };
    if (name === 'enter') {
      const cmd = parseCommand(overlay.text);
      if (cmd.name === '') return { kind: 'ui', ui: { overlay: null } };
      return { kind: 'action', id: cmd.name, ui: { overlay: null }, ...(cmd.text ? { args: { text: cmd.text } } : {}) };
    }
    const text = edit(overlay.text);
    return text === null ? NONE : { kind: 'ui', ui: { overlay: { kind: 'command', text } } };
  },
};
