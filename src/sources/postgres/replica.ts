// What the cockpit reads on a replica: how far behind its replay is, by the replica's own clock.
import type pg from 'pg';

export interface ReplicaReading {
  /** False: this server is not a standby (promoted, or misconfigured). */
  inRecovery: boolean;
  replayPaused: boolean;
  /** pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(): everything received is replayed. Null when nothing is streamed. */
  caughtUp: boolean | null;
  /** Its WAL receiver is streaming (false: no receiver); null when the role may not see its status. */
  streaming: boolean | null;
  /** now() - pg_last_xact_replay_timestamp(); null before the first replayed transaction. */
  sinceLastReplaySeconds: number | null;
}

// pg_is_wal_replay_paused() raises outside recovery, hence the CASE.
const REPLICA_SQL = `
select pg_is_in_recovery() as in_recovery,
       case when pg_is_in_recovery() then pg_is_wal_replay_paused() else false end as paused,
       pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() as caught_up,
       extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 as since_replay,
       (select coalesce(status, '?') from pg_stat_wal_receiver) as receiver_status`;

export async function readReplica(pool: pg.Pool): Promise<ReplicaReading> {
  const r = (await pool.query(REPLICA_SQL)).rows[0] as Record<string, unknown>;
  const status = r.receiver_status;
  return {
    inRecovery: r.in_recovery === true,
    replayPaused: r.paused === true,
    caughtUp: r.caught_up === null ? null : r.caught_up === true,
    // No row: no WAL receiver at all. A row whose status is hidden: the role lacks pg_read_all_stats.
    streaming: status === null || status === undefined ? false : status === '?' ? null : status === 'streaming',
    sinceLastReplaySeconds: r.since_replay === null ? null : Math.max(0, Number(r.since_replay)),
  };
}

/**
 * The replica's lag by its own reading (contract 7: now() - pg_last_xact_replay_timestamp()).
 * On an idle primary that figure grows although nothing is behind, so when everything received
 * has been replayed and the receiver is streaming, the lag is 0. A receiver that is not
 * streaming cannot vouch for being caught up: then the replay age stands.
 */
export function replicaSideLag(r: ReplicaReading): number | null {
  if (!r.inRecovery) return null;
  if (r.caughtUp === true && r.streaming !== false) return 0;
  return r.sinceLastReplaySeconds;
}
