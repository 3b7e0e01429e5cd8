// Three private Redis servers (a master and two replicas) watched by three Sentinels
// (`redis-server --sentinel`), on free ports in a temporary directory, for one test file. Helpers
// to force a failover (SENTINEL FAILOVER), kill the master with SIGKILL, and ask who the master
// is. Never touches the shared Redis on 6379.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './pgReplica.js';
import { waitFor } from './waitFor.js';

export interface RedisNode {
  port: number;
  proc: ChildProcess;
}

export interface SentinelCluster {
  masterName: string;
  redis: RedisNode[];
  sentinels: RedisNode[];
  /** The broker URL as Celery writes it: sentinel://127.0.0.1:p1;sentinel://…, master name in the query. */
  url(db?: number): string;
  /** The port of the master the Sentinels name now. */
  masterPort(): Promise<number>;
  /** SENTINEL FAILOVER, then waits until every Sentinel names a new master and it accepts writes. */
  failover(): Promise<number>;
  /** SIGKILL of the current master, then waits until a new master is elected and writable. */
  killMaster(): Promise<number>;
  /** A direct client of one server (for checks behind the cockpit's back). */
  client(port: number, db?: number): Redis;
  stop(): Promise<void>;
}

function startServer(args: string[]): ChildProcess {
  const p = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  p.on('error', () => undefined);
  return p;
}

async function pingable(port: number): Promise<void> {
  await waitFor(
    async () => {
      const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      c.on('error', () => undefined);
      try {
        await c.connect();
        return (await c.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        c.disconnect();
      }
    },
    { timeoutMs: 20_000, what: `redis on ${port}` },
  );
}

export async function startSentinelCluster(masterName = `lsos-${process.pid}`): Promise<SentinelCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'lsos-sentinel-'));
  const used: number[] = [];
  const port = async (base: number): Promise<number> => {
    const p = await freePort(base + Math.floor(Math.random() * 2000), used);
    used.push(p);
    return p;
  };
  const redis: RedisNode[] = [];
  const sentinels: RedisNode[] = [];
  const clients: Redis[] = [];
  const common = ['--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--protected-mode', 'no'];
  for (let i = 0; i < 3; i++) {
    const p = await port(27000);
    const args = ['--port', String(p), '--dir', dir, '--dbfilename', `r${p}.rdb`, ...common];
    if (i > 0) args.push('--replicaof', '127.0.0.1', String(redis[0]?.port));
    redis.push({ port: p, proc: startServer(args) });
  }
  for (const r of redis) await pingable(r.port);
  const masterPort0 = redis[0]?.port as number;
  for (let i = 0; i < 3; i++) {
    const p = await port(29000);
    const conf = join(dir, `sentinel-${p}.conf`);
    await writeFile(
      conf,
      [
        `port ${p}`,
        'bind 127.0.0.1',
        'protected-mode no',
        `dir ${dir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${masterPort0} 2`,
        `sentinel down-after-milliseconds ${masterName} 1000`,
        `sentinel failover-timeout ${masterName} 6000`,
        `sentinel parallel-syncs ${masterName} 2`,
        '',
      ].join('\n'),
    );
    sentinels.push({ port: p, proc: startServer([conf, '--sentinel']) });
  }
  for (const s of sentinels) await pingable(s.port);

  const client = (p: number, db = 0): Redis => {
    const c = new Redis({ host: '127.0.0.1', port: p, db, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };
  const sentinelClients = sentinels.map((s) => client(s.port));
  const masterPort = async (): Promise<number> => {
    for (const s of sentinelClients) {
      try {
        const a = (await s.call('SENTINEL', 'get-master-addr-by-name', masterName)) as [string, string] | null;
        if (a) return Number(a[1]);
      } catch {
        /* next Sentinel */
      }
    }
    throw new Error('no Sentinel names a master');
  };
  const writable = async (p: number): Promise<boolean> => {
    try {
      const role = (await client(p).call('ROLE')) as unknown[];
      return role[0] === 'master';
    } catch {
      return false;
    }
  };
  // All Sentinels agree on the master and see its replicas (a failover needs replicas known).
  const settled = async (exclude: number | null): Promise<number> => {
    let found = 0;
    await waitFor(
      async () => {
        const views = await Promise.all(
          sentinelClients.map(async (s) => {
            try {
              const a = (await s.call('SENTINEL', 'get-master-addr-by-name', masterName)) as [string, string];
              const replicas = (await s.call('SENTINEL', 'replicas', masterName)) as unknown[];
              return { port: Number(a[1]), replicas: replicas.length };
            } catch {
              return null;
            }
          }),
        );
        const p = views[0]?.port;
        if (p === undefined || p === exclude || !views.every((v) => v !== null && v.port === p && v.replicas >= 1)) return false;
        if (!(await writable(p))) return false;
        found = p;
        return true;
      },
      { timeoutMs: 60_000, what: 'Sentinels to agree on a writable master' },
    );
    return found;
  };
  await settled(null);

  return {
    masterName,
    redis,
    sentinels,
    url: (db = 0) =>
      sentinels
        .map((s, i) => `sentinel://127.0.0.1:${s.port}/${db}${i === 0 ? `?master_name=${encodeURIComponent(masterName)}` : ''}`)
        .join(';'),
    masterPort,
    client,
    async failover() {
      const before = await masterPort();
      await waitFor(
        async () => {
          try {
            await sentinelClients[0]?.call('SENTINEL', 'failover', masterName);
            return true;
          } catch {
            return false; // NOGOODSLAVE while a replica is still syncing: try again
          }
        },
        { timeoutMs: 30_000, what: 'SENTINEL FAILOVER accepted' },
      );
      return settled(before);
    },
    async killMaster() {
      const before = await masterPort();
      const node = redis.find((r) => r.port === before);
      node?.proc.kill('SIGKILL');
      return settled(before);
    },
    async stop() {
      for (const c of clients) c.disconnect();
      for (const n of [...sentinels, ...redis]) n.proc.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
