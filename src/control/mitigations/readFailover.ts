// Read failover (runbook 6 step 3): point LSOS's read-only queries (`lsos:db:read_target`, Redis
// db 0) at a healthy replica or at the primary. Only replicas that are reachable, whose replay is
// not paused and whose lag is known and under the threshold are offered; when none is, the
// primary is the only choice and the preview says so. Undoable: `restore-read-target` puts back
// the target that was there before (from the journal's record of the failover).
//
// Parameters (beyond the catalogue's MitigationParams, until it has them): `replica` (the target:
// a replica's name or `primary`; default: the healthiest replica, else the primary).
import type { TimelineEntry } from '../../core/timeline.js';
import type { StepResult } from './backend.js';
import { flagKeys } from './flags.js';
import { stepServices, type ReadTargetControl, type ReplicaChoiceInput } from './stepServices.js';
import type { InForceKind, Mitigation, MitigationContext, MitigationParams, Outcome, PreviewLine } from './types.js';
import { compareText } from '../../domain/textOrder.js';

export const READ_FAILOVER_ID = 'fail-over-reads';
export const RESTORE_READ_TARGET_ID = 'restore-read-target';
/** The in-force kind of a read failover (to be added to InForceKind). */
export const READ_TARGET_IN_FORCE = 'read-target' as unknown as InForceKind;

export interface ReadFailoverParams extends MitigationParams {
  replica?: string;
}

export interface ReplicaCandidate {
  name: string;
  lagSeconds: number | null;
  healthy: boolean;
  /** Why it is not offered (null when healthy). */
  why: string | null;
}

export interface ReadTargetChoice {
  candidates: ReplicaCandidate[];
  /** What may be chosen: healthy replicas (least lag first), then `primary` when reachable. */
  offered: string[];
  /** The default: the healthiest replica, else the primary; null when nothing may be chosen. */
  best: string | null;
  warnings: string[];
}

/** Which read targets are healthy now. Pure. */
export function chooseReadTarget(input: ReplicaChoiceInput): ReadTargetChoice {
  const candidates: ReplicaCandidate[] = input.replicas.map((r) => {
    const why = r.promoted
      ? 'promoted: now the primary'
      : !r.reachable
        ? `unreachable${r.error ? ` (${r.error})` : ''}`
        : r.replayPaused
          ? 'replay paused'
          : r.lagSeconds === null
            ? 'lag unknown'
            : r.lagSeconds >= input.thresholdSeconds
              ? `lag ${Math.round(r.lagSeconds)} s >= ${input.thresholdSeconds} s`
              : null;
    return { name: r.name, lagSeconds: r.lagSeconds, healthy: why === null, why };
  });
  const healthy = candidates
    .filter((c) => c.healthy)
    .sort((a, b) => (a.lagSeconds ?? 0) - (b.lagSeconds ?? 0) || compareText(a.name, b.name));
  const offered = [...healthy.map((c) => c.name), ...(input.primaryReachable ? ['primary'] : [])];
  const warnings: string[] = [];
  if (healthy.length === 0 && input.primaryReachable) {
    warnings.push(
      `no healthy replica (${candidates.length ? candidates.map((c) => `${c.name}: ${c.why}`).join('; ') : 'none known'}): the primary is the only choice and takes every read on top of the writes`,
    );
  }
  if (!input.primaryReachable) warnings.push('the primary is unreachable: it is not offered');
  return { candidates, offered, best: offered[0] ?? null, warnings };
}

const line = (kind: PreviewLine['kind'], text: string): PreviewLine => ({ kind, text });

function need(ctx: MitigationContext): { control: ReadTargetControl; choice: ReplicaChoiceInput } | string {
  const s = stepServices(ctx.backend);
  if (!s.readTarget) return `no read-target control in this session (${flagKeys.readTarget} needs the flags' Redis)`;
  if (!s.replicas) return 'no replica figures in this session (needs the PostgreSQL source)';
  return { control: s.readTarget, choice: s.replicas() };
}

function outcome(ctx: MitigationContext, step: StepResult, record: Record<string, unknown>): Outcome {
  return {
    status: step.ok ? 'done' : 'failed',
    details: step.ok ? [step.detail] : [],
    failures: step.ok ? [] : [{ target: step.target, error: step.detail }],
    simulated: ctx.backend.simulated,
    record,
  };
}

const readFailover: Mitigation = {
  id: READ_FAILOVER_ID,
  title: 'Fail over reads',
  runbook: '6.3',
  appliesTo: 'replica',
  required: [],
  role: 'operator',
  dangerous: false,
  undo: RESTORE_READ_TARGET_ID,
  inForce: { kind: READ_TARGET_IN_FORCE },
  description: `Point LSOS's read-only queries at a healthy replica or at the primary (${flagKeys.readTarget}); only replicas under the lag threshold with replay running are offered.`,
  async preview(ctx) {
    const n = need(ctx);
    if (typeof n === 'string') return { title: 'Fail over reads', lines: [], blockers: [n], simulated: ctx.backend.simulated };
    const choice = chooseReadTarget(n.choice);
    const asked = (ctx.params as ReadFailoverParams).replica;
    const target = asked ?? choice.best;
    const current = await n.control.get();
    const lines: PreviewLine[] = choice.candidates.map((c) =>
      line(
        'note',
        `${c.name}: lag ${c.lagSeconds === null ? '?' : `${Math.round(c.lagSeconds * 10) / 10} s`}${c.healthy ? ' healthy: offered' : `, not offered: ${c.why}`}`,
      ),
    );
    lines.push(line('note', `offered: ${choice.offered.join(', ') || 'nothing'} (threshold ${n.choice.thresholdSeconds} s)`));
    for (const w of choice.warnings) lines.push(line('note', `WARNING: ${w}`));
    const blockers: string[] = [];
    if (target === null || target === undefined)
      blockers.push('no healthy replica and the primary is unreachable: nothing to fail over to');
    else if (!choice.offered.includes(target)) {
      const c = choice.candidates.find((x) => x.name === target);
      blockers.push(
        c
          ? `${target} is not healthy: ${c.why} (offered: ${choice.offered.join(', ') || 'nothing'})`
          : `unknown read target ${target} (offered: ${choice.offered.join(', ') || 'nothing'})`,
      );
    } else if (target === current) blockers.push(`reads already go to ${target}`);
    if (target) lines.unshift(line('flag', `SET ${flagKeys.readTarget} ${target} (db 0; was ${current ?? 'unset'})`));
    return {
      title: `Fail over reads: read target ${current ?? 'unset'} -> ${target ?? '?'}`,
      lines,
      blockers,
      simulated: ctx.backend.simulated,
    };
  },
  async run(ctx) {
    const n = need(ctx);
    if (typeof n === 'string') throw new Error(n);
    // Judged again at the moment of the write: a replica may have fallen behind since the preview.
    const choice = chooseReadTarget(n.choice);
    const target = (ctx.params as ReadFailoverParams).replica ?? choice.best;
    if (!target || !choice.offered.includes(target))
      throw new Error(`${target ?? 'no target'} is no longer a healthy read target (offered: ${choice.offered.join(', ') || 'nothing'})`);
    const previous = await n.control.get();
    const step = await n.control.set(target);
    const lag = choice.candidates.find((c) => c.name === target)?.lagSeconds ?? null;
    return outcome(ctx, step, { target, previous, lagSeconds: lag, key: flagKeys.readTarget });
  },
};

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const obj = (v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** The read failover in force: the last one done (not undone since), with the target it replaced. */
export function lastReadFailover(entries: readonly TimelineEntry[]): { target: string; previous: string | null; seq: number } | null {
  let last: { target: string; previous: string | null; seq: number } | null = null;
  for (const e of entries) {
    if (e.kind !== 'action') continue;
    const d = e.details;
    const result = str(obj(d.audit).result);
    if (result !== 'done' && result !== 'partial') continue;
    if (d.mitigation === READ_FAILOVER_ID) {
      const r = obj(d.record);
      // The target before the first failover of a series is the one to go back to.
      last = { target: str(r.target), previous: last ? last.previous : typeof r.previous === 'string' ? r.previous : null, seq: e.seq };
    } else if (d.mitigation === RESTORE_READ_TARGET_ID) last = null;
  }
  return last;
}

const restoreReadTarget: Mitigation = {
  id: RESTORE_READ_TARGET_ID,
  title: 'Restore read target',
  runbook: '6.3',
  appliesTo: 'replica',
  required: [],
  role: 'operator',
  dangerous: false,
  undo: READ_FAILOVER_ID,
  inForce: { kind: READ_TARGET_IN_FORCE, removes: true },
  description: `Undo a read failover: put ${flagKeys.readTarget} back to what it was before (deleted if it was unset).`,
  async preview(ctx) {
    const s = stepServices(ctx.backend);
    const blockers: string[] = [];
    if (!s.readTarget) blockers.push(`no read-target control in this session (${flagKeys.readTarget} needs the flags' Redis)`);
    const last = lastReadFailover(s.journal?.() ?? []);
    const asked = (ctx.params as ReadFailoverParams).replica;
    if (!last && !asked) blockers.push('no read failover in force in this incident (replica=<name|primary> restores a given target)');
    const to = asked ?? last?.previous ?? null;
    const current = s.readTarget ? await s.readTarget.get() : null;
    const lines = [
      line(
        'flag',
        to === null
          ? `DEL ${flagKeys.readTarget} (db 0; was ${current ?? 'unset'}; unset before the failover)`
          : `SET ${flagKeys.readTarget} ${to} (db 0; was ${current ?? 'unset'})`,
      ),
    ];
    if (last && current !== last.target)
      lines.push(line('note', `the flag is ${current ?? 'unset'}, not ${last.target} as the failover left it: changed by hand?`));
    return { title: `Restore read target ${current ?? 'unset'} -> ${to ?? 'unset'}`, lines, blockers, simulated: ctx.backend.simulated };
  },
  async run(ctx) {
    const s = stepServices(ctx.backend);
    if (!s.readTarget) throw new Error('no read-target control in this session');
    const last = lastReadFailover(s.journal?.() ?? []);
    const to = (ctx.params as ReadFailoverParams).replica ?? last?.previous ?? null;
    const before = await s.readTarget.get();
    return outcome(ctx, await s.readTarget.set(to), { target: to, previous: before, key: flagKeys.readTarget });
  },
};

export const READ_FAILOVER_MITIGATIONS: readonly Mitigation[] = [readFailover, restoreReadTarget];
