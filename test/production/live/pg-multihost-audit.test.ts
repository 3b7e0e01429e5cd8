// The audit trail across a PostgreSQL failover, with the audit outbox pointed at libpq's multi-host
// URL (`host=a,b`, target_session_attrs=read-write; the standby listed first) as a running cockpit
// has it: two private PostgreSQL instances, the second a pg_basebackup standby of the first. An
// action confirmed on the first primary, then the first primary stopped; an action issued while no
// host of the list is a primary and another while the standby is promoted: afterwards
// ops_audit_log on the promoted primary holds each action's rows exactly once (by incident id and
// journal seq), nothing lost, nothing twice, the first action's rows as the first primary wrote
// them, and the hash chain intact.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditOutbox, journalAuditRecords } from '../../../src/control/audit/outbox.js';
import { AuditTrail } from '../../../src/control/audit/trail.js';
import { MitigationController } from '../../../src/control/mitigations/controller.js';
import { SimulationBackend } from '../../../src/control/mitigations/simBackend.js';
import { IncidentRecorder } from '../../../src/journal/recorder.js';
import { LsosSimulation, loadScenario } from '../../../src/sources/sim/index.js';
import { requirePg, startReplicaPair, type PgReplicaPair, type PgServer } from '../../support/pgReplica.js';
import { waitFor } from '../../support/waitFor.js';

const ok = requirePg('PostgreSQL multi-host audit trail');

interface Row extends Record<string, unknown> {
  id: string;
  incident_id: string;
  journal_seq: number;
  action: string;
  result: string;
  reason: string;
  hash: string;
}

/** ops_audit_log as one server has it, in table order. */
const tableOn = (s: PgServer): Promise<Row[]> =>
  s.query<Row>('SELECT id::text, incident_id, journal_seq, action, result, reason, hash FROM ops_audit_log ORDER BY id');

/** How many rows each (incident id, journal seq) has on one server. */
const countsOn = async (s: PgServer): Promise<Record<string, number>> => {
  const rows = await s.query<{ k: string; n: number }>(
    `SELECT incident_id || '#' || journal_seq AS k, count(*)::int AS n FROM ops_audit_log GROUP BY 1 ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.k, r.n]));
};

/** A cockpit's mitigation controller whose audit outbox writes to `url`, its background flusher running. */
function cockpitOn(url: string) {
  const stateDir = mkdtempSync(join(tmpdir(), 'lsos-pg-multihost-audit-'));
  const recorder = new IncidentRecorder({ stateDir, operator: 'alice' });
  recorder.openIncident('primary failover: the audit trail');
  const id = recorder.view()?.id as string;
  const trail = AuditTrail.fromUrl(url, { connectTimeoutMs: 2000 });
  const outbox = new AuditOutbox(stateDir, trail);
  const controller = new MitigationController({
    recorder,
    backend: new SimulationBackend(new LsosSimulation(loadScenario('default'), { seed: 5 })),
    actor: { operator: 'alice', role: 'operator', roleSource: 'test', readonly: false, readonlyReason: null },
    isIdempotent: () => true,
    outbox,
  });
  // The cockpit's background flusher (5 s in the cockpit; 200 ms here).
  controller.start(60_000, 200);
  return {
    id,
    outbox,
    controller,
    /** The journal's audit records of one action (by its reason), as `incident#seq` keys. */
    keysOf: (reason: string): string[] =>
      journalAuditRecords(stateDir)
        .filter((x) => x.reason === reason)
        .map((x) => `${x.incidentId}#${x.journalSeq}`),
    async close(): Promise<void> {
      await controller.stop();
      await trail.close().catch(() => undefined);
      recorder.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** The chain of ops_audit_log on one server, checked as `lsos-cockpit audit verify` does. */
async function verifyOn(s: PgServer) {
  const check = AuditTrail.fromUrl(s.url());
  try {
    return await check.verify();
  } finally {
    await check.close();
  }
}

describe.skipIf(!ok)('the audit outbox on a PostgreSQL multi-host URL across a failover', () => {
  let pair: PgReplicaPair;
  beforeAll(async () => {
    pair = await startReplicaPair({ replicaName: 'standby-1' });
  }, 180_000);
  afterAll(async () => {
    await pair?.cleanup();
  });

  it('an action issued during the switch lands exactly once on the promoted primary; one confirmed before it is not written again', async () => {
    const p = pair.primary.port;
    const r = pair.replica.port;
    const url = `postgres://postgres@127.0.0.1:${r},127.0.0.1:${p}/postgres?target_session_attrs=read-write`;
    const { id, outbox, controller, keysOf, close } = cockpitOn(url);
    try {
      // Before the switch: an action confirmed (its rows committed) on the first primary, and
      // replayed by the standby.
      const before = await controller.execute({ mitigationId: 'pacing-conservative', params: {}, reason: 'before the stop' });
      expect(before.status).toBe('done');
      const beforeKeys = keysOf('before the stop');
      expect(beforeKeys.length).toBeGreaterThanOrEqual(2); // the attempt and the outcome
      await waitFor(
        async () => outbox.last.error === null && outbox.last.pending === 0 && (await tableOn(pair.primary)).length === beforeKeys.length,
        {
          what: `the first action's ${beforeKeys.length} rows on the first primary ${p}`,
        },
      );
      const confirmed = await tableOn(pair.primary);
      expect(confirmed.map((x) => `${x.incident_id}#${x.journal_seq}`)).toEqual(beforeKeys);
      await pair.waitForCatchUp();

      // The first primary goes away; no host of the list is a primary until the standby is promoted.
      await pair.primary.stop();
      const during = await controller.execute({ mitigationId: 'pacing-normal', params: {}, reason: 'while no primary' });
      expect(during.status).toBe('done'); // the action does not wait for PostgreSQL
      const duringKeys = keysOf('while no primary');
      expect(duringKeys.length).toBeGreaterThanOrEqual(2);
      // Its rows wait in the journal: the flusher is refused by every host of the list.
      await waitFor(() => outbox.last.error !== null && outbox.last.pending === duringKeys.length, {
        what: `the outbox refused with ${duringKeys.length} rows waiting`,
      });
      expect(outbox.last.error).toMatch(/in recovery|ECONNREFUSED|connect/);

      // Another action while the standby is being promoted.
      const [promoting] = await Promise.all([
        controller.execute({ mitigationId: 'pacing-conservative', params: {}, reason: 'while promoting' }),
        pair.replica.promote(),
      ]);
      expect(promoting.status).toBe('done');
      const promotingKeys = keysOf('while promoting');
      expect(promotingKeys.length).toBeGreaterThanOrEqual(2);

      // After the switch the running flusher (no explicit flush) reaches the promoted one.
      const all = [...beforeKeys, ...duringKeys, ...promotingKeys];
      await waitFor(
        async () => outbox.last.error === null && outbox.last.pending === 0 && (await tableOn(pair.replica)).length >= all.length,
        {
          what: `all ${all.length} rows on the promoted primary ${r}`,
          timeoutMs: 60_000,
        },
      );
      // Another flush round changes nothing.
      expect(await outbox.flush()).toMatchObject({ written: 0, pending: 0, error: null });

      // Exactly once each, nothing lost, nothing twice, nothing else.
      expect(await countsOn(pair.replica)).toEqual(Object.fromEntries([...all].sort().map((k) => [k, 1])));
      const table = await tableOn(pair.replica);
      expect(table).toHaveLength(all.length);
      expect(table.every((x) => x.incident_id === id)).toBe(true);
      // In journal order: the first action's rows as the first primary committed them (same ids
      // and hashes: not written again), then the rest.
      expect(table.map((x) => `${x.incident_id}#${x.journal_seq}`)).toEqual(all);
      expect(table.slice(0, confirmed.length)).toEqual(confirmed);
      expect(table.map((x) => x.reason)).toEqual([
        ...beforeKeys.map(() => 'before the stop'),
        ...duringKeys.map(() => 'while no primary'),
        ...promotingKeys.map(() => 'while promoting'),
      ]);
      // The chain is one line across the switch.
      expect(await verifyOn(pair.replica)).toMatchObject({ ok: true, rows: all.length, brokenAtId: null });
    } finally {
      await close();
    }
  }, 240_000);
});

// A harsher failover: the first primary crashes (pg_ctl -m immediate) after confirming an action
// whose commit the standby never received (its WAL receiver cut, as a lagging asynchronous standby
// would be), and nothing new is issued after the switch. The promoted primary lacks those rows; the
// outbox, whose connection to the crashed one is gone, reads the table again and writes them, once.
describe.skipIf(!ok)('the audit outbox when a crash loses a confirmed commit in the failover', () => {
  let pair: PgReplicaPair;
  beforeAll(async () => {
    pair = await startReplicaPair({ replicaName: 'standby-1' });
  }, 180_000);
  afterAll(async () => {
    await pair?.cleanup();
  });

  it('rows confirmed on the crashed primary but never replicated are written again on the promoted one, exactly once', async () => {
    const p = pair.primary.port;
    const r = pair.replica.port;
    const url = `postgres://postgres@127.0.0.1:${r},127.0.0.1:${p}/postgres?target_session_attrs=read-write`;
    const { outbox, controller, keysOf, close } = cockpitOn(url);
    try {
      // A first action, committed and replayed by the standby.
      expect((await controller.execute({ mitigationId: 'pacing-conservative', params: {}, reason: 'replicated' })).status).toBe('done');
      const replicated = keysOf('replicated');
      await waitFor(async () => outbox.last.pending === 0 && (await tableOn(pair.primary)).length === replicated.length, {
        what: 'the first action on the first primary',
      });
      await pair.waitForCatchUp();
      const first = await tableOn(pair.primary);

      // The standby stops receiving WAL.
      await pair.replica.query(`ALTER SYSTEM SET primary_conninfo = ''`);
      await pair.replica.query('SELECT pg_reload_conf()');
      await waitFor(
        async () =>
          (await pair.primary.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_replication'))[0]?.n === 0 &&
          (await pair.replica.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_wal_receiver'))[0]?.n === 0,
        { what: 'the standby no longer streaming' },
      );
      // A second action, confirmed on the first primary (its rows committed there) ...
      expect((await controller.execute({ mitigationId: 'pacing-normal', params: {}, reason: 'lost in the failover' })).status).toBe('done');
      const lost = keysOf('lost in the failover');
      expect(lost.length).toBeGreaterThanOrEqual(2);
      await waitFor(
        async () =>
          outbox.last.error === null &&
          outbox.last.pending === 0 &&
          (await tableOn(pair.primary)).length === replicated.length + lost.length,
        { what: 'the second action confirmed on the first primary' },
      );
      // ... which crashes before the standby has it; the standby is promoted without those rows.
      await pair.primary.kill();
      expect(await tableOn(pair.replica)).toEqual(first);
      await pair.replica.promote();

      // Nothing new is issued: the running flusher (no explicit flush) notices the table it last
      // read is gone and writes the lost rows to the promoted one.
      const all = [...replicated, ...lost];
      await waitFor(async () => outbox.last.error === null && (await tableOn(pair.replica)).length >= all.length, {
        what: `the lost rows written again on the promoted primary ${r}`,
        timeoutMs: 60_000,
      });
      expect(await outbox.flush()).toMatchObject({ written: 0, pending: 0, error: null });
      expect(await countsOn(pair.replica)).toEqual(Object.fromEntries(all.map((k) => [k, 1])));
      const table = await tableOn(pair.replica);
      expect(table.map((x) => `${x.incident_id}#${x.journal_seq}`)).toEqual(all);
      expect(table.slice(0, first.length)).toEqual(first); // the replicated ones not written again
      expect(await verifyOn(pair.replica)).toMatchObject({ ok: true, rows: all.length, brokenAtId: null });

      // And an action after the switch lands once, next to them.
      expect((await controller.execute({ mitigationId: 'pacing-conservative', params: {}, reason: 'after' })).status).toBe('done');
      const after = keysOf('after');
      await waitFor(async () => outbox.last.pending === 0 && (await tableOn(pair.replica)).length === all.length + after.length, {
        what: 'the action after the switch on the promoted primary',
      });
      expect(await countsOn(pair.replica)).toEqual(Object.fromEntries([...all, ...after].map((k) => [k, 1])));
    } finally {
      await close();
    }
  }, 240_000);
});
