// Celery's broker URL syntax, accepted as LSOS writes it in CELERY_BROKER_URL / broker_url:
//
//   redis://[user:password@]host[:port][/db]
//   rediss://[user:password@]host[:port][/db]?ssl_cert_reqs=required[&ssl_ca_certs=FILE]
//            [&ssl_certfile=FILE&ssl_keyfile=FILE]                    (redis-py's names)
//   sentinel://[:password@]h1:26379[/db];sentinel://h2:26379;...       (kombu's Sentinel transport;
//            the master name is broker_transport_options' master_name, or ?master_name= here)
//   amqp://user:password@h1:5672/vhost;amqp://user:password@h2:5672/vhost  (failover, in order)
//   amqps://...?ssl_ca_certs=FILE[&ssl_certfile=FILE&ssl_keyfile=FILE][&ssl_cert_reqs=...]
//
// Pure: parsing and checking only. The clients are made in src/sources/connect/.
import { maskUrl } from './maskUrl.js';
import { urlProblem } from './urls.js';

/** How a server certificate is checked (Python's ssl.CERT_* as redis-py and kombu spell them). */
export type CertReqs = 'required' | 'optional' | 'none';

export interface TlsSettings {
  certReqs: CertReqs;
  /** CA bundle file (PEM); absent: the system's CAs and NODE_EXTRA_CA_CERTS. */
  caFile?: string;
  /** Client certificate and key (PEM), when the server asks for one. */
  certFile?: string;
  keyFile?: string;
}

export interface HostPort {
  host: string;
  port: number;
}

export type RedisBroker =
  | {
      kind: 'redis';
      host: string;
      port: number;
      db: number;
      username?: string;
      password?: string;
      tls: TlsSettings | null;
    }
  | {
      kind: 'sentinel';
      sentinels: HostPort[];
      /** Sentinel's name of the monitored master (broker_transport_options' master_name). */
      masterName: string | null;
      db: number;
      /** The Redis servers' own credentials (kombu passes the URL's to the master). */
      username?: string;
      password?: string;
      /** Sentinels' password (broker_transport_options' sentinel_kwargs.password, or ?sentinel_password=). */
      sentinelPassword?: string;
      tls: TlsSettings | null;
    };

/** The query parameters this module understands; any other parameter is refused, never ignored. */
const TLS_PARAMS = ['ssl_cert_reqs', 'ssl_ca_certs', 'ssl_certfile', 'ssl_keyfile'] as const;
const SENTINEL_PARAMS = ['master_name', 'sentinel_password'] as const;
/** amqplib's own URL parameters, passed through. */
const AMQP_PARAMS = ['heartbeat', 'frameMax', 'channelMax', 'locale'] as const;

const CERT_REQS: Record<string, CertReqs> = {
  required: 'required',
  cert_required: 'required',
  optional: 'optional',
  cert_optional: 'optional',
  none: 'none',
  cert_none: 'none',
};

/** The `;`-separated parts of a broker URL (Celery's failover list), blanks dropped. */
export function brokerUrlParts(raw: string): string[] {
  return raw
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function isSentinelUrl(raw: string): boolean {
  return /^\s*sentinel:\/\//i.test(raw);
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function tlsOf(u: URL, shown: string, wanted: boolean): TlsSettings | { problem: string } | null {
  const p = u.searchParams;
  const reqsRaw = p.get('ssl_cert_reqs');
  let certReqs: CertReqs = 'required';
  if (reqsRaw !== null) {
    const r = CERT_REQS[reqsRaw.toLowerCase()];
    if (!r)
      return {
        problem: `ssl_cert_reqs in ${shown} must be required, optional or none (or CERT_REQUIRED, CERT_OPTIONAL, CERT_NONE), got ${JSON.stringify(reqsRaw)}`,
      };
    certReqs = r;
  }
  const tls: TlsSettings = { certReqs };
  const ca = p.get('ssl_ca_certs');
  const cert = p.get('ssl_certfile');
  const key = p.get('ssl_keyfile');
  if (ca) tls.caFile = ca;
  if (cert) tls.certFile = cert;
  if (key) tls.keyFile = key;
  if (!wanted) {
    const given = TLS_PARAMS.filter((k) => p.has(k));
    if (given.length > 0) return { problem: `${given.join(', ')} in ${shown} need a TLS scheme (rediss://, amqps://)` };
    return null;
  }
  if ((cert === null) !== (key === null))
    return { problem: `a client certificate needs both ssl_certfile and ssl_keyfile, ${shown} names one` };
  return tls;
}

function unknownParams(u: URL, allowed: readonly string[], shown: string): string | null {
  const bad = [...u.searchParams.keys()].filter((k) => !allowed.includes(k));
  return bad.length > 0
    ? `unknown parameter ${bad.map((b) => JSON.stringify(b)).join(', ')} in ${shown} (understood: ${allowed.join(', ')})`
    : null;
}

function dbOf(u: URL, shown: string): number | { problem: string } {
  const path = u.pathname.replace(/^\//, '');
  if (path === '') return 0;
  if (!/^\d+$/.test(path)) return { problem: `the path of a Redis URL is the database number, got ${shown}` };
  return Number(path);
}

/**
 * A Celery Redis broker URL (`redis://`, `rediss://` or a `sentinel://` list) taken apart, or the
 * problem with it (the URL masked). `masterName` fills in a Sentinel master name given elsewhere.
 */
export function parseRedisBroker(
  raw: string,
  extra: { masterName?: string; sentinelPassword?: string } = {},
): RedisBroker | { problem: string } {
  const parts = brokerUrlParts(raw);
  if (parts.length === 0) return { problem: 'empty Redis URL' };
  if (!isSentinelUrl(parts[0] as string)) {
    if (parts.length > 1)
      return {
        problem: `a list of Redis URLs (separated by ";") is a Sentinel list only: write sentinel://h1:26379;sentinel://h2:26379, got ${JSON.stringify(maskUrl(raw))}`,
      };
    const one = parts[0] as string;
    const p = urlProblem('redis', one);
    if (p) return { problem: p };
    const u = new URL(one);
    const shown = JSON.stringify(maskUrl(one));
    const bad = unknownParams(u, TLS_PARAMS, shown);
    if (bad) return { problem: bad };
    const tls = tlsOf(u, shown, u.protocol === 'rediss:');
    if (tls && 'problem' in tls) return tls;
    const db = dbOf(u, shown);
    if (typeof db !== 'number') return db;
    return {
      kind: 'redis',
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port ? Number(u.port) : 6379,
      db,
      ...(u.username ? { username: decode(u.username) } : {}),
      ...(u.password ? { password: decode(u.password) } : {}),
      tls,
    };
  }
  const sentinels: HostPort[] = [];
  let masterName: string | null = extra.masterName ?? null;
  let sentinelPassword = extra.sentinelPassword;
  let username: string | undefined;
  let password: string | undefined;
  let db: number | null = null;
  let tls: TlsSettings | null = null;
  for (const part of parts) {
    const shown = JSON.stringify(maskUrl(part));
    if (!isSentinelUrl(part)) return { problem: `every item of a Sentinel list must be a sentinel:// URL, got ${shown}` };
    // URL only parses special schemes' hosts fully; read it as redis:// to get the same parts.
    const asRedis = part.replace(/^\s*sentinel:/i, 'redis:');
    const p = urlProblem('redis', asRedis);
    if (p)
      return {
        problem: p
          .split(JSON.stringify(maskUrl(asRedis)))
          .join(shown)
          .replace('redis://', 'sentinel://'),
      };
    const u = new URL(asRedis);
    const bad = unknownParams(u, [...TLS_PARAMS, ...SENTINEL_PARAMS], shown);
    if (bad) return { problem: bad };
    const t = tlsOf(u, shown, u.searchParams.has('ssl_cert_reqs') || u.searchParams.has('ssl_ca_certs'));
    if (t && 'problem' in t) return t;
    if (t) tls = t;
    const d = dbOf(u, shown);
    if (typeof d !== 'number') return d;
    if (db !== null && u.pathname.replace(/^\//, '') !== '' && d !== db)
      return { problem: `the Sentinel list names two databases (${db} and ${d})` };
    if (db === null || u.pathname.replace(/^\//, '') !== '') db = d;
    if (u.username) username = decode(u.username);
    if (u.password) password = decode(u.password);
    const m = u.searchParams.get('master_name');
    if (m) masterName ??= m;
    const sp = u.searchParams.get('sentinel_password');
    if (sp) sentinelPassword ??= sp;
    sentinels.push({ host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : 26379 });
  }
  if (!masterName)
    return {
      problem: `a Sentinel broker needs its master name (Celery's broker_transport_options master_name): set CELERY_BROKER_TRANSPORT_OPTIONS, REDIS_MASTER_NAME, --redis-master-name or ?master_name= in ${JSON.stringify(maskUrl(raw))}`,
    };
  return {
    kind: 'sentinel',
    sentinels,
    masterName,
    db: db ?? 0,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(sentinelPassword ? { sentinelPassword } : {}),
    tls,
  };
}

export interface AmqpNode {
  /** The URL amqplib is given: the item with this module's TLS parameters taken out. */
  url: string;
  /** Shown and recorded: host:port/vhost, no credentials. */
  label: string;
  tls: TlsSettings | null;
}

/** A Celery AMQP broker URL, one node or a `;`-separated failover list, or the problem with it. */
export function parseAmqpBroker(raw: string): AmqpNode[] | { problem: string } {
  const parts = brokerUrlParts(raw);
  if (parts.length === 0) return { problem: 'empty AMQP URL' };
  const out: AmqpNode[] = [];
  for (const part0 of parts) {
    // kombu's pyamqp:// is amqp:// to everyone else.
    const part = part0.replace(/^pyamqp:/i, 'amqp:');
    const p = urlProblem('amqp', part);
    if (p) return { problem: parts.length > 1 ? `${p} (in a ";" list)` : p };
    const u = new URL(part);
    const shown = JSON.stringify(maskUrl(part));
    const bad = unknownParams(u, [...TLS_PARAMS, ...AMQP_PARAMS], shown);
    if (bad) return { problem: bad };
    const tls = tlsOf(u, shown, u.protocol === 'amqps:');
    if (tls && 'problem' in tls) return tls;
    for (const k of TLS_PARAMS) u.searchParams.delete(k);
    const port = u.port || (u.protocol === 'amqps:' ? '5671' : '5672');
    const vhost = decode(u.pathname.replace(/^\//, '')) || '/';
    out.push({
      url: u.toString(),
      // amqps:// keeps a path (`/` for the default vhost), so the label never ends in `:port` (a `: `
      // after it would read as a password to the masking of URLs in error text).
      label: `${u.protocol === 'amqps:' ? 'amqps://' : ''}${u.hostname}:${port}${vhost === '/' ? (u.protocol === 'amqps:' ? '/' : '') : `/${vhost}`}`,
      tls,
    });
  }
  return out;
}

/** Celery's broker_transport_options as JSON (CELERY_BROKER_TRANSPORT_OPTIONS), the parts the cockpit uses. */
export function parseTransportOptions(raw: string): { masterName?: string; sentinelPassword?: string } | { problem: string } {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return { problem: 'not JSON (expected e.g. {"master_name": "lsos"})' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { problem: 'expected a JSON object such as {"master_name": "lsos"}' };
  const o = v as Record<string, unknown>;
  const out: { masterName?: string; sentinelPassword?: string } = {};
  if (o.master_name !== undefined) {
    if (typeof o.master_name !== 'string' || o.master_name === '') return { problem: 'master_name must be a non-empty string' };
    out.masterName = o.master_name;
  }
  const sk = o.sentinel_kwargs;
  if (sk !== undefined) {
    if (typeof sk !== 'object' || sk === null) return { problem: 'sentinel_kwargs must be an object' };
    const pw = (sk as Record<string, unknown>).password;
    if (pw !== undefined) {
      if (typeof pw !== 'string') return { problem: 'sentinel_kwargs.password must be a string' };
      out.sentinelPassword = pw;
    }
  }
  return out;
}

/** The broker a Celery URL names: its scheme decides (redis, rediss, sentinel -> Redis; amqp, amqps, pyamqp -> RabbitMQ). */
export function brokerKindOf(raw: string): 'redis' | 'amqp' | null {
  const first = brokerUrlParts(raw)[0] ?? '';
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(first);
  const scheme = m?.[1]?.toLowerCase();
  if (scheme === 'redis' || scheme === 'rediss' || scheme === 'sentinel') return 'redis';
  if (scheme === 'amqp' || scheme === 'amqps' || scheme === 'pyamqp') return 'amqp';
  return null;
}

/** The Redis URL with a Sentinel master name written into its first item (`?master_name=`), so one string carries it. */
export function withMasterName(raw: string, masterName: string): string {
  const parts = brokerUrlParts(raw);
  const first = parts[0];
  if (!first || !isSentinelUrl(first) || /[?&]master_name=/.test(raw)) return raw;
  parts[0] = `${first}${first.includes('?') ? '&' : '?'}master_name=${encodeURIComponent(masterName)}`;
  return parts.join(';');
}

/** Where a Redis broker is, for a screen: host:port/db, or `sentinel NAME via h1:p,h2:p`. Never a password. */
export function describeRedisBroker(b: RedisBroker): string {
  if (b.kind === 'redis') return `${b.tls ? 'rediss://' : ''}${b.host}:${b.port}/${b.db}`;
  return `sentinel ${b.masterName ?? '?'} via ${b.sentinels.map((s) => `${s.host}:${s.port}`).join(',')} db ${b.db}`;
}
