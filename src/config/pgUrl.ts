// libpq's multi-host connection strings, as a PostgreSQL primary with standbys is named in
// production: several hosts tried in order, and `target_session_attrs` saying which one will do.
//
//   postgres://user:pw@h1:5432,h2:5433/db?target_session_attrs=read-write
//   postgres://user:pw@/db?host=h1,h2&port=5432,5433&target_session_attrs=read-write
//   host=h1,h2 port=5432,5433 dbname=db user=u password=pw target_session_attrs=read-write
//
// Each host becomes one ordinary single-host URL (node-postgres takes one host); the source tries
// them in order and keeps the first whose role fits (src/sources/postgres/source.ts). Pure.
import { maskUrl } from './maskUrl.js';
import { urlProblem } from './urls.js';

/** libpq's target_session_attrs values this cockpit honours. */
export type TargetSessionAttrs = 'any' | 'read-write' | 'primary' | 'standby' | 'prefer-standby';

const ATTRS: readonly TargetSessionAttrs[] = ['any', 'read-write', 'primary', 'standby', 'prefer-standby'];

export interface PgHosts {
  /** One single-host URL per host, in the order given (target_session_attrs taken out). */
  urls: string[];
  /** host:port of each, for screens and the timeline. */
  labels: string[];
  attrs: TargetSessionAttrs;
}

/** A list of hosts (in the authority or ?host=), or libpq's keyword/value form: not one ordinary URL. */
function isHostList(raw: string): boolean {
  if (keywordValueToUrl(raw) !== null) return true;
  const m = /^\s*postgres(?:ql)?:\/\/([^/?#]*)[^?#]*(\?[^#]*)?/i.exec(raw);
  if (!m) return false;
  const authority = (m[1] ?? '').slice((m[1] ?? '').lastIndexOf('@') + 1);
  return authority.includes(',') || /[?&]host=[^&]*,/.test(m[2] ?? '') || (authority === '' && /[?&]host=[^/&]/.test(m[2] ?? ''));
}

/** libpq keyword/value text (`host=a port=5432 dbname=x`) as a postgres:// URL; null when it is not that form. */
export function keywordValueToUrl(raw: string): string | null {
  const s = raw.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s) || !/^[a-z_]+\s*=/i.test(s)) return null;
  const kv = new Map<string, string>();
  const re = /([a-z_]+)\s*=\s*('(?:[^'\\]|\\.)*'|\S*)/gi;
  let m: RegExpExecArray | null;
  let consumed = '';
  while ((m = re.exec(s)) !== null) {
    const v = m[2] ?? '';
    kv.set((m[1] as string).toLowerCase(), v.startsWith("'") ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v);
    consumed += m[0];
  }
  if (consumed.replace(/\s/g, '') !== s.replace(/\s/g, '')) return null;
  const user = kv.get('user');
  const password = kv.get('password');
  const db = kv.get('dbname') ?? '';
  const q = new URLSearchParams();
  for (const [k, v] of kv) if (!['user', 'password', 'dbname'].includes(k)) q.set(k, v);
  const auth = user ? `${encodeURIComponent(user)}${password ? `:${encodeURIComponent(password)}` : ''}@` : '';
  return `postgres://${auth}/${encodeURIComponent(db)}?${q.toString()}`;
}

function splitHostPort(item: string): { host: string; port: string } {
  const v6 = /^\[([^\]]+)\](?::(\d*))?$/.exec(item);
  if (v6) return { host: `[${v6[1]}]`, port: v6[2] ?? '' };
  const i = item.lastIndexOf(':');
  return i < 0 ? { host: item, port: '' } : { host: item.slice(0, i), port: item.slice(i + 1) };
}

/**
 * The hosts of a PostgreSQL connection string (URL or keyword/value form), or the problem with it
 * (the string masked). A single-host URL is one host and `any`.
 */
export function parsePgHosts(raw: string): PgHosts | { problem: string } {
  if (!isHostList(raw)) {
    const p = urlProblem('postgres', raw);
    if (p) return { problem: p };
    const u = new URL(raw);
    const host = u.hostname || (u.searchParams.get('host') ?? 'localhost');
    return { urls: [raw], labels: [`${host}:${u.port || u.searchParams.get('port') || '5432'}`], attrs: 'any' };
  }
  const text = keywordValueToUrl(raw) ?? raw.trim();
  const shown = JSON.stringify(maskUrl(raw));
  const m = /^(postgres(?:ql)?:\/\/)([^/?#]*@)?([^/?#]*)([^?#]*)(\?[^#]*)?$/i.exec(text);
  if (!m) {
    const p = urlProblem('postgres', text);
    return { problem: p ?? `not a PostgreSQL connection string: ${shown}` };
  }
  const [, scheme, userinfo = '', authority = '', path = '', query = ''] = m;
  const params = new URLSearchParams(query.replace(/^\?/, ''));
  const attrsRaw = params.get('target_session_attrs') ?? 'any';
  if (!(ATTRS as readonly string[]).includes(attrsRaw))
    return { problem: `target_session_attrs must be one of ${ATTRS.join(', ')}, got ${JSON.stringify(attrsRaw)} in ${shown}` };
  const attrs = attrsRaw as TargetSessionAttrs;
  params.delete('target_session_attrs');
  let hosts: { host: string; port: string }[];
  if (authority !== '') {
    if (params.has('host')) return { problem: `${shown} names hosts both before the path and in ?host=` };
    hosts = authority.split(',').map(splitHostPort);
  } else {
    const hs = (params.get('host') ?? '').split(',');
    const ps = (params.get('port') ?? '').split(',');
    if (hs.length === 1 && hs[0] === '') return { problem: `no host in ${shown}` };
    if (ps.length > 1 && ps.length !== hs.length)
      return { problem: `${shown} names ${hs.length} hosts and ${ps.length} ports (one port for all, or one per host)` };
    // A Unix socket directory is not a TCP host: libpq's ?host=/run/postgresql stays as written.
    if (hs.length === 1 && hs[0]?.startsWith('/')) {
      const p = urlProblem('postgres', text);
      return p ? { problem: p } : { urls: [text], labels: [hs[0]], attrs };
    }
    hosts = hs.map((h, i) => ({
      host: h.includes(':') && !h.startsWith('[') ? `[${h}]` : h,
      port: ps.length > 1 ? (ps[i] ?? '') : (ps[0] ?? ''),
    }));
    params.delete('host');
    params.delete('port');
  }
  const rest = params.toString();
  const urls: string[] = [];
  const labels: string[] = [];
  for (const h of hosts) {
    if (h.host === '') return { problem: `an empty host in the list of ${shown}` };
    if (h.port !== '' && !/^\d{1,5}$/.test(h.port)) return { problem: `port ${JSON.stringify(h.port)} of ${shown} is not a number` };
    const one = `${scheme}${userinfo}${h.host}${h.port ? `:${h.port}` : ''}${path}${rest ? `?${rest}` : ''}`;
    const p = urlProblem('postgres', one);
    if (p) return { problem: hosts.length > 1 ? `${p} (host ${h.host} of a list)` : p };
    urls.push(one);
    labels.push(`${h.host}:${h.port || '5432'}`);
  }
  return { urls, labels, attrs };
}

/** A problem with a PostgreSQL connection string (multi-host and keyword/value forms included), or null. */
export function pgUrlProblem(raw: string): string | null {
  // An ordinary one-host URL is checked as before (its password-encoding hints and all).
  if (!isHostList(raw)) return urlProblem('postgres', raw);
  const r = parsePgHosts(raw);
  return 'problem' in r ? r.problem : null;
}
