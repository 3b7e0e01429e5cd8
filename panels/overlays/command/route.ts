// The `:` line: Tab completes the name, then the arguments; Enter runs the binding named (a whole
// name, or a prefix only one name starts with) with the rest as its text; a prefix several names
// start with, or a name nobody has, keeps the line open with the candidates or the reason (what
// was typed stays, to be corrected). Esc closes.
import { NONE, type OverlayKeys } from '../../../src/ui/input/keys.js';
import { sanitize } from '../../../src/core/sanitize.js';
import { completeCommand, parseCommand, resolveCommand } from '../../../src/ui/registry/commandLine.js';
import type { CommandOverlay } from './state.js';

/** How the line lists the names an ambiguous prefix could mean. */
export function ambiguousNote(prefix: string, names: readonly string[]): string {
  return `"${sanitize(prefix, 30)}" is ambiguous: ${names.map((n) => `:${n}`).join(' ')}`;
}

export const commandKeys: OverlayKeys<CommandOverlay> = {
  typing: () => true,
  route({ state, overlay, name, edit, bindings }) {
    if (name === 'esc') return { kind: 'ui', ui: { overlay: null } };
    if (name === 'tab') {
      const c = completeCommand(bindings, overlay.text, state);
      const word = overlay.text.trimStart();
      // Nothing more to complete and several names fit: say which. (An argument's values are
      // listed under the line anyway.)
      const stuck = c.completed === overlay.text;
      const note =
        stuck && c.binding === null && c.matches.length > 1
          ? ambiguousNote(
              word,
              c.matches.map((b) => b.id),
            )
          : undefined;
      return { kind: 'ui', ui: { overlay: { kind: 'command', text: c.completed, ...(note ? { note } : {}) } } };
    }
    if (name === 'enter') {
      const cmd = parseCommand(overlay.text);
      if (cmd.name === '') return { kind: 'ui', ui: { overlay: null } };
      const r = resolveCommand(bindings, cmd.name);
      if ('ambiguous' in r) return { kind: 'ui', ui: { overlay: { ...overlay, note: ambiguousNote(cmd.name, r.ambiguous) } } };
      if ('none' in r)
        return {
          kind: 'ui',
          ui: { overlay: { ...overlay, note: `no command "${sanitize(cmd.name, 40)}" (Tab completes, :help lists them)` } },
        };
      return { kind: 'action', id: r.binding.id, ui: { overlay: null }, ...(cmd.text ? { args: { text: cmd.text } } : {}) };
    }
    const text = edit(overlay.text);
    // An edit clears the last note: it was about what was typed before.
    return text === null ? NONE : { kind: 'ui', ui: { overlay: { kind: 'command', text } } };
  },
};
