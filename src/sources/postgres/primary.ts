// What the cockpit reads on the primary, one part at a time: a part that fails (a missing grant,
// a statement timeout behind a lock) is named in partErrors and the other parts still arrive.
import type pg from 'pg';
import { sanitize } from '../../core/sanitize.js';
import type {
  ArchiverSnapshot,
  BackupSnapshot,
  BlockingQuery,
  FreshnessKind,
  FreshnessSnapshot,
  StandbyFromPrimary,
} from '../../core/snapshot.js';
import { isSqlError } from './pool.js';

export type PrimaryPart = 'replication' | 'blocking' | 'archiver' | 'backup' | 'freshness';

export interface PrimaryReading {
  connections: number;
  maxConnections: number;
  /** Connections kept for superusers: others are refused once connections reach max - reserved. */
  reservedConnections: number;
  /** The configured primary is itself in recovery (a standby): a misconfiguration or a failover. */
  inRecovery: boolean;
  standbys?: StandbyFromPrimary[];
  blocking?: BlockingQuery[];
  archiver?: ArchiverSnapshot;
  /** null: table ops_backups does not exist. */
  backup?: BackupSnapshot | null;
  /** null: table campaigns does not exist. */
  freshness?: FreshnessSnapshot[] | null;
  partErrors: Partial<Record<PrimaryPart, string>>;
}

export interface PrimaryReadOptions {
  freshnessSeconds: Record<FreshnessKind, number>;
  backupOkStatuses: readonly string[];
  /** How many of the stalest campaigns to name per kind. */
  worstCampaigns: number;
  /** Blocked-query text length (the runbook's panel shows ~120 characters). */
  queryChars: number;
}

/** Thrown when the session died in the middle of a read: the client must be discarded. */
export class BrokenSession extends Error {
  override name = 'BrokenSession';
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

// Client backends only: background workers and WAL senders do not take max_connections slots.
const BASE_SQL = `
select current_setting('max_connections')::int as max_connections,
       current_setting('superuser_reserved_connections')::int as reserved,
       (select count(*)::int from pg_stat_activity where backend_type = 'client backend') as connections,
       pg_is_in_recovery() as in_recovery`;

// Lags are PostgreSQL's own measurements; they go NULL once a standby has caught up and WAL is
// idle, which is why the byte distance is read too. `backup` rows are pg_basebackup runs, not standbys.
const REPLICATION_SQL = `
select application_name, host(client_addr) as client_addr, state, sync_state,
       extract(epoch from write_lag)::float8 as write_lag,
       extract(epoch from flush_lag)::float8 as flush_lag,
       extract(epoch from replay_lag)::float8 as replay_lag,
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 as replay_bytes
  from pg_stat_replication
 where state <> 'backup'
 order by application_name, client_addr`;

// Only sessions waiting on a lock can have blockers: filtering first keeps pg_blocking_pids cheap.
const BLOCKING_SQL = `
select a.pid as blocked_pid, bp.pid as blocking_pid,
       greatest(0, extract(epoch from now() - coalesce(a.query_start, a.xact_start, now())))::float8 as waiting,
       a.query as blocked_query, b.query as blocking_query, b.state as blocking_state
  from pg_stat_activity a
 cross join lateral unnest(pg_blocking_pids(a.pid)) as bp(pid)
  left join pg_stat_activity b on b.pid = bp.pid
 where a.wait_event_type = 'Lock'
 order by waiting desc, a.pid, bp.pid
 limit 50`;

const ARCHIVER_SQL = `
select current_setting('archive_mode') as mode, archived_count::int as archived_count, last_archived_wal, last_archived_time,
       failed_count::int as failed_count, last_failed_wal, last_failed_time
  from pg_stat_archiver`;

const BACKUP_SQL = `
select max(finished_at) filter (where lower(coalesce(status, '')) = any($1::text[])) as last_ok,
       max(finished_at) filter (where lower(coalesce(status, '')) <> all($1::text[])) as last_failed,
       max(finished_at) as last_finished,
       (select status from ops_backups where finished_at is not null order by finished_at desc limit 1) as last_status
  from ops_backups`;

/** Column of `campaigns` per kind: a fixed whitelist, never text from outside. */
const FRESHNESS_COLUMN: Record<FreshnessKind, string> = { crawl: 'last_crawl_at', rank: 'last_rank_at', reviews: 'last_review_at' };

function freshnessSql(col: string): { summary: string; worst: string } {
  return {
    summary: `
select count(*)::int as active,
       count(*) filter (where ${col} is null)::int as never,
       count(*) filter (where ${col} is null or ${col} < now() - make_interval(secs => $1))::int as stale,
       extract(epoch from now() - min(${col}))::float8 as oldest
  from campaigns where active`,
    worst: `
select id::text as id, coalesce(name::text, '') as name, extract(epoch from now() - ${col})::float8 as age
  from campaigns
 where active and (${col} is null or ${col} < now() - make_interval(secs => $1))
 order by ${col} asc nulls first, id
 limit $2`,
  };
}

/** Tables LSOS may not have: to_regclass says whether one exists (in the search_path) without an error. */
async function tableExists(client: pg.PoolClient, name: 'ops_backups' | 'campaigns'): Promise<boolean> {
  const r = await client.query(`select to_regclass($1) is not null as present`, [name]);
  return (r.rows[0] as { present: boolean }).present;
}

const ms = (d: unknown): number | null => (d instanceof Date ? d.getTime() : null);
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * Reads the primary through one session. The base figures must arrive or the read fails (the
 * primary counts as unreachable); each further part fails on its own. A part that breaks the
 * session (connection lost, client-side timeout) throws BrokenSession.
 */
export async function readPrimary(client: pg.PoolClient, opts: PrimaryReadOptions): Promise<PrimaryReading> {
  const base = (await client.query(BASE_SQL)).rows[0] as {
    max_connections: number;
    reserved: number;
    connections: number;
    in_recovery: boolean;
  };
  const out: PrimaryReading = {
    connections: base.connections,
    maxConnections: base.max_connections,
    reservedConnections: base.reserved,
    inRecovery: base.in_recovery,
    partErrors: {},
  };
  const part = async (name: PrimaryPart, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      if (!isSqlError(err)) throw new BrokenSession(err);
      out.partErrors[name] = sanitize((err as Error).message, 200);
    }
  };

  await part('replication', async () => {
    const rows = (await client.query(REPLICATION_SQL)).rows as Record<string, unknown>[];
    out.standbys = rows.map((r) => ({
      applicationName: sanitize(r.application_name ?? '', 63),
      clientAddr: r.client_addr === null ? null : sanitize(r.client_addr, 64),
      state: sanitize(r.state ?? '', 20),
      syncState: r.sync_state === null ? null : sanitize(r.sync_state, 20),
      writeLagSeconds: num(r.write_lag),
      flushLagSeconds: num(r.flush_lag),
      replayLagSeconds: num(r.replay_lag),
      replayLagBytes: num(r.replay_bytes),
    }));
  });

  await part('blocking', async () => {
    const rows = (await client.query(BLOCKING_SQL)).rows as Record<string, unknown>[];
    out.blocking = rows.map((r) => ({
      blockedPid: Number(r.blocked_pid),
      blockingPid: Number(r.blocking_pid),
      waitingSeconds: Number(r.waiting),
      query: sanitize(r.blocked_query ?? '', opts.queryChars),
      blockingQuery: sanitize(r.blocking_query ?? '', opts.queryChars),
      blockingState: r.blocking_state === null ? null : sanitize(r.blocking_state, 40),
    }));
  });

  await part('archiver', async () => {
    const r = (await client.query(ARCHIVER_SQL)).rows[0] as Record<string, unknown>;
    out.archiver = {
      mode: sanitize(r.mode, 10),
      archivedCount: Number(r.archived_count),
      lastArchivedWal: r.last_archived_wal === null ? null : sanitize(r.last_archived_wal, 64),
      lastArchivedAt: ms(r.last_archived_time),
      failedCount: Number(r.failed_count),
      lastFailedWal: r.last_failed_wal === null ? null : sanitize(r.last_failed_wal, 64),
      lastFailedAt: ms(r.last_failed_time),
    };
  });

  await part('backup', async () => {
    if (!(await tableExists(client, 'ops_backups'))) {
      out.backup = null;
      return;
    }
    const r = (await client.query(BACKUP_SQL, [opts.backupOkStatuses.map((s) => s.toLowerCase())])).rows[0] as Record<string, unknown>;
    out.backup = {
      lastOkAt: ms(r.last_ok),
      lastFailedAt: ms(r.last_failed),
      lastFinishedAt: ms(r.last_finished),
      lastStatus: r.last_status === null || r.last_status === undefined ? null : sanitize(r.last_status, 40),
    };
  });

  await part('freshness', async () => {
    if (!(await tableExists(client, 'campaigns'))) {
      out.freshness = null;
      return;
    }
    const kinds: FreshnessSnapshot[] = [];
    for (const kind of Object.keys(FRESHNESS_COLUMN) as FreshnessKind[]) {
      const sql = freshnessSql(FRESHNESS_COLUMN[kind]);
      const threshold = opts.freshnessSeconds[kind];
      const s = (await client.query(sql.summary, [threshold])).rows[0] as Record<string, unknown>;
      const worst = (await client.query(sql.worst, [threshold, opts.worstCampaigns])).rows as Record<string, unknown>[];
      kinds.push({
        kind,
        thresholdSeconds: threshold,
        activeCampaigns: Number(s.active),
        staleCampaigns: Number(s.stale),
        neverRun: Number(s.never),
        oldestAgeSeconds: num(s.oldest),
        worst: worst.map((w) => ({ id: sanitize(w.id, 64), name: sanitize(w.name, 80), ageSeconds: num(w.age) })),
      });
    }
    out.freshness = kinds;
  });
  return out;
}
