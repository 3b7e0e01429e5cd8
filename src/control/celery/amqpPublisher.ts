// Task publishing on RabbitMQ as Celery 5.2 does it (default exchange, routing key = queue), on a
// confirm channel and mandatory, so a message is reported sent only once the broker took it.
// The cockpit never declares a queue (re-declaring with other arguments is a 406 that closes the
// channel, and an accidental declare would create a queue no worker consumes): a passive check on
// a channel of its own comes first, and a missing queue is a clear error.
import type { Channel, ChannelModel, ConfirmChannel, Message } from 'amqplib';
import { connectAmqp } from '../../sources/connect/amqp.js';
import { assertValidTaskMessage, buildTask, toAmqpMessage, type AmqpTaskMessage, type BuildOptions } from './message.js';
import type { PublishResult, TaskPublisher, TaskSpec } from './types.js';

export class QueueNotFoundError extends Error {
  override readonly name = 'QueueNotFoundError';
  constructor(
    readonly queue: string,
    vhostHint = '',
  ) {
    super(`queue "${queue}" does not exist on RabbitMQ${vhostHint}: nothing was published (the cockpit never declares queues)`);
  }
}

export interface AmqpPublisherOptions extends BuildOptions {
  url: string;
  /** Queues checked within this many ms are not checked again (default 30 s). */
  checkTtlMs?: number;
  connectTimeoutMs?: number;
  /** Messages in flight before waiting for their confirms in publishMany (default 200). */
  window?: number;
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A connection with a confirm channel (publishing) and a plain channel (passive checks). */
export class AmqpLink {
  private conn: ChannelModel | null = null;
  private confirm: ConfirmChannel | null = null;
  private check: Channel | null = null;
  private opening: Promise<void> | null = null;
  private dead: string | null = null;
  /** Correlation ids the broker returned as unroutable (mandatory). */
  readonly returned = new Set<string>();

  constructor(
    private readonly url: string,
    private readonly connectTimeoutMs = 5000,
  ) {}

  private async open(): Promise<void> {
    const conn = (await connectAmqp(this.url, { timeoutMs: this.connectTimeoutMs })).model;
    this.dead = null;
    conn.on('error', (e: unknown) => (this.dead = errText(e)));
    conn.on('close', () => {
      this.dead ??= 'connection closed';
      this.conn = null;
      this.confirm = null;
      this.check = null;
    });
    this.conn = conn;
  }

  private async ensure(): Promise<ChannelModel> {
    if (!this.conn) {
      this.opening ??= this.open().finally(() => (this.opening = null));
      await this.opening;
    }
    return this.conn as ChannelModel;
  }

  async confirmChannel(): Promise<ConfirmChannel> {
    const conn = await this.ensure();
    if (!this.confirm) {
      const ch = await conn.createConfirmChannel();
      ch.on('error', () => undefined);
      ch.on('close', () => (this.confirm = null));
      ch.on('return', (m: Message) => {
        const id = m.properties.correlationId as string | undefined;
        if (id) this.returned.add(id);
      });
      this.confirm = ch;
    }
    return this.confirm;
  }

  /** Passive queue check; a 404 closes only the check channel. Returns the message count. */
  async checkQueue(queue: string): Promise<number> {
    const conn = await this.ensure();
    if (!this.check) {
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
      ch.on('close', () => (this.check = null));
      this.check = ch;
    }
    try {
      const ok = await this.check.checkQueue(queue);
      return ok.messageCount;
    } catch (err) {
      this.check = null;
      if ((err as { code?: unknown }).code === 404) throw new QueueNotFoundError(queue);
      throw err;
    }
  }

  get connectionError(): string | null {
    return this.dead;
  }

  async close(): Promise<void> {
    const c = this.conn;
    this.conn = null;
    this.confirm = null;
    this.check = null;
    if (c) await c.close().catch(() => undefined);
  }
}

export class AmqpTaskPublisher implements TaskPublisher {
  private readonly link: AmqpLink;
  private readonly checked = new Map<string, number>();

  constructor(private readonly opts: AmqpPublisherOptions) {
    this.link = new AmqpLink(opts.url, opts.connectTimeoutMs ?? 5000);
  }

  private prepare(spec: TaskSpec): { msg: AmqpTaskMessage; result: PublishResult } {
    const built = buildTask(spec, this.opts);
    const msg = toAmqpMessage(built);
    assertValidTaskMessage(msg, 'amqp');
    return { msg, result: { id: built.id, queue: built.queue, task: built.task } };
  }

  private async ensureQueue(queue: string): Promise<void> {
    const at = this.checked.get(queue);
    if (at !== undefined && Date.now() - at < (this.opts.checkTtlMs ?? 30_000)) return;
    await this.link.checkQueue(queue);
    this.checked.set(queue, Date.now());
  }

  /** Sends without waiting; the promise settles on the broker's confirm. */
  private send(ch: ConfirmChannel, m: AmqpTaskMessage): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      ch.publish(m.exchange, m.routingKey, m.content, { ...m.options, mandatory: true }, (err) => {
        if (err) reject(new Error(`broker did not confirm: ${errText(err)}`));
        else if (this.link.returned.delete(m.options.correlationId))
          reject(new Error(`broker returned the message as unroutable (queue "${m.routingKey}" gone?)`));
        else resolve();
      });
    });
  }

  async publish(spec: TaskSpec): Promise<PublishResult> {
    const p = this.prepare(spec);
    await this.ensureQueue(p.msg.routingKey);
    const ch = await this.link.confirmChannel();
    await this.send(ch, p.msg);
    return p.result;
  }

  async publishMany(
    specs: TaskSpec[],
    opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<{ published: PublishResult[]; error: string | null }> {
    const published: PublishResult[] = [];
    const window = Math.max(1, this.opts.window ?? 200);
    try {
      for (let i = 0; i < specs.length; i += window) {
        if (opts.signal?.aborted) return { published, error: 'stopped' };
        const prepared: ReturnType<AmqpTaskPublisher['prepare']>[] = [];
        let invalid: string | null = null;
        for (const s of specs.slice(i, i + window)) {
          try {
            prepared.push(this.prepare(s));
          } catch (err) {
            invalid = errText(err);
            break;
          }
        }
        for (const q of new Set(prepared.map((p) => p.msg.routingKey))) await this.ensureQueue(q);
        const ch = await this.link.confirmChannel();
        const settled = await Promise.allSettled(prepared.map((p) => this.send(ch, p.msg)));
        // Confirms come in order per channel: count the leading run of confirmed ones.
        for (let j = 0; j < settled.length; j++) {
          const s = settled[j] as PromiseSettledResult<void>;
          if (s.status === 'rejected') return { published, error: errText(s.reason) };
          published.push((prepared[j] as { result: PublishResult }).result);
        }
        opts.onProgress?.(published.length, specs.length);
        if (invalid !== null) return { published, error: invalid };
      }
    } catch (err) {
      return { published, error: errText(err) };
    }
    return { published, error: null };
  }

  async close(): Promise<void> {
    await this.link.close();
  }
}
