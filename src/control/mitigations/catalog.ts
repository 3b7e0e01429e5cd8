// The runbook's mitigations as data (sections 3 to 6 and 8). Each says what it needs, who may
// run it, what it will do (preview: exact keys, messages, workers, commands) and how it runs.
import { randomUUID } from 'node:crypto';
import { NO_REPLY, NO_REPLY_TEXT } from '../../core/inForce.js';
import { classMix, clockTime, DEFAULT_REPLAY_QUIET_MS, judgeReplay, type DeadLetterGroup } from '../../core/replayGuard.js';
import type { FailureClass } from '../../core/snapshot.js';
import { formatDurationDetail } from '../../domain/duration.js';
import { createClassifier } from '../../domain/failureClasses.js';
import { deadLetterQueueOf, retryLaneOf } from '../../domain/queues.js';
import type { ControlReply, TaskSpec } from '../celery/types.js';
import type { StepResult } from './backend.js';
import { flagKeys, iso, type FrozenValue, type PauseValue } from './flags.js';
import { OWNER_NOTICE_MITIGATIONS } from './ownerNotices.js';
import { ALL_WORKERS } from './params.js';
import { READ_FAILOVER_MITIGATIONS } from './readFailover.js';
import { stepServices } from './stepServices.js';
import type { Failure, Mitigation, MitigationContext, Outcome, Preview, PreviewLine } from './types.js';
import { compareText } from '../../domain/textOrder.js';

export const DEFAULT_PAUSE_MS = 30 * 60_000;
export const MAX_PAUSE_MS = 7 * 24 * 3600_000;
export const RETRY_LANE = retryLaneOf('reporting');
export const MAX_PUBLISH = 10_000;

const line = (kind: PreviewLine['kind'], text: string): PreviewLine => ({ kind, text });

function preview(ctx: MitigationContext, title: string, lines: PreviewLine[], blockers: string[] = []): Preview {
  return { title, lines, blockers, simulated: ctx.backend.simulated };
}

/**
 * Combines step results into an outcome: done, partly done (what failed or is not known), failed,
 * or no reply (nothing acknowledged, nothing refused: it may still apply).
 */
export function outcomeOf(ctx: MitigationContext, steps: StepResult[], extra: Partial<Outcome> = {}): Outcome {
  const failures: Failure[] = steps.filter((s) => !s.ok && !s.noReply).map((s) => ({ target: s.target, error: s.detail }));
  const unconfirmed: Failure[] = steps.filter((s) => !s.ok && s.noReply).map((s) => ({ target: s.target, error: s.detail }));
  const okCount = steps.length - failures.length - unconfirmed.length;
  const status =
    okCount > 0 ? (failures.length + unconfirmed.length === 0 ? 'done' : 'partial') : unconfirmed.length > 0 ? NO_REPLY : 'failed';
  return {
    status,
    details: steps.filter((s) => s.ok).map((s) => s.detail),
    failures,
    ...(unconfirmed.length ? { unconfirmed } : {}),
    simulated: ctx.backend.simulated,
    ...extra,
  };
}

/**
 * One step per worker asked: its reply (acknowledged or refused), or, for a worker that never
 * replied, a step whose outcome is not known. Celery carries out a remote-control command it
 * reads late (it checks `expires` only on replies), so silence is "no reply: may still apply",
 * never a failure; the in-force checker confirms it either way from the worker's later replies.
 */
export const replySteps = (replies: ControlReply[], asked: string[], what: string): StepResult[] => {
  const steps: StepResult[] = replies.map((r) => ({
    ok: r.ok,
    target: r.worker,
    detail: `${r.worker} ${r.ok ? 'acknowledged' : 'refused'} ${what}: ${r.detail}`,
  }));
  for (const w of asked) {
    if (!replies.some((r) => r.worker === w))
      steps.push({ ok: false, noReply: true, target: w, detail: `${w} did not reply to ${what}: ${NO_REPLY_TEXT}` });
  }
  return steps;
};

async function needQueue(ctx: MitigationContext): Promise<string[]> {
  const q = ctx.params.queue;
  if (!q) return ['a queue is needed'];
  const known = await ctx.backend.knownQueues();
  return known.length > 0 && !known.includes(q) ? [`unknown queue ${q} (known: ${known.join(', ')})`] : [];
}

async function needProvider(ctx: MitigationContext, name = ctx.params.provider): Promise<string[]> {
  if (!name) return ['a provider pool is needed'];
  const known = await ctx.backend.knownProviders();
  return known.length > 0 && !known.includes(name) ? [`unknown provider pool ${name} (known: ${known.join(', ')})`] : [];
}

function reportSpecs(ctx: MitigationContext, tasks: string[]): TaskSpec[] {
  const { campaigns = [], month } = ctx.params;
  const queue = ctx.params.queue ?? RETRY_LANE;
  return campaigns.flatMap((c) => tasks.map((task) => ({ task, queue, kwargs: { campaign_id: c, month }, id: randomUUID() })));
}

function backfillSpecs(ctx: MitigationContext): TaskSpec[] {
  const { campaigns = [], days = [], keywords = [], provider } = ctx.params;
  const queue = ctx.params.queue ?? 'rank';
  const out: TaskSpec[] = [];
  for (const c of campaigns) {
    for (const day of days) {
      const base = { campaign_id: c, provider, window: day };
      for (const k of keywords) out.push({ task: 'rank.check_serp', queue, kwargs: { ...base, keyword: k }, id: randomUUID() });
    }
  }
  return out;
}

function messageLines(specs: TaskSpec[]): PreviewLine[] {
  const byTask = new Map<string, number>();
  for (const s of specs) byTask.set(`${s.task} -> ${s.queue}`, (byTask.get(`${s.task} -> ${s.queue}`) ?? 0) + 1);
  const lines = [...byTask].map(([k, n]) => line('message', `publish ${n} x ${k} (Celery protocol v2, lsos_sent_at stamped)`));
  for (const s of specs.slice(0, 5)) lines.push(line('message', `  e.g. ${s.task} kwargs ${JSON.stringify(s.kwargs)}`));
  if (specs.length > 5) lines.push(line('message', `  ... and ${specs.length - 5} more`));
  return lines;
}

async function publishOutcome(
  ctx: MitigationContext,
  specs: TaskSpec[],
  opts: { signal: AbortSignal; onProgress?: (d: number, t: number) => void },
): Promise<Outcome> {
  const r = await ctx.backend.publish(specs, opts);
  const ids = r.published.map((p) => p.id);
  const failures: Failure[] = [];
  if (r.error) failures.push({ target: `${specs.length - r.published.length} of ${specs.length} messages`, error: r.error });
  const stopped = opts.signal.aborted && r.published.length < specs.length;
  if (stopped && !r.error)
    failures.push({ target: `${specs.length - r.published.length} of ${specs.length} messages`, error: 'stopped by the operator' });
  const status = failures.length === 0 ? 'done' : r.published.length > 0 ? 'partial' : 'failed';
  const counts = new Map<string, number>();
  for (const p of r.published) counts.set(`${p.task} -> ${p.queue}`, (counts.get(`${p.task} -> ${p.queue}`) ?? 0) + 1);
  return {
    status,
    details: [...counts].map(([k, n]) => `published ${n} x ${k}`),
    failures,
    simulated: ctx.backend.simulated,
    taskIds: ids,
    correlationIds: ids,
    ...(stopped ? { stopped: true } : {}),
  };
}

/** The flags now, for a preview's "before"; null when they cannot be read (the preview says unknown, it does not fail). */
async function flagsNow(ctx: MitigationContext) {
  return ctx.backend.readFlags().catch(() => null);
}

function pauseValue(ctx: MitigationContext, until: number): PauseValue {
  return { by: ctx.operator, reason: ctx.reason, at: iso(ctx.now), until: iso(until) };
}

function pauseUntil(ctx: MitigationContext): number {
  return ctx.params.until ?? ctx.now + DEFAULT_PAUSE_MS;
}

// ---- the catalogue -------------------------------------------------------------------------------

const reduceConcurrency: Mitigation = {
  id: 'reduce-concurrency',
  title: 'Reduce concurrency',
  runbook: '3.3',
  appliesTo: 'queue',
  required: ['queue', 'concurrency'],
  optional: ['workers'],
  role: 'operator',
  dangerous: false,
  undo: 'restore-concurrency',
  inForce: { kind: 'shrunk-pool' },
  description: "Shrink the worker pools consuming a queue (Celery pool_shrink), waiting for each worker's reply.",
  async preview(ctx) {
    const blockers = await needQueue(ctx);
    const target = ctx.params.concurrency;
    if (target === undefined || !Number.isInteger(target) || target < 1)
      blockers.push('concurrency must be a whole number >= 1 (processes per worker)');
    const workers = blockers.length ? [] : await selectedWorkers(ctx);
    if (!blockers.length && workers.length === 0) blockers.push(`no worker consumes ${ctx.params.queue}`);
    const lines = workers.map((w) =>
      w.concurrency === null
        ? line('worker', `${w.worker}: pool size unknown: asks pool_shrink to ${target}`)
        : w.concurrency <= (target ?? 0)
          ? line('note', `${w.worker}: pool ${w.concurrency} already <= ${target}: left alone`)
          : line('worker', `${w.worker}: pool_shrink n=${w.concurrency - (target ?? 0)} (${w.concurrency} -> ${target} processes)`),
    );
    const before = [...new Set(workers.map((w) => (w.concurrency === null ? '?' : String(w.concurrency))))].join('/') || '?';
    return preview(ctx, `Reduce ${ctx.params.queue} worker pools ${before} -> ${target} processes`, lines, blockers);
  },
  async run(ctx) {
    const target = ctx.params.concurrency ?? 1;
    const workers = (await selectedWorkers(ctx)).filter((w) => w.concurrency === null || w.concurrency > target);
    const plan = workers.map((w) => ({ worker: w.worker, from: w.concurrency ?? target + 1, to: target }));
    const replies = await ctx.backend.setConcurrency(plan);
    const steps = replySteps(
      replies,
      plan.map((p) => p.worker),
      `pool ${target}`,
    );
    // A worker that did not reply may still shrink: its size before is kept for the undo too.
    const restoreTo = Object.fromEntries(
      plan.filter((p) => !replies.some((r) => r.worker === p.worker && !r.ok)).map((p) => [p.worker, p.from]),
    );
    return outcomeOf(ctx, steps, { record: { restoreTo, queue: ctx.params.queue, concurrency: target } });
  },
};

async function selectedWorkers(ctx: MitigationContext) {
  const all = await ctx.backend.queueWorkers(ctx.params.queue ?? '');
  const only = ctx.params.workers;
  return only && only.length ? all.filter((w) => only.includes(w.worker)) : all;
}

const restoreConcurrency: Mitigation = {
  id: 'restore-concurrency',
  title: 'Restore concurrency',
  runbook: '3.3',
  appliesTo: 'queue',
  required: ['queue', 'restoreTo'],
  role: 'operator',
  dangerous: false,
  undo: 'reduce-concurrency',
  inForce: { kind: 'shrunk-pool', removes: true },
  description: 'Grow the shrunk pools back to their size before the shrink (Celery pool_grow).',
  async preview(ctx) {
    const blockers = await needQueue(ctx);
    if (Object.keys(ctx.params.restoreTo ?? {}).length === 0)
      blockers.push('nothing to restore: no pool size given or recorded before a shrink');
    const now = blockers.length ? [] : await ctx.backend.queueWorkers(ctx.params.queue ?? '');
    const to = restorePlan(ctx.params.restoreTo ?? {}, now);
    if (!blockers.length && to.length === 0) blockers.push(`no worker consumes ${ctx.params.queue}`);
    const lines = to.map(({ worker, from, to: n }) => line('worker', `${worker}: pool_grow ${from ?? 'unknown'} -> ${n} processes`));
    const sizes = (xs: (number | null)[]) => [...new Set(xs.map((x) => (x === null ? '?' : String(x))))].join('/') || '?';
    return preview(
      ctx,
      `Restore ${ctx.params.queue} worker pools ${sizes(to.map((p) => p.from))} -> ${sizes(to.map((p) => p.to))} processes`,
      lines,
      blockers,
    );
  },
  async run(ctx) {
    const now = await ctx.backend.queueWorkers(ctx.params.queue ?? '');
    const plan = restorePlan(ctx.params.restoreTo ?? {}, now).map((p) => ({ ...p, from: p.from ?? 0 }));
    const replies = await ctx.backend.setConcurrency(plan);
    return outcomeOf(
      ctx,
      replySteps(
        replies,
        plan.map((p) => p.worker),
        'pool restore',
      ),
    );
  },
};

/** `restoreTo` against the workers now: a bare size (`*`) means every worker consuming the queue. */
function restorePlan(to: Record<string, number>, now: { worker: string; concurrency: number | null }[]) {
  const all = to[ALL_WORKERS];
  const entries = all !== undefined ? now.map((w) => [w.worker, all] as const) : Object.entries(to);
  return entries.map(([worker, n]) => ({ worker, from: now.find((x) => x.worker === worker)?.concurrency ?? null, to: n }));
}

function consumerMitigation(consume: boolean): Mitigation {
  return {
    id: consume ? 'resume-consuming' : 'stop-consuming',
    title: consume ? 'Resume consuming' : 'Stop consuming',
    runbook: '3.3',
    appliesTo: 'queue',
    required: ['queue'],
    optional: ['workers'],
    role: 'operator',
    dangerous: !consume,
    undo: consume ? 'stop-consuming' : 'resume-consuming',
    inForce: { kind: 'cancelled-consumer', ...(consume ? { removes: true } : {}) },
    description: consume
      ? 'Have the workers consume the queue again (Celery add_consumer), waiting for their replies.'
      : 'Workers stop consuming the queue (Celery cancel_consumer); messages wait in it.',
    async preview(ctx) {
      const blockers = await needQueue(ctx);
      const workers = ctx.params.workers?.length
        ? ctx.params.workers
        : blockers.length
          ? []
          : (await ctx.backend.queueWorkers(ctx.params.queue ?? '')).map((w) => w.worker);
      if (!blockers.length && workers.length === 0)
        blockers.push(consume ? 'no worker given (workers=w1@host,...)' : `no worker consumes ${ctx.params.queue}`);
      const lines = workers.map((w) =>
        line(
          'worker',
          `${w}: ${consume ? 'add_consumer' : 'cancel_consumer'} queue=${ctx.params.queue} (consumes it: ${consume ? 'no -> yes' : 'yes -> no'})`,
        ),
      );
      return preview(ctx, `${consume ? 'Resume' : 'Stop'} consuming ${ctx.params.queue}`, lines, blockers);
    },
    async run(ctx) {
      const workers = ctx.params.workers?.length
        ? ctx.params.workers
        : (await ctx.backend.queueWorkers(ctx.params.queue ?? '')).map((w) => w.worker);
      const replies = await ctx.backend.setConsuming(workers, ctx.params.queue ?? '', consume);
      return outcomeOf(
        ctx,
        replySteps(replies, workers, consume ? `add_consumer ${ctx.params.queue}` : `cancel_consumer ${ctx.params.queue}`),
        {
          record: { queue: ctx.params.queue, workers },
        },
      );
    },
  };
}

const scaleReplicas: Mitigation = {
  id: 'scale-replicas',
  title: 'Increase replicas',
  runbook: '3.3',
  appliesTo: 'queue',
  required: ['queue', 'replicas'],
  role: 'operator',
  dangerous: false,
  description: 'Run the operator-configured command (argument vector, no shell, with a timeout) to set the worker replicas of a queue.',
  async preview(ctx) {
    const blockers = await needQueue(ctx);
    const n = ctx.params.replicas;
    if (n === undefined || !Number.isInteger(n) || n < 1 || n > 500) blockers.push('replicas must be a whole number from 1 to 500');
    const cmd = ctx.backend.replicasCommand(ctx.params.queue ?? '', n ?? 0);
    if ('error' in cmd) blockers.push(cmd.error);
    const lines = 'argv' in cmd ? [line('command', `run ${JSON.stringify(cmd.argv)} (no shell; output kept)`)] : [];
    // The healthy workers serving the queue now (remote control): what the command changes.
    // Unknown (not a blocker) when remote control cannot say: the command does not need it.
    const now = blockers.length
      ? null
      : await ctx.backend.queueWorkers(ctx.params.queue ?? '').then(
          (w) => w.length,
          () => null,
        );
    return preview(ctx, `Set ${ctx.params.queue} worker replicas ${now ?? '?'} -> ${n}`, lines, blockers);
  },
  async run(ctx) {
    const r = await ctx.backend.scaleReplicas(ctx.params.queue ?? '', ctx.params.replicas ?? 0);
    const out = [r.stdout.trim(), r.stderr.trim()].filter(Boolean).join(' | ');
    const step: StepResult = {
      ok: r.ok,
      target: r.argv[0] ?? 'command',
      detail: r.ok
        ? `${JSON.stringify(r.argv)} exited 0${out ? `: ${out.slice(0, 300)}` : ''}`
        : `${JSON.stringify(r.argv)} ${r.timedOut ? 'timed out' : (r.error ?? `exited ${r.exitCode ?? r.signal}`)}${out ? `: ${out.slice(0, 300)}` : ''}`,
    };
    return outcomeOf(ctx, [step], { record: { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, timedOut: r.timedOut } });
  },
};

const pauseTask: Mitigation = {
  id: 'pause-task',
  title: 'Pause task emission',
  runbook: '3.3',
  appliesTo: 'task',
  required: ['task'],
  optional: ['until'],
  role: 'operator',
  dangerous: false,
  undo: 'resume-task',
  inForce: { kind: 'paused-task' },
  description: 'Set lsos:pause:<task> with an expiry: producers skip emitting that task until then.',
  async preview(ctx) {
    const blockers: string[] = [];
    if (!ctx.params.task) blockers.push('a task name is needed');
    const until = pauseUntil(ctx);
    if (until <= ctx.now) blockers.push('the pause would end before it starts');
    if (until - ctx.now > MAX_PAUSE_MS) blockers.push('a pause lasts at most 7 days');
    const key = flagKeys.pause(ctx.params.task ?? '<task>');
    const flags = await flagsNow(ctx);
    const was = flags?.paused.find((p) => p.task === ctx.params.task);
    return preview(
      ctx,
      `Pause ${ctx.params.task}: ${flags === null ? 'unknown' : was ? `paused until ${was.value?.until ?? '?'}` : 'emitted'} -> paused until ${iso(until)}`,
      [
        line('flag', `SET ${key} ${JSON.stringify(pauseValue(ctx, until))} PX ${until - ctx.now} (db 0)`),
        line('note', `lapses on its own at ${iso(until)}`),
      ],
      blockers,
    );
  },
  async run(ctx) {
    const until = pauseUntil(ctx);
    const step = await ctx.backend.pauseTask(ctx.params.task ?? '', pauseValue(ctx, until), until);
    return outcomeOf(ctx, [step], { record: { task: ctx.params.task, until: iso(until) } });
  },
};

const resumeTask: Mitigation = {
  id: 'resume-task',
  title: 'Resume task emission',
  runbook: '3.3',
  appliesTo: 'task',
  required: ['task'],
  role: 'operator',
  dangerous: false,
  undo: 'pause-task',
  inForce: { kind: 'paused-task', removes: true },
  description: 'Delete lsos:pause:<task>: producers emit it again.',
  async preview(ctx) {
    const blockers = ctx.params.task ? [] : ['a task name is needed'];
    const flags = await flagsNow(ctx);
    const was = flags?.paused.find((p) => p.task === ctx.params.task);
    return preview(
      ctx,
      `Resume ${ctx.params.task}: ${flags === null ? 'unknown' : was ? `paused until ${was.value?.until ?? '?'}` : 'not paused'} -> emitted`,
      [line('flag', `DEL ${flagKeys.pause(ctx.params.task ?? '<task>')} (db 0)`)],
      blockers,
    );
  },
  async run(ctx) {
    return outcomeOf(ctx, [await ctx.backend.resumeTask(ctx.params.task ?? '')]);
  },
};

const defaultClassify = createClassifier();

/** The dead letters a replay would find, by task and failure class, from the backend's preview. */
async function replayGroups(ctx: MitigationContext): Promise<{ total: number; groups: DeadLetterGroup[] }> {
  const classify = stepServices(ctx.backend).classify ?? defaultClassify;
  const p = await ctx.backend.replayPreview(ctx.params.queue ?? '', { details: true });
  const details =
    p.details ??
    Object.entries(p.byTask).map(([task, count]) => ({ task, excType: null, count, oldestFailedAt: null, newestFailedAt: null }));
  const groups: DeadLetterGroup[] = [];
  for (const d of details) {
    const failureClass = d.excType === null ? null : classify(d.excType);
    const g = groups.find((x) => x.task === d.task && x.failureClass === failureClass);
    if (!g) {
      groups.push({ task: d.task, failureClass, count: d.count, oldestFailedAt: d.oldestFailedAt, newestFailedAt: d.newestFailedAt });
      continue;
    }
    g.count += d.count;
    const min = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
    const max = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
    g.oldestFailedAt = min(g.oldestFailedAt, d.oldestFailedAt);
    g.newestFailedAt = max(g.newestFailedAt, d.newestFailedAt);
  }
  groups.sort((a, b) => b.count - a.count || compareText(a.task, b.task));
  return { total: p.total, groups };
}

/** Whether a dead letter of this exception type belongs to the replay's class filter. */
function classFilter(ctx: MitigationContext): ((d: { task: string; excType: string | null }) => boolean) | undefined {
  const want = ctx.params.failureClass;
  if (!want) return undefined;
  const classify = stepServices(ctx.backend).classify ?? defaultClassify;
  return (d) => d.excType !== null && classify(d.excType) === want;
}

const replayDeadLetters: Mitigation = {
  id: 'replay-dead-letters',
  title: 'Replay dead letters',
  runbook: '3.4',
  appliesTo: 'queue',
  required: ['queue', 'reasonCode'],
  optional: ['failureClass', 'task', 'count', 'overrideTask', 'fixCheck'],
  role: 'privileged',
  dangerous: true,
  replay: true,
  description:
    'Republish dead letters (Q.dead) to their original queue with their ids and lineage, after the fix (runbook 3.4): refused until the task has run without a new failure of that class for the quiet period; idempotent tasks only unless overridden.',
  async preview(ctx) {
    const blockers = await needQueue(ctx);
    if (blockers.length) return preview(ctx, 'Replay dead letters', [], blockers);
    const queue = ctx.params.queue ?? '';
    const dead = deadLetterQueueOf(queue);
    const { total, groups: all } = await replayGroups(ctx);
    const cls: FailureClass | undefined = ctx.params.failureClass;
    const inScope = all.filter((g) => (!ctx.params.task || g.task === ctx.params.task) && (!cls || g.failureClass === cls));
    const allowed = (task: string) => ctx.isIdempotent(task) || task === ctx.params.overrideTask;
    const moving = inScope.filter((g) => allowed(g.task));
    const tasks = [...new Set(inScope.map((g) => g.task))];
    const replayTasks = tasks.map((task) => ({
      task,
      count: inScope.filter((g) => g.task === task).reduce((n, g) => n + g.count, 0),
      idempotent: ctx.isIdempotent(task),
    }));
    const max = ctx.params.count;
    const movable = moving.reduce((n, g) => n + g.count, 0);
    const replayed = Math.min(movable, max ?? movable);
    const services = stepServices(ctx.backend);
    // Judged on the clock of what saw the outcomes (the model's simulated time, the source's last read).
    const seen = ctx.backend.taskOutcomes?.() ?? services.taskOutcomes?.() ?? null;
    const guard = judgeReplay(moving, seen?.outcomes ?? null, seen?.at ?? ctx.now, services.replayQuietPeriodMs ?? DEFAULT_REPLAY_QUIET_MS);
    const filters = [ctx.params.task ? `task ${ctx.params.task}` : '', cls ? `class ${cls}` : ''].filter(Boolean).join(', ');
    const lines: PreviewLine[] = [
      line(
        'note',
        `${dead}: ${total} -> ${total - replayed} dead letters; ${replayed} replayed to ${queue}${filters ? ` (only ${filters})` : ''}${max ? `, at most ${max}` : ''}`,
      ),
      line('note', `class mix in ${dead}: ${classMix(all) || 'empty'}`),
    ];
    for (const t of replayTasks) {
      const mix = classMix(inScope.filter((g) => g.task === t.task));
      const ok = allowed(t.task);
      lines.push(
        line(
          'message',
          `${t.count} x ${t.task} (${mix}): ${ok ? `replay to ${queue}${t.idempotent ? '' : ' (OVERRIDE: not idempotent)'}` : 'skipped (not declared idempotent)'}`,
        ),
      );
    }
    const oldest = Math.min(...inScope.map((g) => g.oldestFailedAt ?? Infinity));
    const newest = Math.max(...inScope.map((g) => g.newestFailedAt ?? -Infinity));
    if (Number.isFinite(oldest) && Number.isFinite(newest))
      lines.push(line('note', `failed between ${clockTime(oldest)} (oldest) and ${clockTime(newest)} (newest)`));
    else if (inScope.length) lines.push(line('note', 'when they failed is not recorded in these dead letters'));
    lines.push(
      line(
        'note',
        `quiet period needed: ${formatDurationDetail(guard.quietPeriodMs / 1000)} without a new failure of the class, after a success`,
      ),
    );
    for (const e of guard.evidence) lines.push(line('note', `fix evidence ${e.fixed ? 'OK     ' : 'NOT YET'}: ${e.why}`));
    if (!guard.eventsSeen)
      lines.push(line('note', 'no task events in this session: the guard cannot see a fix (the cockpit on live events can)'));
    lines.push(
      line(
        'note',
        `same task id, correlation id, root_id, parent_id; headers lsos_replay_of, lsos_replay_count, lsos_replayed_by=${ctx.operator}, lsos_replay_reason=${ctx.params.reasonCode ?? '?'}, lsos_replayed_at`,
      ),
    );
    if (total === 0) blockers.push(`${dead} is empty`);
    else if (inScope.length === 0) blockers.push(`no dead letter in ${dead} is ${filters}`);
    if (cls && all.some((g) => g.failureClass === null))
      blockers.push(
        `dead letters in ${dead} do not record their exception (RabbitMQ): a failure-class filter cannot be applied; leave it empty`,
      );
    return {
      ...preview(ctx, `Replay ${dead} -> ${queue}: ${replayed} of ${total}${filters ? ` (${filters})` : ''}`, lines, blockers),
      replayTasks,
      replayGroups: inScope,
      replayGuard: guard,
    };
  },
  async run(ctx, opts) {
    const override = ctx.params.overrideTask;
    const only = ctx.params.task;
    const byClass = classFilter(ctx);
    const r = await ctx.backend.replay({
      queue: ctx.params.queue ?? '',
      ...(ctx.params.count ? { max: ctx.params.count } : {}),
      ...(only ? { tasks: [only] } : {}),
      ...(byClass ? { only: byClass } : {}),
      operator: ctx.operator,
      reasonCode: ctx.params.reasonCode as never,
      allowedTasks: (t) => ctx.isIdempotent(t) || t === override,
      signal: opts.signal,
      onProgress: (p) => opts.onProgress?.(p.replayed + p.skipped + p.alreadyDone, p.total, `${p.replayed} replayed, ${p.skipped} skipped`),
    });
    const failures: Failure[] = [];
    if (r.error) failures.push({ target: deadLetterQueueOf(ctx.params.queue ?? ''), error: r.error });
    if (r.stopped)
      failures.push({
        target: `${r.total - r.replayed - r.skipped - r.alreadyDone} dead letters`,
        error: 'stopped by the operator: left in the dead-letter queue',
      });
    const status = failures.length === 0 ? 'done' : r.replayed > 0 ? 'partial' : 'failed';
    return {
      status,
      details: [
        `${r.replayed} replayed to ${ctx.params.queue}`,
        `${r.skipped} skipped (${byClass || only ? 'not idempotent or not in the task/class asked' : 'not idempotent'})`,
        ...(r.alreadyDone ? [`${r.alreadyDone} already replayed before`] : []),
      ],
      failures,
      simulated: ctx.backend.simulated,
      taskIds: r.ids,
      correlationIds: r.ids,
      ...(r.stopped ? { stopped: true } : {}),
    };
  },
};

const fixDeployed: Mitigation = {
  id: 'fix-deployed',
  title: 'Fix deployed',
  runbook: '3.4',
  appliesTo: 'task',
  required: ['task'],
  optional: ['failureClass'],
  role: 'operator',
  dangerous: false,
  description:
    'Record that the fix of a failing task is deployed (in the simulation it is deployed on the model). The replay guard then waits for the task to run the quiet period without a new failure of that class before its dead letters may be replayed.',
  async preview(ctx) {
    const blockers = ctx.params.task ? [] : ['a task name is needed'];
    const task = ctx.params.task ?? '<task>';
    const what = ctx.params.failureClass ? `${ctx.params.failureClass} failures` : 'failures';
    const services = stepServices(ctx.backend);
    const quiet = formatDurationDetail((services.replayQuietPeriodMs ?? DEFAULT_REPLAY_QUIET_MS) / 1000);
    const seen = ctx.backend.taskOutcomes?.() ?? services.taskOutcomes?.() ?? null;
    const o = seen?.outcomes.filter((x) => x.task === ctx.params.task) ?? [];
    const classes = Object.entries(Object.assign({}, ...o.map((x) => x.lastFailureAt)) as Record<string, number>).filter(
      ([c]) => !ctx.params.failureClass || c === ctx.params.failureClass,
    );
    const last = classes.length ? Math.max(...classes.map(([, t]) => t)) : null;
    const lines = [
      line(
        'note',
        ctx.backend.deployFix
          ? `the model's injected ${what} of ${task} stop (SIMULATED deploy)`
          : `records that the fix for ${task} is deployed; the cockpit deploys nothing`,
      ),
      line(
        'note',
        `${task}: last ${what.replace(/s$/, '')} ${last === null ? 'not seen' : `${formatDurationDetail(((seen?.at ?? ctx.now) - last) / 1000)} ago (${clockTime(last)})`} -> replayable once it runs ${quiet} without one`,
      ),
    ];
    return preview(ctx, `Fix deployed for ${task}${ctx.params.failureClass ? ` (${ctx.params.failureClass})` : ''}`, lines, blockers);
  },
  async run(ctx) {
    const task = ctx.params.task ?? '';
    const step: StepResult = ctx.backend.deployFix
      ? await ctx.backend.deployFix(task, ctx.params.failureClass ?? null)
      : { ok: true, target: task, detail: `recorded: the fix for ${task} is deployed (nothing changed by the cockpit)` };
    return outcomeOf(ctx, [step], { record: { task, failureClass: ctx.params.failureClass ?? null } });
  },
};

function publishMitigation(o: {
  id: string;
  title: string;
  runbook: string;
  tasks: string[];
  description: string;
  appliesTo: Mitigation['appliesTo'];
  specs: (ctx: MitigationContext) => TaskSpec[];
  required: Mitigation['required'];
  optional?: Mitigation['optional'];
  checks?: (ctx: MitigationContext) => string[];
}): Mitigation {
  return {
    id: o.id,
    title: o.title,
    runbook: o.runbook,
    appliesTo: o.appliesTo,
    required: o.required,
    ...(o.optional ? { optional: o.optional } : {}),
    role: 'operator',
    dangerous: false,
    description: o.description,
    async preview(ctx) {
      const blockers = o.checks?.(ctx) ?? [];
      if (!ctx.params.campaigns?.length) blockers.push('campaigns are needed (campaigns=c1,c2)');
      const specs = blockers.length ? [] : o.specs(ctx);
      if (specs.length > MAX_PUBLISH) blockers.push(`${specs.length} messages: at most ${MAX_PUBLISH} per action`);
      return preview(ctx, o.title, messageLines(specs), blockers);
    },
    async run(ctx, opts) {
      return publishOutcome(ctx, o.specs(ctx), opts);
    },
  };
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const monthCheck = (ctx: MitigationContext) => (ctx.params.month && MONTH.test(ctx.params.month) ? [] : ['month is needed as YYYY-MM']);

const rerunKpis = publishMitigation({
  id: 'rerun-kpis',
  title: 'Re-run aggregate_kpis',
  runbook: '4.2',
  tasks: ['reporting.aggregate_kpis'],
  appliesTo: 'global',
  required: ['campaigns', 'month'],
  optional: ['queue'],
  description: 'Publish reporting.aggregate_kpis for the affected campaigns on the isolated retry lane (reporting.retry).',
  specs: (ctx) => reportSpecs(ctx, ['reporting.aggregate_kpis']),
  checks: monthCheck,
});

const rerenderReports = publishMitigation({
  id: 'rerender-reports',
  title: 'Re-render HTML and PDF',
  runbook: '4.3',
  tasks: ['reporting.render_html', 'reporting.render_pdf'],
  appliesTo: 'global',
  required: ['campaigns', 'month'],
  optional: ['queue'],
  description: 'Publish reporting.render_html and reporting.render_pdf for the affected campaigns on the isolated retry lane.',
  specs: (ctx) => reportSpecs(ctx, ['reporting.render_html', 'reporting.render_pdf']),
  checks: monthCheck,
});

const resumeEmail: Mitigation = {
  id: 'resume-email',
  title: 'Resume email delivery',
  runbook: '4.4',
  appliesTo: 'global',
  required: ['campaigns', 'month'],
  role: 'operator',
  dangerous: false,
  inForce: { kind: 'paused-task', removes: true },
  description: 'Lift a pause on email.deliver_report and publish it for the campaigns whose reports succeeded.',
  async preview(ctx) {
    const blockers = monthCheck(ctx);
    if (!ctx.params.campaigns?.length) blockers.push('campaigns are needed (campaigns=c1,c2)');
    const specs = blockers.length ? [] : emailSpecs(ctx);
    return preview(
      ctx,
      'Resume email delivery',
      [line('flag', `DEL ${flagKeys.pause('email.deliver_report')} (db 0)`), ...messageLines(specs)],
      blockers,
    );
  },
  async run(ctx, opts) {
    const step = await ctx.backend.resumeTask('email.deliver_report');
    const pub = await publishOutcome(ctx, emailSpecs(ctx), opts);
    if (!step.ok) {
      pub.failures.unshift({ target: step.target, error: step.detail });
      pub.status = pub.status === 'done' ? 'partial' : pub.status;
    } else pub.details.unshift(step.detail);
    return { ...pub, record: { task: 'email.deliver_report' } };
  },
};

function emailSpecs(ctx: MitigationContext): TaskSpec[] {
  return (ctx.params.campaigns ?? []).map((c) => ({
    task: 'email.deliver_report',
    queue: ctx.params.queue ?? 'email',
    kwargs: { campaign_id: c, month: ctx.params.month },
    id: randomUUID(),
  }));
}

function providerStateMitigation(state: 'healthy' | 'quarantined'): Mitigation {
  const q = state === 'quarantined';
  return {
    id: q ? 'quarantine-provider' : 'unquarantine-provider',
    title: q ? 'Quarantine provider pool' : 'Unquarantine provider pool',
    runbook: '5.2',
    appliesTo: 'provider',
    required: ['provider'],
    role: 'operator',
    dangerous: q,
    undo: q ? 'unquarantine-provider' : 'quarantine-provider',
    inForce: { kind: 'quarantined-pool', ...(q ? {} : { removes: true }) },
    description: q
      ? 'No SERP traffic to a degraded pool (lsos:provider:<pool>:state quarantined).'
      : 'The pool may take SERP traffic again (state healthy).',
    async preview(ctx) {
      const blockers = await needProvider(ctx);
      const flags = await ctx.backend.readFlags();
      const lines = [line('flag', `SET ${flagKeys.providerState(ctx.params.provider ?? '<pool>')} ${state} (db 0)`)];
      if (q && flags.activeProvider === ctx.params.provider)
        lines.push(line('note', `${ctx.params.provider} is the active pool: shift traffic to a fallback next (shift-provider)`));
      const was = flags.providers.find((p) => p.pool === ctx.params.provider)?.state ?? 'unset';
      return preview(ctx, `${q ? 'Quarantine' : 'Unquarantine'} ${ctx.params.provider}: ${was} -> ${state}`, lines, blockers);
    },
    async run(ctx) {
      return outcomeOf(ctx, [await ctx.backend.setProviderState(ctx.params.provider ?? '', state)], {
        record: { provider: ctx.params.provider },
      });
    },
  };
}

const shiftProvider: Mitigation = {
  id: 'shift-provider',
  title: 'Shift traffic to fallback',
  runbook: '5.3',
  appliesTo: 'provider',
  required: ['provider', 'concurrency'],
  role: 'operator',
  dangerous: false,
  inForce: { kind: 'provider-shift' },
  description: 'Send SERP traffic to the fallback pool (lsos:provider:active) with reduced concurrency (lsos:provider:<pool>:concurrency).',
  async preview(ctx) {
    const blockers = await needProvider(ctx);
    const n = ctx.params.concurrency;
    if (n === undefined || !Number.isInteger(n) || n < 1)
      blockers.push('concurrency must be a whole number >= 1 (SERP requests in flight)');
    const flags = await ctx.backend.readFlags();
    const st = flags.providers.find((p) => p.pool === ctx.params.provider)?.state;
    if (st === 'quarantined') blockers.push(`${ctx.params.provider} is quarantined: pick another fallback`);
    const inFlight = flags.providers.find((p) => p.pool === ctx.params.provider)?.concurrency ?? null;
    return preview(
      ctx,
      `Shift SERP traffic ${flags.activeProvider ?? 'unset'} -> ${ctx.params.provider}, in flight ${inFlight ?? 'unset'} -> ${n}`,
      [
        line('flag', `SET ${flagKeys.providerConcurrency(ctx.params.provider ?? '<pool>')} ${n} (db 0; was ${inFlight ?? 'unset'})`),
        line('flag', `SET ${flagKeys.providerActive} ${ctx.params.provider} (db 0; was ${flags.activeProvider ?? 'unset'})`),
      ],
      blockers,
    );
  },
  async run(ctx) {
    const before = (await ctx.backend.readFlags()).activeProvider;
    const a = await ctx.backend.setProviderConcurrency(ctx.params.provider ?? '', ctx.params.concurrency ?? 1);
    const steps = [a];
    if (a.ok) steps.push(await ctx.backend.setActiveProvider(ctx.params.provider ?? ''));
    return outcomeOf(ctx, steps, { record: { provider: ctx.params.provider, previous: before, concurrency: ctx.params.concurrency } });
  },
};

function pacingMitigation(profile: 'normal' | 'conservative'): Mitigation {
  const c = profile === 'conservative';
  return {
    id: c ? 'pacing-conservative' : 'pacing-normal',
    title: c ? 'Conservative pacing' : 'Normal pacing',
    runbook: '5.4',
    appliesTo: 'global',
    required: [],
    role: 'operator',
    dangerous: false,
    undo: c ? 'pacing-normal' : 'pacing-conservative',
    inForce: { kind: 'pacing', ...(c ? {} : { removes: true }) },
    description: `Request pacing of crawl and SERP work: ${profile} (lsos:pacing:profile).`,
    async preview(ctx) {
      const flags = await flagsNow(ctx);
      const was = flags === null ? 'unknown' : (flags.pacing ?? 'unset');
      return preview(ctx, `Pacing profile ${was} -> ${profile}`, [line('flag', `SET ${flagKeys.pacing} ${profile} (db 0; was ${was})`)]);
    },
    async run(ctx) {
      return outcomeOf(ctx, [await ctx.backend.setPacing(profile)]);
    },
  };
}

const backfillRank = publishMitigation({
  id: 'backfill-rank',
  title: 'Backfill missed rank windows',
  runbook: '5.5',
  tasks: ['rank.check_serp'],
  appliesTo: 'provider',
  required: ['campaigns', 'days', 'keywords', 'provider'],
  optional: ['queue'],
  description: 'Publish rank.check_serp for each missed window (campaign x day [x keyword]) once the provider is stable.',
  specs: backfillSpecs,
  checks: (ctx) =>
    ctx.params.days?.length && ctx.params.days.every((d) => DAY.test(d))
      ? []
      : ['days are needed as YYYY-MM-DD (days=2026-11-27,2026-11-28)'],
});

function freezeMitigation(freeze: boolean): Mitigation {
  return {
    id: freeze ? 'freeze-writes' : 'unfreeze-writes',
    title: freeze ? 'Freeze non-critical writes' : 'Unfreeze writes',
    runbook: '6.1',
    appliesTo: 'replica',
    required: [],
    optional: freeze ? ['scope'] : [],
    role: 'operator',
    dangerous: freeze,
    undo: freeze ? 'unfreeze-writes' : 'freeze-writes',
    inForce: { kind: 'frozen-writes', ...(freeze ? {} : { removes: true }) },
    description: freeze ? 'Non-critical write paths refuse work (lsos:writes:frozen).' : 'Write paths open again (DEL lsos:writes:frozen).',
    async preview(ctx) {
      const v = frozenValue(ctx);
      const flags = await flagsNow(ctx);
      const was = flags?.writesFrozen;
      const before = flags === null ? 'unknown' : was ? `frozen (${was.scope}, by ${was.by})` : 'open';
      return preview(ctx, freeze ? `Freeze ${v.scope} writes: ${before} -> frozen` : `Unfreeze writes: ${before} -> open`, [
        line('flag', freeze ? `SET ${flagKeys.writesFrozen} ${JSON.stringify(v)} (db 0)` : `DEL ${flagKeys.writesFrozen} (db 0)`),
      ]);
    },
    async run(ctx) {
      return outcomeOf(ctx, [await ctx.backend.freezeWrites(freeze ? frozenValue(ctx) : null)]);
    },
  };
}

function frozenValue(ctx: MitigationContext): FrozenValue {
  return { by: ctx.operator, reason: ctx.reason, at: iso(ctx.now), scope: ctx.params.scope ?? 'non-critical' };
}

export const MITIGATIONS: readonly Mitigation[] = [
  reduceConcurrency,
  restoreConcurrency,
  consumerMitigation(false),
  consumerMitigation(true),
  scaleReplicas,
  pauseTask,
  resumeTask,
  replayDeadLetters,
  fixDeployed,
  rerunKpis,
  rerenderReports,
  resumeEmail,
  providerStateMitigation('quarantined'),
  providerStateMitigation('healthy'),
  shiftProvider,
  pacingMitigation('conservative'),
  pacingMitigation('normal'),
  backfillRank,
  freezeMitigation(true),
  freezeMitigation(false),
  ...OWNER_NOTICE_MITIGATIONS,
  ...READ_FAILOVER_MITIGATIONS,
];

export function findMitigation(id: string): Mitigation | undefined {
  return MITIGATIONS.find((m) => m.id === id);
}
