// A real PostgreSQL primary with a real streaming replica, private to one test file: initdb a
// cluster on a free port (wal_level replica, a replication role, WAL archiving into a directory),
// pg_basebackup -R a standby on another port, and helpers to pause replay, generate WAL, break
// archiving, and stop/kill/restart each server. Never touches the shared server on 5432.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** Whether a private cluster can be made here; the reason when not. */
export function pgBinariesAvailable(): { ok: true } | { ok: false; reason: string } {
  for (const b of ['initdb', 'pg_ctl', 'pg_basebackup', 'postgres']) {
    if (!existsSync(join(PG_BIN, b))) return { ok: false, reason: `${join(PG_BIN, b)} not found (set PG_BIN)` };
  }
  return { ok: true };
}

/**
 * Skips loudly outside CI, fails in CI (integration suites must run there). Returns true when the
 * suite can run.
 */
export function requirePg(suite: string): boolean {
  const a = pgBinariesAvailable();
  if (a.ok) return true;
  if (process.env.CI === 'true') throw new Error(`${suite}: cannot run in CI: ${a.reason}`);
  console.warn(`\n*** SKIPPING ${suite}: ${a.reason} ***\n`);
  return false;
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a PostgreSQL binary as the `postgres` OS user (PostgreSQL refuses to run as root). */
async function pgExec(bin: string, args: string[], timeoutMs = 120_000): Promise<string> {
  const file = join(PG_BIN, bin);
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  try {
    const { stdout } = await run(cmd, argv, { timeout: timeoutMs, env: { ...process.env, LC_ALL: 'C', PGTZ: 'UTC' } });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    throw new Error(`${bin} ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}`);
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export async function freePort(from: number, avoid: readonly number[] = []): Promise<number> {
  for (let p = from; p < from + 200; p++) {
    if (avoid.includes(p)) continue;
    if (await portFree(p)) return p;
  }
  throw new Error(`no free port from ${from}`);
}

async function ownedByPostgres(path: string): Promise<void> {
  if (!asRoot) return;
  const { stdout: uid } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  await chown(path, Number(uid.trim()), Number(gid.trim()));
}

export class PgServer {
  constructor(
    readonly name: string,
    public port: number,
    readonly dataDir: string,
    private readonly logFile: string,
  ) {}

  /** The last lines of the server log, for error messages. */
  async logTail(lines = 15): Promise<string> {
    const text = await readFile(this.logFile, 'utf8').catch(() => '');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  }

  /**
   * Starts on this.port; when another process took the port meanwhile (parallel test runs on
   * one machine race between "port is free" and "server listens"), moves to the next free one.
   */
  async startOnFreePort(attempts = 5): Promise<void> {
    for (let i = 1; ; i++) {
      try {
        await this.start();
        return;
      } catch (err) {
        const log = await this.logTail();
        if (i >= attempts || !/could not (bind|create any TCP\/IP sockets)|Address already in use/i.test(log)) {
          throw new Error(`${(err as Error).message}\n--- ${this.name} log ---\n${log}`);
        }
        this.port = await freePort(this.port + 1 + Math.floor(Math.random() * 50));
        // The last setting of a name in postgresql.conf wins.
        await appendFile(join(this.dataDir, 'postgresql.conf'), `port = ${this.port}\n`);
      }
    }
  }

  /** A URL for the cockpit (trust auth: no password needed). */
  url(database = 'postgres', user = 'postgres'): string {
    return `postgres://${user}@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    await pgExec('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-w', '-t', '60', 'start']);
  }

  /** A clean shutdown. */
  async stop(): Promise<void> {
    await pgExec('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
  }

  /** A crash: every process quits at once without a checkpoint (restart runs crash recovery). */
  async kill(): Promise<void> {
    await pgExec('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', '-t', '60', 'stop']);
  }

  /** A standby becomes a primary (pg_ctl promote, waiting until it accepts writes). */
  async promote(): Promise<void> {
    await pgExec('pg_ctl', ['-D', this.dataDir, '-w', '-t', '60', 'promote']);
  }

  async running(): Promise<boolean> {
    try {
      await pgExec('pg_ctl', ['-D', this.dataDir, 'status']);
      return true;
    } catch {
      return false;
    }
  }

  async restart(): Promise<void> {
    if (await this.running()) await this.stop();
    await this.start();
  }

  /** A fresh client as superuser (the caller ends it), or a one-off query. */
  async client(database = 'postgres'): Promise<pg.Client> {
    const c = new pg.Client({ host: '127.0.0.1', port: this.port, user: 'postgres', database, connectionTimeoutMillis: 5000 });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  }

  async query<R extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
    database = 'postgres',
  ): Promise<R[]> {
    const c = await this.client(database);
    try {
      return (await c.query(sql, params)).rows as R[];
    } finally {
      await c.end().catch(() => undefined);
    }
  }
}

export interface ReplicaPairOptions {
  primaryPort?: number;
  replicaPort?: number;
  /** The standby's application_name (cluster_name), as the cockpit config names it. */
  replicaName?: string;
  maxConnections?: number;
}

export class PgReplicaPair {
  constructor(
    readonly root: string,
    readonly primary: PgServer,
    readonly replica: PgServer,
    readonly replicaName: string,
    readonly archiveDir: string,
    private readonly archiveFailFlag: string,
  ) {}

  async pauseReplay(): Promise<void> {
    await this.replica.query('select pg_wal_replay_pause()');
  }

  async resumeReplay(): Promise<void> {
    await this.replica.query('select pg_wal_replay_resume()');
  }

  /** Writes on the primary: a committed transaction the replica has to replay. */
  async generateWal(rows = 1000): Promise<void> {
    await this.primary.query('create table if not exists wal_gen (id bigserial primary key, at timestamptz default now(), pad text)');
    await this.primary.query(`insert into wal_gen (pad) select repeat('x', 100) from generate_series(1, $1)`, [rows]);
  }

  /** Waits until the replica has replayed everything the primary has written so far. */
  async waitForCatchUp(timeoutMs = 30_000): Promise<void> {
    const [{ lsn }] = (await this.primary.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn')) as [{ lsn: string }];
    const until = Date.now() + timeoutMs;
    for (;;) {
      const [r] = await this.replica.query<{ done: boolean }>('select pg_last_wal_replay_lsn() >= $1::pg_lsn as done', [lsn]);
      if (r?.done) return;
      if (Date.now() > until) throw new Error(`replica did not replay up to ${lsn} within ${timeoutMs} ms`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  /** Makes archive_command fail (or succeed again) from now on. */
  async breakArchiving(broken: boolean): Promise<void> {
    if (broken) {
      await writeFile(this.archiveFailFlag, 'fail\n');
      await ownedByPostgres(this.archiveFailFlag);
    } else await rm(this.archiveFailFlag, { force: true });
  }

  /** Files archive_command copied into the archive directory (WAL segments, backup histories). */
  async archivedFiles(): Promise<string[]> {
    return (await readdir(this.archiveDir)).sort();
  }

  async cleanup(): Promise<void> {
    for (const s of [this.replica, this.primary]) {
      if (await s.running()) await s.kill().catch(() => undefined);
    }
    await rm(this.root, { recursive: true, force: true });
  }
}

/** A temporary root directory owned by postgres, and a helper making subdirectories in it. */
async function pgRoot(): Promise<{ root: string; sub: (name: string) => Promise<string> }> {
  const root = await mkdtemp(join(tmpdir(), 'lsos-pg-'));
  await chmod(root, 0o755);
  await ownedByPostgres(root);
  const sub = async (name: string): Promise<string> => {
    const p = join(root, name);
    await mkdir(p, { mode: 0o700 });
    await ownedByPostgres(p);
    return p;
  };
  return { root, sub };
}

/** initdb into `dataDir` (trust for everyone) with the test settings and `extra` lines after them. */
async function initCluster(dataDir: string, port: number, socketDir: string, extra: readonly string[]): Promise<void> {
  await pgExec('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
  await appendFile(
    join(dataDir, 'postgresql.conf'),
    [
      '',
      '# lsos-cockpit test cluster',
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${socketDir}'`,
      'fsync = off',
      'shared_buffers = 16MB',
      "timezone = 'UTC'",
      ...extra,
      '',
    ].join('\n'),
  );
}

export interface SinglePgOptions {
  /** postgresql.conf lines after the test settings (the last setting of a name wins). */
  conf?: readonly string[];
  /** pg_hba.conf lines placed before initdb's trust lines (the first matching line wins). */
  hba?: readonly string[];
  /** Files copied into the data directory, owned by postgres, mode 0600 (a TLS key must be). */
  files?: Readonly<Record<string, string>>;
}

/** One private PostgreSQL server (initdb, start on a free port), e.g. with TLS and password logins. */
export async function startPgServer(opts: SinglePgOptions = {}): Promise<{ server: PgServer; root: string; cleanup(): Promise<void> }> {
  const { root, sub } = await pgRoot();
  const dataDir = await sub('data');
  const socketDir = await sub('sock');
  const port = await freePort(56000 + Math.floor(Math.random() * 400));
  const log = join(root, 'server.log');
  const server = new PgServer('server', port, dataDir, log);
  const cleanup = async (): Promise<void> => {
    if (await server.running()) await server.kill().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  };
  try {
    await initCluster(dataDir, port, socketDir, opts.conf ?? []);
    for (const [name, from] of Object.entries(opts.files ?? {})) {
      const to = join(dataDir, name);
      await writeFile(to, await readFile(from));
      await chmod(to, 0o600);
      await ownedByPostgres(to);
    }
    if (opts.hba?.length) {
      const hba = join(dataDir, 'pg_hba.conf');
      await writeFile(hba, `${opts.hba.join('\n')}\n${await readFile(hba, 'utf8')}`);
    }
    await writeFile(log, '');
    await ownedByPostgres(log);
    await server.startOnFreePort();
  } catch (err) {
    await cleanup().catch(() => undefined);
    throw err;
  }
  return { server, root, cleanup };
}

/** initdb a primary, pg_basebackup a standby from it, start both. */
export async function startReplicaPair(opts: ReplicaPairOptions = {}): Promise<PgReplicaPair> {
  const { root, sub } = await pgRoot();
  const primaryDir = await sub('primary');
  const socketDir = await sub('sock');
  const archiveDir = await sub('archive');
  const failFlag = join(root, 'archive_fail');
  // A random start spreads parallel runs on one machine; startOnFreePort handles the rest.
  const primaryPort = await freePort(opts.primaryPort ?? 55432 + Math.floor(Math.random() * 400));
  const replicaPort = await freePort(opts.replicaPort ?? primaryPort + 1, [primaryPort]);
  const replicaName = opts.replicaName ?? 'replica-1';

  await initCluster(primaryDir, primaryPort, socketDir, [
    'wal_level = replica',
    'max_wal_senders = 5',
    'max_replication_slots = 5',
    'wal_keep_size = 128MB',
    'hot_standby = on',
    `max_connections = ${opts.maxConnections ?? 30}`,
    'archive_mode = on',
    `archive_command = 'test ! -f ${failFlag} && cp %p ${archiveDir}/%f'`,
    'wal_receiver_status_interval = 1s',
  ]);
  const primaryLog = join(root, 'primary.log');
  const primary = new PgServer('primary', primaryPort, primaryDir, primaryLog);
  const replicaDir = join(root, 'replica');
  const replica = new PgServer('replica', replicaPort, replicaDir, join(root, 'replica.log'));
  const pair = new PgReplicaPair(root, primary, replica, replicaName, archiveDir, failFlag);
  try {
    await writeFile(primaryLog, '');
    await ownedByPostgres(primaryLog);
    await primary.startOnFreePort();
    await primary.query('create role replicator with replication login');
    await pgExec('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(primary.port),
      '-U',
      'replicator',
      '-D',
      replicaDir,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
      '--no-sync',
    ]);
    // The copied postgresql.conf is the primary's: the last setting of a name wins.
    await appendFile(
      join(replicaDir, 'postgresql.conf'),
      [`port = ${replicaPort}`, `cluster_name = '${replicaName}'`, 'hot_standby_feedback = on', ''].join('\n'),
    );
    await writeFile(join(root, 'replica.log'), '');
    await ownedByPostgres(join(root, 'replica.log'));
    await replica.startOnFreePort();
    await waitForStreaming(pair);
  } catch (err) {
    await pair.cleanup().catch(() => undefined);
    throw err;
  }
  return pair;
}

async function waitForStreaming(pair: PgReplicaPair, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const rows = await pair.primary.query<{ n: number }>(
      "select count(*)::int as n from pg_stat_replication where state = 'streaming' and application_name = $1",
      [pair.replicaName],
    );
    if ((rows[0]?.n ?? 0) > 0) return;
    if (Date.now() > until) throw new Error(`replica ${pair.replicaName} not streaming within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
