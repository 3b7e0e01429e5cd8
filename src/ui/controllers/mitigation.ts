// The runbook's mitigations (src/control/mitigations/catalog.ts) as bindings (group
// `mitigation`): each appears in the Enter menu of the panel whose selection it applies to, runs
// by `:` name, and goes through one flow (parameters -> preview -> reason -> confirm -> progress
// -> result) in the mitigation overlay. Execution goes through `services.mitigation`, the same
// executeMitigation() as `lsos-cockpit act`, with the same checks and records. Adding a
// mitigation to the catalog adds its binding here; nothing else is needed.
import { MITIGATIONS } from '../../control/mitigations/catalog.js';
import type { MitigationController } from '../../control/mitigations/controller.js';
import { formatParamLine, parseParamLine, ParamError } from '../../control/mitigations/params.js';
import type { Mitigation, MitigationParams } from '../../control/mitigations/types.js';
import { sanitize } from '../../core/sanitize.js';
import type { Binding, BindingContext, BindingResult, CockpitServices } from '../registry/types.js';
import type { CockpitState, CockpitStore, MitigationOverlay, PanelId } from '../state/store.js';
import { buildForm, choicesFor, formLine, menuWhen, paramsFromForm, prefill } from './mitigationForm.js';

const NO_BACKEND = 'no mitigation backend in this session';

const PANELS_FOR: Record<Mitigation['appliesTo'], PanelId[]> = {
  queue: ['queues'],
  task: ['failures', 'queues'],
  provider: ['failures', 'escalation'],
  replica: ['replicas'],
  global: ['failures', 'escalation'],
};

/** Parameters prefilled from the selection and the system (the form shows where each came from). */
export function defaultParams(m: Mitigation, s: CockpitState, now: number): MitigationParams {
  return prefill(m, s, now).params;
}

function setOverlay(store: CockpitStore, o: MitigationOverlay | null): void {
  store.getState().setUi({ overlay: o });
}

function current(store: CockpitStore, id: string): MitigationOverlay | null {
  const o = store.getState().ui.overlay;
  return o?.kind === 'mitigation' && o.id === id ? o : null;
}

function base(m: Mitigation, params: string): MitigationOverlay {
  return { kind: 'mitigation', step: 'params', id: m.id, title: m.title, params, reason: '', text: params };
}

/** The parameters form, prefilled (what the `:` line typed wins), focused on its first field that needs work. */
function withForm(m: Mitigation, s: CockpitState, now: number, typed: MitigationParams): MitigationOverlay {
  const form = buildForm(m, s, now, typed);
  const bad = form.findIndex((f) => f.error !== null || (f.required && f.value === ''));
  const field = bad >= 0 ? bad : 0;
  return { ...base(m, formLine(form)), form, field, text: form[field]?.value ?? '' };
}

/** What one registry's mitigation bindings share: the controller, the clock, the run in progress. */
interface FlowDeps {
  controller: MitigationController;
  now(): number;
  /** Aborts the mitigation running now (the `s` key while it runs); null when none runs. */
  running: { abort: AbortController | null };
}

async function runFlow(m: Mitigation, deps: FlowDeps, ctx: BindingContext): Promise<BindingResult> {
  const { store, args } = ctx;
  const { controller, running } = deps;
  const now = deps.now();
  const step = args?.step;
  if (step === undefined) {
    // From the menu (no args) or `:id key=value ...` (args.text): the form, prefilled.
    let typed: MitigationParams = {};
    try {
      typed = parseParamLine(args?.text ?? '', now);
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      setOverlay(store, { ...withForm(m, store.getState(), now, {}), error: e.message });
      return { prompted: true };
    }
    setOverlay(store, withForm(m, store.getState(), now, typed));
    return { prompted: true };
  }
  const prev = current(store, m.id) ?? base(m, args?.params ?? '');
  if (step === 'stop') {
    running.abort?.abort();
    store.getState().flash(`${m.title}: stopping…`, 'warn');
    return;
  }
  let params: MitigationParams;
  try {
    // The form when it is open (each field parsed as itself), else the line the step was given.
    params = prev.form ? paramsFromForm(prev.form, now) : parseParamLine(args?.params ?? '', now);
  } catch (e) {
    if (!(e instanceof ParamError)) throw e;
    setOverlay(store, { ...prev, step: 'params', error: e.message });
    return { prompted: true };
  }
  if (step === 'preview') {
    const r = await controller.execute({ mitigationId: m.id, params, reason: 'preview', dryRun: true });
    if (r.status !== 'dry-run') throw new Error('unexpected result of a dry run');
    setOverlay(store, {
      ...prev,
      step: 'preview',
      params: prev.form ? formatParamLine(params, now) : (args?.params ?? ''),
      preview: {
        title: r.preview.title,
        lines: r.preview.lines.map((l) => `${l.kind.padEnd(7)} ${l.text}`),
        refusal: r.wouldRefuse && r.wouldRefuse !== 'a reason is required' ? r.wouldRefuse : null,
        simulated: r.preview.simulated,
        overrideTask: m.replay ? (params.overrideTask ?? null) : null,
        dangerous: m.dangerous,
      },
    });
    return { prompted: true };
  }
  if (step !== 'execute') throw new Error(`unknown step ${sanitize(String(step), 20)}`);
  if (params.overrideTask !== undefined && args?.override !== params.overrideTask) {
    setOverlay(store, { ...prev, step: 'confirm', text: '', error: `type ${params.overrideTask} to override` });
    return { prompted: true };
  }
  const abort = new AbortController();
  running.abort = abort;
  setOverlay(store, { ...prev, step: 'running', reason: args?.reason ?? '', progress: { done: 0, total: 0, text: 'starting' } });
  try {
    const r = await controller.execute({
      mitigationId: m.id,
      params,
      reason: args?.reason ?? '',
      signal: abort.signal,
      onProgress: (done, total, text) => {
        const o = current(store, m.id);
        if (o?.step === 'running') setOverlay(store, { ...o, progress: { done, total, text: text ?? `${done}/${total}` } });
      },
    });
    const sim = controller.backend.simulated;
    const lines =
      r.status === 'refused'
        ? [`refused: ${r.refusal}`, 'recorded as refused in the timeline and the audit trail']
        : r.status === 'dry-run'
          ? []
          : [
              ...r.outcome.details.map((d) => `ok      ${d}`),
              ...r.outcome.failures.map((f) => `FAILED  ${f.target}: ${f.error}`),
              // Not known either way: shown in force, unconfirmed, until the worker's replies settle it.
              ...(r.outcome.unconfirmed ?? []).map((f) => `NO REPLY ${f.error}`),
              ...(r.outcome.stopped ? ['stopped by the operator'] : []),
            ];
    setOverlay(store, { ...prev, step: 'result', reason: args?.reason ?? '', result: { status: r.status, lines, simulated: sim } });
    const level = r.status === 'done' ? 'info' : r.status === 'partial' || r.status === 'no-reply' ? 'warn' : 'error';
    store
      .getState()
      .flash(`${sim ? 'SIMULATED ' : ''}${m.title}: ${r.status}${r.status === 'refused' ? ` (${sanitize(r.refusal, 100)})` : ''}`, level);
  } finally {
    running.abort = null;
  }
}

/**
 * The `:` line's completion of a mitigation's `key=value` words: the parameter names not typed
 * yet (`queue=`), and once a name and `=` are typed, its pick list (the queues, the reason codes...).
 */
export function completeParams(m: Mitigation, s: CockpitState, before: readonly string[], current: string, now: number): string[] {
  const names = [...m.required, ...(m.optional ?? [])];
  const given = new Set(before.map((w) => w.split('=')[0]));
  const eq = current.indexOf('=');
  if (eq < 0) return names.filter((k) => !given.has(k)).map((k) => `${k}=`);
  const key = names.find((k) => k === current.slice(0, eq));
  if (!key) return [];
  let typed: MitigationParams = {};
  try {
    typed = parseParamLine(before.join(' '), now);
  } catch {
    // A word not understood yet: the pick list without it.
  }
  return choicesFor(m, s, key, typed).choices.map((c) => `${key}=${c}`);
}

/** One binding per catalog mitigation; disabled, saying why, when the session has no backend. */
export function bindings({ mitigation, clock }: CockpitServices): Binding[] {
  const running: FlowDeps['running'] = { abort: null };
  return MITIGATIONS.map((m) => ({
    id: m.id,
    keys: [],
    title: `${m.title} (runbook ${m.runbook})`,
    description: `${m.description} Needs role ${m.role}${m.undo ? `; undo: :${m.undo}` : ''}. Shows a preview, asks for a reason and to confirm. :${m.id} key=value… prefills the parameters.`,
    panels: PANELS_FOR[m.appliesTo],
    usage: [...m.required.map((k) => `${k}=`), ...(m.optional ?? []).map((k) => `[${k}=]`)].join(' '),
    complete: (s, before, cur) => completeParams(m, s, before, cur, clock.now()),
    mutates: true,
    // As the catalog says, so the menu and help mark it; the flow asks (after its preview and
    // reason), not the dispatcher.
    dangerous: m.dangerous,
    confirms: 'flow',
    group: 'mitigation',
    // A role too low does not disable it: choosing it goes through the executor, which shows
    // the refusal and records it (runbook 8: refused attempts are part of the audit trail).
    when: () => (mitigation ? null : NO_BACKEND),
    menuWhen: (s) => menuWhen(m, s),
    run: (ctx) => {
      if (!mitigation) throw new Error(NO_BACKEND);
      return runFlow(m, { controller: mitigation, now: () => clock.now(), running }, ctx);
    },
  }));
}
