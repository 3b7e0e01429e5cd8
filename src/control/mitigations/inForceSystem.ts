// What is in force on LSOS itself, read from the system, and who put it there: the control flags
// of contract section 6 (pauses, provider states, the active provider, pacing, frozen writes, the
// read target), every worker's pool against its normal size (stats), and the queues each worker
// consumes (active_queues). Who set each, why and when is joined from the action records of every
// incident of this state directory and from ops_audit_log (any cockpit, any `act`, this incident
// or an earlier one). A remote-control command without a reply stays "in force, unconfirmed"
// until the worker's later replies show it applied or not (pidbox commands are handled in order
// per worker, so a reply to stats or active_queues comes after the command was read).
import { foldInForce as foldRecorded, inForceKey, type InForceKind, type RecordedInForce } from '../../core/inForce.js';
import type { TimelineEntry } from '../../core/timeline.js';
import type { AuditRecord } from '../audit/chain.js';
import type { FlagState, MitigationBackend, WorkerPool } from './backend.js';
import { findMitigation } from './catalog.js';
import { flagKeys } from './flags.js';
import { stepServices } from './stepServices.js';
import { compareText } from '../../domain/textOrder.js';

export interface InForce {
  kind: InForceKind;
  /** What it holds: a task, a pool, a queue, `lsos:pacing:profile`, `lsos:writes:frozen`, `lsos:db:read_target`. */
  target: string;
  by: string;
  reason: string;
  /** ISO UTC. */
  at: string;
  /** ISO UTC; null: until undone. */
  until: string | null;
  /** The action that set it and the one that undoes it. */
  action: string;
  undo: string | null;
  /** What it expects to find on the system. */
  expect: Record<string, unknown>;
  simulated: boolean;
  /** null: as expected; else what differs. */
  drift: string | null;
  checkedAt: string | null;
  /** The incident whose journal (or audit row) records it being set; null: no record found. */
  setIn: string | null;
  /** `journal`: this incident set it (checked against the system); `system`: found on LSOS itself. */
  from: 'journal' | 'system';
  /** null: acknowledged or seen; else why it may or may not hold (a command without a reply). */
  unconfirmed: string | null;
  /** Workers whose reply never came (checked until each is confirmed either way). */
  noReply: string[];
  /** The unconfirmed command is its undo (sent, no reply). */
  undoing?: string | null;
  /** What the system shows for it, e.g. `w1@h runs 1 of 4 processes`; null: nothing beyond the flag. */
  observed: string | null;
  /** The entry that recorded it (with `setIn`), for a confirmation to name. */
  seq?: number;
  params?: Record<string, unknown>;
}

/** Shown for what is found on the system with no record of who set it. */
export const OUTSIDE = 'outside this incident';
const NO_RECORD = 'found on the system; no record of who set it (set by hand, or its record is not readable here)';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

const UNDO_OF: Record<InForceKind, string> = {
  'paused-task': 'resume-task',
  'quarantined-pool': 'unquarantine-provider',
  pacing: 'pacing-normal',
  'frozen-writes': 'unfreeze-writes',
  'shrunk-pool': 'restore-concurrency',
  'cancelled-consumer': 'resume-consuming',
  'provider-shift': 'shift-provider',
  'read-target': 'restore-read-target',
};

export function expectFor(kind: InForceKind, p: Record<string, unknown>, r: Record<string, unknown>): Record<string, unknown> {
  switch (kind) {
    case 'shrunk-pool':
      return { concurrency: p.concurrency, restoreTo: r.restoreTo ?? {} };
    case 'cancelled-consumer':
      return { workers: r.workers ?? p.workers ?? [] };
    case 'provider-shift':
      return { active: p.provider, concurrency: p.concurrency, previous: r.previous ?? null };
    case 'read-target':
      return { target: r.target ?? null, previous: r.previous ?? null };
    default:
      return {};
  }
}

/** The cockpit's row for a mitigation a journal (or the audit table) records in force. */
export function fromRecorded(m: RecordedInForce, from: InForce['from']): InForce {
  return {
    kind: m.kind,
    target: m.target,
    by: m.by,
    reason: m.reason,
    at: m.since,
    until: m.until,
    action: m.action,
    undo: m.undo,
    expect: expectFor(m.kind, m.params, m.record),
    simulated: m.simulated,
    drift: null,
    checkedAt: null,
    setIn: m.incidentId || null,
    from,
    unconfirmed: m.unconfirmed,
    noReply: m.noReply,
    undoing: m.undoing,
    observed: null,
    seq: m.seq,
    params: m.params,
  };
}

/** The mitigations in force after these journal entries (the one fold, src/core/inForce.ts). */
export function foldInForce(entries: readonly TimelineEntry[]): InForce[] {
  return foldRecorded(entries).map((m) => fromRecorded(m, 'journal'));
}

// ---- Who set it: the records of every incident and the audit table ----------------------------

/** An ops_audit_log row as an action entry the fold reads (the catalog says what it puts in force). */
export function auditEntry(r: AuditRecord): TimelineEntry | null {
  const id = r.action.replace(/-lapsed$/, '');
  const m = findMitigation(id);
  if (!m?.inForce) return null;
  const p = r.parameters;
  const workers = strings(p.workers);
  return {
    seq: r.journalSeq,
    at: r.at,
    operator: r.operator,
    kind: 'action',
    incidentId: r.incidentId,
    prevHash: '',
    hash: '',
    details: {
      action: r.action,
      mitigation: id,
      target: r.target,
      reason: r.reason,
      params: p,
      inForce: m.inForce,
      ...(m.undo ? { undo: m.undo } : {}),
      audit: { result: r.result },
      record: { ...(workers.length ? { workers } : {}), ...(typeof p.until === 'string' ? { until: p.until } : {}) },
      unconfirmed: strings(p.noReply).map((target) => ({ target })),
    },
  };
}

const isSimulated = (e: TimelineEntry): boolean => obj(e.details.params).simulated === true || str(e.details.outcome).endsWith('SIMULATED');

/**
 * What the records of every incident say is in force, in time order across incidents: the
 * journals' entries, and the audit rows no journal here holds (another cockpit's, an `act` run
 * elsewhere). A live session reads only real actions; a simulation only simulated ones.
 */
export function recordedAcross(journal: readonly TimelineEntry[], audit: readonly AuditRecord[], simulated: boolean): RecordedInForce[] {
  const seen = new Set(journal.map((e) => `${e.incidentId}#${e.seq}`));
  const all = [...journal];
  for (const r of audit) {
    if (seen.has(`${r.incidentId}#${r.journalSeq}`)) continue;
    const e = auditEntry(r);
    if (e) all.push(e);
  }
  const mine = all.filter((e) => isSimulated(e) === simulated);
  mine.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : compareText(a.incidentId, b.incidentId) || a.seq - b.seq));
  return foldRecorded(mine);
}

// ---- The system ---------------------------------------------------------------------------------

export interface SystemReading {
  flags: FlagState;
  /** `lsos:db:read_target`; undefined: this session cannot read it. */
  readTarget?: string | null;
  /** The workers that answered; null: remote control could not be asked. */
  workers: WorkerPool[] | null;
  workersError: string | null;
}

/**
 * Reads the flags (a failure is the check's error), the read target and the workers (each best
 * effort). `workers`: a reading of the workers to use instead of asking them again.
 */
export async function readSystem(
  backend: MitigationBackend,
  cached?: Pick<SystemReading, 'workers' | 'workersError'>,
): Promise<SystemReading> {
  const flags = await backend.readFlags();
  const control = stepServices(backend).readTarget;
  let readTarget: string | null | undefined;
  if (control) {
    try {
      readTarget = await control.get();
    } catch {
      readTarget = undefined;
    }
  }
  let workers: WorkerPool[] | null = cached?.workers ?? null;
  let workersError: string | null = cached?.workersError ?? null;
  if (cached) return { flags, ...(readTarget !== undefined ? { readTarget } : {}), workers, workersError };
  if (backend.workers) {
    try {
      workers = await backend.workers();
    } catch (e) {
      workersError = e instanceof Error ? e.message : String(e);
    }
  } else workersError = 'this backend cannot list workers';
  return { flags, ...(readTarget !== undefined ? { readTarget } : {}), workers, workersError };
}

/**
 * The queues each worker was seen consuming this session (since it started): a queue it no
 * longer consumes was cancelled, by the cockpit or by hand.
 */
export class ConsumerBaseline {
  private readonly seen = new Map<string, { startedAt: number | null; queues: Set<string> }>();

  /** Adds what the workers consume now; returns, per worker, the queues seen before and not now. */
  observe(workers: readonly WorkerPool[]): Map<string, string[]> {
    const missing = new Map<string, string[]>();
    for (const w of workers) {
      if (w.queues === null) continue;
      const was = this.seen.get(w.worker);
      // A restarted worker consumes what it was started with: what it had before is forgotten.
      if (!was || (w.startedAt !== null && was.startedAt !== null && Math.abs(w.startedAt - was.startedAt) > 10_000)) {
        this.seen.set(w.worker, { startedAt: w.startedAt, queues: new Set(w.queues) });
        continue;
      }
      const gone = [...was.queues].filter((q) => !w.queues!.includes(q));
      if (gone.length) missing.set(w.worker, gone);
      for (const q of w.queues) was.queues.add(q);
    }
    return missing;
  }
}

/** The latest record of `kind` on `target` (the fold's item, one per key). */
function recordOf(recorded: readonly RecordedInForce[], kind: InForceKind, target: string): RecordedInForce | null {
  const key = inForceKey(kind, target);
  return recorded.find((m) => inForceKey(m.kind, m.target) === key) ?? null;
}

function systemItem(
  kind: InForceKind,
  target: string,
  rec: RecordedInForce | null,
  at: string,
  simulated: boolean,
  extra: Partial<InForce> = {},
): InForce {
  return {
    kind,
    target,
    by: rec?.by ?? '?',
    reason: rec?.reason ?? NO_RECORD,
    at: rec?.since ?? '',
    until: null,
    action: rec?.action ?? OUTSIDE,
    undo: rec?.undo ?? UNDO_OF[kind],
    expect: rec ? expectFor(kind, rec.params, rec.record) : {},
    simulated,
    drift: null,
    checkedAt: at,
    setIn: rec?.incidentId || null,
    from: 'system',
    unconfirmed: rec?.unconfirmed ?? null,
    noReply: rec?.noReply ?? [],
    undoing: rec?.undoing ?? null,
    observed: null,
    ...(rec ? { seq: rec.seq, params: rec.params } : {}),
    ...extra,
  };
}

/** A shrink recorded before the worker last started no longer holds (a restart restores the pool). */
function appliesSince(rec: RecordedInForce, w: WorkerPool): boolean {
  if (w.startedAt === null) return true;
  const since = Date.parse(rec.since);
  return !Number.isFinite(since) || since >= w.startedAt - 5_000;
}

/**
 * What is in force on the system that `covered` (this incident's own rows) does not already show,
 * each with who set it, why and when from `recorded` (every incident, the audit table), or from
 * the flag itself, else marked as found with no record.
 */
export function inForceOnSystem(
  reading: SystemReading,
  recorded: readonly RecordedInForce[],
  covered: readonly InForce[],
  missingConsumers: ReadonlyMap<string, string[]>,
  atMs: number,
  simulated: boolean,
): InForce[] {
  const at = new Date(atMs).toISOString();
  const has = (kind: InForceKind, target: string) => covered.some((m) => inForceKey(m.kind, m.target) === inForceKey(kind, target));
  const out: InForce[] = [];
  const { flags } = reading;

  for (const p of flags.paused) {
    if (has('paused-task', p.task)) continue;
    const rec = recordOf(recorded, 'paused-task', p.task);
    // The flag says who set it: a record by someone else is an older pause, not this one.
    const mine = rec && (!p.value || rec.by === p.value.by) ? rec : null;
    out.push(
      systemItem('paused-task', p.task, mine, at, simulated, {
        by: p.value?.by ?? mine?.by ?? '?',
        reason: p.value?.reason ?? mine?.reason ?? NO_RECORD,
        at: p.value?.at ?? mine?.since ?? '',
        until: p.value?.until ?? (p.ttlMs !== null ? new Date(atMs + p.ttlMs).toISOString() : null),
        undo: 'resume-task',
      }),
    );
  }
  for (const pool of flags.providers) {
    if (pool.state !== 'quarantined' || has('quarantined-pool', pool.pool)) continue;
    out.push(systemItem('quarantined-pool', pool.pool, recordOf(recorded, 'quarantined-pool', pool.pool), at, simulated));
  }
  // A shift has no "normal" on the system: it is in force while the recorded shift's pool is active.
  const shift = recordOf(recorded, 'provider-shift', '');
  if (shift && flags.activeProvider === shift.target && !has('provider-shift', shift.target)) {
    out.push(systemItem('provider-shift', shift.target, shift, at, simulated));
  }
  if (flags.pacing === 'conservative' && !has('pacing', flagKeys.pacing)) {
    out.push(systemItem('pacing', flagKeys.pacing, recordOf(recorded, 'pacing', flagKeys.pacing), at, simulated));
  }
  if ((flags.writesFrozen || flags.writesFrozenMalformed) && !has('frozen-writes', flagKeys.writesFrozen)) {
    const f = flags.writesFrozen;
    const rec = recordOf(recorded, 'frozen-writes', flagKeys.writesFrozen);
    out.push(
      systemItem('frozen-writes', flagKeys.writesFrozen, rec, at, simulated, {
        by: f?.by ?? rec?.by ?? '?',
        reason: f?.reason ?? (flags.writesFrozenMalformed ? 'the flag is not the contract JSON' : (rec?.reason ?? NO_RECORD)),
        at: f?.at ?? rec?.since ?? '',
      }),
    );
  }
  // Nor has the read target: reads on a replica are LSOS's normal setting as often as on the primary
  // (the simulation's normal is replica-1). It is in force while a recorded failover's target still
  // holds; a target set outside the cockpit with no record cannot be told from the normal one.
  const rt = reading.readTarget;
  const readRec = recordOf(recorded, 'read-target', flagKeys.readTarget);
  if (typeof rt === 'string' && readRec !== null && readRec.record.target === rt && !has('read-target', flagKeys.readTarget)) {
    const rec = readRec;
    out.push(
      systemItem('read-target', flagKeys.readTarget, rec, at, simulated, {
        expect: { target: rt, previous: rec?.record.previous ?? null },
      }),
    );
  }

  const workers = reading.workers ?? [];
  // Pools below their normal size, grouped by the queue the shrink was made for.
  const shrunk = new Map<string, { rec: RecordedInForce | null; workers: WorkerPool[] }>();
  for (const w of workers) {
    if (w.processes === null || w.normal === null || w.processes >= w.normal) continue;
    const recs = recorded.filter(
      (m) =>
        m.kind === 'shrunk-pool' &&
        appliesSince(m, w) &&
        (Object.hasOwn(obj(m.record.restoreTo), w.worker) ||
          strings(m.params.workers).includes(w.worker) ||
          (w.queues ?? []).includes(m.target)),
    );
    const rec = recs.sort((a, b) => (a.since < b.since ? 1 : -1))[0] ?? null;
    const queue = rec?.target ?? w.queues?.[0] ?? w.worker;
    const mineHere = covered.find((m) => m.kind === 'shrunk-pool' && m.target === queue);
    if (mineHere && Object.hasOwn(obj(mineHere.expect.restoreTo), w.worker)) continue;
    const g = shrunk.get(queue) ?? { rec, workers: [] };
    g.workers.push(w);
    shrunk.set(queue, g);
  }
  for (const [queue, g] of shrunk) {
    const restoreTo = Object.fromEntries(g.workers.map((w) => [w.worker, w.normal]));
    const smallest = Math.min(...g.workers.map((w) => w.processes ?? 0));
    out.push(
      systemItem('shrunk-pool', queue, g.rec, at, simulated, {
        // The undo grows back to the size the workers were started with, as they report it.
        expect: { concurrency: g.rec?.params.concurrency ?? smallest, restoreTo },
        observed: g.workers.map((w) => `${w.worker} runs ${w.processes} of ${w.normal} processes`).join(', '),
        // A shrink the system shows is no longer in doubt.
        unconfirmed: null,
        noReply: [],
      }),
    );
  }

  // Consumers cancelled: a recorded cancel the workers still show, or a queue a worker was seen
  // consuming this session and no longer does.
  const byQueue = new Map<string, { rec: RecordedInForce | null; workers: string[]; silent: string[] }>();
  for (const rec of recorded) {
    if (rec.kind !== 'cancelled-consumer' || has('cancelled-consumer', rec.target)) continue;
    const asked = strings(rec.record.workers).length ? strings(rec.record.workers) : strings(rec.params.workers);
    const g = { rec, workers: [] as string[], silent: [] as string[] };
    for (const name of asked) {
      const w = workers.find((x) => x.worker === name);
      if (!w || w.queues === null) {
        if (reading.workers !== null) g.silent.push(name);
        continue;
      }
      if (!w.queues.includes(rec.target) && appliesSince(rec, w)) g.workers.push(name);
    }
    if (g.workers.length || g.silent.length) byQueue.set(rec.target, g);
  }
  for (const [worker, queues] of missingConsumers) {
    for (const q of queues) {
      if (has('cancelled-consumer', q)) continue;
      const g = byQueue.get(q) ?? { rec: null, workers: [], silent: [] };
      if (!g.workers.includes(worker)) g.workers.push(worker);
      byQueue.set(q, g);
    }
  }
  for (const [queue, g] of byQueue) {
    const unconfirmed = g.rec?.unconfirmed ?? null;
    out.push(
      systemItem('cancelled-consumer', queue, g.rec, at, simulated, {
        expect: { workers: [...g.workers, ...g.silent] },
        observed: [
          ...g.workers.map((w) => `${w} does not consume ${queue}`),
          ...g.silent.map((w) => `no reply from ${w}: cannot check`),
        ].join(', '),
        ...(g.rec ? {} : { reason: `stopped consuming ${queue} since this cockpit first saw it (no record of who)` }),
        unconfirmed: g.workers.length === 0 ? unconfirmed : null,
        noReply: g.workers.length === 0 ? (g.rec?.noReply ?? []) : [],
      }),
    );
  }
  return out;
}

/** What differs between a mitigation in force and the system; null when it holds. */
export async function driftOf(
  m: InForce,
  flags: FlagState,
  backend: MitigationBackend,
  workers: readonly WorkerPool[] | null = null,
): Promise<string | null> {
  const consumers = async (queue: string) =>
    workers
      ? workers.filter((w) => (w.queues ?? []).includes(queue)).map((w) => ({ worker: w.worker, concurrency: w.processes }))
      : await backend.queueWorkers(queue);
  switch (m.kind) {
    case 'paused-task': {
      const f = flags.paused.find((p) => p.task === m.target);
      if (!f) return `lsos:pause:${m.target} is gone (deleted by hand?)`;
      if (f.value && f.value.by !== m.by) return `lsos:pause:${m.target} was overwritten by ${f.value.by}`;
      return null;
    }
    case 'quarantined-pool': {
      const st = flags.providers.find((p) => p.pool === m.target)?.state ?? null;
      return st === 'quarantined' ? null : `lsos:provider:${m.target}:state is ${st ?? 'unset'}, not quarantined`;
    }
    case 'pacing':
      return flags.pacing === 'conservative' ? null : `lsos:pacing:profile is ${flags.pacing ?? 'unset'}, not conservative`;
    case 'frozen-writes':
      return flags.writesFrozen
        ? null
        : flags.writesFrozenMalformed
          ? 'lsos:writes:frozen is not the contract JSON'
          : 'lsos:writes:frozen is gone (deleted by hand?)';
    case 'provider-shift': {
      const want = m.expect.concurrency;
      const got = flags.providers.find((p) => p.pool === m.target)?.concurrency ?? null;
      if (flags.activeProvider !== m.target) return `lsos:provider:active is ${flags.activeProvider ?? 'unset'}, not ${m.target}`;
      return typeof want === 'number' && got !== want ? `lsos:provider:${m.target}:concurrency is ${got ?? 'unset'}, not ${want}` : null;
    }
    case 'shrunk-pool': {
      const want = m.expect.concurrency;
      const wide = (await consumers(m.target)).filter((w) => typeof want === 'number' && w.concurrency !== null && w.concurrency > want);
      return wide.length
        ? `${wide.map((w) => `${w.worker} runs ${w.concurrency} processes`).join(', ')} (shrunk to ${String(want)}: restarted?)`
        : null;
    }
    case 'read-target': {
      // Not in FlagState: read through the session's step services, like the failover itself.
      const control = stepServices(backend).readTarget;
      if (!control) throw new Error(`no read-target control in this session (${m.target})`);
      const want = typeof m.expect.target === 'string' ? m.expect.target : null;
      const got = await control.get();
      return got === want ? null : `${m.target} is ${got ?? 'unset'}, not ${want ?? 'unset'}`;
    }
    case 'cancelled-consumer': {
      const expected = (m.expect.workers as string[]) ?? [];
      const back = (await consumers(m.target)).filter((w) => expected.length === 0 || expected.includes(w.worker));
      return back.length ? `${back.map((w) => w.worker).join(', ')} consume ${m.target} again` : null;
    }
  }
}

// ---- Commands without a reply ---------------------------------------------------------------------

export interface Settlement {
  item: InForce;
  worker: string;
  applied: boolean;
  /** What the worker's reply showed, in words. */
  observed: string;
}

/** Whether what `item` asked of `w` shows in its reply: true, false, or null (its reply does not say). */
function showsApplied(item: InForce, w: WorkerPool): boolean | null {
  const undoing = item.undoing != null;
  switch (item.kind) {
    case 'cancelled-consumer':
      if (w.queues === null) return null;
      return undoing ? w.queues.includes(item.target) : !w.queues.includes(item.target);
    case 'shrunk-pool': {
      const want = Number(item.params?.concurrency ?? item.expect.concurrency);
      if (w.processes === null || !Number.isFinite(want)) return null;
      return undoing ? w.processes > want : w.processes <= want;
    }
    default:
      return null;
  }
}

function describe(item: InForce, w: WorkerPool): string {
  return item.kind === 'shrunk-pool'
    ? `runs ${w.processes ?? '?'}${w.normal !== null ? ` of ${w.normal}` : ''} processes`
    : w.queues === null
      ? 'did not list its queues'
      : `${w.queues.includes(item.target) ? 'consumes' : 'does not consume'} ${item.target}`;
}

/**
 * Settles commands sent without a reply from what the silent workers answer later. Applied as
 * soon as the change shows; not applied once the worker has answered for `windowMs` without it
 * showing (Celery acts on a consumer change after replying, and a pool shrinks as processes idle).
 */
export class ReplyWatch {
  private readonly firstAnswer = new Map<string, number>();

  constructor(private readonly windowMs = 15_000) {}

  settle(items: readonly InForce[], workers: readonly WorkerPool[] | null, now: number): Settlement[] {
    if (workers === null) return [];
    const out: Settlement[] = [];
    for (const item of items) {
      for (const name of item.noReply) {
        const w = workers.find((x) => x.worker === name);
        if (!w) continue; // still silent
        const applied = showsApplied(item, w);
        const key = `${item.setIn ?? ''}#${item.seq ?? ''}#${item.kind}:${item.target}#${name}`;
        if (applied === true) {
          this.firstAnswer.delete(key);
          out.push({ item, worker: name, applied: true, observed: `${name} ${describe(item, w)}` });
          continue;
        }
        const first = this.firstAnswer.get(key) ?? now;
        this.firstAnswer.set(key, first);
        if (now - first >= this.windowMs) {
          this.firstAnswer.delete(key);
          out.push({
            item,
            worker: name,
            applied: false,
            observed: `${name} ${describe(item, w)} ${Math.round((now - first) / 1000)} s after it answered again`,
          });
        }
      }
    }
    return out;
  }
}
