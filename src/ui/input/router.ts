// The one input router. Every key goes to the open overlay first, then to the focused panel's
// actions, then to the global ones. routeKey is pure (state + key -> what to do); handleKey
// applies the result through the dispatcher, so actions only ever run in one place.
import type { Key } from 'ink';
import { SEVERITIES } from '../../core/escalation.js';
import { sanitize } from '../../core/sanitize.js';
import {
  completeCommand,
  helpLines,
  menuActions,
  parseCommand,
  type Action,
  type ActionArgs,
  type Dispatcher,
} from '../registry/registry.js';
import { clampPirIndex, pirRows } from '../controllers/pirEditor.js';
import { routeMitigation } from './mitigationRoute.js';
import type { CockpitState, Overlay, PanelId, UiState } from '../state/store.js';

/** The parts of Ink's Key the router reads; tests may pass only what they need. */
export type KeyLike = Partial<
  Pick<
    Key,
    | 'upArrow'
    | 'downArrow'
    | 'leftArrow'
    | 'rightArrow'
    | 'pageUp'
    | 'pageDown'
    | 'home'
    | 'end'
    | 'return'
    | 'escape'
    | 'ctrl'
    | 'shift'
    | 'tab'
    | 'backspace'
    | 'delete'
    | 'meta'
  >
>;

export type Route =
  /** Run an action through the dispatcher, after applying `ui` (e.g. closing the overlay). */
  | { kind: 'action'; id: string; args?: ActionArgs; confirmed?: boolean; ui?: Partial<UiState> }
  /** A confirm step was declined; `back` is shown again (the overlay it was asked from). */
  | { kind: 'cancel'; id: string; back?: Overlay }
  | { kind: 'ui'; ui: Partial<UiState>; flash?: { text: string; level: 'info' | 'warn' | 'error' } }
  | { kind: 'none' };

const NONE: Route = { kind: 'none' };
const MAX_TEXT = 500;

/**
 * The canonical name of a key, as the registry spells it: printable characters as themselves
 * (`q`, `G`, `?`), and `enter`, `esc`, `tab`, `shift-tab`, `up`, `down`, `pgup`, `pgdn`, `home`,
 * `end`, `space`, `backspace`, `ctrl-<letter>`. null for anything else (pasted text, Alt+key).
 */
export function keyName(input: string, key: KeyLike): string | null {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pgup';
  if (key.pageDown) return 'pgdn';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'enter';
  // Ink reports meta with a lone Escape; Alt+key also arrives as meta. Only the lone Escape is esc.
  if (key.escape) return 'esc';
  if (key.tab) return key.shift ? 'shift-tab' : 'tab';
  if (key.backspace || key.delete) return 'backspace';
  if (key.ctrl) return input.length === 1 ? `ctrl-${input.toLowerCase()}` : null;
  if (key.meta) return null;
  if (input === ' ') return 'space';
  if ([...input].length === 1) return input;
  return null;
}

/** One-line text editing: the new text, or null when the key is not an edit. */
export function editText(text: string, input: string, key: KeyLike): string | null {
  if (key.backspace || key.delete) return [...text].slice(0, -1).join('');
  if (key.ctrl && input === 'u') return '';
  if (key.ctrl && input === 'w') return text.replace(/\S+\s*$/, '');
  if (key.ctrl || key.meta || key.return || key.escape || key.tab) return null;
  if (key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown) return null;
  // Pasted text arrives as one string: keep it, without control characters or escapes.
  const clean = sanitize(input, MAX_TEXT);
  if (clean === '') return null;
  return [...(text + clean)].slice(0, MAX_TEXT).join('');
}

const close = (): Partial<UiState> => ({ overlay: null });

function filterPatch(ui: UiState, panel: PanelId, text: string, overlay: Overlay | null): Partial<UiState> {
  return {
    overlay,
    filters: { ...ui.filters, [panel]: text },
    // New rows: the selection restarts at the top (the timeline keeps following its newest).
    selected: { ...ui.selected, [panel]: panel === 'timeline' ? ui.selected.timeline : 0 },
  };
}

function routeOverlay(s: CockpitState, overlay: Overlay, input: string, key: KeyLike, actions: readonly Action[]): Route {
  const name = keyName(input, key);
  switch (overlay.kind) {
    case 'help': {
      const total = helpLines(actions).length;
      const scroll = overlay.scroll ?? 0;
      const to = (n: number): Route => ({ kind: 'ui', ui: { overlay: { kind: 'help', scroll: Math.max(0, Math.min(n, total - 1)) } } });
      if (name === 'esc' || name === '?' || name === 'q' || name === 'enter') return { kind: 'ui', ui: close() };
      if (name === 'j' || name === 'down') return to(scroll + 1);
      if (name === 'k' || name === 'up') return to(scroll - 1);
      if (name === 'pgdn' || name === 'space') return to(scroll + 10);
      if (name === 'pgup') return to(scroll - 10);
      if (name === 'g' || name === 'home') return to(0);
      if (name === 'G' || name === 'end') return to(total - 1);
      return NONE;
    }
    case 'quit-confirm':
      if (name === 'y' || name === 'Y') return { kind: 'action', id: 'quit', confirmed: true, ui: close() };
      if (name === 'n' || name === 'N' || name === 'esc' || name === 'q')
        return { kind: 'ui', ui: close(), flash: { text: 'quit cancelled', level: 'info' } };
      return NONE;
    case 'confirm':
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
    case 'message':
      if (name === 'esc' || name === 'enter' || name === 'q') return { kind: 'ui', ui: close() };
      return NONE;
    case 'command': {
      if (name === 'esc') return { kind: 'ui', ui: close() };
      if (name === 'tab') {
        return { kind: 'ui', ui: { overlay: { kind: 'command', text: completeCommand(actions, overlay.text).completed } } };
      }
      if (name === 'enter') {
        const cmd = parseCommand(overlay.text);
        if (cmd.name === '') return { kind: 'ui', ui: close() };
        return { kind: 'action', id: cmd.name, ui: close(), ...(cmd.text ? { args: { text: cmd.text } } : {}) };
      }
      const text = editText(overlay.text, input, key);
      return text === null ? NONE : { kind: 'ui', ui: { overlay: { kind: 'command', text } } };
    }
    case 'filter': {
      if (name === 'esc') return { kind: 'ui', ui: filterPatch(s.ui, overlay.panel, '', null) };
      if (name === 'enter') return { kind: 'ui', ui: close() };
      const text = editText(overlay.text, input, key);
      if (text === null) return NONE;
      return { kind: 'ui', ui: filterPatch(s.ui, overlay.panel, text, { ...overlay, text }) };
    }
    case 'severity': {
      if (name === 'esc') return { kind: 'ui', ui: close() };
      if (overlay.step === 'pick') {
        const i = overlay.severity ? SEVERITIES.indexOf(overlay.severity) : -1;
        const pick = (sev: (typeof SEVERITIES)[number] | undefined): Route =>
          sev ? { kind: 'ui', ui: { overlay: { ...overlay, severity: sev } } } : NONE;
        if (name === '1' || name === '2' || name === '3') {
          return {
            kind: 'ui',
            ui: { overlay: { kind: 'severity', step: 'reason', severity: `SEV-${name}` as const, reason: overlay.reason } },
          };
        }
        if (name === 'up' || name === 'k') return pick(SEVERITIES[Math.max(0, i - 1)]);
        if (name === 'down' || name === 'j') return pick(SEVERITIES[Math.min(SEVERITIES.length - 1, i + 1)]);
        if (name === 'enter' && overlay.severity) return { kind: 'ui', ui: { overlay: { ...overlay, step: 'reason' } } };
        return NONE;
      }
      if (name === 'enter') {
        const reason = overlay.reason.trim();
        if (reason === '' || !overlay.severity) {
          return { kind: 'ui', ui: {}, flash: { text: 'a reason is required to decide the severity', level: 'warn' } };
        }
        return { kind: 'action', id: 'severity', args: { severity: overlay.severity, reason }, ui: close() };
      }
      const reason = editText(overlay.reason, input, key);
      return reason === null ? NONE : { kind: 'ui', ui: { overlay: { ...overlay, reason } } };
    }
    case 'note':
    case 'prompt': {
      const back: Partial<UiState> = { overlay: overlay.kind === 'prompt' ? (overlay.back ?? null) : null };
      if (name === 'esc') return { kind: 'ui', ui: back };
      const id = overlay.kind === 'note' ? 'note' : overlay.actionId;
      if (name === 'enter') {
        const text = overlay.text.trim();
        const allowEmpty = overlay.kind === 'prompt' && overlay.allowEmpty === true;
        if (text === '' && !allowEmpty) return { kind: 'ui', ui: {}, flash: { text: 'type something first (Esc cancels)', level: 'warn' } };
        const args = overlay.kind === 'prompt' && overlay.args ? { ...overlay.args, text } : { text };
        return { kind: 'action', id, args, ui: back };
      }
      const text = editText(overlay.text, input, key);
      return text === null ? NONE : { kind: 'ui', ui: { overlay: { ...overlay, text } } };
    }
    case 'pir': {
      const rows = pirRows(s.incident);
      const index = clampPirIndex(overlay.index, rows);
      const move = (i: number): Route => ({ kind: 'ui', ui: { overlay: { kind: 'pir', index: clampPirIndex(i, rows) } } });
      if (name === 'esc' || name === 'q') return { kind: 'ui', ui: close() };
      if (name === 'down' || name === 'j') return move(index + 1);
      if (name === 'up' || name === 'k') return move(index - 1);
      if (name === 'pgdn') return move(index + 10);
      if (name === 'pgup') return move(index - 10);
      if (name === 'g' || name === 'home') return move(0);
      if (name === 'G' || name === 'end') return move(rows.length - 1);
      // The editor's own actions (edit, add, delete) are registry entries scoped to it.
      const action = name === null ? undefined : actions.find((a) => a.overlay === 'pir' && a.keys.includes(name));
      const row = rows[index];
      if (!action || !row) return NONE;
      return { kind: 'action', id: action.id, args: { row: row.key } };
    }
    case 'mitigation': {
      const typing =
        overlay.step === 'params' || overlay.step === 'reason' || (overlay.step === 'confirm' && !!overlay.preview?.overrideTask);
      return routeMitigation(overlay, name, typing ? editText(overlay.text, input, key) : null);
    }
    case 'actions': {
      const items = menuActions(actions, overlay.panel);
      const index = Math.max(0, Math.min(overlay.index ?? 0, items.length - 1));
      const runAt = (i: number): Route => {
        const a = items[i];
        return a ? { kind: 'action', id: a.id, ui: close() } : NONE;
      };
      if (name === 'esc') return { kind: 'ui', ui: close() };
      if (name === 'enter') return runAt(index);
      if (name && /^[1-9]$/.test(name)) return runAt(Number(name) - 1);
      const move = (i: number): Route => ({
        kind: 'ui',
        ui: { overlay: { ...overlay, index: (i + items.length) % Math.max(1, items.length) } },
      });
      if (name === 'down' || name === 'j') return move(index + 1);
      if (name === 'up' || name === 'k') return move(index - 1);
      return NONE;
    }
  }
}

/** Where a key goes: the open overlay, else the focused panel's actions, else the global ones. */
export function routeKey(s: CockpitState, input: string, key: KeyLike, actions: readonly Action[]): Route {
  if (s.ui.overlay) return routeOverlay(s, s.ui.overlay, input, key, actions);
  const name = keyName(input, key);
  if (name === null) return NONE;
  const focus = s.ui.focus;
  // Keys of overlay-scoped actions (the PIR editor's) work only inside their overlay.
  const own = actions.find((a) => !a.overlay && Array.isArray(a.panels) && a.panels.includes(focus) && a.keys.includes(name));
  const global = own ?? actions.find((a) => !a.overlay && !Array.isArray(a.panels) && a.keys.includes(name));
  return global ? { kind: 'action', id: global.id } : NONE;
}

export function applyRoute(d: Dispatcher, route: Route): void {
  switch (route.kind) {
    case 'none':
      return;
    case 'ui':
      if (Object.keys(route.ui).length > 0) d.store.getState().setUi(route.ui);
      if (route.flash) d.store.getState().flash(route.flash.text, route.flash.level);
      return;
    case 'cancel':
      d.cancel(route.id);
      if (route.back) d.store.getState().setUi({ overlay: route.back });
      return;
    case 'action':
      if (route.ui) d.store.getState().setUi(route.ui);
      // The dispatcher never rejects; async actions finish on their own.
      void d.attempt(route.id, { ...(route.args ? { args: route.args } : {}), ...(route.confirmed ? { confirmed: true } : {}) });
      return;
  }
}

const TEXT_OVERLAYS = new Set(['command', 'filter', 'note', 'prompt', 'severity']);

/** The tail of an escape sequence split across reads (`[B`, `[5~`, `OA`) after a lone Escape. */
const SPLIT_SEQUENCE_TAIL = /^(?:\[|O)[0-9;]*[A-Za-z~]$/;

/** A control character found inside a run of text, as Ink would have reported it alone. */
function controlKey(ch: string): [string, KeyLike] {
  if (ch === '\r' || ch === '\n') return ['', { return: true }];
  if (ch === '\t') return ['', { tab: true }];
  if (ch === '\x7f') return ['', { delete: true }];
  if (ch === '\b') return ['', { backspace: true }];
  if (ch === '\x1b') return ['', { escape: true, meta: true }];
  return [String.fromCharCode(ch.charCodeAt(0) + 96), { ctrl: true }];
}

function typingText(s: CockpitState): boolean {
  const o = s.ui.overlay;
  if (o?.kind === 'mitigation') return o.step === 'params' || o.step === 'reason' || (o.step === 'confirm' && !!o.preview?.overrideTask);
  return o !== null && TEXT_OVERLAYS.has(o.kind) && !(o.kind === 'severity' && o.step === 'pick');
}

/**
 * The root component's useInput handler body. Ink hands over a run of plain text as one string:
 * keys typed faster than a read (over SSH, key repeat) must still act one by one, control
 * characters inside the run (Enter) included; into a text field the text is one paste.
 */
export function handleKey(d: Dispatcher, input: string, key: KeyLike): void {
  const route = (i: string, k: KeyLike) => applyRoute(d, routeKey(d.store.getState(), i, k, d.actions));
  if ([...input].length <= 1 || key.ctrl || key.meta) return route(input, key);
  if (SPLIT_SEQUENCE_TAIL.test(input)) return;
  for (const part of input.match(/[\x00-\x1f\x7f]|[^\x00-\x1f\x7f]+/g) ?? []) {
    if (/^[\x00-\x1f\x7f]$/.test(part)) {
      route(...controlKey(part));
      continue;
    }
    const chars = [...part];
    for (let i = 0; i < chars.length; i++) {
      if (typingText(d.store.getState())) {
        route(chars.slice(i).join(''), {});
        break;
      }
      route(chars[i] ?? '', {});
    }
  }
}
