// URL checks for the configured sources. A problem message quotes the URL masked, never raw.
import { maskUrl } from './maskUrl.js';

export type UrlKind = 'redis' | 'amqp' | 'postgres' | 'http';

const SCHEMES: Record<UrlKind, readonly string[]> = {
  redis: ['redis:', 'rediss:'],
  amqp: ['amqp:', 'amqps:'],
  postgres: ['postgres:', 'postgresql:'],
  http: ['http:', 'https:'],
};

function expected(kind: UrlKind): string {
  return SCHEMES[kind].map((s) => `${s}//`).join(' or ');
}

/** A problem with `raw` as a URL of this kind, or null when it is fine. */
export function urlProblem(kind: UrlKind, raw: string): string | null {
  const shown = JSON.stringify(maskUrl(raw));
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return `not a valid URL: ${shown} (expected ${expected(kind)}...)`;
  }
  if (!SCHEMES[kind].includes(u.protocol)) return `expected a ${expected(kind)} URL, got ${shown}`;
  // libpq allows the host in the query (`postgres:///db?host=/run/postgresql`, a Unix socket).
  if (!u.hostname && !(kind === 'postgres' && u.searchParams.get('host'))) return `no host in ${shown}`;
  if (kind === 'redis') {
    const path = u.pathname.replace(/^\//, '');
    if (path !== '' && !/^\d+$/.test(path)) return `the path of a Redis URL is the database number, got ${shown}`;
  }
  return null;
}

/** The Redis database number in the URL path, null when the URL has none. */
export function redisDbOfUrl(raw: string): number | null {
  try {
    const path = new URL(raw).pathname.replace(/^\//, '');
    return /^\d+$/.test(path) ? Number(path) : null;
  } catch {
    return null;
  }
}

export const REPLICA_NAME = /^[A-Za-z0-9_.:-]{1,63}$/;

/**
 * One replica from an environment variable or a flag: `NAME=URL`, or a bare URL (then named by
 * its host[:port]). The name must match the standby's application_name for the primary-side view.
 */
export function parseReplicaItem(item: string): { name: string; url: string } | { problem: string } {
  const s = item.trim();
  const named = /^([A-Za-z0-9_.:-]{1,63})=([a-z][a-z0-9+.-]*:\/\/.*)$/i.exec(s);
  const url = named ? (named[2] as string) : s;
  const problem = urlProblem('postgres', url);
  if (problem) return { problem };
  if (named) return { name: named[1] as string, url };
  const u = new URL(url);
  const name = u.port ? `${u.hostname}:${u.port}` : u.hostname || (u.searchParams.get('host') ?? 'replica');
  return { name, url };
}
