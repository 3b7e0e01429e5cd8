// One small pool per PostgreSQL server. Every session the cockpit opens is read-only and has a
// statement timeout, set in the startup packet (libpq `options`), so no query of ours can write,
// and none can hang on a lock for longer than the timeout.
import pg from 'pg';
import { maskUrl, redactSecrets } from '../../config/maskUrl.js';
import { authOrTlsProblem } from '../connect/errors.js';
import { hostList, hostListClient } from './hosts.js';

export const APPLICATION_NAME = 'lsos-cockpit';

export interface ReadOnlyPoolOptions {
  statementTimeoutMs: number;
  /** Giving up on a connection attempt; default max(2 s, the statement timeout). */
  connectTimeoutMs?: number;
  /** Connections per server; the cockpit needs at most two. */
  max?: number;
}

/**
 * The connection URL with the cockpit's session settings forced in: `application_name` and the
 * `options` GUCs. The connection string wins over node-postgres's explicit config, so they are
 * written into the URL itself (after any options the operator gave).
 */
export function sessionUrl(url: string, statementTimeoutMs: number): string {
  const u = new URL(url);
  const own = `-c default_transaction_read_only=on -c statement_timeout=${Math.round(statementTimeoutMs)}`;
  const given = u.searchParams.get('options');
  u.searchParams.set('options', given ? `${given} ${own}` : own);
  u.searchParams.set('application_name', APPLICATION_NAME);
  return u.toString();
}

/** `host:port` of a server (`h1:p1,h2:p2` for a host list), for labels and messages (never the credentials). */
export function serverLabel(url: string): string {
  const hosts = hostList(url);
  if (hosts) return hosts.labels.join(',');
  try {
    const u = new URL(url);
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    return `${host}:${u.port || u.searchParams.get('port') || '5432'}`;
  } catch {
    return maskUrl(url);
  }
}

export function createReadOnlyPool(url: string, opts: ReadOnlyPoolOptions): pg.Pool {
  // libpq's host list: each connection to the host that answered last (src/sources/postgres/hosts.ts).
  const hosts = hostList(url);
  const pool = new pg.Pool({
    ...(hosts
      ? { Client: hostListClient(hosts, (one) => sessionUrl(one, opts.statementTimeoutMs)) }
      : { connectionString: sessionUrl(url, opts.statementTimeoutMs) }),
    max: opts.max ?? 2,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? Math.max(2000, opts.statementTimeoutMs),
    // Client-side guard for a server that stopped answering (statement_timeout cannot fire then).
    query_timeout: opts.statementTimeoutMs + 1000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    allowExitOnIdle: true,
  });
  // An idle connection dropped by the server (restart, failover) must not crash the cockpit; the
  // pool discards it and the next read reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Checks a client out of the pool with an 'error' listener held for as long as it is out: pg-pool
 * drops its own listener at checkout, and a connection cut between two queries would otherwise
 * emit an unhandled 'error' that ends the process. The query in flight still rejects.
 */
export async function checkOut(pool: pg.Pool): Promise<pg.PoolClient> {
  const client = await pool.connect();
  const swallow = (): void => undefined;
  client.on('error', swallow);
  const release = client.release.bind(client);
  client.release = (err?: Error | boolean) => {
    client.removeListener('error', swallow);
    release(err);
  };
  return client;
}

/** A driver error as one line, with any URL or password masked. Node's AggregateError (IPv4 and IPv6 both refused) has an empty message. */
export function describePgError(err: unknown, url: string): string {
  let text: string;
  if (err instanceof AggregateError && err.errors.length > 0) {
    text = [...new Set(err.errors.map((e) => describeOne(e)))].join('; ');
  } else text = describeOne(err);
  return redactSecrets(text, [url]);
}

function describeOne(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & { code?: string };
  // A CA or key file named by sslrootcert/sslcert/sslkey that cannot be read (pg-connection-string reads them).
  const file = (e as { path?: unknown }).path;
  if (e.code === 'ENOENT' || e.code === 'EACCES')
    return `cannot read ${typeof file === 'string' ? file : 'a file'} (${e.code}) named by sslrootcert, sslcert or sslkey`;
  // Wrong password, untrusted certificate, host name mismatch: said in those words, one line.
  const known = authOrTlsProblem(e);
  if (known) return known;
  if (e.message) return e.message.split('\n')[0] as string;
  return e.code ?? e.name;
}

/** A server-side SQL error: the session is still usable afterwards. Anything else (I/O, timeout) is not. */
export function isSqlError(err: unknown): boolean {
  return err instanceof pg.DatabaseError && !/^(57P0[1-3]|08)/.test(err.code ?? '');
}
