// The two queues the cockpit declares: its own, exclusive (gone with the connection),
// auto-delete, with a message TTL and a length cap so a stalled cockpit cannot fill the broker.
// Nothing of LSOS's is declared: the exchanges they bind to are checked passively first
// (a redeclare with other arguments would be 406 PRECONDITION_FAILED).
import { randomUUID } from 'node:crypto';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { AmqpSession, ChannelSlot } from './session.js';

export interface TapOptions {
  /** Queue name prefix, e.g. `lsos-cockpit`; a random suffix keeps cockpits apart. */
  prefix: string;
  messageTtlMs: number;
  maxLength: number;
}

export interface TapSpec {
  kind: 'events' | 'dead-letters';
  exchange: string;
  /** Binding keys on that exchange. */
  keys: () => string[];
  onMessage: (msg: ConsumeMessage) => void;
}

/**
 * A consumer on the cockpit's own queue bound to `exchange`. The channel slot reruns this setup
 * whenever it reopens the channel (after a channel error or a reconnect).
 */
export class Tap {
  readonly queue: string;
  private slot: ChannelSlot | null = null;
  private boundKeys = new Set<string>();
  /** Why the tap is not running (exchange not declared yet, ...), null while it runs. */
  problem: string | null = 'not started';
  private lastAttemptAt = -Infinity;
  private session: AmqpSession | null = null;

  constructor(
    private readonly spec: TapSpec,
    private readonly opts: TapOptions,
  ) {
    this.queue = `${opts.prefix}.${spec.kind}.${randomUUID().slice(0, 8)}`;
  }

  get running(): boolean {
    return this.problem === null && this.slot?.isOpen === true;
  }

  /** Starts (or restarts) the tap on a session; retried at most every `retryMs`. Never throws. */
  async ensure(session: AmqpSession, now: number, retryMs: number): Promise<void> {
    if (this.running && this.session === session) {
      await this.bindNewKeys(session);
      return;
    }
    // A new connection gets its tap at once; a failing one is retried every `retryMs`.
    if (this.session === session && now - this.lastAttemptAt < retryMs) return;
    this.session = session;
    this.lastAttemptAt = now;
    this.boundKeys.clear();
    this.slot = session.slot((ch) => this.setup(session, ch));
    try {
      await this.slot.get();
      this.problem = null;
    } catch (err) {
      this.problem = err instanceof Error ? err.message : String(err);
    }
  }

  private async setup(session: AmqpSession, ch: Channel): Promise<void> {
    session.roundTrips += 1;
    await ch.checkExchange(this.spec.exchange); // 404 when LSOS has not declared it (yet)
    session.roundTrips += 1;
    await ch.assertQueue(this.queue, {
      exclusive: true,
      autoDelete: true,
      durable: false,
      arguments: { 'x-message-ttl': this.opts.messageTtlMs, 'x-max-length': this.opts.maxLength },
    });
    for (const key of this.spec.keys()) {
      session.roundTrips += 1;
      await ch.bindQueue(this.queue, this.spec.exchange, key);
      this.boundKeys.add(key);
    }
    session.roundTrips += 1;
    await ch.consume(
      this.queue,
      (msg) => {
        if (msg) this.spec.onMessage(msg);
      },
      { noAck: true, exclusive: true },
    );
  }

  private async bindNewKeys(session: AmqpSession): Promise<void> {
    const missing = this.spec.keys().filter((k) => !this.boundKeys.has(k));
    if (missing.length === 0 || !this.slot) return;
    try {
      const ch = await this.slot.get();
      for (const key of missing) {
        session.roundTrips += 1;
        await ch.bindQueue(this.queue, this.spec.exchange, key);
        this.boundKeys.add(key);
      }
    } catch (err) {
      this.problem = err instanceof Error ? err.message : String(err);
    }
  }

  async close(): Promise<void> {
    await this.slot?.close();
    this.slot = null;
    this.session = null;
    this.problem = 'closed';
  }
}
