// Keys, as the router and every overlay's key handler see them: canonical key names, one-line
// text editing, what a key does (a Route), and the contract an overlay kind's key handler meets.
// Pure. Overlay kinds (panels/overlays/<kind>/route.ts) import this; it imports no overlay.
import type { Key } from 'ink';
import { stripControls } from '../../core/sanitize.js';
import { SHORT_TEXT_MAX, textLength } from '../../domain/textLimits.js';
import type { Binding, BindingArgs } from '../registry/types.js';
import type { CockpitState, Overlay, OverlayKind, OverlayOf, UiState } from '../state/store.js';
import { thousands } from '../../domain/thousands.js';

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
  /** Run a binding through the dispatcher, after applying `ui` (e.g. closing the overlay). */
  | { kind: 'action'; id: string; args?: BindingArgs; confirmed?: boolean; ui?: Partial<UiState> }
  /** A confirm step was declined; `back` is shown again (the overlay it was asked from). */
  | { kind: 'cancel'; id: string; back?: Overlay }
  | { kind: 'ui'; ui: Partial<UiState>; flash?: { text: string; level: 'info' | 'warn' | 'error' } }
  | { kind: 'none' };

export const NONE: Route = { kind: 'none' };

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

/**
 * What an edit did: the new text (with `over` when it is now longer than the field holds: kept
 * whole in the field, refused as a whole when entered); a paste refused because the field is
 * already far past its limit; null: not an edit.
 */
export type EditResult = { text: string; over?: string } | { refused: string } | null;

/** How far past its limit a field may be filled before more text is refused (a paste arrives in reads of a few KB). */
const HARD_FACTOR = 4;

/** `text` without its last character (a surrogate pair is one), in constant time. */
function dropLast(text: string): string {
  if (text === '') return text;
  const last = text.charCodeAt(text.length - 1);
  const high = text.length >= 2 ? text.charCodeAt(text.length - 2) : 0;
  const pair = last >= 0xdc00 && last <= 0xdfff && high >= 0xd800 && high <= 0xdbff;
  return text.slice(0, pair ? -2 : -1);
}

/** What the field says once its text is longer than it holds. */
export function overLimitNotice(length: number, limit: number): string {
  return `${thousands(length)} characters: this field holds at most ${thousands(limit)}; Enter refuses it whole, nothing is cut (C-u clears)`;
}

/**
 * One-line text editing against a field's `limit`. Nothing is ever cut: a paste (which arrives in
 * reads of a few KB) is kept whole in the field even past the limit, and the field then says it
 * is over (Enter is refused with the limit said by whoever takes the text); only text far past
 * the limit (HARD_FACTOR times) is refused as it arrives. Linear in the text: each read costs its
 * own length, not the whole field's.
 */
export function editWithin(text: string, input: string, key: KeyLike, limit = SHORT_TEXT_MAX): EditResult {
  if (key.backspace || key.delete) return { text: dropLast(text) };
  if (key.ctrl && input === 'u') return { text: '' };
  if (key.ctrl && input === 'w') return { text: text.replace(/\S+\s*$/, '') };
  if (key.ctrl || key.meta || key.return || key.escape || key.tab) return null;
  if (key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown) return null;
  // Pasted text arrives as one string: keep it, without control characters or escapes.
  const clean = stripControls(input);
  if (clean === '') return null;
  const next = text + clean;
  // UTF-16 units are never fewer than characters: count exactly only near the limit.
  if (next.length <= limit) return { text: next };
  const length = textLength(next);
  if (length <= limit) return { text: next };
  if (length > limit * HARD_FACTOR) {
    return {
      refused: `${thousands(textLength(clean))} more characters refused: the field already has ${thousands(textLength(text))} and holds at most ${thousands(limit)}; nothing in it was cut`,
    };
  }
  return { text: next, over: overLimitNotice(length, limit) };
}

/** One-line text editing: the new text, or null when the key is not an edit or was refused (editWithin says why). */
export function editText(text: string, input: string, key: KeyLike, limit = SHORT_TEXT_MAX): string | null {
  const r = editWithin(text, input, key, limit);
  return r !== null && 'text' in r ? r.text : null;
}

/** One key as an open overlay's key handler receives it. */
export interface OverlayKey<O> {
  state: CockpitState;
  overlay: O;
  /** The canonical key name (keyName); null for pasted text and the like. */
  name: string | null;
  /** `text` after this key when the key is an edit (editText), else null. */
  edit(text: string): string | null;
  /** The registry (help lines, completion, the Enter menu, keys scoped to the overlay). */
  bindings: readonly Binding[];
}

/** What each overlay kind tells the router: where its keys go, and whether it takes typed text. */
export interface OverlayKeys<O> {
  route(key: OverlayKey<O>): Route;
  /** True while it takes typed text: a run of characters then arrives as one paste, not as keys. */
  typing(overlay: O): boolean;
  /** How many characters its text field holds (src/domain/textLimits.ts); one-line fields when absent. */
  textLimit?(overlay: O): number;
}

/** Every overlay kind's key handler (panels/overlays/index.ts fills it; the router is given it). */
export type OverlayRoutes = { readonly [K in OverlayKind]: OverlayKeys<OverlayOf<K>> };
