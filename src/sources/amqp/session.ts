// One AMQP connection and the channels the RabbitMQ source uses on it. A passive check of a
// missing queue makes RabbitMQ close that channel (404): the slot just reopens a channel on the
// next use, and the connection stays up. Anything that kills the connection marks the session
// dead; the source opens a new one on its next read (the scheduler paces the retries).
import type { Channel, ChannelModel } from 'amqplib';
import { connectAmqp } from '../connect/amqp.js';
import { maskUrl, redactSecrets } from '../../config/maskUrl.js';

export class RabbitMqUnreachableError extends Error {
  override readonly name = 'RabbitMqUnreachableError';
}

export interface SessionOptions {
  url: string;
  connectTimeoutMs: number;
  heartbeatSeconds: number;
  /** Name shown in RabbitMQ's connection list. */
  connectionName: string;
}

/** amqplib takes the heartbeat from the URL only; one given there wins. */
export function withHeartbeat(url: string, seconds: number): string {
  try {
    const u = new URL(url);
    if (u.searchParams.has('heartbeat')) return url;
    u.searchParams.set('heartbeat', String(Math.max(0, Math.round(seconds))));
    return u.toString();
  } catch {
    return url; // amqplib reports the bad URL itself
  }
}

export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/** The AMQP reply code of a channel error (404 NOT_FOUND, 406 PRECONDITION_FAILED), if any. */
export function replyCode(err: unknown): number | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : null;
}

/** A lazily (re)opened channel. Channel errors close only the channel; the slot reopens it. */
export class ChannelSlot {
  private channel: Channel | null = null;
  private opening: Promise<Channel> | null = null;
  /** Channels opened over the slot's life (each reopen after a 404 adds one). */
  opened = 0;

  constructor(
    private readonly session: AmqpSession,
    private readonly setup?: (ch: Channel) => Promise<void>,
  ) {}

  get isOpen(): boolean {
    return this.channel !== null;
  }

  async get(): Promise<Channel> {
    if (this.channel) return this.channel;
    if (!this.opening) {
      this.opening = this.open().finally(() => {
        this.opening = null;
      });
    }
    return this.opening;
  }

  private async open(): Promise<Channel> {
    const ch = await this.session.model.createChannel();
    this.session.roundTrips += 1;
    this.opened += 1;
    // Without an 'error' listener an emitted channel error would throw out of amqplib.
    ch.on('error', () => undefined);
    ch.on('close', () => {
      if (this.channel === ch) this.channel = null;
    });
    if (this.setup) {
      try {
        await this.setup(ch);
      } catch (err) {
        await ch.close().catch(() => undefined); // usually closed by the broker already
        throw err;
      }
    }
    this.channel = ch;
    return ch;
  }

  async close(): Promise<void> {
    const ch = this.channel;
    this.channel = null;
    if (ch) await ch.close().catch(() => undefined);
  }
}

export class AmqpSession {
  /** AMQP method round trips made on this session (channel opens, declares, gets, binds). */
  roundTrips = 0;
  private deadReason: string | null = null;

  private constructor(
    readonly model: ChannelModel,
    readonly url: string,
    /** The node of the list this session is on (host:port/vhost, no credentials). */
    readonly node: string,
  ) {
    model.on('error', (err: Error) => {
      this.deadReason ??= describeError(err);
    });
    model.on('close', (err?: Error) => {
      this.deadReason ??= err ? describeError(err) : 'connection closed';
    });
    model.on('blocked', () => undefined);
  }

  /** Null while the connection is usable, else why it is not. */
  get dead(): string | null {
    return this.deadReason;
  }

  /**
   * Connects, or rejects within `connectTimeoutMs` (TCP connect and the AMQP handshake both
   * count: a proxy that accepts but never answers must not hang the read).
   */
  static async open(opts: SessionOptions, signal?: AbortSignal): Promise<AmqpSession> {
    // Where, without the query (CA and key file paths make the line long and say nothing of where).
    const where = maskUrl(opts.url).replace(/\?[^;]*/g, '');
    // connectAmqp: one node or Celery's ';' failover list, amqps:// with its CA and client certificate.
    const pending = connectAmqp(opts.url, {
      timeoutMs: opts.connectTimeoutMs,
      socket: { clientProperties: { connection_name: opts.connectionName } },
      urlOf: (nodeUrl) => withHeartbeat(nodeUrl, opts.heartbeatSeconds),
    });
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const guard = new Promise<never>((_, reject) => {
      // Each node of a failover list has its own connect timeout.
      const ceiling = opts.connectTimeoutMs * Math.max(1, opts.url.split(';').length);
      timer = setTimeout(() => reject(new Error(`no AMQP handshake within ${ceiling} ms`)), ceiling);
      onAbort = () => reject(new Error('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const c = await Promise.race([pending, guard]);
      return new AmqpSession(c.model, opts.url, c.node.label);
    } catch (err) {
      // A connection that completes after we gave up must not linger.
      pending.then((c) => c.model.close().catch(() => undefined)).catch(() => undefined);
      throw new RabbitMqUnreachableError(redactSecrets(`RabbitMQ unreachable at ${where}: ${describeError(err)}`, [opts.url]));
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  slot(setup?: (ch: Channel) => Promise<void>): ChannelSlot {
    return new ChannelSlot(this, setup);
  }

  async close(): Promise<void> {
    this.deadReason ??= 'closed by the cockpit';
    await this.model.close().catch(() => undefined);
  }
}
