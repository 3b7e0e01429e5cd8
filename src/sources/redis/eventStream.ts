// Celery events on Redis: kombu turns the `celeryev` exchange into pub/sub on channels
// `/<db>.celeryev/<routing key>` (fanout_prefix and fanout_patterns, celery-5.2-wire.md 3.2).
// A subscribed connection can do nothing else, so this is a connection of its own; ioredis
// reconnects and re-subscribes by itself. Pub/sub keeps nothing: events sent while the cockpit is
// disconnected are lost, and heartbeats resume on their own.
import { Redis, type RedisOptions } from 'ioredis';
import { decodeKombuJsonBody, parseEventPayload, type EventAggregator } from '../../core/celeryEvents.js';
import type { Clock } from '../../core/source.js';
import type { EpochMs } from '../../core/snapshot.js';
import { reconnectAfterSentinelRace } from '../connect/redis.js';

export interface EventStreamStats {
  subscribed: boolean;
  messages: number;
  events: number;
  /** Messages that were not a kombu envelope with a JSON event body (or too big). */
  undecodable: number;
  lastMessageAt: EpochMs | null;
}

export class RedisEventStream {
  private readonly redis: Redis;
  readonly channelPattern: string;
  private readonly s: EventStreamStats = { subscribed: false, messages: 0, events: 0, undecodable: 0, lastMessageAt: null };
  private started = false;

  constructor(
    connection: RedisOptions,
    db: number,
    private readonly aggregator: EventAggregator,
    private readonly clock: Clock,
    private readonly maxEventBytes = 1_048_576,
  ) {
    this.channelPattern = `/${db}.celeryev/*`;
    // The offline queue stays on here: the PSUBSCRIBE waits for the connection instead of failing.
    this.redis = reconnectAfterSentinelRace(
      new Redis({
        ...connection,
        lazyConnect: true,
        enableOfflineQueue: true,
        maxRetriesPerRequest: null,
        autoResubscribe: true,
      }),
    );
    this.redis.on('pmessageBuffer', (_pattern: Buffer, _channel: Buffer, message: Buffer) => this.onMessage(message));
    this.redis.on('ready', () => {
      this.s.subscribed = true;
    });
    this.redis.on('close', () => {
      this.s.subscribed = false;
    });
    // Errors surface through the command connection's read(); here they would only be noise.
    this.redis.on('error', () => undefined);
  }

  /** Subscribes (once). Resolves when subscribed, rejects only if the first connect fails. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.redis.connect().catch(() => undefined);
    this.redis.psubscribe(this.channelPattern).catch(() => undefined);
  }

  private onMessage(message: Buffer): void {
    this.s.messages += 1;
    this.s.lastMessageAt = this.clock.now();
    const body = decodeKombuJsonBody(message, this.maxEventBytes);
    const events = body === null ? null : parseEventPayload(body, (n) => this.aggregator.noteInvalid(n));
    if (events === null) {
      this.s.undecodable += 1;
      if (body === null) this.aggregator.noteInvalid(1);
      return;
    }
    const at = this.clock.now();
    for (const ev of events) this.aggregator.ingest(ev, at);
    this.s.events += events.length;
  }

  stats(): EventStreamStats {
    return { ...this.s };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
