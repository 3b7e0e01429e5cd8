// The one input router. Every key goes to the open overlay first, then to the focused panel's
// bindings, then to the global ones. routeKey is pure (state + key -> what to do); handleKey
// applies the result through the dispatcher, so bindings only ever run in one place. Overlay
// kinds bring their own key handlers (panels/overlays/<kind>/route.ts), handed in as one table:
// panels import this folder, never the other way.
import type { Dispatcher } from '../registry/dispatcher.js';
import type { Binding } from '../registry/types.js';
import type { CockpitState, Overlay } from '../state/store.js';
import { SHORT_TEXT_MAX, textLength } from '../../domain/textLimits.js';
import { editWithin, keyName, NONE, type KeyLike, type OverlayKeys, type OverlayRoutes, type Route } from './keys.js';

export { editText, keyName, type KeyLike, type OverlayRoutes, type Route } from './keys.js';

/** The open overlay's kind's key handler. */
function keysOf(overlays: OverlayRoutes, overlay: Overlay): OverlayKeys<Overlay> {
  // The table gives each kind the handler of that kind's state: TypeScript cannot follow the
  // pairing of `overlay.kind` and `overlay` through the lookup, so it is said once here.
  return overlays[overlay.kind] as OverlayKeys<Overlay>;
}

/**
 * Where a key goes: the open overlay (its kind's handler in `overlays`), else the focused panel's
 * bindings, else the global ones.
 */
export function routeKey(s: CockpitState, input: string, key: KeyLike, bindings: readonly Binding[], overlays: OverlayRoutes): Route {
  const name = keyName(input, key);
  const overlay = s.ui.overlay;
  if (overlay) {
    const keys = keysOf(overlays, overlay);
    const limit = keys.textLimit?.(overlay) ?? SHORT_TEXT_MAX;
    // Text past the field's limit is kept whole and the operator told (Enter refuses it whole);
    // text far past it is refused as it arrives. Whatever the overlay, the flash says so.
    let notice: string | null = null;
    const edit = (text: string): string | null => {
      const r = editWithin(text, input, key, limit);
      if (r !== null && 'refused' in r) notice = r.refused;
      else if (r?.over !== undefined && textLength(text) <= limit) notice = r.over;
      return r !== null && 'text' in r ? r.text : null;
    };
    const route = keys.route({ state: s, overlay, name, edit, bindings });
    if (notice === null) return route;
    if (route.kind === 'none') return { kind: 'ui', ui: {}, flash: { text: notice, level: 'warn' } };
    return route.kind === 'ui' && !route.flash ? { ...route, flash: { text: notice, level: 'warn' } } : route;
  }
  if (name === null) return NONE;
  const focus = s.ui.focus;
  // Keys of overlay-scoped bindings (the PIR editor's) work only inside their overlay.
  const own = bindings.find((b) => !b.overlay && Array.isArray(b.panels) && b.panels.includes(focus) && b.keys.includes(name));
  const global = own ?? bindings.find((b) => !b.overlay && !Array.isArray(b.panels) && b.keys.includes(name));
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
      // The dispatcher never rejects; async bindings finish on their own.
      void d.attempt(route.id, { ...(route.args ? { args: route.args } : {}), ...(route.confirmed ? { confirmed: true } : {}) });
      return;
  }
}

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

function typingText(s: CockpitState, overlays: OverlayRoutes): boolean {
  const o = s.ui.overlay;
  return o !== null && keysOf(overlays, o).typing(o);
}

/**
 * The root component's useInput handler body. Ink hands over a run of plain text as one string:
 * keys typed faster than a read (over SSH, key repeat) must still act one by one, control
 * characters inside the run (Enter) included; into a text field the text is one paste.
 */
export function handleKey(d: Dispatcher, input: string, key: KeyLike, overlays: OverlayRoutes): void {
  const route = (i: string, k: KeyLike) => applyRoute(d, routeKey(d.store.getState(), i, k, d.bindings, overlays));
  if ([...input].length <= 1 || key.ctrl || key.meta) return route(input, key);
  if (SPLIT_SEQUENCE_TAIL.test(input)) return;
  for (const part of input.match(/[\x00-\x1f\x7f]|[^\x00-\x1f\x7f]+/g) ?? []) {
    if (/^[\x00-\x1f\x7f]$/.test(part)) {
      route(...controlKey(part));
      continue;
    }
    const chars = [...part];
    for (let i = 0; i < chars.length; i++) {
      if (typingText(d.store.getState(), overlays)) {
        route(chars.slice(i).join(''), {});
        break;
      }
      route(chars[i] ?? '', {});
    }
  }
}
