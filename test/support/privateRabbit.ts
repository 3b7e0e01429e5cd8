// A private RabbitMQ node for one test file: its own node name, AMQP and distribution ports,
// Mnesia directory, config and Erlang cookie in a temporary directory, optionally with an AMQPS
// listener using the test's certificates (also on 127.0.0.2, whose address the certificate does
// not name). It stands for a second node of a cluster, or a TLS broker. The shared broker on
// 5672 is never touched; SIGKILL of this node is a node dying (SIGSTOP first: dying with
// publishes it never answered).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connect } from 'amqplib';
import { freePort } from './pgReplica.js';
import type { TestCerts } from './tlsCerts.js';
import { waitFor } from './waitFor.js';

const run = promisify(execFile);

export const RABBITMQ_SERVER = process.env.RABBITMQ_SERVER ?? '/usr/lib/rabbitmq/bin/rabbitmq-server';

export interface PrivateRabbit {
  nodeName: string;
  /** Plain AMQP on 127.0.0.1. */
  port: number;
  /** AMQPS on 127.0.0.1 and 127.0.0.2 (null without certificates). */
  tlsPort: number | null;
  user: string;
  password: string;
  /** amqp://user:password@127.0.0.1:port/vhost (vhost '/' by default). */
  url(o?: { vhost?: string; password?: string }): string;
  /** rabbitmqctl against this node (its own cookie), stdout. */
  ctl(...args: string[]): Promise<string>;
  /** SIGKILL: the node is gone at once, its connections dropped. */
  kill(): Promise<void>;
  /** SIGSTOP: the node hangs, its connections open but nothing read or answered (then kill() it). */
  freeze(): Promise<void>;
  stop(): Promise<void>;
  logTail(): Promise<string>;
}

/** Whether a private node can be started here; the reason when not. */
export function rabbitServerAvailable(): { ok: true } | { ok: false; reason: string } {
  return existsSync(RABBITMQ_SERVER) ? { ok: true } : { ok: false, reason: `${RABBITMQ_SERVER} not found (set RABBITMQ_SERVER)` };
}

export async function startPrivateRabbit(o: { certs?: TestCerts; name?: string } = {}): Promise<PrivateRabbit> {
  const dir = await mkdtemp(join(tmpdir(), 'lsos-rabbit-'));
  const used: number[] = [];
  const port = async (): Promise<number> => {
    const p = await freePort(41000 + Math.floor(Math.random() * 8000), used);
    used.push(p);
    return p;
  };
  const amqpPort = await port();
  const distPort = await port();
  const tlsPort = o.certs ? await port() : null;
  const nodeName = `${o.name ?? 'lsos-test'}-${process.pid}-${amqpPort}@localhost`;
  const user = 'cockpit';
  const password = `Rabbit-pw-${process.pid}`;
  const conf = [
    `listeners.tcp.1 = 127.0.0.1:${amqpPort}`,
    `default_user = ${user}`,
    `default_pass = ${password}`,
    'loopback_users = none',
    'log.console = false',
    'log.file.level = warning',
    'collect_statistics_interval = 60000',
  ];
  if (o.certs && tlsPort !== null) {
    conf.push(
      `listeners.ssl.1 = 127.0.0.1:${tlsPort}`,
      `listeners.ssl.2 = 127.0.0.2:${tlsPort}`,
      `ssl_options.cacertfile = ${o.certs.caCert}`,
      `ssl_options.certfile = ${o.certs.serverCert}`,
      `ssl_options.keyfile = ${o.certs.serverKey}`,
      'ssl_options.verify = verify_peer',
      'ssl_options.fail_if_no_peer_cert = false',
    );
  }
  await writeFile(join(dir, 'rabbitmq.conf'), `${conf.join('\n')}\n`);
  await writeFile(join(dir, 'enabled_plugins'), '[].\n');
  await writeFile(join(dir, 'env.conf'), '\n');
  const pidFile = join(dir, 'pid');
  const env = {
    ...process.env,
    HOME: dir,
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_PORT: String(amqpPort),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'env.conf'),
    RABBITMQ_PID_FILE: pidFile,
    ERL_EPMD_ADDRESS: '127.0.0.1',
  };
  const proc: ChildProcess = spawn(RABBITMQ_SERVER, [], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  proc.on('error', () => undefined);
  const logTail = async (): Promise<string> => {
    const log = await readFile(join(dir, 'log', `${nodeName}.log`), 'utf8').catch(() => '');
    return `${stderr}\n${log.split('\n').slice(-20).join('\n')}`;
  };
  const pids = async (): Promise<number[]> => {
    const out = new Set<number>();
    if (proc.pid) out.add(proc.pid);
    const p = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
    if (p > 0) out.add(p);
    return [...out];
  };
  const killAll = async (): Promise<void> => {
    for (const p of await pids()) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await waitFor(() => proc.exitCode !== null || proc.signalCode !== null, { what: `${nodeName} gone`, timeoutMs: 15_000 });
  };
  const url = (u: { vhost?: string; password?: string } = {}): string =>
    `amqp://${user}:${encodeURIComponent(u.password ?? password)}@127.0.0.1:${amqpPort}/${encodeURIComponent(u.vhost ?? '/')}`;
  try {
    await waitFor(
      async () => {
        if (proc.exitCode !== null) throw new Error(`rabbitmq-server exited with ${proc.exitCode}`);
        const c = await connect(url(), { timeout: 1000 });
        await c.close();
        return true;
      },
      { what: `private RabbitMQ node ${nodeName} accepting AMQP`, timeoutMs: 90_000, everyMs: 250 },
    );
  } catch (err) {
    const tail = await logTail();
    await killAll().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}\n--- ${nodeName} ---\n${tail}`);
  }
  return {
    nodeName,
    port: amqpPort,
    tlsPort,
    user,
    password,
    url,
    kill: killAll,
    async freeze() {
      for (const p of await pids()) process.kill(p, 'SIGSTOP');
    },
    async ctl(...args: string[]) {
      const { stdout } = await run(join(dirname(RABBITMQ_SERVER), 'rabbitmqctl'), ['-q', '-n', nodeName, ...args], {
        env,
        timeout: 60_000,
      });
      return stdout;
    },
    logTail,
    async stop() {
      await killAll().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
