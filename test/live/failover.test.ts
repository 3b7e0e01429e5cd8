// Read failover (runbook 6 step 3) against a real primary + streaming replica (replica health read
// by the cockpit's own PostgreSQL source) and a private Redis (the flag lives on db 0): the read
// target moves only to a healthy replica; a paused replica is not offered and the primary is then
// the only choice, with a warning; the failover is in force until undone, and the undo restores
// the previous target. Runs through the mitigation executor (role, reason, journal, audit row).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeMitigation, type Actor } from '../../src/control/mitigations/execute.js';
import { foldInForce } from '../../src/control/mitigations/inForce.js';
import { LiveBackend } from '../../src/control/mitigations/liveBackend.js';
import { chooseReadTarget, READ_FAILOVER_ID, RESTORE_READ_TARGET_ID } from '../../src/control/mitigations/readFailover.js';
import { attachStepServices, redisReadTarget, type ReplicaChoiceInput } from '../../src/control/mitigations/stepServices.js';
import { PostgresSource } from '../../src/sources/postgres/source.js';
import type { ReplicaSnapshot } from '../../src/core/snapshot.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { freePort, PrivateRedis } from '../celery/harness.js';
import { requirePg, startReplicaPair, type PgReplicaPair } from '../support/pgReplica.js';

const ok = requirePg('read failover (PostgreSQL primary + replica, private Redis)');
const KEY = 'lsos:db:read_target';
const THRESHOLD = 30;

describe.runIf(ok)('read failover on a real primary, replica and Redis flag', () => {
  let pair: PgReplicaPair;
  let redis: PrivateRedis;
  let flags: Redis;
  let source: PostgresSource;
  let stateDir: string;
  let recorder: IncidentRecorder;
  let backend: LiveBackend;
  let latest: ReplicaChoiceInput;
  const actor: Actor = { operator: 'tester', role: 'operator', roleSource: 'test', readonly: false, readonlyReason: null };

  /** What the store's snapshot would hold: one read of the cockpit's PostgreSQL source. */
  async function readReplicas(): Promise<ReplicaSnapshot[]> {
    const patch = await source.read(new AbortController().signal);
    const db = patch.database!;
    latest = { replicas: db.replicas, primaryReachable: db.primaryReachable, thresholdSeconds: THRESHOLD, at: Date.now() };
    return db.replicas;
  }

  const run = (mitigationId: string, params: Record<string, unknown> = {}) =>
    executeMitigation({ mitigationId, params, reason: 'replica-1 lag breach' }, { recorder, backend, actor, isIdempotent: () => false });

  beforeAll(async () => {
    pair = await startReplicaPair();
    redis = new PrivateRedis(await freePort());
    await redis.start();
    flags = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    source = new PostgresSource({
      primaryUrl: pair.primary.url(),
      replicas: [{ name: pair.replicaName, url: pair.replica.url() }],
      statementTimeoutMs: 2000,
    });
    stateDir = mkdtempSync(join(tmpdir(), 'lsos-failover-'));
    recorder = new IncidentRecorder({ stateDir, operator: 'tester' });
    recorder.openIncident('replica lag breach');
    backend = new LiveBackend({ flags, queues: [] });
    attachStepServices(backend, {
      readTarget: redisReadTarget(flags),
      replicas: () => latest,
      journal: () => recorder.view()?.entries ?? [],
    });
  }, 180_000);

  afterAll(async () => {
    recorder?.close();
    await source?.close();
    flags?.disconnect();
    await redis?.stop();
    await pair?.cleanup();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('offers the healthy replica and moves the read target there; in force until undone; the undo restores the previous target', async () => {
    await pair.generateWal(100);
    await pair.waitForCatchUp();
    const reps = await readReplicas();
    expect(reps.find((r) => r.name === pair.replicaName)).toMatchObject({ reachable: true, replayPaused: false });
    expect(chooseReadTarget(latest).offered).toEqual([pair.replicaName, 'primary']);
    await flags.set(KEY, 'primary');

    const r = await run(READ_FAILOVER_ID);
    expect(r.status).toBe('done');
    expect(await flags.get(KEY)).toBe(pair.replicaName);
    const inForce = foldInForce(recorder.view()!.entries);
    expect(
      inForce.some((m) => (m.kind as string) === 'read-target' && m.action === READ_FAILOVER_ID && m.undo === RESTORE_READ_TARGET_ID),
    ).toBe(true);
    const done = recorder.view()!.entries.filter((e) => e.kind === 'action' && e.details.mitigation === READ_FAILOVER_ID);
    expect(done.map((e) => (e.details.audit as { result: string }).result)).toEqual(['attempted', 'done']);
    expect(done[1]?.details.record).toMatchObject({ target: pair.replicaName, previous: 'primary' });

    const u = await run(RESTORE_READ_TARGET_ID);
    expect(u.status).toBe('done');
    expect(await flags.get(KEY)).toBe('primary');
    expect(foldInForce(recorder.view()!.entries).some((m) => (m.kind as string) === 'read-target')).toBe(false);
  });

  it('a paused replica is not offered: the primary is the only choice, with a warning, and asking for the replica is refused', async () => {
    await pair.pauseReplay();
    try {
      await pair.generateWal(100);
      const reps = await readReplicas();
      const rep = reps.find((x) => x.name === pair.replicaName);
      expect(rep?.replayPaused).toBe(true);
      const choice = chooseReadTarget(latest);
      expect(choice.offered).toEqual(['primary']);
      expect(choice.warnings.join(' ')).toMatch(/primary is the only choice/);

      await flags.del(KEY);
      const refused = await run(READ_FAILOVER_ID, { replica: pair.replicaName });
      expect(refused.status).toBe('refused');
      expect(refused.status === 'refused' && refused.refusal).toMatch(/replay paused/);
      expect(await flags.get(KEY)).toBeNull();

      const dry = await executeMitigation(
        { mitigationId: READ_FAILOVER_ID, params: {}, reason: 'x', dryRun: true },
        { recorder, backend, actor, isIdempotent: () => false },
      );
      expect(dry.status === 'dry-run' && dry.preview.lines.map((l) => l.text).join('\n')).toMatch(
        /WARNING: no healthy replica .*replay paused.*primary is the only choice/s,
      );
      const toPrimary = await run(READ_FAILOVER_ID);
      expect(toPrimary.status).toBe('done');
      expect(await flags.get(KEY)).toBe('primary');
      // Undo goes back to "unset", as it was before this failover.
      expect((await run(RESTORE_READ_TARGET_ID)).status).toBe('done');
      expect(await flags.get(KEY)).toBeNull();
    } finally {
      await pair.resumeReplay();
    }
  });

  it('a replica lagging past the threshold is not offered either', async () => {
    await pair.waitForCatchUp();
    await readReplicas();
    const lagging = { ...latest, replicas: latest.replicas.map((r) => ({ ...r, lagSeconds: THRESHOLD + 5 })) };
    expect(chooseReadTarget(lagging).offered).toEqual(['primary']);
    expect(chooseReadTarget({ ...lagging, primaryReachable: false }).best).toBeNull();
  });
});
