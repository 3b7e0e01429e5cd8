// Mitigations in force are read from LSOS itself, not from one incident's journal: a pause set
// with `act` from a shell, and a pool shrink made during an earlier incident that was then
// resolved (a real Celery worker, its pool shrunk through remote control), both show in force on
// a freshly started cockpit (its own empty state directory, as another user's would be), with
// who set them and why: joined from ops_audit_log, where every cockpit and every `act` writes.
// Real servers: a private redis-server (flags on db 0, the broker on db 1), a private database on
// the shared PostgreSQL, a real worker, and a root-owned roles file (the identities are test users).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAct } from '../../../src/cli/act.js';
import { loadConfig, type CockpitConfig } from '../../../src/config/index.js';
import type { Identity } from '../../../src/control/roles/roles.js';
import { openMitigationSession } from '../../../src/control/mitigations/session.js';
import { IncidentRecorder } from '../../../src/journal/recorder.js';
import { whyText } from '../../../panels/mitigations/columns.js';
import {
  CeleryWorker,
  PrivateRedis,
  celeryAvailable,
  celeryInspectStats,
  freePort,
  requireServer,
  run,
  runId,
  until,
} from '../../celery/harness.js';

const ADMIN = 'postgres://postgres@127.0.0.1:5432/test';
const DB = `lsos_inforce_${runId()}`;
const isRoot = process.getuid?.() === 0;
const ok =
  isRoot &&
  (await requireServer('PostgreSQL, redis-server and Debian Celery', async () => {
    const c = new pg.Client(ADMIN);
    await c.connect();
    await c.end();
    await run('redis-server', ['--version']);
    await celeryAvailable();
  }));
if (!isRoot) console.warn('\n*** SKIPPING in-force-from-the-system suite: it needs root to give the roles file to another owner ***\n');

const PREFIX = `if${runId()}_`;
const RANK = `${PREFIX}rank`;
const user = (username: string, uid: number): Identity => ({ username, uid, gid: uid, groups: [uid] });
const ALICE = user('alice', 44_001);
const CAROL = user('carol', 44_002);
const DAVE = user('dave', 44_003);

describe.runIf(ok)('mitigations in force, read from the system', () => {
  let redis: PrivateRedis;
  let flags: Redis;
  let admin: pg.Client;
  let dir = '';
  let rolesFile = '';
  let env: Record<string, string>;
  let worker: CeleryWorker;
  let brokerUrl = '';

  const config = (stateDir: string): CockpitConfig => loadConfig({ flags: { stateDir }, env, cwd: dir, home: dir }).config;

  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    brokerUrl = `redis://127.0.0.1:${redis.port}/1`;
    flags = new Redis(`redis://127.0.0.1:${redis.port}/0`);
    admin = new pg.Client(ADMIN);
    await admin.connect();
    await admin.query(`CREATE DATABASE ${DB}`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-inforce-'));
    fs.chmodSync(dir, 0o755);
    rolesFile = path.join(dir, 'roles.yaml');
    fs.writeFileSync(rolesFile, 'users:\n  alice: operator\n  carol: operator\n  dave: viewer\n');
    fs.chmodSync(rolesFile, 0o644);
    fs.mkdirSync(path.join(dir, 'xdg', 'lsos-cockpit'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'xdg', 'lsos-cockpit', 'config.yaml'), `queues: [${PREFIX}rank, ${PREFIX}crawl]\n`);
    env = {
      REDIS_URL: brokerUrl,
      DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${DB}`,
      HOME: dir,
      XDG_CONFIG_HOME: path.join(dir, 'xdg'),
    };
    worker = await CeleryWorker.start({ brokerUrl, queuePrefix: PREFIX, name: `if${runId()}`, queues: ['rank', 'crawl'], concurrency: 3 });
  }, 240_000);

  afterAll(async () => {
    await worker?.stop();
    flags?.disconnect();
    await redis?.stop();
    await admin?.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).catch(() => undefined);
    await admin?.end().catch(() => undefined);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a pause set with act from a shell and a shrink from an earlier, resolved incident show on a fresh cockpit, with who and why', async () => {
    // 1. An earlier incident on alice's cockpit: the rank pool shrunk, then the incident resolved.
    const earlierDir = path.join(dir, 'alice-state');
    const earlier = new IncidentRecorder({ stateDir: earlierDir, operator: 'alice' });
    const a = await openMitigationSession({ config: config(earlierDir), recorder: earlier, rolesFile, identity: ALICE });
    const shrink = await a.controller.execute({
      mitigationId: 'reduce-concurrency',
      params: { queue: RANK, concurrency: 1 },
      reason: 'proxy blocks rank',
    });
    expect(shrink.status, JSON.stringify(shrink).slice(0, 600)).toBe('done');
    const processes = async () => (await celeryInspectStats({ brokerUrl, queuePrefix: PREFIX }, worker.hostname)).pool.processes.length;
    expect(await until(async () => (await processes()) === 1, 30_000, 300)).toBe(true);
    expect((await a.outbox?.flush())?.error).toBeNull();
    earlier.setState('resolved', 'rank drained; pool left small on purpose');
    const earlierId = earlier.view()?.id;
    expect(earlier.view()?.state).toBe('resolved');
    await a.close();
    earlier.close();

    // ops_audit_log keys its rows by (incident, journal seq): carol's act below opens its incident
    // right away, most often in the same minute, and its id must differ (issue 13: live ids
    // allocated apart carry a random suffix), or its rows would be taken as already there.

    // 2. carol pauses crawl.fetch_page with `act`, from a shell of her own (her own state directory).
    let out = '';
    const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (out += s) }, env, cwd: dir };
    const code = await runAct(
      [
        'pause-task',
        '--task',
        'crawl.fetch_page',
        '--until',
        '2h',
        '--reason',
        'parser loop: hold crawl',
        '--state-dir',
        path.join(dir, 'carol-state'),
      ],
      io,
      { session: { identity: CAROL, rolesFile } },
    );
    expect(code, out).toBe(0);
    const actIncident = fs
      .readdirSync(path.join(dir, 'carol-state'))
      .find((f) => f.endsWith('.jsonl'))
      ?.replace(/\.jsonl$/, '');
    expect(actIncident).toMatch(/^INC-\d{8}-\d{4}-l[0-9a-z]{5}$/);
    expect(actIncident).not.toBe(earlierId);

    // 3. A cockpit started fresh by dave: its own, empty state directory; no incident.
    const freshDir = path.join(dir, 'dave-state');
    const fresh = new IncidentRecorder({ stateDir: freshDir, operator: 'dave' });
    const d = await openMitigationSession({ config: config(freshDir), recorder: fresh, rolesFile, identity: DAVE });
    try {
      expect(fresh.view()).toBeNull();
      expect(d.controller.checker.current()).toEqual([]); // nothing in its own journal
      const inForce = await d.controller.checker.check();
      const pause = inForce.find((m) => m.kind === 'paused-task' && m.target === 'crawl.fetch_page');
      expect(pause).toMatchObject({
        from: 'system',
        by: 'carol',
        reason: 'parser loop: hold crawl',
        action: 'pause-task',
        undo: 'resume-task',
        setIn: actIncident,
        unconfirmed: null,
      });
      expect(Date.parse(pause?.until ?? '') - Date.now()).toBeGreaterThan(110 * 60_000);
      const pool = inForce.find((m) => m.kind === 'shrunk-pool');
      expect(pool).toMatchObject({
        from: 'system',
        target: RANK,
        by: 'alice',
        reason: 'proxy blocks rank',
        action: 'reduce-concurrency',
        undo: 'restore-concurrency',
        setIn: earlierId,
        observed: `${worker.hostname} runs 1 of 3 processes`,
        // The undo can be prefilled: the size the worker was started with, as it reports it.
        expect: { concurrency: 1, restoreTo: { [worker.hostname]: 3 } },
      });
      expect(whyText(pool!)).toBe(
        `proxy blocks rank [set in ${earlierId} by reduce-concurrency] (${worker.hostname} runs 1 of 3 processes)`,
      );
      expect(whyText(pause!)).toBe(`parser loop: hold crawl [set in ${actIncident} by pause-task]`);

      // 4. Once the pool is grown back (by hand here), it is no longer in force; the pause still is.
      await d.backend.setConcurrency([{ worker: worker.hostname, from: 1, to: 3 }]);
      expect(await until(async () => (await processes()) === 3, 30_000, 300)).toBe(true);
      const after = await d.controller.checker.check();
      expect(after.map((m) => m.kind)).toEqual(['paused-task']);
    } finally {
      await d.close();
      fresh.close();
    }
  });
});
