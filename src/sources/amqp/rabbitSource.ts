// The RabbitMQ Celery source: queue depth, consumers, queue lag and dead letters read from the
// broker over AMQP, workers / failures / drain / reporting / providers from Celery's events.
// It looks and never touches: passive declares, a head peek that gives the message straight
// back, and two queues of its own (events, dead-letter copies) that die with its connection.
import type { ConsumeMessage } from 'amqplib';
import { EventAggregator, applyQueueEventStats, parseEventPayload, type EventAggregatorOptions } from '../../core/celeryEvents.js';
import { exceptionName } from '../../domain/failureClasses.js';
import { emptyFailures, type EpochMs, type QueueSnapshot, type SourceEndpoint } from '../../core/snapshot.js';
import { systemClock, type Clock, type Source, type SnapshotPatch, type SnapshotSlice } from '../../core/source.js';
import { redactSecrets } from '../../config/maskUrl.js';
import { drainRateLag } from '../../domain/duration.js';
import { LSOS_QUEUES, deadLetterQueueOf } from '../../domain/queues.js';
import { DeadLetterRate, RecentDeadLetters, deadLetterDetail, type DeadLetterDetail, type TaskException } from './deadLetters.js';
import { LagBook, type LagReading } from './lag.js';
import { peekHead, probeQueue, sampleQueue, type QueueProbe, type QueueStatus } from './queueProbe.js';
import { AmqpSession, RabbitMqUnreachableError, describeError, type ChannelSlot } from './session.js';
import { Tap } from './taps.js';
import { DEFAULT_MAX_MESSAGE_BYTES, readTaskMessage } from './taskMessage.js';

export interface RabbitMqSourceOptions {
  /** `amqp://user:pass@host:5672/vhost`. */
  url: string;
  /**
   * Work queues to watch. AMQP cannot list queues (only the management HTTP API can, and it is
   * not assumed to be enabled), so the list comes from the config.
   */
  queues?: readonly string[];
  /** Dead-letter queue of `Q` (contract: `Q.dead`). */
  deadLetterQueue?: (queue: string) => string;
  /** LSOS's dead-letter exchange (contract: `lsos.dlx`, routing key = the work queue's name). */
  deadLetterExchange?: string;
  /** Celery's event exchange (`celeryev`). */
  eventExchange?: string;
  clock?: Clock;
  /** TCP connect plus AMQP handshake must finish within this (default 2000 ms). */
  connectTimeoutMs?: number;
  /** AMQP heartbeat (default 10 s): a silently dead link is noticed within ~2 heartbeats. */
  heartbeatSeconds?: number;
  /** Channels used in parallel for the per-queue checks (default 4). */
  channels?: number;
  /**
   * When to read the head message's `lsos_sent_at` (see README-section.md for the cost):
   * `always` (default) every read; `when-no-consumers` only while the queue has no consumer
   * (then nothing can overtake the head while it is out, but a backlog behind busy workers
   * gets the drain-rate estimate); `never`: lag is backlog / drain rate and no message is
   * ever taken from a queue.
   */
  lagPeek?: LagPeekMode;
  /** Bodies larger than this are unreadable and never parsed (default 1 MiB). */
  maxMessageBytes?: number;
  /** Event messages larger than this are unreadable (default 1 MiB). */
  maxEventBytes?: number;
  /** TTL and length cap of the cockpit's own queues (defaults 60 s, 10 000). */
  tapMessageTtlMs?: number;
  tapMaxLength?: number;
  /** How often a tap that could not start (exchange not declared yet) is retried (default 10 s). */
  tapRetryMs?: number;
  /** Recent dead letters kept per queue (default 20). */
  recentDeadLetters?: number;
  /** Dead letters read (and given back) from the head of a Q.dead the first time it is seen non-empty (default 5; 0 = never). */
  deadLetterSample?: number;
  /** Window of dead-letter growth per hour (default 1 h). */
  deadLetterWindowMs?: number;
  /** Configured dead-letter baseline per hour, per queue (else the observed one). */
  deadLetterBaselinePerHour?: Readonly<Record<string, number>>;
  /** Lag values kept for the trend sparkline (default 30). */
  lagTrendLength?: number;
  /** Options of the event aggregator (failure rules, task routes, windows, ...). */
  events?: EventAggregatorOptions;
  /** An aggregator shared with other code (tests, a recorder); one is created otherwise. */
  aggregator?: EventAggregator;
  /** Prefix of the cockpit's own queue names (default `lsos-cockpit`). */
  tapPrefix?: string;
}

export type LagPeekMode = 'always' | 'when-no-consumers' | 'never';

/** A QueueSnapshot plus what only the RabbitMQ source knows. Assignable to QueueSnapshot. */
export interface RabbitQueueSnapshot extends QueueSnapshot {
  /** `not-declared`: RabbitMQ answered 404 to the passive declare. */
  status: QueueStatus;
  deadLetterQueueStatus: QueueStatus;
  /** Most recent first. */
  recentDeadLetters: DeadLetterDetail[];
}

export interface RabbitSourceStats {
  connected: boolean;
  /** Connections opened so far (1 + reconnects). */
  connects: number;
  /** AMQP method round trips over the source's life, and during the last read. */
  roundTrips: number;
  lastReadRoundTrips: number;
  lastReadMs: number;
  /** Head peeks made (each leaves one `redelivered` flag on a head message). */
  peeks: number;
  eventMessages: number;
  unreadableEvents: number;
  deadLettersSeenLive: number;
  eventTap: string | null;
  deadLetterTap: string | null;
}

interface QueueReading {
  name: string;
  probe: QueueProbe;
  dead: QueueProbe;
  lag: LagReading | null;
}

export class RabbitMqSource implements Source {
  readonly name = 'rabbitmq';
  /** A broker's Celery picture: queues, workers, and what events say of reports and providers. */
  readonly owns: readonly SnapshotSlice[] = ['queues', 'workers', 'reporting', 'providers'];
  private readonly o: Required<Omit<RabbitMqSourceOptions, 'aggregator' | 'events' | 'deadLetterBaselinePerHour'>> & {
    deadLetterBaselinePerHour: Readonly<Record<string, number>>;
  };
  readonly aggregator: EventAggregator;
  private session: AmqpSession | null = null;
  private slots: ChannelSlot[] = [];
  private readonly eventTap: Tap;
  private readonly deadLetterTap: Tap;
  private readonly lagBook: LagBook;
  private readonly recent = new Map<string, RecentDeadLetters>();
  private readonly rates = new Map<string, DeadLetterRate>();
  private readonly sampled = new Set<string>();
  /** Task id → exception of its task-failed (or last task-retried) event, for dead-letter details. */
  private readonly exceptions = new Map<string, TaskException>();
  private readonly startedAt: EpochMs;
  private counters = { connects: 0, peeks: 0, eventMessages: 0, unreadableEvents: 0, deadLettersSeenLive: 0, roundTripsBefore: 0 };
  private last = { roundTrips: 0, ms: 0 };

  constructor(opts: RabbitMqSourceOptions) {
    if (typeof opts.url !== 'string' || !/^amqps?:\/\//.test(opts.url)) throw new Error('rabbitmq: url must be an amqp:// or amqps:// URL');
    // RabbitMQ offers no queue listing over AMQP: by default the contract's queues.
    const queues = [...new Set(opts.queues ?? LSOS_QUEUES)];
    for (const q of queues) {
      if (typeof q !== 'string' || q.length === 0 || q.length > 255) throw new Error(`rabbitmq: invalid queue name ${JSON.stringify(q)}`);
    }
    this.o = {
      url: opts.url,
      queues,
      deadLetterQueue: opts.deadLetterQueue ?? deadLetterQueueOf,
      deadLetterExchange: opts.deadLetterExchange ?? 'lsos.dlx',
      eventExchange: opts.eventExchange ?? 'celeryev',
      clock: opts.clock ?? systemClock,
      connectTimeoutMs: opts.connectTimeoutMs ?? 2000,
      heartbeatSeconds: opts.heartbeatSeconds ?? 10,
      channels: Math.max(1, Math.min(32, opts.channels ?? 4)),
      lagPeek: opts.lagPeek ?? 'always',
      maxMessageBytes: opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      maxEventBytes: opts.maxEventBytes ?? 1024 * 1024,
      tapMessageTtlMs: opts.tapMessageTtlMs ?? 60_000,
      tapMaxLength: opts.tapMaxLength ?? 10_000,
      tapRetryMs: opts.tapRetryMs ?? 10_000,
      recentDeadLetters: opts.recentDeadLetters ?? 20,
      deadLetterSample: opts.deadLetterSample ?? 5,
      deadLetterWindowMs: opts.deadLetterWindowMs ?? 3_600_000,
      deadLetterBaselinePerHour: opts.deadLetterBaselinePerHour ?? {},
      lagTrendLength: opts.lagTrendLength ?? 30,
      tapPrefix: opts.tapPrefix ?? 'lsos-cockpit',
    };
    this.aggregator = opts.aggregator ?? new EventAggregator(opts.events);
    this.lagBook = new LagBook(this.o.lagTrendLength);
    this.startedAt = this.o.clock.now();
    const tapOpts = { prefix: this.o.tapPrefix, messageTtlMs: this.o.tapMessageTtlMs, maxLength: this.o.tapMaxLength };
    this.eventTap = new Tap(
      { kind: 'events', exchange: this.o.eventExchange, keys: () => ['#'], onMessage: (m) => this.onEvent(m) },
      tapOpts,
    );
    this.deadLetterTap = new Tap(
      { kind: 'dead-letters', exchange: this.o.deadLetterExchange, keys: () => [...this.o.queues], onMessage: (m) => this.onDeadLetter(m) },
      tapOpts,
    );
  }

  get queues(): readonly string[] {
    return this.o.queues;
  }

  // -------------------------------------------------------------------------------------------
  // The read

  /**
   * One read. Reads never overlap, even when the scheduler gave up on one (timeout): a channel is
   * only ever used by one operation at a time, which the head peek relies on. An abort closes
   * the connection, so whatever was in flight fails at once and the next read starts afresh.
   */
  read(signal: AbortSignal): Promise<SnapshotPatch> {
    return this.exclusive(() => this.readOnce(signal));
  }

  private inFlight: Promise<unknown> | null = null;

  /** Runs `fn` after whatever the source is doing has settled (reads and inspections never overlap). */
  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.inFlight) await this.inFlight.catch(() => undefined);
    const p = fn();
    this.inFlight = p;
    try {
      return await p;
    } finally {
      if (this.inFlight === p) this.inFlight = null;
    }
  }

  private async readOnce(signal: AbortSignal): Promise<SnapshotPatch> {
    const t0 = performance.now();
    const session = await this.connected(signal);
    const onAbort = () => {
      if (this.session === session) void this.dropSession();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const rtBefore = session.roundTrips;
    try {
      const now = this.o.clock.now();
      // Taps never fail the read: without them queues are still inspected, and they retry.
      await Promise.all([
        this.eventTap.ensure(session, now, this.o.tapRetryMs),
        this.deadLetterTap.ensure(session, now, this.o.tapRetryMs),
      ]);
      const readings = await this.inspectAll(session, signal);
      const patch = this.buildPatch(readings, this.o.clock.now());
      this.last = { roundTrips: session.roundTrips - rtBefore, ms: performance.now() - t0 };
      return patch;
    } catch (err) {
      if (session.dead || signal.aborted) {
        // An aborted read may have left an RPC outstanding: the next one starts on a fresh connection.
        if (this.session === session) await this.dropSession();
        const why = signal.aborted ? `read aborted (${describeError(signal.reason)})` : `connection lost (${session.dead})`;
        throw new RabbitMqUnreachableError(this.redact(`RabbitMQ ${why}`));
      }
      throw new Error(this.redact(`RabbitMQ read failed: ${describeError(err)}`));
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private redact(text: string): string {
    return redactSecrets(text, [this.o.url]);
  }

  private async connected(signal: AbortSignal): Promise<AmqpSession> {
    if (this.session && !this.session.dead) return this.session;
    if (this.session) await this.dropSession();
    if (signal.aborted) throw new RabbitMqUnreachableError('RabbitMQ read aborted before connecting');
    const session = await AmqpSession.open(
      {
        url: this.o.url,
        connectTimeoutMs: this.o.connectTimeoutMs,
        heartbeatSeconds: this.o.heartbeatSeconds,
        connectionName: this.o.tapPrefix,
      },
      signal,
    );
    this.counters.connects += 1;
    this.session = session;
    this.slots = Array.from({ length: this.o.channels }, () => session.slot());
    return session;
  }

  private async dropSession(): Promise<void> {
    const s = this.session;
    this.session = null;
    this.slots = [];
    if (s) {
      this.counters.roundTripsBefore += s.roundTrips;
      await s.close();
    }
  }

  /** Every queue, `channels` at a time: each worker owns one channel, so a 404 closes only its own. */
  private async inspectAll(session: AmqpSession, signal: AbortSignal): Promise<QueueReading[]> {
    const out: QueueReading[] = new Array(this.o.queues.length);
    let next = 0;
    const worker = async (slot: ChannelSlot) => {
      for (;;) {
        const i = next++;
        const name = this.o.queues[i];
        if (name === undefined) return;
        if (signal.aborted) throw signal.reason ?? new Error('aborted');
        out[i] = await this.inspectQueue(session, slot, name);
      }
    };
    await Promise.all(this.slots.map((s) => worker(s)));
    return out;
  }

  private async inspectQueue(session: AmqpSession, slot: ChannelSlot, name: string): Promise<QueueReading> {
    const now = this.o.clock.now();
    const probe = await probeQueue(session, slot, name);
    const dead = await probeQueue(session, slot, this.o.deadLetterQueue(name));
    let lag: LagReading | null = null;
    const peek = this.o.lagPeek === 'always' || (this.o.lagPeek === 'when-no-consumers' && probe.consumers === 0);
    if (probe.status === 'ok' && peek) {
      // Peek even when the passive declare said 0: that answer is prioritised inside RabbitMQ
      // and can overtake the requeue of our own previous peek. basic.get is not, so its
      // message-count (+1 for the message in hand) is the depth, unperturbed by the cockpit.
      this.counters.peeks += 1;
      const head = await peekHead(session, slot, name);
      probe.depth = head ? head.fields.messageCount + 1 : 0;
      if (head) {
        const info = readTaskMessage(head, now, this.o.maxMessageBytes);
        lag = this.lagBook.fromHead(name, info, now);
        if (info.unreadable) this.lagBook.countUnreadable(name, info.key, now);
      }
    }
    const rate = this.rate(name);
    if (dead.status === 'ok') {
      rate.observeCount(now, dead.depth, !this.deadLetterTap.running);
      if (dead.depth > 0 && this.o.deadLetterSample > 0 && !this.sampled.has(name) && (this.recent.get(name)?.size ?? 0) === 0) {
        this.sampled.add(name);
        await this.sampleDeadLetters(session, slot, name, this.o.deadLetterSample, now);
      }
    }
    return { name, probe, dead, lag };
  }

  /** Details of dead letters already waiting in Q.dead when the source first sees it (given back). */
  private async sampleDeadLetters(session: AmqpSession, slot: ChannelSlot, queue: string, limit: number, now: EpochMs): Promise<void> {
    const sample = await sampleQueue(session, slot, this.o.deadLetterQueue(queue), limit);
    const recent = this.recentFor(queue);
    for (const m of [...sample.messages].reverse()) {
      const d = deadLetterDetail(m, queue, 'sampled', now, this.o.maxMessageBytes);
      if (d.unreadable) this.lagBook.countUnreadable(queue, readTaskMessage(m, now, this.o.maxMessageBytes).key, now);
      recent.add(d);
    }
  }

  /**
   * Reads up to `limit` dead letters from the head of `Q.dead` (oldest first) and gives them all
   * back: none is lost, they keep their order, each comes back flagged `redelivered`.
   */
  inspectDeadLetters(queue: string, limit = 20, signal: AbortSignal = new AbortController().signal): Promise<DeadLetterDetail[]> {
    return this.exclusive(async () => {
      const session = await this.connected(signal);
      const slot = session.slot();
      try {
        const sample = await sampleQueue(session, slot, this.o.deadLetterQueue(queue), Math.max(1, Math.min(500, limit)));
        const now = this.o.clock.now();
        return sample.messages.map((m) => this.withException(deadLetterDetail(m, queue, 'sampled', now, this.o.maxMessageBytes)));
      } finally {
        await slot.close();
      }
    });
  }

  // -------------------------------------------------------------------------------------------
  // Taps

  private onEvent(msg: ConsumeMessage): void {
    this.counters.eventMessages += 1;
    const body = this.decodeEventBody(msg);
    const events = body === undefined ? null : parseEventPayload(body, (n) => this.aggregator.noteInvalid(n));
    // An array with no valid event in it is as unreadable as a body that is not JSON.
    if (!events || events.length === 0) {
      this.counters.unreadableEvents += 1;
      if (body === undefined) this.aggregator.noteInvalid(1);
      return;
    }
    const at = this.o.clock.now();
    for (const ev of events) {
      this.aggregator.ingest(ev, at);
      if ((ev.type === 'task-failed' || ev.type === 'task-retried') && ev.uuid && ev.exception !== undefined) {
        this.rememberException(ev.uuid, ev.exception, at, ev.type === 'task-failed');
      }
    }
  }

  /** The JSON body of an event message, or undefined when it is not one (never throws). */
  private decodeEventBody(msg: ConsumeMessage): unknown {
    if (msg.content.length > this.o.maxEventBytes) return undefined;
    if (msg.properties.contentType !== 'application/json') return undefined;
    try {
      return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(msg.content));
    } catch {
      return undefined;
    }
  }

  /** Task ids whose exception came from task-failed: the final word, a stray retry must not overwrite it. */
  private readonly finalExceptions = new Set<string>();

  private rememberException(uuid: string, repr: string, at: EpochMs, final: boolean): void {
    if (!final && this.finalExceptions.has(uuid)) return;
    if (final) this.finalExceptions.add(uuid);
    this.exceptions.delete(uuid);
    // The message of a simple repr: ValueError('disk full') -> disk full.
    const m = /^[^(]*\(\s*(['"])([\s\S]*)\1\s*,?\s*\)\s*$/.exec(repr);
    this.exceptions.set(uuid, { type: exceptionName(repr) ?? repr.slice(0, 100), message: m?.[2]?.slice(0, 500) ?? null, at });
    if (this.exceptions.size > 5000) {
      const first = this.exceptions.keys().next();
      if (!first.done) {
        this.exceptions.delete(first.value);
        this.finalExceptions.delete(first.value);
      }
    }
  }

  private onDeadLetter(msg: ConsumeMessage): void {
    const now = this.o.clock.now();
    // LSOS dead-letters with routing key = the work queue; x-death names it too.
    const queue = this.o.queues.includes(msg.fields.routingKey) ? msg.fields.routingKey : null;
    if (!queue) return;
    this.counters.deadLettersSeenLive += 1;
    const d = deadLetterDetail(msg, queue, 'live', now, this.o.maxMessageBytes);
    if (d.unreadable) this.lagBook.countUnreadable(queue, readTaskMessage(msg, now, this.o.maxMessageBytes).key, now);
    this.recentFor(queue).add(d);
    this.rate(queue).record(now);
  }

  private recentFor(queue: string): RecentDeadLetters {
    let r = this.recent.get(queue);
    if (!r) {
      r = new RecentDeadLetters(this.o.recentDeadLetters);
      this.recent.set(queue, r);
    }
    return r;
  }

  private rate(queue: string): DeadLetterRate {
    let r = this.rates.get(queue);
    if (!r) {
      r = new DeadLetterRate(this.startedAt, this.o.deadLetterWindowMs);
      this.rates.set(queue, r);
    }
    return r;
  }

  private withException(d: DeadLetterDetail): DeadLetterDetail {
    const exc = d.taskId ? this.exceptions.get(d.taskId) : undefined;
    return exc ? { ...d, exceptionType: exc.type, exceptionMessage: exc.message } : d;
  }

  // -------------------------------------------------------------------------------------------
  // The patch

  private buildPatch(readings: QueueReading[], now: EpochMs): SnapshotPatch {
    const events = this.aggregator.patch(now);
    const byQueue = new Map(events.queues.map((q) => [q.name, q]));
    const queues: RabbitQueueSnapshot[] = readings.map((r) => {
      const evStats = byQueue.get(r.name);
      const drain = evStats?.drainPerMinute ?? 0;
      let lag: LagReading;
      if (r.probe.status !== 'ok') lag = { lagSeconds: null, lagMethod: 'unknown' };
      else if (r.probe.depth === 0) lag = { lagSeconds: 0, lagMethod: 'empty' };
      else lag = r.lag ?? drainRateLag(r.probe.depth, drain);
      const rate = this.rate(r.name);
      const configured = this.o.deadLetterBaselinePerHour[r.name];
      const observed = rate.observedBaselinePerHour(now);
      const base: QueueSnapshot = {
        name: r.name,
        depth: r.probe.depth,
        // Delivered-but-unacked counts are not in queue.declare-ok (only the management API has them).
        reserved: 0,
        consumers: r.probe.consumers,
        lagSeconds: lag.lagSeconds,
        lagMethod: lag.lagMethod,
        deadLetters: r.dead.status === 'ok' ? r.dead.depth : 0,
        deadLetterGrowthPerHour: rate.growthPerHour(now),
        deadLetterBaselinePerHour: configured ?? observed,
        deadLetterBaselineSource: configured !== undefined ? 'configured' : observed !== null ? 'observed' : null,
        failuresByClass: emptyFailures(),
        topFailingTasks: [],
        drainPerMinute: 0,
        unreadable: this.lagBook.unreadable(r.name),
        lagTrend: this.lagBook.trend(r.name, lag.lagSeconds),
      };
      return {
        ...applyQueueEventStats(base, evStats),
        status: r.probe.status,
        deadLetterQueueStatus: r.dead.status,
        recentDeadLetters: this.recentFor(r.name)
          .list((id) => this.exceptions.get(id))
          .sort((a, b) => (b.deadAt ?? 0) - (a.deadAt ?? 0)),
      };
    });
    return { queues, workers: events.workers, reporting: events.reporting, providers: events.providers };
  }

  stats(): RabbitSourceStats {
    const rt = this.counters.roundTripsBefore + (this.session?.roundTrips ?? 0);
    return {
      connected: this.session !== null && !this.session.dead,
      connects: this.counters.connects,
      roundTrips: rt,
      lastReadRoundTrips: this.last.roundTrips,
      lastReadMs: this.last.ms,
      peeks: this.counters.peeks,
      eventMessages: this.counters.eventMessages,
      unreadableEvents: this.counters.unreadableEvents,
      deadLettersSeenLive: this.counters.deadLettersSeenLive,
      eventTap: this.eventTap.running ? null : this.eventTap.problem,
      deadLetterTap: this.deadLetterTap.running ? null : this.deadLetterTap.problem,
    };
  }

  /** The node of a `;` failover list the source is on (null for a single node: nothing to show). */
  endpoint(): SourceEndpoint | null {
    if (!this.session || this.session.dead || !this.o.url.includes(';')) return null;
    return { role: 'node', address: this.session.node };
  }

  async close(): Promise<void> {
    await this.eventTap.close();
    await this.deadLetterTap.close();
    await this.dropSession();
  }
}
