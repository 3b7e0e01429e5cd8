// The acknowledgement callback: a small HTTP listener (127.0.0.1 by default) that paging
// systems, chat bots or a curl from the responder's laptop (over an SSH tunnel) call when a page
// is acknowledged.
//
//   POST /ack   {"dedup_key": "INC-…:crawl-owner", "by": "dana"}   one page
//   POST /ack   {"incident": "INC-…", "by": "dana"}                 every page of the incident
//   GET  /health                                                    200 "ok"
//
// Junk is refused: 400 (not JSON, wrong fields, bad types), 404 (unknown key or incident),
// 405, 413 (over 16 KiB), 415 (not application/json), 401 (token configured, not given).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { sanitize } from '../../core/sanitize.js';

export const MAX_CALLBACK_BYTES = 16 * 1024;

export type AckRequest = { dedupKey: string; by: string } | { incident: string; by: string };

/** What the controller answers: the targets acknowledged, or why not (404). */
export type AckHandler = (req: AckRequest) => { ok: true; acknowledged: string[] } | { ok: false; status: number; error: string };

/** Validates a callback body. Returns the request or what is wrong with it. */
export function parseAckBody(raw: string): { ok: true; req: AckRequest } | { ok: false; error: string } {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return { ok: false, error: 'body is not JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: 'body must be a JSON object' };
  const o = v as Record<string, unknown>;
  const allowed = new Set(['dedup_key', 'incident', 'by']);
  const unknown = Object.keys(o).filter((k) => !allowed.has(k));
  if (unknown.length > 0)
    return {
      ok: false,
      error: `unknown field(s): ${unknown
        .slice(0, 5)
        .map((k) => sanitize(k, 30))
        .join(', ')}`,
    };
  if (typeof o.by !== 'string' || sanitize(o.by, 100).trim() === '')
    return { ok: false, error: '"by" (who acknowledged) must be a non-empty string' };
  const by = sanitize(o.by, 100).trim();
  const hasKey = o.dedup_key !== undefined;
  const hasIncident = o.incident !== undefined;
  if (hasKey === hasIncident) return { ok: false, error: 'give exactly one of "dedup_key" or "incident"' };
  if (hasKey) {
    if (typeof o.dedup_key !== 'string' || !/^[A-Za-z0-9._:-]{1,200}$/.test(o.dedup_key))
      return { ok: false, error: '"dedup_key" must be a dedup key string' };
    return { ok: true, req: { dedupKey: o.dedup_key, by } };
  }
  if (typeof o.incident !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(o.incident))
    return { ok: false, error: '"incident" must be an incident id' };
  return { ok: true, req: { incident: o.incident, by } };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m?.[1]) return false;
  const a = Buffer.from(m[1]);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class AckListener {
  private server: Server | null = null;

  constructor(
    private readonly handler: AckHandler,
    private readonly opts: { host: string; port: number; token?: string | null },
  ) {}

  async start(): Promise<AddressInfo> {
    const server = createServer((req, res) => this.handle(req, res));
    server.headersTimeout = 10_000;
    server.requestTimeout = 15_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.unref();
    return server.address() as AddressInfo;
  }

  address(): AddressInfo | null {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a : null;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/health' && req.method === 'GET') return send(res, 200, { ok: true });
    if (path !== '/ack') return send(res, 404, { error: 'not found (POST /ack)' });
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return send(res, 405, { error: 'method not allowed (POST /ack)' });
    }
    if (this.opts.token && !tokenMatches(req.headers.authorization, this.opts.token))
      return send(res, 401, { error: 'missing or wrong bearer token' });
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim()
      .toLowerCase();
    if (type !== 'application/json') return send(res, 415, { error: 'content-type must be application/json' });
    let size = 0;
    const chunks: Buffer[] = [];
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_CALLBACK_BYTES) {
        if (!tooLarge) {
          tooLarge = true;
          send(res, 413, { error: `body over ${MAX_CALLBACK_BYTES} bytes` });
          req.destroy();
        }
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (tooLarge) return;
      const parsed = parseAckBody(Buffer.concat(chunks).toString('utf8'));
      if (!parsed.ok) return send(res, 400, { error: parsed.error });
      let result: ReturnType<AckHandler>;
      try {
        result = this.handler(parsed.req);
      } catch (err) {
        return send(res, 500, { error: sanitize((err as Error).message, 200) });
      }
      if (!result.ok) return send(res, result.status, { error: result.error });
      return send(res, 200, { acknowledged: result.acknowledged });
    });
    req.on('error', () => undefined);
  }
}
