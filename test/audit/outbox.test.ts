// The audit outbox's footprint on the PostgreSQL it audits to (which may be the incident): one
// connection, named lsos-cockpit, kept; the table created once; a role that may not create it is
// told so once and left alone (not a failing CREATE TABLE every flush); a server that refuses
// connections is retried with growing gaps, not every interval. Real PostgreSQL: a private
// database, real roles (a pg_monitor-only one, one with CONNECTION LIMIT 0), a TCP proxy in front
// that counts connection attempts, pg_stat_activity for what the server sees. The background
// interval is 200 ms here (5 s in the cockpit), so a flusher without backoff would show dozens.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditOutbox, OUTBOX_BACKOFF } from '../../src/control/audit/outbox.js';
import { APPLICATION_NAME, AuditTrail } from '../../src/control/audit/trail.js';
import { MitigationController } from '../../src/control/mitigations/controller.js';
import { SimulationBackend } from '../../src/control/mitigations/simBackend.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { LsosSimulation, loadScenario } from '../../src/sources/sim/index.js';
import { requireServer } from '../celery/harness.js';
import { TcpProxy } from '../support/tcpProxy.js';

const ADMIN = 'postgres://postgres@127.0.0.1:5432/test';
const RUN = Math.random().toString(36).slice(2, 8);
const DB = `lsos_outbox_${RUN}`;
const MONITOR = `lsos_mon_${RUN}`;
const NOSLOTS = `lsos_noslot_${RUN}`;
const EVERY_MS = 200;

const ok = await requireServer('PostgreSQL 127.0.0.1:5432', async () => {
  const c = new pg.Client(ADMIN);
  await c.connect();
  await c.end();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(ok)('the audit outbox on a PostgreSQL it must not burden', () => {
  let admin: pg.Client;
  let owner: pg.Client;
  const dirs: string[] = [];
  const closers: (() => Promise<unknown>)[] = [];

  /** A state directory whose journal holds `n` audit records (real actions on the simulation). */
  async function journalWithActions(
    n: number,
  ): Promise<{ stateDir: string; recorder: IncidentRecorder; controller: MitigationController }> {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-outbox-'));
    dirs.push(stateDir);
    const recorder = new IncidentRecorder({ stateDir, operator: 'alice' });
    const controller = new MitigationController({
      recorder,
      backend: new SimulationBackend(new LsosSimulation(loadScenario('default'), { seed: 3 })),
      actor: { operator: 'alice', role: 'operator', roleSource: 'test', readonly: false, readonlyReason: null },
      isIdempotent: () => true,
    });
    for (let i = 0; i < n; i++)
      await controller.execute({ mitigationId: i % 2 ? 'pacing-normal' : 'pacing-conservative', params: {}, reason: `r${i}` });
    closers.push(async () => recorder.close());
    return { stateDir, recorder, controller };
  }

  /** The cockpit's sessions on the database as the server sees them. */
  async function sessions(user: string) {
    const r = await admin.query<{ pid: number; application_name: string; backend_start: Date; query_start: Date | null; query: string }>(
      `SELECT pid, application_name, backend_start, query_start, query FROM pg_stat_activity WHERE usename = $1 AND datname = $2`,
      [user, DB],
    );
    return r.rows;
  }

  beforeAll(async () => {
    admin = new pg.Client(ADMIN);
    await admin.connect();
    await admin.query(`CREATE DATABASE ${DB}`);
    owner = new pg.Client(`postgres://postgres@127.0.0.1:5432/${DB}`);
    await owner.connect();
    // No CREATE on public for PUBLIC (PostgreSQL 15's default, said explicitly), and the roles.
    await owner.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    await admin.query(`CREATE ROLE ${MONITOR} LOGIN`);
    await admin.query(`GRANT pg_monitor TO ${MONITOR}`);
    await admin.query(`CREATE ROLE ${NOSLOTS} LOGIN CONNECTION LIMIT 0`);
    // Count CREATE TABLE statements run in this database (they fire ddl_command_start even when
    // IF NOT EXISTS finds the table).
    await owner.query('CREATE TABLE ddl_seen (tag text, at timestamptz DEFAULT now())');
    await owner.query(`CREATE FUNCTION note_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO ddl_seen (tag) VALUES (tg_tag); END $$`);
    await owner.query(`CREATE EVENT TRIGGER count_ddl ON ddl_command_start WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION note_ddl()`);
  });

  afterAll(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    await owner?.end().catch(() => undefined);
    await admin?.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).catch(() => undefined);
    for (const r of [MONITOR, NOSLOTS]) await admin?.query(`DROP ROLE IF EXISTS ${r}`).catch(() => undefined);
    await admin?.end().catch(() => undefined);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('a pg_monitor-only role: refused once with what to run, the connection given back, then left alone for 30 min', async () => {
    const { stateDir } = await journalWithActions(1);
    const proxy = new TcpProxy(5432);
    await proxy.start();
    closers.push(() => proxy.close());
    const trail = AuditTrail.fromUrl(`postgres://${MONITOR}@127.0.0.1:${proxy.port}/${DB}`);
    closers.push(() => trail.close());
    const outbox = new AuditOutbox(stateDir, trail);
    outbox.start(EVERY_MS);
    closers.push(async () => outbox.stop());
    // The first background flush finds the table missing and may not create it.
    const deadline = Date.now() + 10_000;
    while (!outbox.last.error && Date.now() < deadline) await sleep(20);
    expect(outbox.last.error).toBe(
      `ops_audit_log does not exist and role ${MONITOR} may not create it in schema public: create it once as an owner (the statement: docs/security.md), then GRANT SELECT, INSERT ON ops_audit_log TO ${MONITOR}; GRANT USAGE ON SEQUENCE ops_audit_log_id_seq TO ${MONITOR};`,
    );
    expect(outbox.last.pending).toBe(2);
    expect((outbox.last.retryAt ?? 0) - Date.now()).toBeGreaterThan(OUTBOX_BACKOFF.setupMs - 60_000);
    // The useless session is closed (its slot given back), and nothing more happens: fifteen
    // intervals later no new connection, no statement.
    const gone = Date.now() + 5000;
    while ((await sessions(MONITOR)).length > 0 && Date.now() < gone) await sleep(20);
    expect(await sessions(MONITOR)).toEqual([]);
    await sleep(15 * EVERY_MS);
    expect(await sessions(MONITOR)).toEqual([]);
    expect(proxy.accepted).toBe(1);
    expect(trail.connectionsOpened).toBe(1);
    expect((await owner.query('SELECT count(*)::int AS n FROM ddl_seen')).rows[0].n).toBe(0);
    outbox.stop();
  });

  it('a server that refuses the connection: retried with growing gaps, not every interval', async () => {
    const { stateDir } = await journalWithActions(1);
    const proxy = new TcpProxy(5432);
    await proxy.start();
    closers.push(() => proxy.close());
    const trail = AuditTrail.fromUrl(`postgres://${NOSLOTS}@127.0.0.1:${proxy.port}/${DB}`);
    closers.push(() => trail.close());
    const outbox = new AuditOutbox(stateDir, trail);
    const attempts: number[] = [];
    let seen = 0;
    const t0 = Date.now();
    outbox.start(EVERY_MS);
    closers.push(async () => outbox.stop());
    const window = 20 * EVERY_MS;
    while (Date.now() - t0 < window) {
      if (proxy.accepted > seen) {
        seen = proxy.accepted;
        attempts.push(Date.now() - t0);
      }
      await sleep(10);
    }
    outbox.stop();
    expect(outbox.last.error).toMatch(/too many connections for role/);
    // Without backoff: one attempt per interval (20). With it: 200, 400, 800, 1600 ms apart.
    expect(attempts.length, JSON.stringify(attempts)).toBeGreaterThanOrEqual(3);
    expect(attempts.length, JSON.stringify(attempts)).toBeLessThanOrEqual(6);
    const gaps = attempts.slice(1).map((t, i) => t - (attempts[i] as number));
    for (let i = 1; i < gaps.length; i++) expect(gaps[i], JSON.stringify(gaps)).toBeGreaterThan((gaps[i - 1] as number) * 1.5);
    // An explicit flush (an operator's action) still tries at once.
    const before = proxy.accepted;
    await outbox.flush();
    expect(proxy.accepted).toBe(before + 1);
  });

  it('a role that may create it: the table created once, one named connection for every flush, idle when nothing waits', async () => {
    const { stateDir, controller } = await journalWithActions(1);
    const proxy = new TcpProxy(5432);
    await proxy.start();
    closers.push(() => proxy.close());
    const trail = AuditTrail.fromUrl(`postgres://postgres@127.0.0.1:${proxy.port}/${DB}`);
    closers.push(() => trail.close());
    const outbox = new AuditOutbox(stateDir, trail);
    expect(await outbox.flush()).toMatchObject({ written: 2, pending: 0, error: null });
    for (let i = 0; i < 3; i++) {
      await controller.execute({ mitigationId: 'pacing-normal', params: {}, reason: `more ${i}` });
      expect(await outbox.flush()).toMatchObject({ written: 2, pending: 0, error: null });
    }
    const s = await sessions('postgres');
    expect(s.filter((x) => x.application_name === APPLICATION_NAME)).toHaveLength(1);
    expect(proxy.accepted).toBe(1);
    expect((await owner.query(`SELECT count(*)::int AS n FROM ddl_seen WHERE tag = 'CREATE TABLE'`)).rows[0].n).toBe(1);
    expect((await owner.query('SELECT count(*)::int AS n FROM ops_audit_log')).rows[0].n).toBe(8);
    // Nothing new: a flush does not run a statement (the session's last query stays the same).
    const idleBefore = (await sessions('postgres')).find((x) => x.application_name === APPLICATION_NAME)?.query_start?.getTime();
    expect(await outbox.flush()).toMatchObject({ written: 0, pending: 0, error: null });
    const idleAfter = (await sessions('postgres')).find((x) => x.application_name === APPLICATION_NAME)?.query_start?.getTime();
    expect(idleAfter).toBe(idleBefore);
  });
});
