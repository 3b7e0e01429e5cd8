// `lsos-cockpit check` end to end: configuration from a real file and real flags, the PostgreSQL
// source against a private primary + streaming replica, the API source against a real HTTP
// server. Exit codes 0/1/2/3 and the --json shape, with figures compared to the servers' own.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck, type CheckReport } from '../../src/cli/check.js';
import { CHECK_IDS } from '../../src/core/checklist.js';
import { requirePg, startReplicaPair, type PgReplicaPair } from '../support/pgReplica.js';

const DB = 'lsos_ops';
const PASSWORD = 'N0tUsedButSecret';
const enabled = requirePg('test/live/postgres-check.test.ts');

interface Ran {
  code: number;
  out: string;
  err: string;
}

async function check(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  let out = '';
  let err = '';
  const code = await runCheck(args, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env,
    cwd: tmpdir(),
  });
  return { code, out, err };
}

async function checkJson(args: string[]): Promise<{ code: number; report: CheckReport }> {
  const r = await check([...args, '--json']);
  return { code: r.code, report: JSON.parse(r.out) as CheckReport };
}

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!enabled)('lsos-cockpit check (real PostgreSQL primary + replica, real API server)', () => {
  let pair: PgReplicaPair;
  let api: Server;
  let apiStatus = 200;
  let apiBase: string;
  let dir: string;
  let args: string[];
  const ONLY = ['--only', 'api-health,freshness,backup,wal-archiving,replica-lag'];

  beforeAll(async () => {
    pair = await startReplicaPair();
    await pair.primary.query(`create database ${DB}`);
    await pair.primary.query(
      `create table ops_backups (finished_at timestamptz, status text);
       insert into ops_backups values (now() - interval '2 hours', 'ok');
       create table campaigns (id int primary key, name text, active boolean, owner_email text,
         last_crawl_at timestamptz, last_rank_at timestamptz, last_review_at timestamptz);
       insert into campaigns select g, 'c' || g, true, 'o@x', now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour'
         from generate_series(1, 5) g;`,
      [],
      DB,
    );
    await pair.waitForCatchUp();
    api = createServer((_req, res) => {
      res.writeHead(apiStatus, { 'content-type': 'application/json' });
      res.end(apiStatus === 200 ? '{"status":"ok"}' : '{"status":"down"}');
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    apiBase = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), 'lsos-check-'));
    const configFile = join(dir, 'config.yaml');
    writeFileSync(configFile, 'thresholds:\n  replicaLag: 3s\n  backupMaxAge: 26h\n');
    // Trust auth ignores the password: it is there to prove it never reaches the output.
    const dbUrl = `postgres://postgres:${PASSWORD}@127.0.0.1:${pair.primary.port}/${DB}`;
    const replicaUrl = `postgres://postgres:${PASSWORD}@127.0.0.1:${pair.replica.port}/${DB}`;
    args = ['--config', configFile, '--database-url', dbUrl, '--replica-url', `${pair.replicaName}=${replicaUrl}`, '--api-url', apiBase];
  });

  afterAll(async () => {
    await new Promise((r) => api?.close(r));
    await pair?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exit 0 when every check is ok; one line per check with its figure', async () => {
    const r = await check([...args, ...ONLY]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^LSOS daily checklist OK: 0 breach, 0 warn, 0 could not run, 7 ok \(/);
    expect(lines.slice(1, -1).map((l) => l.split(/\s+/).slice(0, 4).join(' '))).toEqual([
      '1 OK api-health api',
      '4 OK freshness crawl',
      '4 OK freshness rank',
      '4 OK freshness reviews',
      '5 OK backup primary',
      '5 OK wal-archiving primary',
      `5 OK replica-lag ${pair.replicaName}`,
    ]);
    expect(lines.at(-1)).toBe('sources: postgres ok; api ok');
    expect(r.out).not.toContain(PASSWORD);
  });

  it('--json: one object with status, exitCode, summary, sources and checks, figures as the servers say', async () => {
    const { code, report } = await checkJson([...args, ...ONLY]);
    expect(code).toBe(0);
    expect(Object.keys(report)).toEqual(['status', 'exitCode', 'at', 'summary', 'sources', 'checks']);
    expect(report).toMatchObject({ status: 'ok', exitCode: 0, summary: { ok: 7, warn: 0, breach: 0, unknown: 0 } });
    expect(new Date(report.at).toISOString()).toBe(report.at);
    expect(report.sources).toEqual([
      { name: 'postgres', area: 'database', state: 'ok', error: null },
      { name: 'api', area: 'api', state: 'ok', error: null },
    ]);
    for (const c of report.checks) {
      expect(CHECK_IDS).toContain(c.id);
      expect(Object.keys(c)).toEqual([
        'id',
        'item',
        'target',
        'status',
        'value',
        'unit',
        'threshold',
        'warnAt',
        'detail',
        ...(c.window ? ['window'] : []),
        ...(c.campaigns ? ['campaigns'] : []),
      ]);
      expect(['ok', 'warn', 'breach', 'unknown']).toContain(c.status);
      expect([1, 2, 3, 4, 5]).toContain(c.item);
    }
    const byId = (id: string) => report.checks.find((c) => c.id === id);
    // Backup age: the server's own figure for the newest ok row.
    const [b] = await pair.primary.query<{ age: number }>(
      `select extract(epoch from now() - max(finished_at))::float8 as age from ops_backups where status = 'ok'`,
      [],
      DB,
    );
    expect(byId('backup')).toMatchObject({ status: 'ok', unit: 's', threshold: 26 * 3600, warnAt: 26 * 3600 * 0.8 });
    expect(Math.abs((byId('backup')?.value ?? 0) - (b?.age ?? 0))).toBeLessThan(3);
    // Freshness: 5 active campaigns, none stale, by the table.
    const [f] = await pair.primary.query<{ n: number }>(`select count(*)::int as n from campaigns where active`, [], DB);
    const crawl = report.checks.find((c) => c.id === 'freshness' && c.target === 'crawl');
    expect(crawl).toMatchObject({ value: 0, threshold: 0, campaigns: [] });
    expect(crawl?.detail).toContain(`all ${f?.n} active campaigns within 24h00m`);
    // WAL archiving: the WAL it names is in the archive directory.
    const [a] = await pair.primary.query<{ wal: string }>('select last_archived_wal as wal from pg_stat_archiver');
    expect(byId('wal-archiving')?.detail).toContain(`last archived ${a?.wal}`);
    expect(await pair.archivedFiles()).toContain(a?.wal);
    expect(byId('replica-lag')).toMatchObject({ target: pair.replicaName, value: 0, threshold: 3, unit: 's' });
    expect(byId('api-health')).toMatchObject({ unit: 'ms', threshold: 2000 });
    expect(byId('api-health')?.value).toBeGreaterThan(0);
  });

  it('exit 1 on a warning: replay paused while the lag is still 0', async () => {
    await pair.pauseReplay();
    try {
      const { code, report } = await checkJson([...args, ...ONLY]);
      const [truth] = await pair.replica.query<{ paused: boolean }>('select pg_is_wal_replay_paused() as paused');
      expect(truth?.paused).toBe(true);
      expect(code).toBe(1);
      expect(report.status).toBe('warn');
      expect(report.checks.filter((c) => c.status !== 'ok').map((c) => [c.id, c.target, c.status, c.value])).toEqual([
        ['replica-lag', pair.replicaName, 'warn', 0],
      ]);
    } finally {
      await pair.resumeReplay();
    }
  });

  it('exit 2 on a breach: paused replay with WAL arriving pushes replica lag over 3 s', async () => {
    await pair.pauseReplay();
    try {
      await pair.generateWal(200);
      const breached = await waitFor('replica lag above 3 s', async () => {
        const r = await checkJson([...args, '--only', 'replica-lag']);
        return r.code === 2 ? r : null;
      });
      const [truth] = await pair.replica.query<{ since: number }>(
        'select extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 as since',
      );
      const c = breached.report.checks[0];
      expect(breached.report.status).toBe('breach');
      expect(c).toMatchObject({ id: 'replica-lag', target: pair.replicaName, status: 'breach', threshold: 3 });
      expect(c?.value).toBeGreaterThan(3);
      expect(c?.value).toBeLessThanOrEqual(truth?.since ?? 0);
      expect(c?.value).toBeGreaterThan((truth?.since ?? 0) - 2);
      expect(c?.detail).toContain('replay paused');
      const text = await check([...args, '--only', 'replica-lag']);
      expect(text.code).toBe(2);
      expect(text.out).toMatch(
        new RegExp(
          `^5 BREACH\\s+replica-lag\\s+${pair.replicaName}\\s+replay lag \\ds, limit 3s \\(seen from both; replay paused\\)$`,
          'm',
        ),
      );
    } finally {
      await pair.resumeReplay();
      await pair.waitForCatchUp();
    }
    const back = await waitFor('the lag to clear', async () => {
      const r = await checkJson([...args, '--only', 'replica-lag']);
      return r.code === 0 ? r : null;
    });
    expect(back.report.checks[0]).toMatchObject({ status: 'ok', value: 0 });
  });

  it('exit 2 when the API answers 500', async () => {
    apiStatus = 500;
    try {
      const r = await check([...args, ...ONLY]);
      expect(r.code).toBe(2);
      expect(r.out).toMatch(/^1 BREACH\s+api-health\s+api\s+unhealthy: HTTP 500 Internal Server Error$/m);
    } finally {
      apiStatus = 200;
    }
  });

  it('exit 3 when checks could not run: the primary is down (and nothing breached)', async () => {
    await pair.primary.kill();
    try {
      const { code, report } = await checkJson([...args, '--only', 'freshness,backup,wal-archiving']);
      expect(code).toBe(3);
      expect(report.status).toBe('unknown');
      // The source state follows reachability: the primary down is not `ok`, whatever else answered.
      expect(report.sources).toEqual([
        { name: 'postgres', area: 'database', state: 'unreachable', error: expect.stringMatching(/ECONNREFUSED/) },
        { name: 'api', area: 'api', state: 'ok', error: null },
      ]);
      for (const c of report.checks) {
        expect(c.status).toBe('unknown');
        expect(c.detail).toMatch(
          new RegExp(`^could not run: primary unreachable: connect ECONNREFUSED 127\\.0\\.0\\.1:${pair.primary.port}$`),
        );
      }
      expect(report.checks).toHaveLength(5);
      expect(JSON.stringify(report)).not.toContain(PASSWORD);
    } finally {
      await pair.primary.start();
    }
    const { code } = await checkJson([...args, '--only', 'freshness,backup']);
    expect(code).toBe(0);
  });

  it('exit 3 for a source that is configured but not wired (the broker), and with no source at all', async () => {
    const broker = await checkJson([...args, '--redis-url', 'redis://:redispw@127.0.0.1:6399/3', '--only', 'queue-lag,worker-heartbeat']);
    expect(broker.code).toBe(3);
    expect(broker.report.sources.find((s) => s.name === 'redis')).toEqual({
      name: 'redis',
      area: 'broker',
      state: 'unreachable',
      error: 'the Redis source is not wired into this build',
    });
    // One unknown per configured queue (the contract's seven) and one for the workers.
    expect(broker.report.checks.map((c) => `${c.id}:${c.target}:${c.status}`)).toEqual([
      'worker-heartbeat:workers:unknown',
      ...['crawl', 'rank', 'reviews', 'reporting', 'reporting.retry', 'email', 'celery'].map((q) => `queue-lag:${q}:unknown`),
    ]);
    const home = mkdtempSync(join(tmpdir(), 'lsos-home-'));
    try {
      const none = await check(['--json'], { HOME: home });
      const report = JSON.parse(none.out) as CheckReport;
      expect(none.code).toBe(3);
      expect(report.sources).toEqual([]);
      expect(report.checks.every((c) => c.status === 'unknown' && c.detail.startsWith('could not run: not configured ('))).toBe(true);
      expect(new Set(report.checks.map((c) => c.id))).toEqual(new Set(CHECK_IDS));
      // The text groups them: one line per missing source, not one per queue.
      const text = await check([], { HOME: home });
      expect(text.code).toBe(3);
      const lines = text.out.trim().split('\n');
      expect(lines.filter((l) => l.includes('not configured'))).toEqual([
        expect.stringMatching(/^- UNKNOWN not configured: 1 check could not run \(api-health\); set LSOS_API_URL/),
        expect.stringMatching(
          /^- UNKNOWN not configured: 22 checks could not run \(worker-heartbeat, queue-lag x7, failure-ratio x7, dead-letter-growth x7\); set REDIS_URL or AMQP_URL/,
        ),
        expect.stringMatching(
          /^- UNKNOWN not configured: 6 checks could not run \(freshness x3, backup, wal-archiving, replica-lag\); set DATABASE_URL/,
        ),
      ]);
      expect(lines).toHaveLength(5);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('exit 3 on a usage or configuration error, named with its origin and masked', async () => {
    const usage = await check(['--only', 'everything']);
    expect(usage.code).toBe(3);
    expect(usage.err).toContain('--only: unknown check "everything"');
    const bad = await check(['--database-url', `mysql://root:${PASSWORD}@db/x`]);
    expect(bad.code).toBe(3);
    expect(bad.err).toBe(
      `lsos-cockpit check: configuration refused:\nflag --database-url: sources.database.url: expected a postgres:// or postgresql:// URL, got "mysql://root:***@db/x"\n`,
    );
    const env = await check([], { DATABASE_URL: `postgres://u:${PASSWORD}@h:notaport/x` });
    expect(env.code).toBe(3);
    expect(env.err).toContain('environment variable DATABASE_URL: sources.database.url: not a valid URL: "postgres://u:***@h:notaport/x"');
    expect(usage.err + bad.err + env.err).not.toContain(PASSWORD);
  });
});
