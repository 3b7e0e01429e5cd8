// Keys inside the mitigation overlay. Pure: (overlay, key) -> Route. Steps that need the system
// (preview, execute, stop) go back to the registry action with a `step` argument, so actions
// still run only through the dispatcher.
import type { MitigationOverlay } from '../state/mitigationOverlay.js';
import type { Route } from './router.js';

const ui = (overlay: MitigationOverlay | null, flash?: { text: string; level: 'info' | 'warn' | 'error' }): Route => ({
  kind: 'ui',
  ui: { overlay },
  ...(flash ? { flash } : {}),
});
const NONE: Route = { kind: 'none' };

/** `name`: the canonical key name; `edited`: the text after the key when it is an edit, else null. */
export function routeMitigation(o: MitigationOverlay, name: string | null, edited: string | null): Route {
  const { error: _drop, ...clean } = o;
  switch (o.step) {
    case 'params':
      if (name === 'esc') return ui(null);
      if (name === 'enter') return { kind: 'action', id: o.id, args: { step: 'preview', params: o.text } };
      return edited === null ? NONE : ui({ ...clean, text: edited, params: edited });
    case 'preview':
      if (name === 'esc' || name === 'n') return ui(null);
      if (name === 'e') return ui({ ...clean, step: 'params', text: o.params });
      if (name === 'enter' || name === 'y') {
        if (o.preview?.refusal) {
          // Recorded as refused (role, reason code, blockers): the action decides and records.
          return {
            kind: 'action',
            id: o.id,
            args: { step: 'execute', params: o.params, reason: o.reason || '(refused before a reason was given)' },
          };
        }
        return ui({ ...clean, step: 'reason', text: o.reason });
      }
      return NONE;
    case 'reason':
      if (name === 'esc') return ui(null);
      if (name === 'enter') {
        if (o.text.trim() === '') return ui(o, { text: 'a reason is required (Esc cancels)', level: 'warn' });
        return ui({ ...clean, step: 'confirm', reason: o.text.trim(), text: '' });
      }
      return edited === null ? NONE : ui({ ...clean, text: edited });
    case 'confirm': {
      const override = o.preview?.overrideTask ?? null;
      if (name === 'esc') return ui(null);
      if (override) {
        if (name === 'enter') {
          if (o.text.trim() !== override) return ui({ ...o, text: '', error: `type ${override} exactly to override (Esc cancels)` });
          return { kind: 'action', id: o.id, args: { step: 'execute', params: o.params, reason: o.reason, override: o.text.trim() } };
        }
        return edited === null ? NONE : ui({ ...clean, text: edited });
      }
      if (name === 'y' || name === 'Y') return { kind: 'action', id: o.id, args: { step: 'execute', params: o.params, reason: o.reason } };
      if (name === 'n' || name === 'N') return ui(null, { text: `${o.title}: cancelled`, level: 'info' });
      return NONE;
    }
    case 'running':
      if (name === 's' || name === 'esc') return { kind: 'action', id: o.id, args: { step: 'stop' } };
      return NONE;
    case 'result':
      if (name === 'esc' || name === 'enter' || name === 'q') return ui(null);
      return NONE;
  }
}
