// The built cockpit, started fresh in a real terminal (tmux), shows what is in force on LSOS with
// who set it and why: a pause set with `act` from a shell, and a pool shrink made during an
// earlier incident that was then resolved (a real Celery worker). Its own state directory is
// empty: nothing comes from its journal; the system is read, and who/why is joined from
// ops_audit_log. Real servers: a private redis-server (flags on db 0, broker on db 1), a private
// database on the shared PostgreSQL, a real worker, a root-owned roles file for the earlier actors.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAct } from '../../../src/cli/act.js';
import { loadConfig } from '../../../src/config/index.js';
import { openMitigationSession } from '../../../src/control/mitigations/session.js';
import type { Identity } from '../../../src/control/roles/roles.js';
import { IncidentRecorder } from '../../../src/journal/recorder.js';
import { CeleryWorker, PrivateRedis, celeryAvailable, freePort, requireServer, run, runId, until } from '../../celery/harness.js';
import { CLI, haveTmux, ROOT, TmuxSession } from '../../e2e/tmux.js';

const ADMIN = 'postgres://postgres@127.0.0.1:5432/test';
const DB = `lsos_fresh_${runId()}`;
const isRoot = process.getuid?.() === 0;
const ok =
  isRoot &&
  (haveTmux() || process.env.CI === 'true') &&
  (await requireServer('PostgreSQL, redis-server and Debian Celery', async () => {
    const c = new pg.Client(ADMIN);
    await c.connect();
    await c.end();
    await run('redis-server', ['--version']);
    await celeryAvailable();
  }));
if (!isRoot) console.warn('\n*** SKIPPING fresh-cockpit end-to-end test: it needs root to give the roles file to another owner ***\n');

const PREFIX = `fc${runId()}_`;
const user = (username: string, uid: number): Identity => ({ username, uid, gid: uid, groups: [uid] });

describe.runIf(ok)('a freshly started cockpit reads what is in force from the system', () => {
  let redis: PrivateRedis;
  let admin: pg.Client;
  let worker: CeleryWorker;
  let t: TmuxSession | null = null;
  let dir = '';
  let env: Record<string, string>;

  beforeAll(async () => {
    if (!fs.existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
    redis = new PrivateRedis(await freePort());
    await redis.start();
    admin = new pg.Client(ADMIN);
    await admin.connect();
    await admin.query(`CREATE DATABASE ${DB}`);
    dir = fs.mkdtempSync(path.join('/tmp', 'lsos-fresh-'));
    fs.chmodSync(dir, 0o755);
    fs.writeFileSync(path.join(dir, 'roles.yaml'), 'users:\n  alice: operator\n  carol: operator\n');
    fs.chmodSync(path.join(dir, 'roles.yaml'), 0o644);
    fs.mkdirSync(path.join(dir, 'xdg', 'lsos-cockpit'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'xdg', 'lsos-cockpit', 'config.yaml'), `queues: [${PREFIX}rank, ${PREFIX}crawl]\n`);
    env = {
      REDIS_URL: `redis://127.0.0.1:${redis.port}/1`,
      DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${DB}`,
      XDG_CONFIG_HOME: path.join(dir, 'xdg'),
      HOME: dir,
    };
    worker = await CeleryWorker.start({
      brokerUrl: env.REDIS_URL!,
      queuePrefix: PREFIX,
      name: `fc${runId()}`,
      queues: ['rank', 'crawl'],
      concurrency: 3,
    });
  }, 240_000);

  afterAll(async () => {
    t?.kill();
    await worker?.stop();
    await redis?.stop();
    await admin?.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).catch(() => undefined);
    await admin?.end().catch(() => undefined);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('panel 7 lists the pause (act from a shell) and the shrunk pool (an earlier, resolved incident) with who and why', async () => {
    const rolesFile = path.join(dir, 'roles.yaml');
    const config = (stateDir: string) => loadConfig({ flags: { stateDir }, env, cwd: dir, home: dir }).config;

    // An earlier incident on alice's cockpit: the rank pool shrunk to 1, then resolved.
    const aliceDir = path.join(dir, 'alice');
    const earlier = new IncidentRecorder({ stateDir: aliceDir, operator: 'alice' });
    const a = openMitigationSession({ config: config(aliceDir), recorder: earlier, rolesFile, identity: user('alice', 45_001) });
    const shrink = await a.controller.execute({
      mitigationId: 'reduce-concurrency',
      params: { queue: `${PREFIX}rank`, concurrency: 1 },
      reason: 'proxy blocks rank',
    });
    expect(shrink.status).toBe('done');
    expect((await a.outbox?.flush())?.error).toBeNull();
    earlier.setState('resolved', 'rank drained');
    await a.close();
    earlier.close();

    // Incident ids are per minute and state directory; the audit table keys rows by (incident, seq):
    // the act below must not open its incident in the same minute as the earlier one.
    const minute = Math.floor(Date.now() / 60_000);
    expect(await until(() => Math.floor(Date.now() / 60_000) > minute, 70_000, 250)).toBe(true);

    // carol pauses crawl.fetch_page with `act` from her shell.
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
        path.join(dir, 'carol'),
      ],
      io,
      { session: { identity: user('carol', 45_002), rolesFile } },
    );
    expect(code, out).toBe(0);

    // The cockpit, started fresh (its own empty state directory), in a real terminal.
    const s = new TmuxSession();
    t = s;
    s.start(160, 45, [], env);
    await s.waitForText(/redis \d+s ago/, 60_000);
    s.text('7');
    s.text('z');
    const screen = await s.waitFor(
      (x) => x.includes('crawl.fetch_page') && x.includes('pool shrunk'),
      'the pause and the shrunk pool on panel 7',
      60_000,
    );
    const line = (what: string) => screen.split('\n').find((l) => l.includes(what)) ?? '';
    expect(line('crawl.fetch_page')).toMatch(/paused\s+crawl\.fetch_page\s+carol/);
    expect(line('crawl.fetch_page')).toContain('parser loop: hold crawl [set in INC-');
    expect(line('pool shrunk')).toMatch(new RegExp(`pool shrunk\\s+${PREFIX}rank\\s+alice`));
    expect(line('pool shrunk')).toContain('proxy blocks rank [set in INC-');
    expect(fs.readdirSync(s.stateDir).filter((f) => f.endsWith('.jsonl'))).toEqual([]);
    s.text('q');
  });
});
