// A mitigation's parameters as a form: one field per parameter it takes, each with its label in
// the runbook's words, its allowed values or format, the value on the system now, a prefill from
// the selection and the system (the pool's size before the shrink for a restore, the contract's
// reason codes as a pick list, the tasks of the queue) and validation as it is typed. Pure: the
// store's state in, fields out; the overlay's keys (panels/overlays/mitigation/route.ts) edit them.
import { REPLAY_REASON_CODES } from '../../control/celery/types.js';
import { ALL_WORKERS, checkParamText, paramSpec, paramText, ParamError, setParam } from '../../control/mitigations/params.js';
import type { Mitigation, MitigationParams, ParamName } from '../../control/mitigations/types.js';
import { FAILURE_CLASSES, type FailureClass, type QueueSnapshot } from '../../core/snapshot.js';
import { failureTaskRows, selectedIndex, selectedQueue } from '../state/selectors.js';
import type { FormField } from '../state/mitigationForm.js';
import type { CockpitState } from '../state/store.js';

export type { FormField };

/** Prefilled parameters and where each came from. */
export interface Prefill {
  params: MitigationParams;
  sources: Partial<Record<ParamName, string>>;
}

/** The replay reason code that fits a failure class (contract section 5). */
export function reasonCodeFor(c: FailureClass | undefined): (typeof REPLAY_REASON_CODES)[number] {
  switch (c) {
    case 'transient':
      return 'transient-cleared';
    case 'provider':
      return 'provider-recovered';
    case 'validation':
      return 'data-corrected';
    default:
      return 'fix-deployed';
  }
}

/** The task the selection is about: the failures panel's row, else the queue's top failing task. */
export function selectedTask(s: CockpitState): { task: string; queue: string; failureClass: FailureClass } | undefined {
  if (s.ui.focus === 'failures') {
    const rows = failureTaskRows(s);
    const r = rows[Math.min(selectedIndex(s, 'failures'), rows.length - 1)];
    return r ? { task: r.task, queue: r.queue, failureClass: r.failureClass } : undefined;
  }
  const q = selectedQueue(s);
  const t = q?.topFailingTasks[0];
  return q && t ? { task: t.task, queue: q.name, failureClass: t.failureClass } : undefined;
}

function previousMonth(now: number): string {
  const d = new Date(now);
  const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1));
  return `${m.getUTCFullYear()}-${String(m.getUTCMonth() + 1).padStart(2, '0')}`;
}

const dominantClass = (q: QueueSnapshot | undefined): FailureClass | undefined => {
  if (!q) return undefined;
  let best: FailureClass | undefined;
  for (const c of FAILURE_CLASSES)
    if ((q.failuresByClass[c] ?? 0) > 0 && (best === undefined || q.failuresByClass[c] > q.failuresByClass[best])) best = c;
  return q.topFailingTasks[0]?.failureClass ?? best;
};

/** Online workers consuming a queue, from the snapshot. */
const queueWorkers = (s: CockpitState, queue: string | undefined) =>
  queue ? s.snapshot.workers.filter((w) => w.online && w.queues.includes(queue)) : [];

const sizes = (xs: number[]): string => [...new Set(xs)].sort((a, b) => a - b).join('/') || '?';

/** Increase replicas: twice the healthy workers, never below 2; the source says which of the two it is. */
export function replicasPrefill(healthy: number): [number, string] {
  if (healthy === 0) return [2, 'a floor of 2 (no healthy worker now)'];
  return [healthy * 2, `twice the ${healthy} healthy worker${healthy === 1 ? '' : 's'} now`];
}

/**
 * Why the Enter menu shows a mitigation disabled for the selected queue, or null. Restore
 * concurrency on a queue whose pools are all the same size and no shrink is recorded: nothing
 * to grow back to.
 */
export function menuWhen(m: Mitigation, s: CockpitState): string | null {
  if (m.id !== 'restore-concurrency' || s.ui.focus !== 'queues') return null;
  const q = selectedQueue(s);
  if (!q) return null;
  if ((s.mitigations?.inForce ?? []).some((x) => x.kind === 'shrunk-pool' && x.target === q.name)) return null;
  const pools = [...new Set(queueWorkers(s, q.name).map((w) => w.concurrency))];
  if (pools.length !== 1) return null;
  return `${q.name} pools at their normal size (${pools[0]}), no shrink recorded`;
}

/**
 * Parameters prefilled from the selection and the system, and where each came from. What the
 * operator typed on the `:` line (`typed`) is what the rest is prefilled around (its queue).
 */
export function prefill(m: Mitigation, s: CockpitState, now: number, typed: MitigationParams = {}): Prefill {
  const p: MitigationParams = {};
  const from: Partial<Record<ParamName, string>> = {};
  const set = <K extends ParamName>(k: K, v: MitigationParams[K] | undefined, source: string): void => {
    if (v === undefined) return;
    p[k] = v;
    from[k] = source;
  };
  const want = new Set([...m.required, ...(m.optional ?? [])]);
  const sel = selectedTask(s);
  const selQueue = s.ui.focus === 'failures' ? sel?.queue : selectedQueue(s)?.name;
  const inForce = s.mitigations?.inForce ?? [];
  const providers = s.snapshot.providers;
  const degraded = [...providers].sort((a, b) => b.failures / Math.max(1, b.requests) - a.failures / Math.max(1, a.requests))[0];

  if (m.replay) {
    // The selected queue when it holds dead letters, else the one whose dead letters grow fastest.
    const withDead = s.snapshot.queues.filter((q) => q.deadLetters > 0);
    const named = typed.queue ? s.snapshot.queues.find((q) => q.name === typed.queue) : undefined;
    const picked = named ?? withDead.find((q) => q.name === selQueue);
    const queue = picked ?? [...withDead].sort((a, b) => b.deadLetterGrowthPerHour - a.deadLetterGrowthPerHour)[0];
    set('queue', queue?.name, named ? 'typed on the : line' : picked ? 'the selection' : 'the fastest-growing dead-letter queue');
    const cls = s.ui.focus === 'failures' && sel?.queue === queue?.name ? sel?.failureClass : dominantClass(queue);
    set('reasonCode', reasonCodeFor(cls), `the ${cls ?? 'failure'} class of its failures`);
    set('failureClass', cls, "the queue's most frequent failure class (1 h)");
    set('fixCheck', 'require', 'runbook 3.4: replay after the fix');
    return { params: p, sources: from };
  }
  if (want.has('queue') && m.appliesTo === 'queue' && selQueue) set('queue', selQueue, 'the selection');
  if (want.has('task') && sel) set('task', sel.task, s.ui.focus === 'failures' ? 'the selection' : "the selected queue's top failing task");
  if (m.id === 'fix-deployed' && sel) set('failureClass', sel.failureClass, 'its failures');
  const workers = queueWorkers(s, p.queue);
  if (m.id === 'pause-task') set('until', now + 30 * 60_000, 'the default pause (30m)');
  if (m.id === 'reduce-concurrency')
    set('concurrency', Math.max(1, Math.floor(Math.min(...workers.map((w) => w.concurrency), 8) / 2)), 'half the pool now');
  if (m.id === 'scale-replicas') set('replicas', ...replicasPrefill(workers.length));
  if (m.id === 'restore-concurrency') {
    // The pool's normal size: what the shrink recorded, else the largest pool serving the queue now.
    const f = inForce.find((x) => x.kind === 'shrunk-pool' && x.target === p.queue);
    const to = f?.expect.restoreTo as Record<string, number> | undefined;
    const recorded = to ? Object.values(to) : [];
    if (recorded.length && recorded.every((n) => n === recorded[0]) && Object.keys(to ?? {}).length >= workers.length)
      set('restoreTo', { [ALL_WORKERS]: recorded[0] as number }, `the shrink's record (${f?.by ?? '?'})`);
    else if (to && recorded.length) set('restoreTo', to, `the shrink's record (${f?.by ?? '?'})`);
    else if (workers.length)
      set(
        'restoreTo',
        { [ALL_WORKERS]: Math.max(...workers.map((w) => w.concurrency)) },
        'the largest pool serving it now (no shrink recorded)',
      );
  }
  if (m.id === 'resume-consuming') {
    const f = inForce.find((x) => x.kind === 'cancelled-consumer' && x.target === p.queue);
    const ws = f?.expect.workers as string[] | undefined;
    if (ws?.length) set('workers', ws, "the stop's record");
  }
  if (m.id === 'quarantine-provider' && degraded) set('provider', degraded.name, 'the pool failing most');
  if (m.id === 'unquarantine-provider') {
    const q = providers.find((x) => x.state === 'quarantined');
    set('provider', q?.name ?? degraded?.name, q ? 'the quarantined pool' : 'the pool failing most');
  }
  if (m.id === 'shift-provider') {
    const fallback =
      providers.find((x) => x.state === 'healthy' && !x.active && x.name !== degraded?.name) ?? providers.find((x) => !x.active);
    set('provider', fallback?.name, 'a healthy pool that is not active');
    set('concurrency', 2, 'a reduced start (runbook 5.3)');
  }
  if (want.has('campaigns') && s.snapshot.reporting.failedCampaigns.length && m.id !== 'backfill-rank')
    set('campaigns', s.snapshot.reporting.failedCampaigns.slice(0, 200), 'the failed report runs');
  if (want.has('month')) set('month', previousMonth(now), 'the last report month');
  if (m.id === 'backfill-rank') {
    set('days', [new Date(now - 86_400_000).toISOString().slice(0, 10)], 'yesterday');
    set('provider', providers.find((x) => x.active)?.name, 'the active pool');
  }
  return { params: p, sources: from };
}

/** What the system says now about each parameter, for the form's `now:` column. */
export function currentValues(m: Mitigation, s: CockpitState, p: MitigationParams): Partial<Record<ParamName, string>> {
  const out: Partial<Record<ParamName, string>> = {};
  const q = s.snapshot.queues.find((x) => x.name === p.queue);
  const workers = queueWorkers(s, p.queue);
  if (q)
    out.queue = m.replay
      ? `${q.deadLetters} in ${q.name}.dead (+${Math.round(q.deadLetterGrowthPerHour)}/h)`
      : `depth ${q.depth}, ${workers.length} workers online`;
  if (m.id === 'reduce-concurrency' || m.id === 'restore-concurrency') {
    const now = workers.length ? `${sizes(workers.map((w) => w.concurrency))} processes on ${workers.length} workers` : 'no worker online';
    if (m.id === 'reduce-concurrency') out.concurrency = now;
    else out.restoreTo = now;
  }
  if (m.id === 'scale-replicas') out.replicas = `${workers.length} healthy workers`;
  if (m.replay && q) {
    const mix = FAILURE_CLASSES.filter((c) => q.failuresByClass[c] > 0)
      .sort((a, b) => q.failuresByClass[b] - q.failuresByClass[a])
      .map((c) => `${c} ${q.failuresByClass[c]}`);
    out.failureClass = mix.length ? `failures 1 h: ${mix.join(', ')}` : 'no failures in 1 h';
    out.count = `${q.deadLetters} dead letters`;
    out.task =
      q.topFailingTasks
        .map((t) => `${t.task} ${t.count}`)
        .slice(0, 3)
        .join(', ') ||
      null ||
      undefined;
  }
  if (p.task && !m.replay) {
    const fails = s.snapshot.queues.flatMap((x) => x.topFailingTasks).filter((t) => t.task === p.task);
    const paused = (s.mitigations?.inForce ?? []).find((x) => x.kind === 'paused-task' && x.target === p.task);
    out.task = `${fails.reduce((n, t) => n + t.count, 0)} failures in 1 h${fails[0] ? ` (${fails[0].failureClass})` : ''}`;
    if (m.id === 'pause-task') out.until = paused ? `paused until ${paused.until ?? '?'}` : 'not paused';
  }
  if (p.provider) {
    const pr = s.snapshot.providers.find((x) => x.name === p.provider);
    if (pr) out.provider = `${pr.state}${pr.active ? ', active' : ''}, ${pr.failures}/${pr.requests} failed`;
  }
  return out;
}

/** The pick list of a parameter (strict: closed lists from the contract). */
export function choicesFor(m: Mitigation, s: CockpitState, key: ParamName, p: MitigationParams): { choices: string[]; strict: boolean } {
  const spec = paramSpec(m.id, key);
  if (spec.choices) return { choices: [...spec.choices], strict: true };
  const queue = s.snapshot.queues.find((x) => x.name === p.queue);
  switch (key) {
    case 'queue': {
      const qs = m.replay ? s.snapshot.queues.filter((x) => x.deadLetters > 0) : s.snapshot.queues;
      return { choices: qs.map((x) => x.name), strict: false };
    }
    case 'task':
    case 'overrideTask': {
      const tasks = (m.replay && queue ? queue.topFailingTasks : s.snapshot.queues.flatMap((x) => x.topFailingTasks)).map((t) => t.task);
      return { choices: [...new Set(tasks)], strict: false };
    }
    case 'provider':
      return { choices: s.snapshot.providers.map((x) => x.name), strict: false };
    case 'replica':
      return { choices: ['primary', ...s.snapshot.database.replicas.map((r) => r.name)], strict: false };
    default:
      return { choices: [], strict: false };
  }
}

/** Why a field's value is not accepted (null: fine): needed and empty, off a closed list, or unparsable. */
export function checkField(f: FormField, now: number): string | null {
  const v = f.value.trim();
  if (v === '') return f.required ? `${f.label} is needed` : null;
  if (f.strict && !f.choices.includes(v)) return `${f.label}: one of ${f.choices.join(', ')}`;
  return checkParamText(f.key, v, now);
}

export function editField(f: FormField, value: string, now: number): FormField {
  const next = { ...f, value };
  return { ...next, error: checkField(next, now) };
}

/** Left/Right on a pick list: the previous or next choice (an optional field can also be left empty). */
export function cycleField(f: FormField, dir: 1 | -1, now: number): FormField {
  if (f.choices.length === 0) return f;
  const list = f.required ? f.choices : ['', ...f.choices];
  const at = list.indexOf(f.value.trim());
  const i = at < 0 ? (dir > 0 ? 0 : list.length - 1) : (at + dir + list.length) % list.length;
  return editField(f, list[i] ?? '', now);
}

/** The form as a `key=value` line (only what is filled in): the record, and `e` back from the preview. */
export function formLine(form: readonly FormField[]): string {
  return form
    .filter((f) => f.value.trim() !== '')
    .map((f) => `${f.key}=${f.value.trim().replace(/\s*,\s*/g, ',')}`)
    .join(' ');
}

/** The parameters the form says; throws ParamError naming the field whose value does not parse. */
export function paramsFromForm(form: readonly FormField[], now: number): MitigationParams {
  const p: MitigationParams = {};
  for (const f of form) {
    const v = f.value.trim().replace(/\s*,\s*/g, ',');
    if (v === '') continue;
    try {
      setParam(p, f.key, v, now);
    } catch (e) {
      if (e instanceof ParamError) throw new ParamError(`${f.label}: ${e.message}`);
      throw e;
    }
  }
  return p;
}

/** The first field that is not accepted, and why. */
export function firstProblem(form: readonly FormField[], now: number): { index: number; error: string } | null {
  for (const [index, f] of form.entries()) {
    const error = checkField(f, now);
    if (error) return { index, error };
  }
  return null;
}

/**
 * The form of a mitigation: its required parameters first, then the optional ones, each prefilled
 * (typed values from the `:` line win over the prefill) and checked.
 */
export function buildForm(m: Mitigation, s: CockpitState, now: number, typed: MitigationParams = {}): FormField[] {
  const pre = prefill(m, s, now, typed);
  const params: MitigationParams = { ...pre.params, ...typed };
  const current = currentValues(m, s, params);
  const keys = [...m.required, ...(m.optional ?? [])];
  if (m.replay && !keys.includes('fixCheck')) keys.push('fixCheck');
  return keys.map((key) => {
    const spec = paramSpec(m.id, key);
    const { choices, strict } = choicesFor(m, s, key, params);
    const f: FormField = {
      key,
      label: spec.label,
      format: spec.format,
      value: paramText(key, params[key], now),
      current: current[key] ?? null,
      source: key in typed ? 'typed on the : line' : (pre.sources[key] ?? null),
      choices,
      strict,
      required: m.required.includes(key),
      error: null,
    };
    return { ...f, error: checkField(f, now) };
  });
}
