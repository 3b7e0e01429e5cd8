// The only place bindings run. Every attempt, by key, `:` name, Enter menu or overlay, goes
// through attempt(): the read-only rule and the binding's `when` guard first, then the confirm
// step for a dangerous binding, then the run; each outcome, refused and cancelled ones included,
// goes to the audit hook.
import { sanitize } from '../../core/sanitize.js';
import { PANEL_TITLES, type CockpitState, type CockpitStore, type PanelId } from '../state/store.js';
import type { AttemptHook, AttemptOutcome, Binding, BindingArgs } from './types.js';

export function appliesTo(binding: Binding, panel: PanelId): boolean {
  return binding.panels === undefined || binding.panels === 'global' || binding.panels.includes(panel);
}

/** null when the binding may run now; otherwise the reason, in the operator's words. */
export function disabledReason(binding: Binding, s: CockpitState): string | null {
  if (binding.mutates && s.session.readonly) {
    return `read-only session: ${sanitize(s.session.readonlyReason ?? 'no reason given', 120)}`;
  }
  if (!appliesTo(binding, s.ui.focus)) {
    const panels = binding.panels as PanelId[];
    return `applies to the ${panels.map((p) => PANEL_TITLES[p].toLowerCase()).join(' / ')} panel`;
  }
  return binding.when?.(s) ?? null;
}

/** Finds by id or alias. */
export function findBinding(bindings: readonly Binding[], name: string): Binding | undefined {
  const n = name.trim().replace(/^:/, '');
  return bindings.find((b) => b.id === n) ?? bindings.find((b) => b.aliases?.includes(n));
}

export interface Dispatcher {
  readonly bindings: readonly Binding[];
  readonly store: CockpitStore;
  find(name: string): Binding | undefined;
  /**
   * Runs a binding by id or alias, unless it is disabled (flashes why) or dangerous and not yet
   * confirmed (opens the confirm overlay). Never throws: failures are flashed and reported.
   */
  attempt(name: string, opts?: { args?: BindingArgs; confirmed?: boolean }): Promise<AttemptOutcome | null>;
  /** The operator declined a confirm step. */
  cancel(name: string): void;
}

export interface DispatcherOptions {
  store: CockpitStore;
  /** The registry, from buildRegistry(services). */
  bindings: readonly Binding[];
  /** The audit hook: every attempt, including refused, disabled and cancelled ones. */
  onAttempt?: AttemptHook;
  pageRows?: (panel: PanelId) => number;
}

function errorText(e: unknown): string {
  return sanitize(e instanceof Error ? e.message : String(e), 200);
}

export function createDispatcher(opts: DispatcherOptions): Dispatcher {
  const { store, bindings } = opts;
  const pageRows = opts.pageRows ?? (() => 10);
  const flash = (text: string, level: 'info' | 'warn' | 'error') => store.getState().flash(text, level);

  const report = (binding: Binding, outcome: AttemptOutcome, args?: BindingArgs) => {
    if (!opts.onAttempt) return;
    try {
      opts.onAttempt(binding, outcome, { args, at: Date.now() });
    } catch (e) {
      // The audit trail failing must be seen, not swallowed.
      flash(`audit hook failed: ${errorText(e)}`, 'error');
    }
  };

  return {
    bindings,
    store,
    find: (name) => findBinding(bindings, name),
    async attempt(name, o = {}) {
      const binding = findBinding(bindings, name);
      if (!binding) {
        flash(`unknown command: ${sanitize(name, 40)} (? lists them)`, 'warn');
        return null;
      }
      const state = store.getState();
      const reason = disabledReason(binding, state);
      if (reason !== null) {
        flash(`${binding.title}: ${reason}`, 'warn');
        const outcome: AttemptOutcome = { status: 'disabled', reason };
        report(binding, outcome, o.args);
        return outcome;
      }
      if (binding.dangerous && binding.confirms !== 'flow' && !o.confirmed) {
        const prompt = binding.confirmPrompt?.(state, o.args) ?? `${binding.title}?`;
        // Asked from an overlay (the PIR editor): it comes back once answered.
        const back = state.ui.overlay;
        store.getState().setUi({
          overlay: { kind: 'confirm', actionId: binding.id, prompt, ...(o.args ? { args: o.args } : {}), ...(back ? { back } : {}) },
        });
        const outcome: AttemptOutcome = { status: 'confirm-requested' };
        report(binding, outcome, o.args);
        return outcome;
      }
      let outcome: AttemptOutcome;
      try {
        // Synchronous bindings (moves, focus) update the store before the key handler returns.
        const ret = binding.run({ store, args: o.args, confirmed: o.confirmed ?? false, pageRows });
        const result = ret instanceof Promise ? await ret : ret;
        outcome = result && result.prompted ? { status: 'prompted' } : { status: 'done' };
      } catch (e) {
        flash(`${binding.title} failed: ${errorText(e)}`, 'error');
        outcome = { status: 'failed', error: errorText(e) };
      }
      report(binding, outcome, o.args);
      return outcome;
    },
    cancel(name) {
      const binding = findBinding(bindings, name);
      store.getState().setUi({ overlay: null });
      if (binding) {
        flash(`${binding.title}: cancelled`, 'info');
        report(binding, { status: 'cancelled' }, undefined);
      }
    },
  };
}
