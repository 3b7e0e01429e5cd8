// What the operator reads about the bindings, generated from the registry: the help overlay's
// sections and legend, the status bar's key hints and the Enter menu's entries.
import { wrapText } from '../../core/wrap.js';
import { PANEL_TITLES, type CockpitState, type PanelId } from '../state/store.js';
import { disabledReason } from './dispatcher.js';
import type { Binding, BindingGroup, BindingOverlay } from './types.js';

export const OVERLAY_TITLES: Record<BindingOverlay, string> = { pir: 'PIR editor' };

const KEY_LABELS: Record<string, string> = {
  enter: 'Enter',
  esc: 'Esc',
  tab: 'Tab',
  'shift-tab': 'S-Tab',
  space: 'Space',
  up: 'Up',
  down: 'Down',
  left: 'Left',
  right: 'Right',
  pgup: 'PgUp',
  pgdn: 'PgDn',
  home: 'Home',
  end: 'End',
  backspace: 'Bksp',
};

/** How a canonical key name is shown: `ctrl-l` as `C-l`, `enter` as `Enter`. */
export function displayKey(key: string): string {
  if (KEY_LABELS[key]) return KEY_LABELS[key];
  if (key.startsWith('ctrl-')) return `C-${key.slice(5)}`;
  return key;
}

export function displayKeys(binding: Binding): string {
  return binding.keys.map(displayKey).join('/');
}

const GROUP_TITLES: Record<BindingGroup, string> = {
  navigate: 'Move',
  view: 'View',
  runbook: 'Runbook',
  incident: 'Incident',
  review: 'Post-incident review (in the PIR editor, P)',
  mitigation: 'Mitigation',
  session: 'Session',
};
const GROUP_ORDER: readonly BindingGroup[] = ['navigate', 'view', 'runbook', 'incident', 'review', 'mitigation', 'session'];

export interface HelpEntry {
  keys: string;
  name: string;
  title: string;
  description: string;
  scope: string;
  flags: string;
}

/** The help overlay's content, grouped, straight from the registry. */
export function helpSections(bindings: readonly Binding[]): Array<{ title: string; entries: HelpEntry[] }> {
  return GROUP_ORDER.map((g) => ({
    title: GROUP_TITLES[g],
    entries: bindings
      .filter((b) => b.group === g)
      .map((b) => ({
        keys: displayKeys(b),
        name: `:${b.id}`,
        title: b.title,
        description: b.description,
        scope: b.overlay
          ? `the ${OVERLAY_TITLES[b.overlay]}`
          : Array.isArray(b.panels)
            ? b.panels.map((p) => PANEL_TITLES[p].toLowerCase()).join('/')
            : '',
        flags: [b.mutates ? 'records' : '', b.dangerous ? 'confirms' : ''].filter(Boolean).join(', '),
      })),
  })).filter((s) => s.entries.length > 0);
}

export type HelpLine = { kind: 'title'; text: string } | { kind: 'entry'; entry: HelpEntry } | { kind: 'text'; text: string };

/** Markers the panels draw, explained once in the help. */
export const LEGEND: readonly string[] = [
  'Lag: 23m stamped (exact)  >23m first-seen (at least)  ~23m from drain rate (estimate)  ? unknown  - empty',
  'Marks: ! over the runbook line (breach; dead! on a queue: its dead letters grow past the spike line)  ~ near it: a queue whose lag is past its clear line, not yet firing  P replay paused  x unreachable  [x] step done',
  'Prompts: type, Enter confirms, Esc cancels, C-u clears. :name runs any action below; Tab completes.',
];

const helpCache = new WeakMap<readonly Binding[], HelpLine[]>();

/** The help overlay's lines, flat, so the router can scroll them and the view window them. */
export function helpLines(bindings: readonly Binding[]): HelpLine[] {
  const cached = helpCache.get(bindings);
  if (cached) return cached;
  const lines: HelpLine[] = [];
  for (const sec of helpSections(bindings)) {
    lines.push({ kind: 'title', text: sec.title });
    for (const entry of sec.entries) lines.push({ kind: 'entry', entry });
  }
  lines.push({ kind: 'title', text: 'Legend' });
  for (const text of LEGEND) lines.push({ kind: 'text', text });
  helpCache.set(bindings, lines);
  return lines;
}

/** In the help's group order (quit last), whichever controller a binding came from. */
const byGroup = (bindings: Binding[]) => bindings.sort((a, b) => GROUP_ORDER.indexOf(a.group) - GROUP_ORDER.indexOf(b.group));

/** The status bar's key hints: the focused panel's own bindings first, enabled ones only. */
export function footerHints(bindings: readonly Binding[], s: CockpitState): string {
  return footerHintList(bindings, s).join('  ');
}

type Hint = { binding: Binding; text: string };
const hintCache = new WeakMap<readonly Binding[], Map<PanelId, Hint[]>>();

/** The hints a focused panel can show, in order, with their text: the same until the bindings or the focus change. */
function hintsFor(bindings: readonly Binding[], focus: PanelId): Hint[] {
  let byFocus = hintCache.get(bindings);
  if (!byFocus) hintCache.set(bindings, (byFocus = new Map()));
  let hints = byFocus.get(focus);
  if (!hints) {
    const own = bindings.filter((b) => b.hint && !b.overlay && Array.isArray(b.panels) && b.panels.includes(focus));
    const global = bindings.filter((b) => b.hint && !b.overlay && !Array.isArray(b.panels));
    hints = [...byGroup(own), ...byGroup(global)].map((b) => ({ binding: b, text: `${displayKey(b.keys[0] ?? '')} ${b.hint}` }));
    byFocus.set(focus, hints);
  }
  return hints;
}

/**
 * The footer's key hints, one a binding (`/ filter`), in the order footerHints joins them. The
 * status line asks on every store update: only whether each is enabled is worked out each time.
 */
export function footerHintList(bindings: readonly Binding[], s: CockpitState): string[] {
  const out: string[] = [];
  for (const h of hintsFor(bindings, s.ui.focus)) if (disabledReason(h.binding, s) === null) out.push(h.text);
  return out;
}

/**
 * The Enter menu: the focused panel's own bindings only (what applies to the selection). The
 * global incident keys (n, s, I, M, R…) stay in the footer and the help, not in this list.
 */
export function menuBindings(bindings: readonly Binding[], panel: PanelId): Binding[] {
  return bindings.filter((b) => !b.overlay && Array.isArray(b.panels) && b.panels.includes(panel) && b.group !== 'navigate');
}

/** Why a menu entry is disabled: the dispatcher's reason, else why the selection does not need it (menuWhen). */
export function menuReason(binding: Binding, s: CockpitState): string | null {
  return disabledReason(binding, s) ?? binding.menuWhen?.(s) ?? null;
}

/** The number the menu accepts for its `i`-th entry (1…9), or '' past the ninth. */
export function menuNumber(i: number): string {
  return i < 9 ? String(i + 1) : '';
}

/** One line of the help as drawn at a width: a title, a text line, or an entry's (continued) line. */
export type HelpRow =
  { kind: 'title'; text: string } | { kind: 'text'; text: string } | { kind: 'entry'; keys: string; name: string; text: string };

/**
 * The help lines that match `query` (help's `/` search, case-insensitive): an entry by its keys,
 * `:name`, title or description; a group title while an entry under it matches; a legend line by
 * its text. Every line when the query is empty.
 */
function matchingHelpLines(lines: ReturnType<typeof helpLines>, query: string): ReturnType<typeof helpLines> {
  const q = query.trim().toLowerCase();
  if (q === '') return lines;
  const hit = (l: (typeof lines)[number]): boolean =>
    l.kind === 'entry'
      ? [l.entry.keys, l.entry.name, l.entry.title, l.entry.description].some((t) => t.toLowerCase().includes(q))
      : l.text.toLowerCase().includes(q);
  return lines.filter((l, i) => {
    if (l.kind !== 'title') return hit(l);
    for (let j = i + 1; j < lines.length && lines[j]?.kind !== 'title'; j++) if (hit(lines[j] as (typeof lines)[number])) return true;
    return false;
  });
}

/**
 * The help at `width`: every `:name` in full (the name column is as wide as the longest), each
 * description wrapped under itself, never cut: the help teaches what to type.
 */
export function helpRows(bindings: readonly Binding[], width: number, query = ''): HelpRow[] {
  const lines = matchingHelpLines(helpLines(bindings), query);
  const entries = lines.flatMap((l) => (l.kind === 'entry' ? [l.entry] : []));
  const keyWidth = Math.min(14, Math.max(4, ...entries.map((e) => e.keys.length)) + 1);
  const nameWidth = Math.max(...entries.map((e) => e.name.length), 4) + 1;
  // Too narrow for a readable description beside the names: it goes on the lines below.
  const beside = width - keyWidth - nameWidth >= 30;
  const textWidth = beside ? width - keyWidth - nameWidth : width - 2;
  const rows: HelpRow[] = [];
  for (const l of lines) {
    if (l.kind !== 'entry') {
      const kind = l.kind;
      for (const t of wrapText(l.text, width)) rows.push(kind === 'title' ? { kind, text: t } : { kind, text: t });
      continue;
    }
    const e = l.entry;
    const extra = [e.scope ? `in ${e.scope}` : '', e.flags].filter(Boolean).join('; ');
    const parts = wrapText(`${e.title}: ${e.description}${extra ? ` (${extra})` : ''}`, textWidth);
    const keys = e.keys.length < keyWidth ? e.keys.padEnd(keyWidth) : `${e.keys} `;
    if (beside) {
      parts.forEach((t, i) =>
        rows.push({ kind: 'entry', keys: i === 0 ? keys : ' '.repeat(keyWidth), name: (i === 0 ? e.name : '').padEnd(nameWidth), text: t }),
      );
    } else {
      rows.push({ kind: 'entry', keys, name: e.name, text: '' });
      for (const t of parts) rows.push({ kind: 'entry', keys: '  ', name: '', text: t });
    }
  }
  return rows;
}
