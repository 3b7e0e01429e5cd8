// The shared incident's Redis: LSOS always has one (the broker's, or the control-flags Redis of an
// LSOS on RabbitMQ). The cockpit's keys live in the db its URL names (the control flags' db 0, or
// the broker's db), under one prefix, so any number of cockpits of one LSOS environment, all
// configured alike, meet there.
import { Redis } from 'ioredis';
import { maskUrl } from '../../config/maskUrl.js';

export const PREFIX = 'lsos:cockpit:shared:';

/** Every key the shared incident uses (one LSOS environment: one Redis). */
export const KEYS = {
  /** The open incident of the environment: `{"id":…,"by":…,"at":…}`, set with SET NX. */
  open: `${PREFIX}open`,
  /** Control events (opened, resolved, merged) every cockpit follows. */
  control: `${PREFIX}control`,
  /** One stream per incident: every cockpit's entries. */
  stream: (incidentId: string) => `${PREFIX}stream:${incidentId}`,
  /** Who has the incident open now: one field per cockpit instance. */
  presence: (incidentId: string) => `${PREFIX}presence:${incidentId}`,
  /** Incident ids handed out (unique across cockpits): one key per id. */
  id: (incidentId: string) => `${PREFIX}id:${incidentId}`,
  /** The counter behind the ids of one minute. */
  idCounter: (base: string) => `${PREFIX}idseq:${base}`,
  /** Leases: the observer (records what the sources show) and the paging sender. */
  lease: (name: 'observer' | 'paging') => `${PREFIX}lease:${name}`,
} as const;

/** The URL of the shared Redis: as configured (checked here: a URL that does not parse is refused). */
export function sharedRedisUrl(url: string): string {
  return new URL(url).toString();
}

export function describeRedis(url: string): string {
  return maskUrl(url);
}

/**
 * A connection that fails fast while Redis is away (no offline queue, one try per command) and
 * reconnects on its own with a capped backoff: the cockpit never waits on the shared Redis.
 * RESP2, so replies have the shapes parsed here.
 */
export function sharedClient(url: string, name: string, opts: { blocking?: boolean } = {}): Redis {
  const r = new Redis(sharedRedisUrl(url), {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: opts.blocking ? 0 : 1,
    connectTimeout: 1500,
    protocol: 2,
    connectionName: name,
    retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
  });
  r.on('error', () => undefined); // surfaced through the commands that fail and the session's state
  return r;
}

/** Compare-and-delete: removes `key` only while it holds `value` (a lease's owner, the open incident). */
export const DEL_IF = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
/** Compare-and-extend: keeps `key` for ARGV[2] more ms only while it holds ARGV[1]. */
export const PEXPIRE_IF = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;

/** Stream entries from an XRANGE / XREAD reply (RESP2): `[[id, [field, value, …]], …]`. */
export function streamItems(reply: unknown): Array<{ id: string; fields: Record<string, string> }> {
  if (!Array.isArray(reply)) return [];
  const out: Array<{ id: string; fields: Record<string, string> }> = [];
  for (const item of reply) {
    if (!Array.isArray(item) || typeof item[0] !== 'string' || !Array.isArray(item[1])) continue;
    const flat = item[1] as unknown[];
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const k = flat[i];
      const v = flat[i + 1];
      if (typeof k === 'string' && typeof v === 'string') fields[k] = v;
    }
    out.push({ id: item[0], fields });
  }
  return out;
}

/** An XREAD reply (RESP2) by stream key. */
export function xreadReply(reply: unknown): Map<string, Array<{ id: string; fields: Record<string, string> }>> {
  const out = new Map<string, Array<{ id: string; fields: Record<string, string> }>>();
  if (!Array.isArray(reply)) return out;
  for (const s of reply) {
    if (!Array.isArray(s) || typeof s[0] !== 'string') continue;
    out.set(s[0], streamItems(s[1]));
  }
  return out;
}
