// libpq's multi-host URL for the primary (`host=a,b`, target_session_attrs=read-write) under a
// running cockpit: two private PostgreSQL instances, the second a pg_basebackup standby of the
// first, listed standby first. The primary figures come from the read-write one; when the first
// is stopped and the standby promoted (pg_ctl promote), they follow the promoted one, the status
// line names it, and the open incident's timeline records the switch. The standby is also
// configured as a replica: once it is the primary, the replica list says so (promoted: now the
// primary) instead of showing it as a replica whose lag cannot be read.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowLine } from '../../../components/table.js';
import { replicasTables } from '../../../panels/replicas/columns.js';
import { statusLineText } from '../../../panels/status/columns.js';
import { evaluateTriggers } from '../../../src/core/triggers.js';
import { systemClock } from '../../../src/core/source.js';
import { describeEntry, type TimelineEntry } from '../../../src/core/timeline.js';
import { IncidentRecorder } from '../../../src/journal/recorder.js';
import { CockpitRuntime } from '../../../src/runtime/runtime.js';
import { SourceScheduler } from '../../../src/runtime/scheduler.js';
import { AuditTrail } from '../../../src/control/audit/trail.js';
import { createReadOnlyPool, serverLabel } from '../../../src/sources/postgres/pool.js';
import { PostgresSource } from '../../../src/sources/postgres/source.js';
import { createCockpitStore } from '../../../src/ui/state/store.js';
import { requirePg, startReplicaPair, type PgReplicaPair } from '../../support/pgReplica.js';
import { waitFor } from '../../support/waitFor.js';

const ok = requirePg('PostgreSQL multi-host URL');
let pair: PgReplicaPair;

describe.skipIf(!ok)('PostgreSQL multi-host primary URL', () => {
  beforeAll(async () => {
    pair = await startReplicaPair({ replicaName: 'standby-1' });
  }, 180_000);
  afterAll(async () => {
    await pair?.cleanup();
  });

  it('the primary figures follow a promoted standby; the switch is shown and recorded', async () => {
    const p = pair.primary.port;
    const r = pair.replica.port;
    // The standby first: target_session_attrs=read-write passes it over while it is in recovery.
    const url = `postgres://postgres@127.0.0.1:${r},127.0.0.1:${p}/postgres?target_session_attrs=read-write`;
    const stateDir = mkdtempSync(join(tmpdir(), 'lsos-pg-multihost-'));
    const store = createCockpitStore();
    const recorder = new IncidentRecorder({ stateDir, operator: 'tester' });
    const runtime = new CockpitRuntime(store, recorder, { quit() {}, repaint() {} });
    recorder.openIncident('primary failover test');
    const id = recorder.view()?.id as string;
    const source = new PostgresSource({
      primaryUrl: url,
      replicas: [{ name: 'standby-1', url: `postgres://postgres@127.0.0.1:${r}/postgres` }],
      statementTimeoutMs: 3000,
      connectTimeoutMs: 2000,
    });
    const scheduler = new SourceScheduler(source, store, {
      intervalMs: 250,
      backoffMs: 250,
      maxBackoffMs: 500,
      timeoutMs: 10_000,
      clock: systemClock,
    });
    const db = () => store.getState().snapshot.database;
    // The replica panel's rows as text (its column set at 100 columns).
    const replicaTable = (): string => {
      const rows = db().replicas;
      const t = replicasTables({ rows, blocking: [], connections: 0, maxConnections: 0, lagLimit: 60 }, 100, false);
      return rows.map((x) => rowLine(t.replicas.columns, x)).join('\n');
    };
    const line = () =>
      statusLineText(
        {
          simulated: false,
          scenario: null,
          readonly: false,
          readonlyReason: null,
          incident: null,
          sources: store.getState().snapshot.sources,
        },
        400,
        Date.now(),
      );
    const switches = (): TimelineEntry[] =>
      readFileSync(join(stateDir, `${id}.jsonl`), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as TimelineEntry)
        .filter((e) => e.kind === 'source-switched');
    scheduler.start();
    const direct = new PostgresSource({ primaryUrl: url, statementTimeoutMs: 3000, connectTimeoutMs: 2000 });
    // The other users of the primary URL (reporting and integrity services' pools, the audit log)
    // take the same list: a pool made once follows it too, one failed attempt per host passed over.
    const pool = createReadOnlyPool(url, { statementTimeoutMs: 3000, connectTimeoutMs: 2000, max: 1 });
    const portOfPool = async (): Promise<number | null> =>
      pool.query('select inet_server_port() as port').then(
        (res) => Number((res.rows[0] as { port: number }).port),
        () => null,
      );
    const trail = AuditTrail.fromUrl(url, { connectTimeoutMs: 2000 });
    expect(serverLabel(url)).toBe(`127.0.0.1:${r},127.0.0.1:${p}`);
    try {
      // The read-write one, though listed second; it sees the standby streaming from it.
      await waitFor(() => db().primaryReachable && db().primaryDegraded === null && line().includes(`postgres (primary 127.0.0.1:${p}) `), {
        what: `the primary figures from 127.0.0.1:${p}`,
        timeoutMs: 30_000,
      });
      await waitFor(() => db().replicas.some((x) => x.name === 'standby-1' && x.seenFrom === 'both'), {
        what: 'the standby seen from the primary and read itself',
      });
      expect(db().replicas).toHaveLength(1);
      expect(db().replicas[0]).toMatchObject({ reachable: true, error: null });
      expect(db().replicas[0]?.promoted).toBeUndefined();
      expect(replicaTable()).toMatch(/^ +standby-1 +\S+ running +both +$/m);
      await waitFor(async () => (await portOfPool()) === p, { what: `the pool on the read-write ${p}` });
      // The audit log's table on the read-write one (the standby, listed first, would refuse the DDL).
      await trail.ensureTable();
      expect(await trail.rows()).toEqual([]);

      // The primary goes away; until the standby is promoted no host of the list will do.
      await pair.primary.stop();
      const gap = await direct.read(new AbortController().signal);
      expect(gap.database?.primaryReachable).toBe(false);
      expect(direct.unreachableIn(gap)).toMatch(
        new RegExp(
          `^no host of the list is a read-write primary \\(127\\.0\\.0\\.1:${r}: in recovery \\(a standby\\); 127\\.0\\.0\\.1:${p}: .*\\)$`,
        ),
      );
      expect(gap.database?.primaryDegraded).toMatch(new RegExp(`^primary 127\\.0\\.0\\.1:${r},127\\.0\\.0\\.1:${p} unreachable: `));

      await pair.replica.promote();
      // The figures follow the promoted one: reachable, not in recovery, named on the status line.
      await waitFor(() => db().primaryReachable && db().primaryDegraded === null && line().includes(`postgres (primary 127.0.0.1:${r}) `), {
        what: `the primary figures from the promoted 127.0.0.1:${r}`,
        timeoutMs: 60_000,
      });
      await waitFor(() => switches().length === 1, { what: 'the switch recorded', timeoutMs: 30_000 });
      const sw = switches()[0] as TimelineEntry;
      expect(sw.details).toEqual({ source: 'postgres', role: 'primary', to: `127.0.0.1:${r}`, from: `127.0.0.1:${p}` });
      expect(describeEntry(sw)).toBe(`Data source postgres: primary changed to 127.0.0.1:${r} (was 127.0.0.1:${p})`);
      // A pool made before the switch reaches the promoted one (its idle connection to the old one is gone).
      await waitFor(async () => (await portOfPool()) === r, { what: `the pool on the promoted ${r}`, timeoutMs: 30_000 });
      // The audit log's client too: after its connection to the stopped one, the promoted one.
      await waitFor(
        async () =>
          (await trail
            .rows()
            .then(() => true)
            .catch(() => false)) && (await trail.ensureTable().then(() => true)),
        {
          what: 'the audit log on the promoted primary',
          timeoutMs: 30_000,
        },
      );
      // And it keeps reading there: a newer reading, still from the promoted one.
      const at = store.getState().snapshot.sources.find((s) => s.name === 'postgres')?.lastGoodAt ?? 0;
      await waitFor(() => (store.getState().snapshot.sources.find((s) => s.name === 'postgres')?.lastGoodAt ?? 0) > at, {
        what: 'a newer reading from the promoted primary',
      });
      expect(db().primaryReachable).toBe(true);
      // The replica list follows: the configured standby is the primary now, not a replica whose lag is unknown.
      await waitFor(() => db().replicas.length === 1 && db().replicas[0]?.promoted === true, { what: 'standby-1 marked promoted' });
      expect(db().replicas[0]).toMatchObject({ name: 'standby-1', lagSeconds: null, reachable: true, error: null });
      expect(replicaTable()).toMatch(/^ +standby-1 \(promoted: now the primary\) +- primary +replica +$/m);
      // Not a lagging replica for the runbook's trigger either.
      expect(evaluateTriggers([], store.getState().snapshot).triggers.filter((t) => t.kind === 'replica-lag' && t.firing)).toEqual([]);
    } finally {
      await scheduler.stop();
      await source.close();
      await direct.close();
      await pool.end().catch(() => undefined);
      await trail.close().catch(() => undefined);
      runtime.dispose();
      recorder.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 240_000);
});
