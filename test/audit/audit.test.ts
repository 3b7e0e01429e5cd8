// ops_audit_log on a real PostgreSQL (a private database on the shared server, reached through a
// TCP proxy that the test cuts): actions still complete while PostgreSQL is down, their rows wait
// in the journal and arrive in order when it returns; `audit verify` finds an edited row.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MitigationController } from '../../src/control/mitigations/controller.js';
import { SimulationBackend } from '../../src/control/mitigations/simBackend.js';
import { journalAuditRecords, AuditOutbox } from '../../src/control/audit/outbox.js';
import { AuditTrail } from '../../src/control/audit/trail.js';
import { runAudit } from '../../src/cli/audit.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { LsosSimulation, loadScenario } from '../../src/sources/sim/index.js';
import { TcpProxy } from '../support/tcpProxy.js';
import { requireServer } from '../celery/harness.js';

const ADMIN = 'postgres://postgres@127.0.0.1:5432/test';
const DB = `lsos_audit_test_${Math.random().toString(36).slice(2, 8)}`;
const ok = await requireServer('PostgreSQL 127.0.0.1:5432', async () => {
  const c = new pg.Client(ADMIN);
  await c.connect();
  await c.end();
});

function capture() {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: {} },
    out: () => out,
    err: () => err,
  };
}

describe.runIf(ok)('audit trail with PostgreSQL down and back', () => {
  let admin: pg.Client;
  let direct: pg.Client;
  let proxy: TcpProxy;
  let stateDir: string;
  let recorder: IncidentRecorder;
  let trail: AuditTrail;
  let outbox: AuditOutbox;
  let controller: MitigationController;
  const directUrl = `postgres://postgres@127.0.0.1:5432/${DB}`;

  beforeAll(async () => {
    admin = new pg.Client(ADMIN);
    await admin.connect();
    await admin.query(`CREATE DATABASE ${DB}`);
    direct = new pg.Client(directUrl);
    await direct.connect();
    proxy = new TcpProxy(5432);
    await proxy.start();
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-audit-'));
    recorder = new IncidentRecorder({ stateDir, operator: 'alice' });
    trail = AuditTrail.fromUrl(`postgres://postgres@127.0.0.1:${proxy.port}/${DB}`, { connectTimeoutMs: 1000 });
    outbox = new AuditOutbox(stateDir, trail);
    const sim = new LsosSimulation(loadScenario('default'), { seed: 7 });
    controller = new MitigationController({
      recorder,
      backend: new SimulationBackend(sim),
      actor: { operator: 'alice', role: 'operator', roleSource: 'test', readonly: false, readonlyReason: null },
      isIdempotent: () => true,
      outbox,
    });
  });

  afterAll(async () => {
    await controller?.stop();
    recorder?.close();
    await trail?.close();
    await proxy?.close();
    await direct?.end().catch(() => undefined);
    await admin?.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).catch(() => undefined);
    await admin?.end().catch(() => undefined);
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  });

  const tableRows = async () =>
    (
      await direct.query<{
        id: string;
        action: string;
        result: string;
        journal_seq: number;
        operator: string;
        role: string;
        reason: string;
      }>('SELECT id, action, result, journal_seq, operator, role, reason FROM ops_audit_log ORDER BY id')
    ).rows;

  it('creates the table and writes an attempt and its outcome', async () => {
    const r = await controller.execute({ mitigationId: 'pacing-conservative', params: {}, reason: 'provider blocks' });
    expect(r.status).toBe('done');
    const f = await outbox.flush();
    expect(f.error).toBeNull();
    const rows = await tableRows();
    expect(rows.map((x) => [x.action, x.result, x.operator, x.role, x.reason])).toEqual([
      ['pacing-conservative', 'attempted', 'alice', 'operator', 'provider blocks'],
      ['pacing-conservative', 'done', 'alice', 'operator', 'provider blocks'],
    ]);
  });

  it('with PostgreSQL unreachable, actions complete and their rows wait in the journal, then arrive in order', async () => {
    await proxy.cut();
    const a = await controller.execute({ mitigationId: 'freeze-writes', params: {}, reason: 'primary degraded' });
    const b = await controller.execute({
      mitigationId: 'replay-dead-letters',
      params: { queue: 'crawl', reasonCode: 'fix-deployed' },
      reason: 'fixed',
    });
    const c = await controller.execute({ mitigationId: 'unfreeze-writes', params: {}, reason: 'primary back' });
    expect([a.status, b.status, c.status]).toEqual(['done', 'refused', 'done']);
    const down = await outbox.flush();
    expect(down.error).not.toBeNull();
    expect(await tableRows()).toHaveLength(2);
    // They are in the journal, fsynced, with their audit records.
    const waiting = journalAuditRecords(stateDir);
    expect(waiting.map((r) => `${r.action}:${r.result}`)).toEqual([
      'pacing-conservative:attempted',
      'pacing-conservative:done',
      'freeze-writes:attempted',
      'freeze-writes:done',
      'replay-dead-letters:refused',
      'unfreeze-writes:attempted',
      'unfreeze-writes:done',
    ]);

    await proxy.restore();
    const up = await outbox.flush();
    expect(up).toMatchObject({ written: 5, pending: 0, error: null });
    const rows = await tableRows();
    expect(rows.map((x) => `${x.action}:${x.result}`)).toEqual(waiting.map((r) => `${r.action}:${r.result}`));
    // In journal order, and never twice.
    expect(rows.map((x) => x.journal_seq)).toEqual(waiting.map((r) => r.journalSeq));
    expect(await outbox.flush()).toMatchObject({ written: 0, pending: 0 });
    expect(await tableRows()).toHaveLength(7);
  });

  it('audit verify: intact chain, then an edited row is found and named', async () => {
    const io1 = capture();
    expect(await runAudit(['verify'], io1.io, { databaseUrl: directUrl, stateDir })).toBe(0);
    expect(io1.out()).toMatch(/7 rows, chain intact/);

    const target = (await tableRows())[3];
    await direct.query(`UPDATE ops_audit_log SET reason = 'nothing to see' WHERE id = $1`, [target?.id]);
    const io2 = capture();
    expect(await runAudit(['verify', '--json'], io2.io, { databaseUrl: directUrl, stateDir })).toBe(1);
    const report = JSON.parse(io2.out()) as { ok: boolean; brokenAtId: number; problems: string[] };
    expect(report.ok).toBe(false);
    expect(report.brokenAtId).toBe(Number(target?.id));
    expect(report.problems[0]).toBe(`row ${target?.id}: content does not match its hash (row edited)`);
  });

  it('audit verify: a removed row breaks the link of the next one', async () => {
    const rows = await tableRows();
    await direct.query(`UPDATE ops_audit_log SET reason = 'primary degraded' WHERE id = $1`, [rows[3]?.id]); // undo the edit
    expect((await trail.verify()).ok).toBe(true);
    await direct.query('DELETE FROM ops_audit_log WHERE id = $1', [rows[5]?.id]);
    const report = await trail.verify();
    expect(report.brokenAtId).toBe(Number(rows[6]?.id));
    expect(report.problems).toEqual([
      `row ${rows[6]?.id}: prev_hash does not match the row before it (a row was removed, inserted or reordered)`,
    ]);
  });
});
