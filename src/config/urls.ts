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

const ENCODE_HINT = 'a "#", "/", "?" or "%" in a user name or password must be percent-encoded (%23, %2F, %3F, %25)';

/** The user and password text of `raw` as written (between the scheme and the last `@`), or null. */
function rawUserinfo(raw: string): string | null {
  const scheme = raw.indexOf('://');
  const at = raw.lastIndexOf('@');
  return scheme >= 0 && at > scheme ? raw.slice(scheme + 3, at) : null;
}

/** A problem with `raw` as a URL of this kind, or null when it is fine. */
export function urlProblem(kind: UrlKind, raw: string): string | null {
  const shown = JSON.stringify(maskUrl(raw));
  const userinfo = rawUserinfo(raw);
  const unencoded = userinfo !== null && /[#/?]|%(?![0-9A-Fa-f]{2})/.test(userinfo);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return `not a valid URL: ${shown} (expected ${expected(kind)}...)${unencoded ? `; ${ENCODE_HINT}` : ''}`;
  }
  if (!SCHEMES[kind].includes(u.protocol)) return `expected a ${expected(kind)} URL, got ${shown}`;
  // Parsed, but not as meant: `cockpit:123#S3cret@db` is host "cockpit", port 123 and a fragment.
  // A connection URL has no fragment, and an `@` after the host means a password was cut short.
  if (u.hash !== '' || (u.username === '' && u.password === '' && /@/.test(u.pathname + u.search)))
    return `${shown} does not parse as meant (${u.hash !== '' ? 'a "#" starts a fragment' : 'an "@" after the host'}); ${ENCODE_HINT}`;
  if (/%(?![0-9A-Fa-f]{2})/.test(`${u.username}:${u.password}`))
    return `the user name or password in ${shown} holds a "%" that is not percent-encoding; ${ENCODE_HINT}`;
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
