// The runbook's mitigations as registry actions (group `mitigation`): each appears in the Enter
// menu of the panel whose selection it applies to, runs by `:` name, and goes through one flow
// (parameters -> preview -> reason -> confirm -> progress -> result) in the mitigation overlay.
// Execution goes through the MitigationController attached to the store (attachMitigations):
// the same executeMitigation() as `lsos-cockpit act`, with the same checks and records.
import { MITIGATIONS } from '../../control/mitigations/catalog.js';
import type { MitigationController } from '../../control/mitigations/controller.js';
import type { MitigationOverlay } from '../state/mitigationOverlay.js';
import { formatParamLine, parseParamLine, ParamError } from '../../control/mitigations/params.js';
import type { Mitigation, MitigationParams } from '../../control/mitigations/types.js';
import { sanitize } from '../../core/sanitize.js';
import type { Action, ActionContext, ActionResult } from '../registry/registry.js';
import { failureTaskRows, selectedIndex, selectedQueue } from '../state/selectors.js';
import type { CockpitState, CockpitStore, PanelId } from '../state/store.js';

const controllers = new WeakMap<CockpitStore, MitigationController>();
const running = new WeakMap<CockpitStore, AbortController>();

/**
 * Connects a session's controller to its store: the actions find it here, and the controller's
 * state (backend, role, mitigations in force, drift) is published into `state.mitigations`.
 * Returns a detach function.
 */
export function attachMitigations(store: CockpitStore, controller: MitigationController): () => void {
  controllers.set(store, controller);
  store.setState({ mitigations: controller.snapshot() });
  const o = controller.o;
  const prev = o.publish;
  o.publish = (state) => {
    prev?.(state);
    store.setState({ mitigations: state });
  };
  return () => {
    controllers.delete(store);
    o.publish = prev;
  };
}

const PANELS_FOR: Record<Mitigation['appliesTo'], PanelId[]> = {
  queue: ['queues'],
  task: ['failures', 'queues'],
  provider: ['failures', 'escalation'],
  replica: ['replicas'],
  global: ['failures', 'escalation'],
};

/** The task the selection is about: the failures panel's row, else the queue's top failing task. */
function selectedTask(s: CockpitState): string | undefined {
  if (s.ui.focus === 'failures') {
    const rows = failureTaskRows(s);
    return rows[Math.min(selectedIndex(s, 'failures'), rows.length - 1)]?.task;
  }
  return selectedQueue(s)?.topFailingTasks[0]?.task;
}

function previousMonth(now: number): string {
  const d = new Date(now);
  const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1));
  return `${m.getUTCFullYear()}-${String(m.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Parameters prefilled from the selection; the operator edits the line before the preview. */
export function defaultParams(m: Mitigation, s: CockpitState, now: number): MitigationParams {
  const p: MitigationParams = {};
  const queue = selectedQueue(s)?.name;
  const want = new Set([...m.required, ...(m.optional ?? [])]);
  const workers = s.snapshot.workers.filter((w) => w.online && queue && w.queues.includes(queue));
  const inForce = s.mitigations?.inForce ?? [];
  const degraded = [...s.snapshot.providers].sort((a, b) => b.failures / Math.max(1, b.requests) - a.failures / Math.max(1, a.requests))[0];
  if (want.has('queue') && m.appliesTo === 'queue' && queue) p.queue = queue;
  if (want.has('task')) {
    const t = selectedTask(s);
    if (t && (m.appliesTo === 'task' || m.replay === undefined)) p.task = t;
    if (m.replay) delete p.task;
  }
  if (m.id === 'pause-task') p.until = now + 30 * 60_000;
  if (m.id === 'reduce-concurrency') p.concurrency = Math.max(1, Math.floor(Math.min(...workers.map((w) => w.concurrency), 8) / 2));
  if (m.id === 'scale-replicas') p.replicas = Math.max(2, workers.length * 2);
  if (m.id === 'restore-concurrency') {
    const f = inForce.find((x) => x.kind === 'shrunk-pool' && x.target === queue);
    const to = f?.expect.restoreTo as Record<string, number> | undefined;
    if (to && Object.keys(to).length) p.restoreTo = to;
  }
  if (m.id === 'resume-consuming') {
    const f = inForce.find((x) => x.kind === 'cancelled-consumer' && x.target === queue);
    const ws = f?.expect.workers as string[] | undefined;
    if (ws?.length) p.workers = ws;
  }
  if (m.id === 'quarantine-provider' && degraded) p.provider = degraded.name;
  if (m.id === 'unquarantine-provider') p.provider = s.snapshot.providers.find((x) => x.state === 'quarantined')?.name ?? degraded?.name;
  if (m.id === 'shift-provider') {
    const fallback =
      s.snapshot.providers.find((x) => x.state === 'healthy' && !x.active && x.name !== degraded?.name) ??
      s.snapshot.providers.find((x) => !x.active);
    if (fallback) p.provider = fallback.name;
    p.concurrency = 2;
  }
  if (want.has('campaigns') && s.snapshot.reporting.failedCampaigns.length && m.id !== 'backfill-rank')
    p.campaigns = s.snapshot.reporting.failedCampaigns.slice(0, 200);
  if (want.has('month')) p.month = previousMonth(now);
  if (m.id === 'backfill-rank') {
    p.days = [new Date(now - 86_400_000).toISOString().slice(0, 10)];
    const active = s.snapshot.providers.find((x) => x.active);
    if (active) p.provider = active.name;
  }
  return p;
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

async function runFlow(m: Mitigation, ctx: ActionContext): Promise<ActionResult> {
  const { store, args } = ctx;
  const controller = controllers.get(store);
  if (!controller) throw new Error('no mitigation backend in this session');
  const now = Date.now();
  const step = args?.step;
  if (step === undefined) {
    // From the menu (no args) or `:id key=value ...` (args.text).
    const line = args?.text?.trim() || formatParamLine(defaultParams(m, store.getState(), now), now);
    setOverlay(store, base(m, line));
    return { prompted: true };
  }
  const prev = current(store, m.id) ?? base(m, args?.params ?? '');
  if (step === 'stop') {
    running.get(store)?.abort();
    store.getState().flash(`${m.title}: stopping…`, 'warn');
    return;
  }
  let params: MitigationParams;
  try {
    params = parseParamLine(args?.params ?? '', now);
  } catch (e) {
    if (!(e instanceof ParamError)) throw e;
    setOverlay(store, { ...prev, step: 'params', text: args?.params ?? '', error: e.message });
    return { prompted: true };
  }
  if (step === 'preview') {
    const r = await controller.execute({ mitigationId: m.id, params, reason: 'preview', dryRun: true });
    if (r.status !== 'dry-run') throw new Error('unexpected result of a dry run');
    setOverlay(store, {
      ...prev,
      step: 'preview',
      params: args?.params ?? '',
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
  running.set(store, abort);
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
              ...(r.outcome.stopped ? ['stopped by the operator'] : []),
            ];
    setOverlay(store, { ...prev, step: 'result', reason: args?.reason ?? '', result: { status: r.status, lines, simulated: sim } });
    const level = r.status === 'done' ? 'info' : r.status === 'partial' ? 'warn' : 'error';
    store
      .getState()
      .flash(`${sim ? 'SIMULATED ' : ''}${m.title}: ${r.status}${r.status === 'refused' ? ` (${sanitize(r.refusal, 100)})` : ''}`, level);
  } finally {
    running.delete(store);
  }
}

function needsController(s: CockpitState): string | null {
  if (!s.mitigations) return 'no mitigation backend in this session';
  return null;
}

function actionOf(m: Mitigation): Action {
  return {
    id: m.id,
    keys: [],
    title: `${m.title} (runbook ${m.runbook})`,
    description: `${m.description} Needs role ${m.role}${m.undo ? `; undo: :${m.undo}` : ''}. Shows a preview, asks for a reason and to confirm. :${m.id} key=value… prefills the parameters.`,
    panels: PANELS_FOR[m.appliesTo],
    mutates: true,
    // The flow has its own preview and confirm step.
    dangerous: false,
    group: 'mitigation',
    // A role too low does not disable it: choosing it goes through the executor, which shows
    // the refusal and records it (runbook 8: refused attempts are part of the audit trail).
    when: needsController,
    run: (ctx) => runFlow(m, ctx),
  };
}

export const MITIGATION_ACTIONS: Action[] = MITIGATIONS.map(actionOf);
