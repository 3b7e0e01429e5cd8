// Celery remote control over RabbitMQ, the way `celery inspect` does it: the `celery.pidbox`
// fanout exchange for requests, and replies on the `reply.celery.pidbox` direct exchange into
// `<oid>.reply.celery.pidbox`, declared exactly as Celery declares it (non-durable, auto-delete,
// x-expires 10000, x-message-ttl 300000; other flags would be a 406 for the next Celery client).
import { randomUUID } from 'node:crypto';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { connectAmqp } from '../../sources/connect/amqp.js';
import {
  buildPidboxRequest,
  DEFAULT_CONTROL_TIMEOUT_MS,
  InvalidControlRequestError,
  PIDBOX_EXCHANGE,
  readReplyBody,
  ReplyCollector,
  REPLY_EXCHANGE,
  REPLY_QUEUE_ARGS,
  validateControlArgs,
  validatePidboxRequest,
} from './control.js';
import type { ControlCommand, ControlReply, RemoteControl } from './types.js';

export interface AmqpControlOptions {
  url: string;
  connectTimeoutMs?: number;
}

interface Pending {
  collector: ReplyCollector;
  done: () => void;
}

export class AmqpRemoteControl implements RemoteControl {
  /** The reply routing key (Celery: the app's oid). */
  readonly oid = randomUUID();
  private conn: ChannelModel | null = null;
  private ch: Channel | null = null;
  private ready: Promise<Channel> | null = null;
  private readonly pending = new Map<string, Pending>();
  private clock = 0;

  constructor(private readonly opts: AmqpControlOptions) {}

  get replyQueue(): string {
    return `${this.oid}.${REPLY_EXCHANGE}`;
  }

  private async setup(): Promise<Channel> {
    const conn = (await connectAmqp(this.opts.url, { timeoutMs: this.opts.connectTimeoutMs ?? 5000 })).model;
    conn.on('error', () => undefined);
    conn.on('close', () => {
      this.conn = null;
      this.ch = null;
      this.ready = null;
      for (const p of this.pending.values()) p.done();
    });
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    ch.on('close', () => {
      this.ch = null;
      this.ready = null;
    });
    // Same flags as the worker's declarations.
    await ch.assertExchange(REPLY_EXCHANGE, 'direct', { durable: false, autoDelete: false });
    await ch.assertExchange(PIDBOX_EXCHANGE, 'fanout', { durable: false, autoDelete: false });
    await ch.assertQueue(this.replyQueue, { durable: false, autoDelete: true, exclusive: false, arguments: { ...REPLY_QUEUE_ARGS } });
    await ch.bindQueue(this.replyQueue, REPLY_EXCHANGE, this.oid);
    await ch.consume(this.replyQueue, (m) => this.onReply(m), { noAck: true });
    this.conn = conn;
    this.ch = ch;
    return ch;
  }

  private channel(): Promise<Channel> {
    if (this.ch) return Promise.resolve(this.ch);
    this.ready ??= this.setup().catch((err: unknown) => {
      this.ready = null;
      throw err;
    });
    return this.ready;
  }

  private onReply(m: ConsumeMessage | null): void {
    if (!m) return;
    const ticket = m.properties.headers?.['ticket'];
    const p = typeof ticket === 'string' ? this.pending.get(ticket) : undefined;
    if (!p) return; // a late reply to a finished call
    try {
      p.collector.add(readReplyBody(JSON.parse(m.content.toString('utf8'))));
    } catch {
      return; // an unreadable reply is ignored, never a crash
    }
    if (p.collector.complete) p.done();
  }

  async call(
    command: ControlCommand,
    args: Record<string, unknown> = {},
    opts: { destination?: string[]; timeoutMs?: number } = {},
  ): Promise<ControlReply[]> {
    const ticket = randomUUID();
    const req = buildPidboxRequest(command, args, opts.destination, ticket, this.oid);
    const problems = [...validateControlArgs(command, args), ...validatePidboxRequest(req)];
    if (problems.length > 0) throw new InvalidControlRequestError(`refusing to send ${command}: ${problems.join('; ')}`);
    const timeoutMs = opts.timeoutMs ?? DEFAULT_CONTROL_TIMEOUT_MS;
    const ch = await this.channel();
    const collector = new ReplyCollector(opts.destination);
    let timer: NodeJS.Timeout | undefined;
    const finished = new Promise<void>((resolve) => {
      this.pending.set(ticket, { collector, done: resolve });
      timer = setTimeout(resolve, timeoutMs);
    });
    try {
      ch.publish(PIDBOX_EXCHANGE, '', Buffer.from(JSON.stringify(req), 'utf8'), {
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        deliveryMode: 2,
        priority: 0,
        headers: { clock: ++this.clock, expires: (Date.now() + timeoutMs) / 1000 },
      });
      await finished;
    } finally {
      clearTimeout(timer);
      this.pending.delete(ticket);
    }
    return collector.replies;
  }

  async close(): Promise<void> {
    const c = this.conn;
    this.conn = null;
    this.ch = null;
    this.ready = null;
    if (c) await c.close().catch(() => undefined);
  }
}
