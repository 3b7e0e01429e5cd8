// Mitigations in force as an incident's journal records them: the one fold shared by the cockpit
// (src/control/mitigations/inForce.ts, which then checks it against the system) and the PIR
// (src/core/pir/resolution.ts, the state at resolution). Pure: no I/O.
//
// An action entry whose `inForce` names a kind puts that kind in force on its target when it ran
// (`done`, `partial`) or when the workers did not reply (`no-reply`: it may still apply, so it is
// in force, unconfirmed). Its undo (`inForce.removes`) takes it out; so do a lapse (a time-boxed
// pause ended), a clearing, and a confirmation that the command never applied (`not-applied`).
// `confirmed` says an unconfirmed command did apply.
import type { TimelineEntry } from './timeline.js';
import { parseUtc } from './timeline.js';

export const IN_FORCE_KINDS = [
  'paused-task',
  'quarantined-pool',
  'pacing',
  'frozen-writes',
  'shrunk-pool',
  'cancelled-consumer',
  'provider-shift',
  'read-target',
] as const;

/** What stays in force after a mitigation ran, for the "Mitigations in force" panel, drift and the PIR. */
export type InForceKind = (typeof IN_FORCE_KINDS)[number];

export function isInForceKind(v: unknown): v is InForceKind {
  return typeof v === 'string' && (IN_FORCE_KINDS as readonly string[]).includes(v);
}

/** The control flags a mitigation holds (contract section 6), by kind where the kind is one flag. */
export const IN_FORCE_FLAG = {
  pacing: 'lsos:pacing:profile',
  'frozen-writes': 'lsos:writes:frozen',
  'read-target': 'lsos:db:read_target',
} as const;

/** The result words an action entry carries (its audit row's `result`). */
export const NO_REPLY = 'no-reply';
export const CONFIRMED = 'confirmed';
export const NOT_APPLIED = 'not-applied';
/** How a command without a reply is recorded and shown. */
export const NO_REPLY_TEXT = 'no reply: may still apply';

export interface RecordedInForce {
  kind: InForceKind;
  /** What it holds: a task, a pool, a queue, or the flag itself (pacing, frozen writes, read target). */
  target: string;
  /** The mitigation that set it, and the one that undoes it. */
  action: string;
  undo: string | null;
  by: string;
  reason: string;
  /** ISO UTC: when it was recorded as set. */
  since: string;
  /** ISO UTC; null: until undone. Only a paused task is time-boxed. */
  until: string | null;
  params: Record<string, unknown>;
  record: Record<string, unknown>;
  simulated: boolean;
  /** The entry that set it, and the incident whose journal holds it. */
  seq: number;
  incidentId: string;
  /** null: acknowledged; else why it may or may not be in force (a command without a reply). */
  unconfirmed: string | null;
  /** The workers whose reply never came (checked until each is confirmed either way). */
  noReply: string[];
  /** The unconfirmed command is its undo (sent, no reply): it may already be out of force. */
  undoing: string | null;
  /** Some worker acknowledged it (or was confirmed to apply it): a `not-applied` elsewhere leaves it in force. */
  acknowledged: boolean;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** One pacing, one freeze, one provider shift, one read target at a time; the rest per target. */
export function inForceKey(kind: string, target: string): string {
  return kind === 'pacing' || kind === 'frozen-writes' || kind === 'provider-shift' || kind === 'read-target' ? kind : `${kind}:${target}`;
}

/** What a mitigation holds, from its entry's details: a task, a pool, a queue, or the flag. */
export function inForceTarget(kind: InForceKind, d: Record<string, unknown>): string {
  const p = obj(d.params);
  const r = obj(d.record);
  switch (kind) {
    case 'paused-task':
      return str(r.task) || str(p.task) || str(d.target);
    case 'quarantined-pool':
    case 'provider-shift':
      return str(p.provider) || str(r.provider) || str(d.target);
    case 'shrunk-pool':
    case 'cancelled-consumer':
      return str(p.queue) || str(r.queue) || str(d.target);
    case 'pacing':
    case 'frozen-writes':
    case 'read-target':
      return IN_FORCE_FLAG[kind];
  }
}

/** An action entry's result: its audit row's, else its outcome without the simulation mark. */
export function actionResult(d: Record<string, unknown>): string {
  return str(obj(d.audit).result) || str(d.outcome).replace(/, SIMULATED$/, '');
}

/** The workers that did not reply, as the entry lists them (`unconfirmed: [{ target, error }]`). */
function noReplyOf(d: Record<string, unknown>): string[] {
  const list = Array.isArray(d.unconfirmed) ? d.unconfirmed : [];
  return list.map((u) => str(obj(u).target)).filter((t) => t !== '');
}

/** What the panel and the PIR say about a command still unconfirmed. */
export function unconfirmedText(noReply: readonly string[], undoing: string | null): string | null {
  if (noReply.length === 0) return null;
  return `${undoing ? `${undoing} sent, ` : ''}${noReply.join(', ')}: ${NO_REPLY_TEXT}`;
}

/**
 * The mitigations in force after `entries` (one incident's journal, in order). With `atMs`, a
 * pause whose `until` has passed by then is left out (the PIR's reading at resolution); without
 * it, it stays until its lapse is recorded (the cockpit's checker records it).
 */
export function foldInForce(entries: readonly TimelineEntry[], opts: { atMs?: number } = {}): RecordedInForce[] {
  const map = new Map<string, RecordedInForce>();
  for (const e of entries) {
    if (e.kind !== 'action') continue;
    const d = e.details;
    const inForce = obj(d.inForce);
    const kind = inForce.kind;
    if (!isInForceKind(kind)) continue;
    const result = actionResult(d);
    const target = inForceTarget(kind, d);
    const key = inForceKey(kind, target);
    const removes = inForce.removes === true;
    const current = map.get(key);
    if (result === 'lapsed' || result === 'cleared') {
      map.delete(key);
      continue;
    }
    if (result === CONFIRMED || result === NOT_APPLIED) {
      if (!current) continue;
      // `record.workers`: whose reply settled it. An undo confirmed takes it out; a command
      // confirmed never applied takes it out when no worker had acknowledged it.
      const settled = new Set((Array.isArray(obj(d.record).workers) ? (obj(d.record).workers as unknown[]) : []).map(str));
      const noReply = current.noReply.filter((w) => !settled.has(w));
      const applied = result === CONFIRMED;
      if (current.undoing !== null) {
        if (applied) map.delete(key);
        else
          map.set(key, {
            ...current,
            noReply,
            undoing: noReply.length ? current.undoing : null,
            unconfirmed: unconfirmedText(noReply, current.undoing),
          });
        continue;
      }
      const acknowledged = current.acknowledged || applied;
      if (noReply.length === 0 && !acknowledged) {
        map.delete(key);
        continue;
      }
      map.set(key, {
        ...current,
        noReply,
        acknowledged,
        unconfirmed: unconfirmedText(noReply, null),
        record: applied ? { ...current.record, ...obj(obj(d.record).merge) } : current.record,
      });
      continue;
    }
    if (result !== 'done' && result !== 'partial' && result !== NO_REPLY) continue;
    const noReply = noReplyOf(d);
    if (removes) {
      // An undo nobody acknowledged may or may not have taken it out: it stays, unconfirmed.
      const undo = str(d.mitigation) || str(d.action);
      if (noReply.length > 0 && current) map.set(key, { ...current, noReply, undoing: undo, unconfirmed: unconfirmedText(noReply, undo) });
      else map.delete(key);
      continue;
    }
    const params = obj(d.params);
    const record = obj(d.record);
    map.set(key, {
      kind,
      target,
      action: str(d.mitigation) || str(d.action),
      undo: str(d.undo) || null,
      by: e.operator,
      reason: str(d.reason),
      since: e.at,
      until: kind === 'paused-task' ? str(record.until) || str(params.until) || null : null,
      params,
      record,
      simulated: params.simulated === true || str(d.outcome).endsWith('SIMULATED'),
      seq: e.seq,
      incidentId: e.incidentId,
      unconfirmed: unconfirmedText(noReply, null) ?? (result === NO_REPLY ? NO_REPLY_TEXT : null),
      noReply,
      undoing: null,
      acknowledged: result !== NO_REPLY,
    });
  }
  const out = [...map.values()];
  const at = opts.atMs;
  if (at === undefined) return out;
  return out.filter((m) => {
    const until = m.until === null ? null : parseUtc(m.until);
    return until === null || until > at;
  });
}
