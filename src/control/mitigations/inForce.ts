// "Mitigations in force": folded from the incident's action entries (who set it, why, when it
// expires), then checked against the system (drift: a worker restarted with its old
// concurrency, a flag deleted by hand). Time-boxed pauses lapse on their own; the lapse is
// recorded in the timeline. The checker is a poller outside React, like a Source.
import type { TimelineEntry } from '../../core/timeline.js';
import type { IncidentRecorder } from '../../journal/recorder.js';
import type { FlagState, MitigationBackend } from './backend.js';
import { flagKeys } from './flags.js';
import { stepServices } from './stepServices.js';
import type { InForceKind } from './types.js';

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
}

export interface MitigationsState {
  backend: string;
  simulated: boolean;
  role: string;
  roleSource: string;
  inForce: InForce[];
  checkedAt: string | null;
  checkError: string | null;
  audit: { pending: number; error: string | null } | null;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const obj = (v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

function keyOf(kind: InForceKind, target: string): string {
  // One pacing, one freeze, one provider shift, one read target at a time.
  if (kind === 'pacing' || kind === 'frozen-writes' || kind === 'provider-shift' || kind === 'read-target') return kind;
  return `${kind}:${target}`;
}

/** The mitigations in force after these journal entries. */
export function foldInForce(entries: readonly TimelineEntry[]): InForce[] {
  const map = new Map<string, InForce>();
  for (const e of entries) {
    if (e.kind !== 'action') continue;
    const d = e.details;
    const inForce = obj(d.inForce);
    const kind = str(inForce.kind) as InForceKind;
    const status = str(d.audit && obj(d.audit).result);
    if (!kind) continue;
    const params = obj(d.params);
    const record = obj(d.record);
    const target = targetFor(kind, params, record);
    const key = keyOf(kind, target);
    if (status === 'lapsed' || status === 'cleared') {
      map.delete(key);
      continue;
    }
    if (status !== 'done' && status !== 'partial') continue;
    if (inForce.removes === true) {
      map.delete(key);
      continue;
    }
    map.set(key, {
      kind,
      target,
      by: e.operator,
      reason: str(d.reason),
      at: e.at,
      until: kind === 'paused-task' ? str(record.until) || str(params.until) || null : null,
      action: str(d.mitigation) || str(d.action),
      undo: str(d.undo) || null,
      expect: expectFor(kind, params, record),
      simulated: params.simulated === true,
      drift: null,
      checkedAt: null,
    });
  }
  return [...map.values()];
}

function targetFor(kind: InForceKind, p: Record<string, unknown>, r: Record<string, unknown>): string {
  switch (kind) {
    case 'paused-task':
      return str(r.task) || str(p.task);
    case 'quarantined-pool':
    case 'provider-shift':
      return str(p.provider);
    case 'pacing':
      return 'lsos:pacing:profile';
    case 'frozen-writes':
      return 'lsos:writes:frozen';
    case 'read-target':
      return flagKeys.readTarget;
    case 'shrunk-pool':
    case 'cancelled-consumer':
      return str(p.queue) || str(r.queue);
  }
}

function expectFor(kind: InForceKind, p: Record<string, unknown>, r: Record<string, unknown>): Record<string, unknown> {
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

/** What differs between a mitigation in force and the system; null when it holds. */
export async function driftOf(m: InForce, flags: FlagState, backend: MitigationBackend): Promise<string | null> {
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
      const workers = await backend.queueWorkers(m.target);
      const wide = workers.filter((w) => typeof want === 'number' && w.concurrency !== null && w.concurrency > want);
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
      const back = (await backend.queueWorkers(m.target)).filter((w) => expected.length === 0 || expected.includes(w.worker));
      return back.length ? `${back.map((w) => w.worker).join(', ')} consume ${m.target} again` : null;
    }
  }
}

/**
 * Mitigations in force on the system that this incident's journal did not set (another cockpit,
 * an earlier incident, a hand-set flag): listed too, with what the flag itself says.
 */
export function foundOnSystem(known: readonly InForce[], flags: FlagState, at: string, simulated: boolean): InForce[] {
  const has = (kind: InForceKind, target: string) =>
    known.some((m) => m.kind === kind && (m.target === target || kind === 'pacing' || kind === 'frozen-writes'));
  const base = { action: 'outside this incident', undo: null, expect: {}, simulated, drift: null, checkedAt: at };
  const out: InForce[] = [];
  for (const p of flags.paused) {
    if (has('paused-task', p.task)) continue;
    out.push({
      ...base,
      kind: 'paused-task',
      target: p.task,
      by: p.value?.by ?? '?',
      reason: p.value?.reason ?? 'flag set outside this incident',
      at: p.value?.at ?? '',
      until: p.value?.until ?? null,
      undo: 'resume-task',
    });
  }
  for (const pool of flags.providers) {
    if (pool.state === 'quarantined' && !has('quarantined-pool', pool.pool)) {
      out.push({
        ...base,
        kind: 'quarantined-pool',
        target: pool.pool,
        by: '?',
        reason: 'flag set outside this incident',
        at: '',
        until: null,
        undo: 'unquarantine-provider',
      });
    }
  }
  if (flags.pacing === 'conservative' && !has('pacing', '')) {
    out.push({
      ...base,
      kind: 'pacing',
      target: 'lsos:pacing:profile',
      by: '?',
      reason: 'flag set outside this incident',
      at: '',
      until: null,
      undo: 'pacing-normal',
    });
  }
  const f = flags.writesFrozen;
  if (f && !has('frozen-writes', '')) {
    out.push({
      ...base,
      kind: 'frozen-writes',
      target: 'lsos:writes:frozen',
      by: f.by,
      reason: f.reason,
      at: f.at,
      until: null,
      undo: 'unfreeze-writes',
    });
  }
  return out;
}

export interface CheckerOptions {
  recorder: IncidentRecorder;
  backend: MitigationBackend;
  /** Receives the state after each check (e.g. store.setState({ mitigations })). */
  publish: (state: Pick<MitigationsState, 'inForce' | 'checkedAt' | 'checkError'>) => void;
  /** Records a lapse (through the executor's record path: journal + audit row). */
  recordLapse: (m: InForce) => void;
  now?: () => number;
}

/** Periodic drift check; never overlapping, never throwing. */
export class InForceChecker {
  private timer: NodeJS.Timeout | null = null;
  private inflight: Promise<InForce[]> | null = null;

  constructor(private readonly o: CheckerOptions) {}

  current(): InForce[] {
    return foldInForce(this.o.recorder.view()?.entries ?? []);
  }

  /** Checks now; a check asked while one runs waits for it, then checks again (fresh state). */
  check(): Promise<InForce[]> {
    if (this.inflight) return this.inflight.then(() => this.check());
    const p = this.doCheck().finally(() => {
      this.inflight = null;
    });
    this.inflight = p;
    return p;
  }

  private async doCheck(): Promise<InForce[]> {
    const now = (this.o.now ?? Date.now)();
    try {
      let list = this.current();
      // Pauses past their end lapsed on their own (the flag's TTL): say so in the timeline.
      for (const m of list) {
        if (m.kind === 'paused-task' && m.until && Date.parse(m.until) <= now) this.o.recordLapse(m);
      }
      list = this.current();
      const flags = await this.o.backend.readFlags();
      const at = new Date(now).toISOString();
      const checked: InForce[] = [];
      for (const m of list) {
        let drift: string | null;
        try {
          drift = await driftOf(m, flags, this.o.backend);
        } catch (e) {
          drift = `cannot check: ${e instanceof Error ? e.message : String(e)}`;
        }
        checked.push({ ...m, drift, checkedAt: at });
      }
      checked.push(...foundOnSystem(checked, flags, at, this.o.backend.simulated));
      this.o.publish({ inForce: checked, checkedAt: at, checkError: null });
      return checked;
    } catch (e) {
      this.o.publish({ inForce: this.current(), checkedAt: null, checkError: e instanceof Error ? e.message : String(e) });
      return this.current();
    }
  }

  start(everyMs = 5000): void {
    if (this.timer) return;
    void this.check();
    // An interval tick while a check runs is skipped, never queued.
    this.timer = setInterval(() => void (this.inflight ?? this.check()), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
