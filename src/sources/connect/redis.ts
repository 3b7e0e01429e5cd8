// The one place a Redis connection's options are made from a configured broker URL: redis://,
// rediss:// (TLS, ssl_cert_reqs, CA file, client certificate) and a sentinel:// list (ioredis'
// own Sentinel support: it asks the Sentinels for the master, follows +switch-master and
// reconnects to the new master). Every client the cockpit opens (the Redis source and its event
// stream, the Celery publishers, remote control and replay, the mitigation flags) goes through
// redisOptions / openRedis, so a URL means the same everywhere.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Redis, type RedisOptions } from 'ioredis';
import { describeRedisBroker, parseRedisBroker, type RedisBroker, type TlsSettings } from '../../config/brokerUrl.js';

export class RedisUrlError extends Error {
  override name = 'RedisUrlError';
}

/** Node TLS options for the settings; a CA or key file that cannot be read is a one-line error. */
export function tlsOptions(t: TlsSettings, host: string | null, what: string): ConnectionOptions {
  const read = (file: string, role: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new RedisUrlError(`${what}: cannot read the ${role} file ${file} (${code})`);
    }
  };
  const o: ConnectionOptions = { rejectUnauthorized: t.certReqs !== 'none' };
  // SNI by name (an address is not sent); the certificate is checked against this name.
  if (host && !isIP(host)) o.servername = host;
  if (t.caFile) o.ca = read(t.caFile, 'CA');
  if (t.certFile) o.cert = read(t.certFile, 'client certificate');
  if (t.keyFile) o.key = read(t.keyFile, 'client key');
  return o;
}

export interface RedisConnection {
  options: RedisOptions;
  db: number;
  /** For a screen: host:port/db or `sentinel NAME via …`; never a password. */
  label: string;
  broker: RedisBroker;
}

/**
 * ioredis options for a configured Redis URL. `db` overrides the URL's database (the control
 * flags live in db 0 whatever the broker's). Throws RedisUrlError (one line, no password).
 */
export function redisOptions(url: string, o: { db?: number } = {}): RedisConnection {
  const broker = parseRedisBroker(url);
  if ('problem' in broker) throw new RedisUrlError(`redis: ${broker.problem}`);
  const db = o.db ?? broker.db;
  const label = describeRedisBroker({ ...broker, db });
  const options: RedisOptions = { db };
  if (broker.username) options.username = broker.username;
  if (broker.password) options.password = broker.password;
  if (broker.kind === 'redis') {
    options.host = broker.host;
    options.port = broker.port;
    if (broker.tls) options.tls = tlsOptions(broker.tls, broker.host, `redis ${label}`);
  } else {
    options.sentinels = broker.sentinels.map((s) => ({ host: s.host, port: s.port }));
    options.name = broker.masterName ?? '';
    if (broker.sentinelPassword) options.sentinelPassword = broker.sentinelPassword;
    // Subscribe to +switch-master on the Sentinels: a failover is followed at once rather than
    // when the old master's connection happens to break.
    options.failoverDetector = true;
    // Only a master: a replica that was the master a moment ago must not take a flag write.
    options.role = 'master';
    options.sentinelRetryStrategy = (times: number) => Math.min(2000, 250 * times);
    // A write that reaches the old master as it is demoted is refused (READONLY), so it was not
    // applied: reconnect through the Sentinels and send it again to the new master (exactly once).
    options.reconnectOnError = (err: Error) => (err.message.startsWith('READONLY') ? 2 : false);
    if (broker.tls) {
      options.tls = tlsOptions(broker.tls, null, `redis ${label}`);
      options.enableTLSForSentinelMode = true;
      options.sentinelTLS = tlsOptions(broker.tls, null, `redis ${label}`);
    }
  }
  return { options, db, label, broker };
}

/** A Redis client for the URL with the caller's options laid over the connection's. */
export function openRedis(url: string, extra: RedisOptions & { db?: number } = {}): Redis {
  const { db, ...rest } = extra;
  const c = redisOptions(url, db !== undefined ? { db } : {});
  const redis = new Redis({ ...c.options, ...rest });
  return reconnectAfterSentinelRace(redis);
}

/**
 * ioredis 6 ends a Sentinel client for good when a +switch-master reaches it while it is
 * reconnecting (its failover detector cancels the connect in flight, and a cancelled connect ends
 * the client instead of retrying): after a SIGKILLed master every command then fails with
 * "Connection is closed." (seen in the Sentinel test on a loaded machine). A client that ended
 * without being closed by its owner connects again through the Sentinels. Every Sentinel client
 * the cockpit makes goes through this; a client of one fixed server is returned as it is.
 */
export function reconnectAfterSentinelRace(redis: Redis): Redis {
  if (!redis.options.sentinels?.length) return redis;
  let closedByOwner = false;
  const quit = redis.quit.bind(redis) as () => Promise<'OK'>;
  const disconnect = redis.disconnect.bind(redis);
  redis.quit = (() => {
    closedByOwner = true;
    return quit();
  }) as Redis['quit'];
  redis.disconnect = (reconnect = false) => {
    if (!reconnect) closedByOwner = true;
    disconnect(reconnect);
  };
  redis.on('end', () => {
    if (closedByOwner) return;
    setTimeout(() => {
      if (!closedByOwner && redis.status === 'end') redis.connect().catch(() => undefined); // an error event says why
    }, 250).unref();
  });
  return redis;
}

/** The address the client is connected to now (for a Sentinel broker: the master it found), or null. */
export function connectedTo(redis: Redis): string | null {
  const s = redis.stream as { remoteAddress?: string; remotePort?: number } | undefined;
  if (!s?.remoteAddress || redis.status !== 'ready') return null;
  const host = s.remoteAddress.includes(':') ? `[${s.remoteAddress}]` : s.remoteAddress;
  return `${host}:${s.remotePort ?? '?'}`;
}

/**
 * Writes a control flag so that it survives a failover: SET (idempotent: the same value twice is
 * one effect), then WAIT for every connected replica to have it. Redis replicates asynchronously, so a write
 * the master acknowledged just before it was demoted or killed can vanish with it; a SET no
 * replica confirmed is sent again (through the Sentinels, to whichever master is current) until
 * one does or `deadlineMs` passes (default 60 s through Sentinels, 20 s otherwise). A server without replicas (a lone redis://) is taken at its word.
 */
export async function writeFlag(redis: Redis, key: string, value: string, o: { deadlineMs?: number; ttlMs?: number } = {}): Promise<void> {
  // Through Sentinels the write waits out a failover: Sentinel's own default takes 30 s to call a
  // master down, and on a busy machine an election can be retried; a lone server gets 20 s.
  const deadline = Date.now() + (o.deadlineMs ?? (redis.options.sentinels?.length ? 60_000 : 20_000));
  let last = 'no attempt';
  for (;;) {
    try {
      if (o.ttlMs !== undefined) await redis.set(key, value, 'PX', o.ttlMs);
      else await redis.set(key, value);
      const info = String(await redis.info('replication'));
      const replicas = Number(/connected_slaves:(\d+)/.exec(info)?.[1] ?? '0');
      if (replicas === 0 && !redis.options.sentinels?.length) return;
      // Every connected replica, not one: in a failover the Sentinels may promote a replica other
      // than the one that confirmed, and the old master's copy is discarded when it rejoins.
      const want = Math.max(1, replicas);
      const acked = Number(await redis.call('WAIT', String(want), '1000'));
      if (acked >= want) return;
      last = `${acked} of ${want} replicas confirmed the write`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`control flag ${key} not confirmed by a replica: ${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
