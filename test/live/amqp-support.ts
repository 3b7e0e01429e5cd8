// Support for the RabbitMQ integration suites: a private vhost per test file (created and
// deleted with rabbitmqctl, which works as root here), the broker's own view of its queues as
// the truth to compare against, and a small TCP proxy that can be cut to play "RabbitMQ down"
// without ever touching the shared node.
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { TcpProxy as SharedTcpProxy } from '../support/tcpProxy.js';
import { DEFAULT_WAIT_MS } from '../support/waitFor.js';

const run = promisify(execFile);

export const RABBIT_HOST = '127.0.0.1';
export const RABBIT_PORT = 5672;

/** amqp URL of a vhost on the shared node (or on another port, e.g. a proxy). */
export function amqpUrl(vhost: string, port = RABBIT_PORT): string {
  return `amqp://guest:guest@${RABBIT_HOST}:${port}/${encodeURIComponent(vhost)}`;
}

function canConnect(port: number, host = RABBIT_HOST, timeoutMs = 10_000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/**
 * Whether the suite can run: RabbitMQ listening and rabbitmqctl usable. Under CI=true a missing
 * server fails the suite; elsewhere it is skipped, loudly.
 */
export async function rabbitReady(suite: string): Promise<boolean> {
  let reason: string | null = null;
  if (!(await canConnect(RABBIT_PORT))) reason = `RabbitMQ not listening on ${RABBIT_HOST}:${RABBIT_PORT}`;
  else {
    try {
      // rabbitmqctl starts an Erlang VM: seconds on a busy machine.
      await run('rabbitmqctl', ['-q', 'list_vhosts'], { timeout: 60_000 });
    } catch (err) {
      reason = `rabbitmqctl unusable (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
    }
  }
  if (reason === null) return true;
  if (process.env.CI === 'true') throw new Error(`${suite}: ${reason} (CI=true: integration suites must run)`);
  console.warn(`\n*** SKIPPING ${suite}: ${reason} ***\n`);
  return false;
}

export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

export async function createVhost(vhost: string): Promise<void> {
  await rabbitmqctl('add_vhost', vhost).catch(async (err: unknown) => {
    // A vhost left behind by an interrupted run: start clean.
    if (String(err).includes('already exists')) {
      await rabbitmqctl('delete_vhost', vhost);
      await rabbitmqctl('add_vhost', vhost);
    } else throw err;
  });
  await rabbitmqctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
}

export async function deleteVhost(vhost: string): Promise<void> {
  await rabbitmqctl('delete_vhost', vhost).catch(() => undefined);
}

export interface QueueTruth {
  name: string;
  ready: number;
  unacked: number;
  consumers: number;
}

/** The broker's own figures (rabbitmqctl, not AMQP): the truth the source is compared against. */
export async function queueTruth(vhost: string): Promise<Map<string, QueueTruth>> {
  const out = await rabbitmqctl(
    'list_queues',
    '-p',
    vhost,
    'name',
    'messages_ready',
    'messages_unacknowledged',
    'consumers',
    '--formatter',
    'json',
  );
  const rows = JSON.parse(out) as { name: string; messages_ready: number; messages_unacknowledged: number; consumers: number }[];
  return new Map(
    rows.map((r) => [r.name, { name: r.name, ready: r.messages_ready, unacked: r.messages_unacknowledged, consumers: r.consumers }]),
  );
}

/** Number of AMQP connections open on a vhost (to show a 404 did not close ours). */
export async function connectionCount(vhost: string): Promise<number> {
  const out = await rabbitmqctl('list_connections', 'vhost', '--formatter', 'json');
  return (JSON.parse(out) as { vhost: string }[]).filter((c) => c.vhost === vhost).length;
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = DEFAULT_WAIT_MS,
  everyMs = 200,
): Promise<T> {
  // Never less than the shared ceiling: it only matters when the condition never comes.
  const until = Date.now() + Math.max(timeoutMs, DEFAULT_WAIT_MS);
  let last: unknown = null;
  for (;;) {
    try {
      const v = await fn();
      if (v !== null && v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A TCP proxy in front of the shared RabbitMQ (cut() = a dead broker, restore() = back). */
export class TcpProxy extends SharedTcpProxy {
  constructor(targetPort = RABBIT_PORT, targetHost = RABBIT_HOST, delayMs = 0) {
    super(targetPort, delayMs, targetHost);
  }
}
