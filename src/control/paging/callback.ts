// The acknowledgement callback: a small HTTP listener (127.0.0.1 by default, only where configured)
// that paging systems, chat bots or a curl from the responder's laptop (over an SSH tunnel) call
// when a page is acknowledged.
//
//   POST /ack   {"dedup_key": "INC-…:crawl-owner", "by": "dana"}   one page
//   POST /ack   {"incident": "INC-…", "by": "dana"}                 every page of the incident
//   GET  /health                                                    200 "ok"
//
// Every POST must carry `Authorization: Bearer <token>`: anyone on the host can reach a local
// port, so without a token any local user could acknowledge pages. Live paging refuses to start a
// listener without a token; only record-only paging (the simulation) may run one without.
// Junk is refused: 401 (no or wrong token; checked before the body is read, nothing recorded), 400
// (not JSON, wrong fields, bad types), 404 (unknown key or incident), 405, 413 (over 16 KiB), 415
// (not application/json).
//
// A flood of connections cannot take the cockpit's file descriptors (the page sender needs them)
// nor lock out a caller with the token: at most `maxConnections` sockets are open; when full, a
// connection that has not sent a complete request within `graceMs` is closed to make room (a real
// client sends its request at once; a half-open one never does), else the new one is refused; and
// every socket has an idle limit. Every answer closes the connection (no keep-alive to hold).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { sanitize } from '../../core/sanitize.js';

export const MAX_CALLBACK_BYTES = 16 * 1024;
/** Open callback connections at most: far below any file descriptor limit (1024 at the least). */
export const MAX_CALLBACK_CONNECTIONS = 64;
/** A connection that has not sent a complete request after this long may be closed to make room. */
export const CALLBACK_GRACE_MS = 250;
/** A socket with nothing received or sent for this long is closed. */
export const CALLBACK_IDLE_MS = 5_000;
/** A token shorter than this is refused: it would be guessed. */
export const MIN_CALLBACK_TOKEN_LENGTH = 16;

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
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), connection: 'close' });
  res.end(text);
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m?.[1]) return false;
  const a = Buffer.from(m[1]);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class CallbackTokenError extends Error {
  override name = 'CallbackTokenError';
}

export interface AckListenerOptions {
  host: string;
  port: number;
  /** `Authorization: Bearer <token>` required on POST /ack. */
  token?: string | null;
  /** Record-only paging (nothing is sent, the simulation): the one case that may run without a token. */
  recordOnly?: boolean;
  maxConnections?: number;
  graceMs?: number;
  idleMs?: number;
}

interface Conn {
  socket: Socket;
  since: number;
  /** A complete request arrived on it (it is being answered). */
  inRequest: boolean;
}

export class AckListener {
  private server: Server | null = null;
  private readonly conns = new Map<Socket, Conn>();
  /** Connections closed to make room, or refused because the listener was full (tests, the status). */
  readonly stats = { evicted: 0, refused: 0, unauthorised: 0, peak: 0 };

  constructor(
    private readonly handler: AckHandler,
    private readonly opts: AckListenerOptions,
  ) {}

  async start(): Promise<AddressInfo> {
    const token = this.opts.token ?? null;
    if (!token && !this.opts.recordOnly)
      throw new CallbackTokenError(
        'the acknowledgement callback needs a token (paging.callback.token or LSOS_PAGING_CALLBACK_TOKEN): without one anyone on this host could acknowledge pages',
      );
    if (token && token.length < MIN_CALLBACK_TOKEN_LENGTH)
      throw new CallbackTokenError(`the callback token must be at least ${MIN_CALLBACK_TOKEN_LENGTH} characters`);
    const idleMs = this.opts.idleMs ?? CALLBACK_IDLE_MS;
    // Headers must be complete within the idle limit; Node checks every connectionsCheckingInterval.
    const server = createServer({ connectionsCheckingInterval: 1000, headersTimeout: idleMs, requestTimeout: 2 * idleMs }, (req, res) =>
      this.handle(req, res),
    );
    server.on('connection', (socket: Socket) => this.admit(socket, idleMs));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: this.opts.port, host: this.opts.host, backlog: 128 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.unref();
    return server.address() as AddressInfo;
  }

  /** Open callback connections now. */
  connections(): number {
    return this.conns.size;
  }

  /**
   * A new connection: admitted when there is room; when full, the oldest connection that has sent
   * no complete request within the grace time is closed for it, else it is refused.
   */
  private admit(socket: Socket, idleMs: number): void {
    const max = this.opts.maxConnections ?? MAX_CALLBACK_CONNECTIONS;
    if (this.conns.size >= max) {
      const now = Date.now();
      const grace = this.opts.graceMs ?? CALLBACK_GRACE_MS;
      let victim: Conn | null = null;
      for (const c of this.conns.values()) {
        // Map order is admission order: the first stale one is the oldest.
        if (!c.inRequest && now - c.since >= grace) {
          victim = c;
          break;
        }
      }
      if (!victim) {
        this.stats.refused++;
        socket.destroy();
        return;
      }
      this.stats.evicted++;
      this.conns.delete(victim.socket);
      victim.socket.destroy();
    }
    this.conns.set(socket, { socket, since: Date.now(), inRequest: false });
    this.stats.peak = Math.max(this.stats.peak, this.conns.size);
    socket.setTimeout(idleMs, () => socket.destroy());
    socket.once('close', () => this.conns.delete(socket));
    socket.on('error', () => undefined);
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
      for (const c of this.conns.values()) c.socket.destroy();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const conn = this.conns.get(req.socket);
    if (conn) conn.inRequest = true;
    const path = (req.url ?? '').split('?')[0];
    if (path === '/health' && req.method === 'GET') return send(res, 200, { ok: true });
    if (path !== '/ack') return send(res, 404, { error: 'not found (POST /ack)' });
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return send(res, 405, { error: 'method not allowed (POST /ack)' });
    }
    if (this.opts.token && !tokenMatches(req.headers.authorization, this.opts.token)) {
      // Before the body is read: nothing of it is parsed, nothing recorded.
      this.stats.unauthorised++;
      res.setHeader('www-authenticate', 'Bearer');
      return send(res, 401, { error: 'missing or wrong bearer token' });
    }
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
