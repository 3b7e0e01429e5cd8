// Keys inside the mitigation overlay. Pure: (overlay, key) -> Route. Steps that need the system
// (preview, execute, stop) go back to the mitigation's binding with a `step` argument, so
// bindings still run only through the dispatcher.
import { NONE, type OverlayKeys, type Route } from '../../../src/ui/input/keys.js';
import { cycleField, editField, firstProblem, formLine } from '../../../src/ui/controllers/mitigationForm.js';
import type { MitigationOverlay } from './state.js';

const ui = (overlay: MitigationOverlay | null, flash?: { text: string; level: 'info' | 'warn' | 'error' }): Route => ({
  kind: 'ui',
  ui: { overlay },
  ...(flash ? { flash } : {}),
});
/** The parameters form: Tab/Down and Shift-Tab/Up move between fields, Left/Right pick, typing edits, Enter previews. */
function routeForm(o: MitigationOverlay, name: string | null, edited: string | null, now: number): Route {
  const { error: _drop, ...clean } = o;
  const form = o.form ?? [];
  const at = Math.max(0, Math.min(o.field ?? 0, form.length - 1));
  const focus = (i: number): Route => {
    const field = (i + form.length) % Math.max(1, form.length);
    return ui({ ...clean, field, text: form[field]?.value ?? '' });
  };
  const put = (f: NonNullable<MitigationOverlay['form']>[number]): Route => {
    const next = form.map((x, i) => (i === at ? f : x));
    return ui({ ...clean, form: next, text: f.value, params: formLine(next) });
  };
  if (name === 'esc') return ui(null);
  if (name === 'tab' || name === 'down') return focus(at + 1);
  if (name === 'shift-tab' || name === 'up') return focus(at - 1);
  const f = form[at];
  if (!f) return name === 'enter' ? { kind: 'action', id: o.id, args: { step: 'preview', params: o.params } } : NONE;
  if (name === 'left' || name === 'right') return f.choices.length ? put(cycleField(f, name === 'right' ? 1 : -1, now)) : NONE;
  if (name === 'enter') {
    // Every field is checked again (a prefill may have gone stale); the first bad one gets the focus.
    const bad = firstProblem(form, now);
    if (bad) return ui({ ...clean, field: bad.index, text: form[bad.index]?.value ?? '', error: bad.error });
    return { kind: 'action', id: o.id, args: { step: 'preview', params: formLine(form) } };
  }
  return edited === null ? NONE : put(editField(f, edited, now));
}

/** Typing: a form field, the parameter line, the reason, or the task name an override asks to be typed. */
function typing(o: MitigationOverlay): boolean {
  return o.step === 'params' || o.step === 'reason' || (o.step === 'confirm' && !!o.preview?.overrideTask);
}

export const mitigationKeys: OverlayKeys<MitigationOverlay> = {
  typing,
  route: ({ overlay, name, edit, state }) =>
    routeMitigation(overlay, name, typing(overlay) ? edit(overlay.text) : null, state.snapshot.at || Date.now()),
};

/** `name`: the canonical key name; `edited`: the text after the key when it is an edit, else null. */
export function routeMitigation(o: MitigationOverlay, name: string | null, edited: string | null, now = Date.now()): Route {
  const { error: _drop, ...clean } = o;
  switch (o.step) {
    case 'params':
      if (o.form) return routeForm(o, name, edited, now);
      if (name === 'esc') return ui(null);
      if (name === 'enter') return { kind: 'action', id: o.id, args: { step: 'preview', params: o.text } };
      return edited === null ? NONE : ui({ ...clean, text: edited, params: edited });
    case 'preview':
      if (name === 'esc' || name === 'n') return ui(null);
      if (name === 'e') return ui({ ...clean, step: 'params', text: o.form ? (o.form[o.field ?? 0]?.value ?? '') : o.params });
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
