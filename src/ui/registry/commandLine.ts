// The `:` command line: Tab completion over the bindings' names and aliases, and splitting what
// was typed into a name and its argument text.
import { findBinding } from './dispatcher.js';
import type { Binding } from './types.js';

export interface Completion {
  /** Bindings whose id or alias starts with what was typed (first word). */
  matches: Binding[];
  /** The text after Tab: the longest common prefix of the matching names. */
  completed: string;
}

export function completeCommand(bindings: readonly Binding[], text: string): Completion {
  const word = text.trimStart();
  if (word.includes(' ')) {
    const b = findBinding(bindings, word.split(' ')[0] ?? '');
    return { matches: b ? [b] : [], completed: text };
  }
  const named = bindings.flatMap((b) => [b.id, ...(b.aliases ?? [])].filter((n) => n.startsWith(word)).map((n) => ({ b, n })));
  const matches = [...new Set(named.map((x) => x.b))];
  if (named.length === 0) return { matches, completed: text };
  const names = named.map((x) => x.n);
  let prefix = names[0] ?? '';
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  // One binding left: complete its id and leave room for arguments.
  const completed = matches.length === 1 && matches[0] ? `${matches[0].id} ` : prefix.length > word.length ? prefix : text;
  return { matches, completed };
}

/** `note the disk is full` -> { name: 'note', text: 'the disk is full' }. */
export function parseCommand(text: string): { name: string; text: string } {
  const t = text.trim().replace(/^:/, '');
  const i = t.search(/\s/);
  return i < 0 ? { name: t, text: '' } : { name: t.slice(0, i), text: t.slice(i + 1).trim() };
}
