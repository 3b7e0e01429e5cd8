// The `:` command line: Tab completion over the bindings' names and aliases and then over their
// arguments (a binding's `complete`), what Enter runs (a whole name or a prefix only one name
// starts with; a prefix several start with lists them), and splitting what was typed into a name
// and its argument text.
import type { CockpitState } from '../state/store.js';
import { findBinding } from './dispatcher.js';
import type { Binding } from './types.js';

export interface Completion {
  /** Bindings whose id or alias starts with what was typed (first word); the one named once arguments are typed. */
  matches: Binding[];
  /** The text after Tab: the longest common prefix of the matching names (or arguments). */
  completed: string;
  /** While an argument is typed: the values it may take that start with what is typed (empty: free text or none known). */
  candidates: string[];
  /** The binding being given arguments (its usage is shown), if any. */
  binding: Binding | null;
}

/** The longest prefix all of `names` share. */
function commonPrefix(names: readonly string[]): string {
  let prefix = names[0] ?? '';
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

/** The binding a typed name runs: the one with that name or alias, else the only one whose name starts with it. */
export type Resolved = { binding: Binding } | { ambiguous: string[] } | { none: true };

export function resolveCommand(bindings: readonly Binding[], name: string): Resolved {
  const n = name.trim().replace(/^:/, '');
  const exact = findBinding(bindings, n);
  if (exact) return { binding: exact };
  if (n === '') return { none: true };
  const starts = bindings.filter((b) => [b.id, ...(b.aliases ?? [])].some((x) => x.startsWith(n)));
  if (starts.length === 1 && starts[0]) return { binding: starts[0] };
  if (starts.length > 1) return { ambiguous: starts.map((b) => b.id) };
  return { none: true };
}

export function completeCommand(bindings: readonly Binding[], text: string, state?: CockpitState): Completion {
  const word = text.trimStart();
  if (/\s/.test(word)) {
    const i = word.search(/\s/);
    const name = word.slice(0, i);
    const resolved = resolveCommand(bindings, name);
    if (!('binding' in resolved)) return { matches: [], completed: text, candidates: [], binding: null };
    const b = resolved.binding;
    const rest = word.slice(i + 1).replace(/^\s+/, '');
    const words = rest.split(/\s+/);
    const current = /\s$/.test(rest) || rest === '' ? '' : (words.pop() ?? '');
    const before = words.filter((w) => w !== '');
    const all = state && b.complete ? b.complete(state, before, current) : [];
    const candidates = [...new Set(all.filter((c) => c.startsWith(current)))];
    // The name as the binding spells it (a unique prefix is completed too).
    const head = `${b.id} ${before.map((w) => `${w} `).join('')}`;
    let completed = `${head}${current}`;
    if (candidates.length === 1 && candidates[0] !== undefined) {
      const c = candidates[0];
      completed = `${head}${c}${c.endsWith('=') ? '' : ' '}`;
    } else if (candidates.length > 1) {
      const p = commonPrefix(candidates);
      if (p.length > current.length) completed = `${head}${p}`;
    }
    return { matches: [b], completed, candidates, binding: b };
  }
  const named = bindings.flatMap((b) => [b.id, ...(b.aliases ?? [])].filter((n) => n.startsWith(word)).map((n) => ({ b, n })));
  const matches = [...new Set(named.map((x) => x.b))];
  if (named.length === 0) return { matches, completed: text, candidates: [], binding: null };
  const prefix = commonPrefix(named.map((x) => x.n));
  // One binding left: complete its id and leave room for arguments.
  const completed = matches.length === 1 && matches[0] ? `${matches[0].id} ` : prefix.length > word.length ? prefix : text;
  return { matches, completed, candidates: [], binding: null };
}

/** `note the disk is full` -> { name: 'note', text: 'the disk is full' }. */
export function parseCommand(text: string): { name: string; text: string } {
  const t = text.trim().replace(/^:/, '');
  const i = t.search(/\s/);
  return i < 0 ? { name: t, text: '' } : { name: t.slice(0, i), text: t.slice(i + 1).trim() };
}
