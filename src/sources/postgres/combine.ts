// Puts each replica's own reading together with what the primary's pg_stat_replication says about
// it (matched by application_name). Pure.
import type { ReplicaSnapshot, StandbyFromPrimary } from '../../core/snapshot.js';
import { replicaSideLag, type ReplicaReading } from './replica.js';

export type ReplicaOutcome = { name: string; reading: ReplicaReading } | { name: string; error: string };

/**
 * Lag as the primary sees a standby: 0 when it has replayed all WAL the primary has written,
 * else PostgreSQL's replay_lag. (replay_lag stops growing while replay is paused, because it
 * is only measured when the standby reports progress: the replica's own figure is preferred.)
 */
export function primarySideLag(s: StandbyFromPrimary): number | null {
  if (s.replayLagBytes !== null && s.replayLagBytes <= 0) return 0;
  return s.replayLagSeconds;
}

function maxKnown(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

/**
 * @param standbys the primary's pg_stat_replication rows; null when the primary could not be read
 *   (then nothing can be said from its side).
 * @param nowPrimary names of configured replicas whose server is the primary read now (a promoted
 *   standby the primary's host list followed): out of recovery, they are marked promoted.
 */
export function combineReplicas(
  outcomes: readonly ReplicaOutcome[],
  standbys: readonly StandbyFromPrimary[] | null,
  nowPrimary: ReadonlySet<string> = new Set(),
): ReplicaSnapshot[] {
  const byApp = new Map<string, StandbyFromPrimary>();
  for (const s of standbys ?? []) if (!byApp.has(s.applicationName)) byApp.set(s.applicationName, s);
  const out: ReplicaSnapshot[] = [];
  const matched = new Set<StandbyFromPrimary>();
  for (const o of outcomes) {
    const fromPrimary = byApp.get(o.name) ?? null;
    if (fromPrimary) matched.add(fromPrimary);
    const primaryLag = fromPrimary ? primarySideLag(fromPrimary) : null;
    if ('reading' in o && !o.reading.inRecovery && nowPrimary.has(o.name)) {
      out.push({
        name: o.name,
        lagSeconds: null,
        replayPaused: false,
        seenFrom: 'replica',
        reachable: true,
        error: null,
        fromPrimary: null,
        fromReplicaSeconds: null,
        promoted: true,
      });
    } else if ('reading' in o) {
      const own = replicaSideLag(o.reading);
      out.push({
        name: o.name,
        lagSeconds: fromPrimary ? maxKnown(own, primaryLag) : own,
        replayPaused: o.reading.replayPaused,
        seenFrom: fromPrimary ? 'both' : 'replica',
        reachable: true,
        error: o.reading.inRecovery ? null : 'not in recovery: this server is not a standby (promoted?)',
        fromPrimary,
        fromReplicaSeconds: own,
      });
    } else {
      // The cockpit cannot reach it, but the primary may still see it streaming.
      out.push({
        name: o.name,
        lagSeconds: primaryLag,
        replayPaused: false,
        seenFrom: fromPrimary ? 'primary' : 'replica',
        reachable: fromPrimary !== null,
        error: o.error,
        fromPrimary,
        fromReplicaSeconds: null,
      });
    }
  }
  // Standbys nobody configured are still shown: the operator should know they exist.
  const unmatched = (standbys ?? []).filter((s) => !matched.has(s));
  const taken = new Set(out.map((r) => r.name));
  for (const s of unmatched) {
    let name = s.applicationName || 'standby';
    if (taken.has(name)) name = `${name}@${s.clientAddr ?? 'local'}`;
    taken.add(name);
    out.push({
      name,
      lagSeconds: primarySideLag(s),
      replayPaused: false,
      seenFrom: 'primary',
      reachable: true,
      error: null,
      fromPrimary: s,
      fromReplicaSeconds: null,
    });
  }
  return out;
}
