// The PostgreSQL source against a real primary with a real streaming replica (private cluster,
// never the shared server). Every figure is compared with what the servers themselves say.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadOnlyPool, PostgresSource } from '../../src/sources/postgres/index.js';
import type { DatabaseSnapshot } from '../../src/core/snapshot.js';
import { freePort, requirePg, startReplicaPair, type PgReplicaPair } from '../support/pgReplica.js';

const DB = 'lsos_ops';
const enabled = requirePg('test/live/postgres.test.ts');

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Key figures, printed with LSOS_TEST_FIGURES=1 (for reports; the assertions do not need them). */
function figures(label: string, value: unknown): void {
  if (process.env.LSOS_TEST_FIGURES) console.log(`[figures] ${label}: ${JSON.stringify(value)}`);
}

async function readDb(src: PostgresSource): Promise<DatabaseSnapshot> {
  const patch = await src.read(new AbortController().signal);
  if (!patch.database) throw new Error('no database in the patch');
  return patch.database;
}

describe.skipIf(!enabled)('PostgreSQL source (real primary + streaming replica)', () => {
  let pair: PgReplicaPair;
  let src: PostgresSource;
  const clients: pg.Client[] = [];

  beforeAll(async () => {
    pair = await startReplicaPair({ maxConnections: 30 });
    await pair.primary.query(`create database ${DB}`);
    await pair.waitForCatchUp();
    src = new PostgresSource({
      primaryUrl: pair.primary.url(DB),
      replicas: [{ name: pair.replicaName, url: pair.replica.url(DB) }],
      statementTimeoutMs: 1000,
    });
  });

  afterAll(async () => {
    for (const c of clients) await c.end().catch(() => undefined);
    await src?.close();
    await pair?.cleanup();
  });

  it('opens read-only sessions with a statement timeout and application_name lsos-cockpit', async () => {
    // The pool the source uses, with an operator option that must survive next to ours.
    const pool = createReadOnlyPool(`${pair.primary.url(DB)}?options=-c%20search_path%3Dpublic`, { statementTimeoutMs: 700 });
    try {
      const c = await pool.connect();
      try {
        const show = async (g: string) => ((await c.query(`show ${g}`)).rows[0] as Record<string, string>)[g];
        expect(await show('default_transaction_read_only')).toBe('on');
        expect(await show('transaction_read_only')).toBe('on');
        expect(await show('statement_timeout')).toBe('700ms');
        expect(await show('application_name')).toBe('lsos-cockpit');
        expect(await show('search_path')).toBe('public');
        await expect(c.query('create table must_not_exist (x int)')).rejects.toThrow(/read-only transaction/);
        await expect(c.query('select pg_sleep(2)')).rejects.toThrow(/statement timeout/);
        // The session survives a server-side error.
        expect((await c.query('select 1 as one')).rows[0]).toEqual({ one: 1 });
      } finally {
        c.release();
      }
    } finally {
      await pool.end();
    }
    expect(await pair.primary.query(`select to_regclass('must_not_exist') as t`, [], DB)).toEqual([{ t: null }]);

    await readDb(src);
    const sessions = await pair.primary.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where application_name = 'lsos-cockpit' and datname = $1`,
      [DB],
    );
    expect(sessions[0]?.n).toBeGreaterThanOrEqual(1);
    expect(sessions[0]?.n).toBeLessThanOrEqual(2); // max 2 per server
  });

  it('reports client connections and max_connections as the server counts them', async () => {
    const truthClient = await pair.primary.client(DB);
    clients.push(truthClient);
    const truth = async () =>
      (
        await truthClient.query(
          `select count(*)::int as n, current_setting('max_connections')::int as max from pg_stat_activity where backend_type = 'client backend'`,
        )
      ).rows[0] as { n: number; max: number };
    const before = await readDb(src);
    const t0 = await truth();
    expect(before.connections).toBe(t0.n);
    expect(before.maxConnections).toBe(t0.max);
    expect(before.maxConnections).toBe(30);
    // The slots kept for superusers, so the panel counts what the application may use.
    const reserved = (await truthClient.query(`select current_setting('superuser_reserved_connections')::int as r`)).rows[0] as {
      r: number;
    };
    expect(before.reservedConnections).toBe(reserved.r);

    const extra: pg.Client[] = [];
    for (let i = 0; i < 5; i++) extra.push(await pair.primary.client(DB));
    const during = await readDb(src);
    const t1 = await truth();
    expect(during.connections).toBe(t1.n);
    expect(during.connections - before.connections).toBe(5);
    figures('connections', {
      before: before.connections,
      truthBefore: t0.n,
      during: during.connections,
      truthDuring: t1.n,
      max: during.maxConnections,
    });
    for (const c of extra) await c.end();
    const after = await waitFor('the 5 connections to go', async () => {
      const d = await readDb(src);
      return d.connections === before.connections ? d : null;
    });
    expect(after.connections).toBe((await truth()).n);
    expect(after.primaryDegraded).toBeNull();
  });

  it('shows a blocked UPDATE with the pid holding the lock and the pid waiting, sanitised and truncated', async () => {
    await pair.primary.query('create table accounts (id int primary key, v int)', [], DB);
    await pair.primary.query('insert into accounts values (1, 0)', [], DB);
    const holder = await pair.primary.client(DB);
    const waiter = await pair.primary.client(DB);
    clients.push(holder, waiter);
    const holderPid = ((await holder.query('select pg_backend_pid() as pid')).rows[0] as { pid: number }).pid;
    const waiterPid = ((await waiter.query('select pg_backend_pid() as pid')).rows[0] as { pid: number }).pid;
    await holder.query('begin');
    await holder.query('lock table accounts in exclusive mode');
    // An escape sequence and a long tail: what reaches the operator's terminal must be neither.
    const blockedSql = `update accounts set v = v + 1 where id = 1 /* \u001b[2J\u001b]0;pwned\u0007 ${'x'.repeat(300)} */`;
    const started = Date.now();
    const blocked = waiter.query(blockedSql);
    await waitFor('the UPDATE to wait on the lock', async () => {
      const r = await pair.primary.query<{ w: string | null }>('select wait_event_type as w from pg_stat_activity where pid = $1', [
        waiterPid,
      ]);
      return r[0]?.w === 'Lock';
    });
    await new Promise((r) => setTimeout(r, 1200));
    const db = await readDb(src);
    const elapsed = (Date.now() - started) / 1000;
    const truth = await pair.primary.query<{ pids: number[] }>('select pg_blocking_pids($1) as pids', [waiterPid]);
    expect(truth[0]?.pids).toEqual([holderPid]);
    figures('blocking', { holderPid, waiterPid, elapsed, rows: db.blocking });
    const row = db.blocking.find((b) => b.blockedPid === waiterPid);
    expect(row).toBeDefined();
    expect(row?.blockingPid).toBe(holderPid);
    expect(row?.blockingState).toBe('idle in transaction');
    expect(row?.blockingQuery).toContain('lock table accounts');
    expect(row?.waitingSeconds).toBeGreaterThanOrEqual(1);
    expect(row?.waitingSeconds).toBeLessThanOrEqual(elapsed + 0.5);
    expect(row?.query.startsWith('update accounts set v = v + 1 where id = 1')).toBe(true);
    expect(row?.query.length).toBeLessThanOrEqual(120);
    expect(row?.query).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(db.blocking.filter((b) => b.blockedPid === waiterPid)).toHaveLength(1);

    await holder.query('rollback');
    await blocked;
    const clear = await readDb(src);
    expect(clear.blocking.filter((b) => b.blockedPid === waiterPid)).toEqual([]);
    expect((await pair.primary.query('select v from accounts where id = 1', [], DB))[0]).toEqual({ v: 1 });
  });

  it('replica lag: 0 on an idle primary although the last replayed transaction is old', async () => {
    await pair.generateWal(10);
    await pair.waitForCatchUp();
    await new Promise((r) => setTimeout(r, 2500));
    const db = await waitFor('the primary side to settle', async () => {
      const d = await readDb(src);
      const r = d.replicas.find((x) => x.name === pair.replicaName);
      return r && r.lagSeconds === 0 ? d : null;
    });
    const [truth] = await pair.replica.query<{ since: number; same: boolean }>(
      'select extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 as since, pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() as same',
    );
    figures('idle replica', { truthSinceLastReplay: truth?.since, reported: db.replicas });
    expect(truth?.same).toBe(true);
    expect(truth?.since).toBeGreaterThanOrEqual(2);
    const r = db.replicas.find((x) => x.name === pair.replicaName);
    expect(r).toMatchObject({ lagSeconds: 0, replayPaused: false, seenFrom: 'both', reachable: true, error: null });
    expect(r?.fromPrimary?.state).toBe('streaming');
    expect(r?.fromPrimary?.clientAddr).toBe('127.0.0.1');
    expect(r?.fromPrimary?.replayLagBytes).toBe(0);
  });

  it('replica lag grows while replay is paused and WAL arrives, and falls back to 0 when resumed', async () => {
    await pair.pauseReplay();
    await pair.generateWal(500);
    const first = await waitFor('the replica to receive WAL it does not replay', async () => {
      const d = await readDb(src);
      const r = d.replicas.find((x) => x.name === pair.replicaName);
      return r && r.replayPaused && (r.lagSeconds ?? 0) > 0 ? r : null;
    });
    await new Promise((r) => setTimeout(r, 2000)); // the lag grows with real time: let some pass
    const replayAge = async () =>
      (
        await pair.replica.query<{ since: number; paused: boolean }>(
          'select extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 as since, pg_is_wal_replay_paused() as paused',
        )
      )[0];
    // The replica's own figure is taken during readDb: between its truths just before and after.
    const truthBefore = await replayAge();
    const db = await readDb(src);
    const second = db.replicas.find((x) => x.name === pair.replicaName);
    const truth = await replayAge();
    const [primaryView] = await pair.primary.query<{ bytes: number }>(
      'select pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 as bytes from pg_stat_replication where application_name = $1',
      [pair.replicaName],
    );
    figures('paused replica', { first: first.lagSeconds, second, truth, primaryBytes: primaryView?.bytes });
    expect(truth?.paused).toBe(true);
    expect(second?.replayPaused).toBe(true);
    expect(second?.seenFrom).toBe('both');
    expect(second?.lagSeconds).toBeGreaterThanOrEqual((first.lagSeconds ?? 0) + 1.5);
    // The replica's own figure, read a moment later, is the same clock.
    expect(second?.fromReplicaSeconds).toBeLessThanOrEqual(truth?.since ?? 0);
    expect(second?.fromReplicaSeconds).toBeGreaterThan((truthBefore?.since ?? 0) - 1);
    expect(primaryView?.bytes).toBeGreaterThan(0);
    expect(second?.fromPrimary?.replayLagBytes).toBeGreaterThan(0);

    await pair.resumeReplay();
    await pair.waitForCatchUp();
    const back = await waitFor('the lag to return to 0', async () => {
      const d = await readDb(src);
      const r = d.replicas.find((x) => x.name === pair.replicaName);
      return r && r.lagSeconds === 0 && !r.replayPaused ? r : null;
    });
    expect(back.seenFrom).toBe('both');
  });

  it('reads backup completion from ops_backups and campaign freshness from campaigns, as the rows say', async () => {
    const fresh = new PostgresSource({ primaryUrl: pair.primary.url(DB), statementTimeoutMs: 1000, worstCampaigns: 3 });
    try {
      const before = await readDb(fresh);
      expect(before.backup).toBeNull(); // no table yet
      expect(before.freshness).toBeNull();
      expect(before.lastBackupAt).toBeNull();

      await pair.primary.query(
        `create table ops_backups (finished_at timestamptz, status text);
         insert into ops_backups values
           (now() - interval '30 hours', 'ok'),
           (now() - interval '3 hours', 'OK'),
           (now() - interval '2 hours', 'failed'),
           (null, 'running');
         create table campaigns (id int primary key, name text, active boolean, owner_email text,
           last_crawl_at timestamptz, last_rank_at timestamptz, last_review_at timestamptz);
         insert into campaigns values
           (1, 'Acme', true, 'a@x', now() - interval '1 hour', now() - interval '2 hours', now() - interval '3 hours'),
           (2, 'Bolt', true, 'b@x', now() - interval '30 hours', now() - interval '20 hours', now() - interval '50 hours'),
           (3, 'Cobalt', true, 'c@x', null, now() - interval '25 hours', now() - interval '47 hours'),
           (4, E'Dyn\\u001b[31mamo', true, 'd@x', now() - interval '26 hours', null, null),
           (5, 'Old', false, 'e@x', now() - interval '900 hours', null, null),
           (6, 'Evergreen', true, 'f@x', now() - interval '10 minutes', now() - interval '10 minutes', now() - interval '10 minutes');`,
        [],
        DB,
      );
      const db = await readDb(fresh);
      figures('backup+freshness', { backup: db.backup, freshness: db.freshness });

      // Truth from the raw rows, computed here rather than by SQL.
      const [b] = await pair.primary.query<{ ok: Date; failed: Date; status: string }>(
        `select (select max(finished_at) from ops_backups where lower(status) = 'ok') as ok,
                (select max(finished_at) from ops_backups where lower(status) <> 'ok') as failed,
                (select status from ops_backups where finished_at is not null order by finished_at desc limit 1) as status`,
        [],
        DB,
      );
      expect(db.backup).toEqual({
        lastOkAt: b?.ok.getTime(),
        lastFailedAt: b?.failed.getTime(),
        lastFinishedAt: b?.failed.getTime(),
        lastStatus: b?.status,
      });
      expect(db.lastBackupAt).toBe(b?.ok.getTime());

      const rows = await pair.primary.query<{
        id: number;
        name: string;
        active: boolean;
        c: number | null;
        r: number | null;
        v: number | null;
      }>(
        `select id, name, active, extract(epoch from now() - last_crawl_at)::float8 as c, extract(epoch from now() - last_rank_at)::float8 as r,
                extract(epoch from now() - last_review_at)::float8 as v from campaigns`,
        [],
        DB,
      );
      const limits = { crawl: 24 * 3600, rank: 24 * 3600, reviews: 48 * 3600 };
      const col = { crawl: 'c', rank: 'r', reviews: 'v' } as const;
      for (const kind of ['crawl', 'rank', 'reviews'] as const) {
        const active = rows.filter((x) => x.active);
        const ages = active.map((x) => ({ id: String(x.id), age: x[col[kind]] }));
        const stale = ages.filter((a) => a.age === null || a.age > limits[kind]);
        const worstIds = [...stale]
          .sort((p, q) => (q.age ?? Infinity) - (p.age ?? Infinity) || Number(p.id) - Number(q.id))
          .slice(0, 3)
          .map((a) => a.id);
        const known = ages.filter((a) => a.age !== null).map((a) => a.age as number);
        const k = db.freshness?.find((f) => f.kind === kind);
        expect(k, kind).toBeDefined();
        expect(k?.thresholdSeconds).toBe(limits[kind]);
        expect(k?.activeCampaigns).toBe(active.length);
        expect(k?.staleCampaigns, kind).toBe(stale.length);
        expect(k?.neverRun).toBe(ages.filter((a) => a.age === null).length);
        expect(k?.oldestAgeSeconds).toBeCloseTo(Math.max(...known), 0);
        expect(
          k?.worst.map((w) => w.id),
          kind,
        ).toEqual(worstIds);
      }
      // Inactive campaigns do not count; names from the table are sanitised.
      expect(db.freshness?.find((f) => f.kind === 'crawl')?.worst.map((w) => w.name)).toEqual(['Cobalt', 'Bolt', 'Dynamo']);
    } finally {
      await fresh.close();
    }
  });

  it('a lock on campaigns costs only the freshness part (statement timeout); the other figures still arrive', async () => {
    const quick = new PostgresSource({ primaryUrl: pair.primary.url(DB), statementTimeoutMs: 400 });
    const holder = await pair.primary.client(DB);
    clients.push(holder);
    try {
      const ok = await readDb(quick);
      expect(ok.freshness?.length).toBe(3);
      await holder.query('begin');
      await holder.query('lock table campaigns in access exclusive mode');
      const db = await readDb(quick);
      expect(db.primaryReachable).toBe(true);
      expect(db.partErrors?.freshness).toMatch(/statement timeout/);
      expect(db.partErrors?.backup).toBeUndefined();
      // Last known freshness is kept, and the rest is fresh.
      expect(db.freshness).toEqual(ok.freshness);
      expect(db.maxConnections).toBe(30);
      expect(db.backup?.lastOkAt).toBe(ok.backup?.lastOkAt);
    } finally {
      await holder.query('rollback').catch(() => undefined);
      await quick.close();
    }
  });

  it('WAL archiving: the last archived WAL is a file in the archive; a failing archive_command shows as the last failure', async () => {
    await pair.generateWal(10);
    await pair.primary.query('select pg_switch_wal()');
    const truth1 = await waitFor('a WAL segment to be archived', async () => {
      const [r] = await pair.primary.query<{ wal: string | null; n: number }>(
        'select last_archived_wal as wal, archived_count::int as n from pg_stat_archiver',
      );
      return r?.wal && /^[0-9A-F]{24}$/.test(r.wal) ? r : null;
    });
    let db = await readDb(src);
    expect(db.archiver?.mode).toBe('on');
    expect(db.archiver?.archivedCount).toBeGreaterThanOrEqual(truth1.n);
    expect(await pair.archivedFiles()).toContain(db.archiver?.lastArchivedWal);
    expect(db.archiver?.lastFailedAt).toBeNull();

    await pair.breakArchiving(true);
    await pair.generateWal(10);
    await pair.primary.query('select pg_switch_wal()');
    const failed = await waitFor('archive_command to fail', async () => {
      const [r] = await pair.primary.query<{ wal: string | null; n: number }>(
        'select last_failed_wal as wal, failed_count::int as n from pg_stat_archiver',
      );
      return r && r.n > 0 ? r : null;
    });
    db = await readDb(src);
    figures('archiver failing', { truth: failed, archiver: db.archiver });
    expect(db.archiver?.lastFailedWal).toBe(failed.wal);
    expect(db.archiver?.failedCount).toBeGreaterThanOrEqual(failed.n);
    expect(await pair.archivedFiles()).not.toContain(failed.wal);
    expect(db.archiver?.lastFailedAt).toBeGreaterThan(db.archiver?.lastArchivedAt ?? 0);

    await pair.breakArchiving(false);
    await pair.generateWal(10);
    await pair.primary.query('select pg_switch_wal()');
    await waitFor(
      'archiving to recover',
      async () => {
        const [r] = await pair.primary.query<{ ok: boolean }>('select last_archived_time > last_failed_time as ok from pg_stat_archiver');
        return r?.ok;
      },
      90_000,
    );
    db = await readDb(src);
    expect(db.archiver?.lastArchivedAt).toBeGreaterThan(db.archiver?.lastFailedAt ?? 0);
    expect(await pair.archivedFiles()).toContain(db.archiver?.lastArchivedWal);
  });

  it('a replica that is down leaves the primary figures flowing and is marked unreachable; it comes back', async () => {
    await pair.replica.stop();
    const db = await waitFor('the primary to stop seeing the standby', async () => {
      const d = await readDb(src);
      const r = d.replicas.find((x) => x.name === pair.replicaName);
      return r && !r.reachable ? d : null;
    });
    const [truth] = await pair.primary.query<{ n: number; max: number }>(
      `select count(*)::int as n, current_setting('max_connections')::int as max from pg_stat_activity where backend_type = 'client backend'`,
    );
    expect(db.primaryReachable).toBe(true);
    expect(db.maxConnections).toBe(truth?.max);
    expect(db.connections).toBeGreaterThan(0);
    expect(db.connections).toBeLessThanOrEqual(truth?.n ?? 0);
    expect(db.archiver?.mode).toBe('on');
    const r = db.replicas.find((x) => x.name === pair.replicaName);
    expect(r?.lagSeconds).toBeNull();
    expect(r?.fromPrimary).toBeNull();
    expect(r?.error).toMatch(new RegExp(`replica 127\\.0\\.0\\.1:${pair.replica.port} unreachable: .*(ECONNREFUSED|refused)`));

    await pair.replica.start();
    const back = await waitFor(
      'the replica to be read again and streaming',
      async () => {
        const d = await readDb(src);
        const x = d.replicas.find((y) => y.name === pair.replicaName);
        return x && x.reachable && x.seenFrom === 'both' ? x : null;
      },
      30_000,
    );
    expect(back.error).toBeNull();
  });

  it('killing the primary: read() resolves with primaryReachable false and a clear error, replicas still read; a restart recovers', async () => {
    const good = await readDb(src);
    expect(good.primaryReachable).toBe(true);
    await pair.primary.kill();
    const down = await readDb(src);
    expect(down.primaryReachable).toBe(false);
    figures('primary down', { error: down.primaryError, degraded: down.primaryDegraded, replicas: down.replicas });
    expect(down.primaryError).toMatch(/ECONNREFUSED|terminat|shut ?down|Connection/i);
    expect(down.primaryDegraded).toContain(`primary 127.0.0.1:${pair.primary.port} unreachable`);
    // The primary's last figures stay, dated by when they were read.
    expect(down.primaryCheckedAt).toBe(good.primaryCheckedAt);
    expect(down.maxConnections).toBe(good.maxConnections);
    const rep = down.replicas.find((x) => x.name === pair.replicaName);
    expect(rep?.reachable).toBe(true);
    expect(rep?.seenFrom).toBe('replica');
    // A second read while down still answers quickly (refused connections, no hang).
    const t0 = Date.now();
    const again = await readDb(src);
    expect(again.primaryReachable).toBe(false);
    expect(Date.now() - t0).toBeLessThan(5000);

    await pair.primary.start();
    const up = await waitFor(
      'the primary to be read again',
      async () => {
        const d = await readDb(src);
        return d.primaryReachable ? d : null;
      },
      30_000,
    );
    expect(up.primaryError).toBeNull();
    expect(up.primaryDegraded).toBeNull();
    expect(up.primaryCheckedAt).toBeGreaterThan(good.primaryCheckedAt ?? 0);
    const [truth] = await pair.primary.query<{ max: number }>(`select current_setting('max_connections')::int as max`);
    expect(up.maxConnections).toBe(truth?.max);
  });

  it('never shows a password: describe() and connection errors are masked', async () => {
    const secret = 'Sup3rS3cretPw';
    // Nothing listens there: connections are refused.
    const port = await freePort(40000 + Math.floor(Math.random() * 10000));
    const s = new PostgresSource({
      primaryUrl: `postgres://cockpit:${secret}@127.0.0.1:${port}/x`,
      replicas: [{ name: 'r9', url: `postgresql://cockpit:${secret}@127.0.0.1:${port}/x?sslmode=disable` }],
      connectTimeoutMs: 1000,
    });
    try {
      const db = await readDb(s);
      const text = JSON.stringify(db) + s.describe().join('\n');
      expect(text).not.toContain(secret);
      expect(s.describe()[0]).toBe(`primary postgres://cockpit:***@127.0.0.1:${port}/x`);
      expect(db.primaryReachable).toBe(false);
      expect(db.replicas[0]?.reachable).toBe(false);
    } finally {
      await s.close();
    }
  });
});
