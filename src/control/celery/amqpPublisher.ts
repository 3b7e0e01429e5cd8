// Task publishing on RabbitMQ as Celery 5.2 does it (default exchange, routing key = queue), on a
// confirm channel and mandatory, so a message is reported sent only once the broker took it.
// The cockpit never declares a queue (re-declaring with other arguments is a 406 that closes the
// channel, and an accidental declare would create a queue no worker consumes): a passive check on
// a channel of its own comes first, and a missing queue is a clear error.
//
// Across a failover (Celery's `;` list of nodes): a publish whose confirm had not come when the
// connection died is sent again on the next node that answers, the same message (same task id,
// same correlation id); a publish the broker confirmed is never sent again. The connection is
// opened from the node after the one lost, so a dead node is not asked first.
import type { Channel, ChannelModel, ConfirmChannel, Message } from 'amqplib';
import { amqpNodes, connectAmqp } from '../../sources/connect/amqp.js';
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
  /** Index in the node list of the node connected to (or lost last). */
  private node: number | null = null;
  /** Connections lost so far: an attempt that saw this change lost its connection. */
  private lost = 0;

  constructor(
    private readonly url: string,
    private readonly connectTimeoutMs = 5000,
  ) {}

  private async open(): Promise<void> {
    const c = await connectAmqp(this.url, { timeoutMs: this.connectTimeoutMs, ...(this.node === null ? {} : { after: this.node }) });
    const conn = c.model;
    this.node = c.index;
    this.dead = null;
    conn.on('error', (e: unknown) => (this.dead = errText(e)));
    conn.on('close', () => {
      if (this.conn !== conn) return;
      this.lost++;
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

  /** How many connections were lost so far (compare before and after an attempt). */
  get losses(): number {
    return this.lost;
  }

  async close(): Promise<void> {
    const c = this.conn;
    this.conn = null;
    this.node = null;
    this.confirm = null;
    this.check = null;
    if (c) await c.close().catch(() => undefined);
  }
}

/** The connection went while a publish waited for its confirm (or before it could be sent): it may be sent again. */
class PublishLost extends Error {
  override readonly name = 'PublishLost';
}

type Prepared = { msg: AmqpTaskMessage; result: PublishResult };

export class AmqpTaskPublisher implements TaskPublisher {
  private readonly link: AmqpLink;
  private readonly checked = new Map<string, number>();
  /** The connection losses the queue checks were made under (a new node checks again). */
  private checkedAt = 0;
  /** How many times the unconfirmed rest of a batch is sent again after a lost connection. */
  private readonly resends: number;
  private inFlight = 0;

  constructor(private readonly opts: AmqpPublisherOptions) {
    this.link = new AmqpLink(opts.url, opts.connectTimeoutMs ?? 5000);
    let nodes = 1;
    try {
      nodes = amqpNodes(opts.url).length;
    } catch {
      // a bad URL fails on the first publish, with its one-line error
    }
    this.resends = Math.max(1, nodes);
  }

  /** Publishes sent and not confirmed by the broker yet. */
  get unconfirmed(): number {
    return this.inFlight;
  }

  private prepare(spec: TaskSpec): Prepared {
    const built = buildTask(spec, this.opts);
    const msg = toAmqpMessage(built);
    assertValidTaskMessage(msg, 'amqp');
    return { msg, result: { id: built.id, queue: built.queue, task: built.task } };
  }

  private async ensureQueue(queue: string): Promise<void> {
    if (this.checkedAt !== this.link.losses) {
      this.checked.clear();
      this.checkedAt = this.link.losses;
    }
    const at = this.checked.get(queue);
    if (at !== undefined && Date.now() - at < (this.opts.checkTtlMs ?? 30_000)) return;
    await this.link.checkQueue(queue);
    this.checked.set(queue, Date.now());
  }

  /** Sends without waiting; the promise settles on the broker's confirm. */
  private send(ch: ConfirmChannel, m: AmqpTaskMessage): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.inFlight++;
      let settled = false;
      const done = (err: Error | null): void => {
        if (settled) return;
        settled = true;
        this.inFlight--;
        if (err) reject(err);
        else resolve();
      };
      try {
        ch.publish(m.exchange, m.routingKey, m.content, { ...m.options, mandatory: true }, (err) => {
          // amqplib: 'channel closed' for every publish still unconfirmed when the channel or its connection goes.
          if (err)
            done(
              err.message === 'channel closed'
                ? new PublishLost(`connection lost before the broker confirmed (${errText(err)})`)
                : new Error(`broker did not confirm: ${errText(err)}`),
            );
          else if (this.link.returned.delete(m.options.correlationId))
            done(new Error(`broker returned the message as unroutable (queue "${m.routingKey}" gone?)`));
          else done(null);
        });
      } catch (err) {
        // The channel was closed before the publish could be written.
        done(new PublishLost(`connection lost before the message was sent (${errText(err)})`));
      }
    });
  }

  /**
   * Sends the messages and waits for their confirms. Those not confirmed because the connection
   * went are sent again (the same messages) on the next node, up to `resends` times; a confirmed
   * one never again. Returns which were confirmed and the error that stopped the rest.
   */
  private async sendConfirmed(prepared: Prepared[]): Promise<{ confirmed: boolean[]; error: Error | null }> {
    const confirmed = prepared.map(() => false);
    let pending = prepared.map((_, i) => i);
    let error: Error | null = null;
    for (let attempt = 0; pending.length > 0; attempt++) {
      const losses = this.link.losses;
      const failed: number[] = [];
      let lost = false;
      error = null;
      try {
        for (const q of new Set(pending.map((i) => (prepared[i] as Prepared).msg.routingKey))) await this.ensureQueue(q);
        const ch = await this.link.confirmChannel();
        const settled = await Promise.allSettled(pending.map((i) => this.send(ch, (prepared[i] as Prepared).msg)));
        settled.forEach((s, k) => {
          const i = pending[k] as number;
          if (s.status === 'fulfilled') confirmed[i] = true;
          else if (s.reason instanceof PublishLost) {
            failed.push(i);
            lost = true;
            error ??= s.reason;
          } else {
            error ??= s.reason instanceof Error ? s.reason : new Error(errText(s.reason));
          }
        });
      } catch (err) {
        // Before anything was sent: the queue check or the channel, on a connection that went meanwhile?
        failed.push(...pending);
        lost = this.link.losses !== losses;
        error = err instanceof Error ? err : new Error(errText(err));
      }
      if (failed.length === 0 || !lost || attempt >= this.resends) break;
      pending = failed;
    }
    return { confirmed, error: confirmed.every(Boolean) ? null : error };
  }

  async publish(spec: TaskSpec): Promise<PublishResult> {
    const p = this.prepare(spec);
    const r = await this.sendConfirmed([p]);
    if (r.error !== null) throw r.error;
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
        const prepared: Prepared[] = [];
        let invalid: string | null = null;
        for (const s of specs.slice(i, i + window)) {
          try {
            prepared.push(this.prepare(s));
          } catch (err) {
            invalid = errText(err);
            break;
          }
        }
        const r = await this.sendConfirmed(prepared);
        // Every one the broker confirmed went out, in the order given.
        prepared.forEach((p, j) => {
          if (r.confirmed[j]) published.push(p.result);
        });
        if (r.error !== null) return { published, error: errText(r.error) };
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
