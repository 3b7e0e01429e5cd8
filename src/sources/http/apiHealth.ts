// API health (contract section 8): `GET {api}/health` is healthy only when it answers 200 with
// JSON {"status":"ok"} within 2 s. Anything else is unhealthy, with the reason. An unhealthy API
// is data, not a failed read: read() resolves either way, so the escalation sees `healthy: false`.
import { maskUrl, redactSecrets } from '../../config/maskUrl.js';
import { sanitize } from '../../core/sanitize.js';
import type { Clock, Source, SnapshotPatch, SnapshotSlice } from '../../core/source.js';
import { systemClock } from '../../core/source.js';
import type { ApiHealth } from '../../core/snapshot.js';

export const API_TIMEOUT_MS = 2000;
/** A health answer is a few bytes; more than this is not one. */
const MAX_BODY_BYTES = 64 * 1024;

/** `{api}/health`, whether or not the base URL ends with a slash. */
export function healthUrl(base: string): string {
  const u = new URL(base);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/health`;
  return u.toString();
}

/** fetch() refuses URLs with credentials: they travel as a Basic Authorization header instead. */
function requestOf(url: string): { url: string; headers: Record<string, string> } {
  const u = new URL(url);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (u.username || u.password) {
    const user = decodeURIComponent(u.username);
    const pass = decodeURIComponent(u.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    u.username = '';
    u.password = '';
  }
  return { url: u.toString(), headers };
}

export interface ApiHealthOptions {
  timeoutMs?: number;
  clock?: Clock;
}

/** One health check. Never rejects: every failure is an unhealthy answer with its reason. */
export async function checkApiHealth(baseUrl: string, opts: ApiHealthOptions & { signal?: AbortSignal } = {}): Promise<ApiHealth> {
  const clock = opts.clock ?? systemClock;
  const timeoutMs = opts.timeoutMs ?? API_TIMEOUT_MS;
  const url = healthUrl(baseUrl);
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const started = performance.now();
  const at = clock.now();
  const done = (healthy: boolean, detail: string, latency: number | null = performance.now() - started): ApiHealth => ({
    healthy,
    latencyMs: latency === null ? null : Math.round(latency * 10) / 10,
    detail: sanitize(redactSecrets(detail, [baseUrl, url]), 200),
    checkedAt: at,
  });
  let res: Response;
  try {
    // A redirect is not a 200 from the health endpoint: do not follow it.
    const req = requestOf(url);
    res = await fetch(req.url, { signal, redirect: 'manual', headers: req.headers });
  } catch (err) {
    return done(false, fetchFailure(err, timeout.aborted, timeoutMs), null);
  }
  let body: string;
  try {
    body = await readLimited(res, MAX_BODY_BYTES);
  } catch (err) {
    if (timeout.aborted) return done(false, `HTTP ${res.status}, but the body did not arrive within ${timeoutMs} ms`, null);
    return done(false, `HTTP ${res.status}, body unreadable: ${(err as Error).message}`);
  }
  if (res.status !== 200) return done(false, `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return done(false, `HTTP 200 but the body is not JSON: ${JSON.stringify(body.slice(0, 40))}`);
  }
  const status = json !== null && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>).status : undefined;
  if (status !== 'ok') return done(false, `HTTP 200 but status is ${status === undefined ? 'missing' : JSON.stringify(status)}, not "ok"`);
  return done(true, 'ok');
}

async function readLimited(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw new Error(`body larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
}

/** The reason a request got no answer, in operator words. */
function fetchFailure(err: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `no answer within ${timeoutMs} ms`;
  const e = err as Error & { cause?: { code?: string; message?: string; errors?: { code?: string }[] } };
  if (e?.name === 'AbortError') return 'aborted';
  const cause = e?.cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found (DNS)';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'UND_ERR_SOCKET':
      return 'connection closed before the answer';
    default:
      if (code && /CERT|SSL|TLS/.test(code)) return `TLS error: ${code}`;
      return code ? `request failed: ${code}` : `request failed: ${cause?.message ?? e?.message ?? String(err)}`;
  }
}

/** The API source: one health check per read. */
export class ApiHealthSource implements Source {
  readonly name = 'api';
  readonly owns: readonly SnapshotSlice[] = ['api'];
  constructor(
    private readonly baseUrl: string,
    private readonly opts: ApiHealthOptions = {},
  ) {
    healthUrl(baseUrl); // refuse a bad URL now, not on the first poll
  }

  describe(): string {
    return `api ${maskUrl(healthUrl(this.baseUrl))}`;
  }

  async read(signal: AbortSignal): Promise<SnapshotPatch> {
    const api = await checkApiHealth(this.baseUrl, { ...this.opts, signal });
    signal.throwIfAborted();
    return { api };
  }

  async close(): Promise<void> {}
}
