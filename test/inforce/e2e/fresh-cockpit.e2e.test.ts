// The built cockpit, started fresh in a real terminal (tmux), shows what is in force on LSOS with
// who set it and why: a pause set with `act` from a shell, and a pool shrink made with `act`
// during an earlier incident that was then resolved (a real Celery worker). Both `act` runs are
// the built CLI (`node dist/src/cli.cjs act ...`) as child processes of two other OS users
// (cloudsdk, nobody), each with a state directory of its own, seconds apart (the same minute: their
// incidents must not share an id, or ops_audit_log skips the second one's rows). The cockpit's own
// state directory is empty: nothing comes from its journal; the system is read, and who/why is
// joined from ops_audit_log. Real servers: a private redis-server (flags on db 0, broker on db 1),
// a private database on the shared PostgreSQL, a real worker. The roles file must be
// /etc/lsos-cockpit/roles.yaml (no flag or variable names another): each `act` runs in a private
// mount namespace where /etc is an overlay holding it, so the machine's /etc is never touched.
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentRecorder } from '../../../src/journal/recorder.js';
import { CeleryWorker, PrivateRedis, celeryAvailable, freePort, requireServer, run, runId } from '../../celery/harness.js';
import { CLI, haveTmux, ROOT, TmuxSession } from '../../e2e/tmux.js';
import { haveUser, ownedStateDir, removeBundles } from '../../shared/e2e/procs.js';

const ADMIN = 'postgres://postgres@127.0.0.1:5432/test';
const DB = `lsos_fresh_${runId()}`;
const isRoot = process.getuid?.() === 0;
const ok =
  isRoot &&
  (haveTmux() || process.env.CI === 'true') &&
  (await requireServer('PostgreSQL, redis-server, Debian Celery, runuser, unshare and the OS users cloudsdk and nobody', async () => {
    const c = new pg.Client(ADMIN);
    await c.connect();
    await c.end();
    await run('redis-server', ['--version']);
    await celeryAvailable();
    await run('runuser', ['--help']);
    await run('unshare', ['--mount', '--propagation', 'private', 'true']);
    if (!haveUser('cloudsdk') || !haveUser('nobody')) throw new Error('users missing');
  }));
if (!isRoot) console.warn('\n*** SKIPPING fresh-cockpit end-to-end test: it needs root to run act as other OS users ***\n');

const PREFIX = `fc${runId()}_`;

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
    // The upper layer of the /etc overlay: a root-owned roles file naming the two OS users.
    fs.mkdirSync(path.join(dir, 'etc-up', 'lsos-cockpit'), { recursive: true, mode: 0o755 });
    fs.mkdirSync(path.join(dir, 'etc-work'));
    fs.writeFileSync(path.join(dir, 'etc-up', 'lsos-cockpit', 'roles.yaml'), 'users:\n  cloudsdk: operator\n  nobody: operator\n', {
      mode: 0o644,
    });
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
    removeBundles();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** `node dist/src/cli.cjs act ...` as OS user `user` from a bare shell environment; its exit code and output. */
  const act = (user: string, stateDir: string, args: string[]): Promise<{ code: number; out: string }> => {
    const envArgs = Object.entries({ ...env, HOME: stateDir, PATH: process.env.PATH ?? '/usr/bin:/bin' }).map(([k, v]) => `${k}=${v}`);
    const script = 'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1,workdir=$2" /etc && shift 2 && exec "$@"';
    const argv = [
      '--mount',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      script,
      'sh',
      path.join(dir, 'etc-up'),
      path.join(dir, 'etc-work'),
    ];
    argv.push('runuser', '-u', user, '--', 'env', '-i', ...envArgs, process.execPath, CLI, 'act', ...args, '--state-dir', stateDir);
    return new Promise((resolve) => {
      execFile('unshare', argv, { cwd: '/', timeout: 120_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, out: `${stdout}${stderr}` });
      });
    });
  };

  it('panel 7 lists the pause (act from a shell) and the shrunk pool (an earlier, resolved incident) with who and why', async () => {
    // An earlier incident: cloudsdk shrinks the rank pool to 1 with `act`; the incident is then resolved.
    const cloudDir = ownedStateDir('cloudsdk');
    const shrink = await act('cloudsdk', cloudDir, [
      'reduce-concurrency',
      '--queue',
      `${PREFIX}rank`,
      '--concurrency',
      '1',
      '--reason',
      'proxy blocks rank',
    ]);
    expect(shrink.code, shrink.out).toBe(0);
    const earlier = new IncidentRecorder({ stateDir: cloudDir, operator: 'cloudsdk' });
    const earlierId = earlier.view()?.id;
    expect(earlierId, 'the incident act opened').toMatch(/^INC-/);
    earlier.setState('resolved', 'rank drained');
    earlier.close();

    // nobody pauses crawl.fetch_page with `act` from a shell of their own, right away (no waiting
    // for the next minute: ids allocated apart are unique).
    const nobodyDir = ownedStateDir('nobody');
    const pause = await act('nobody', nobodyDir, [
      'pause-task',
      '--task',
      'crawl.fetch_page',
      '--until',
      '2h',
      '--reason',
      'parser loop: hold crawl',
    ]);
    expect(pause.code, pause.out).toBe(0);
    // Both acts' rows are in ops_audit_log, each under its own incident (none skipped as already written).
    const db = new pg.Client(env.DATABASE_URL);
    await db.connect();
    const rows = await db
      .query<{ action: string; operator: string; incident_id: string }>(
        `SELECT DISTINCT action, operator, incident_id FROM ops_audit_log WHERE result = 'done' ORDER BY action`,
      )
      .finally(() => db.end());
    expect(rows.rows.map((r) => [r.action, r.operator])).toEqual([
      ['pause-task', 'nobody'],
      ['reduce-concurrency', 'cloudsdk'],
    ]);
    expect(rows.rows[1]?.incident_id).toBe(earlierId);
    expect(rows.rows[0]?.incident_id).not.toBe(earlierId);

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
    expect(line('crawl.fetch_page')).toMatch(/paused\s+crawl\.fetch_page\s+nobody/);
    expect(line('crawl.fetch_page')).toContain('parser loop: hold crawl [set in INC-');
    expect(line('pool shrunk')).toMatch(new RegExp(`pool shrunk\\s+${PREFIX}rank\\s+cloudsdk`));
    expect(line('pool shrunk')).toContain(`proxy blocks rank [set in ${earlierId}`);
    expect(fs.readdirSync(s.stateDir).filter((f) => f.endsWith('.jsonl'))).toEqual([]);
    s.text('q');
  });
});
