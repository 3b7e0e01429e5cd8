// Looking at a queue without changing it: passive declares for depth and consumers, and a
// head peek that gives every message back. Nothing here declares, binds or acks.
import type { GetMessage } from 'amqplib';
import { replyCode, type AmqpSession, type ChannelSlot } from './session.js';

export type QueueStatus = 'ok' | 'not-declared' | 'inaccessible';

export interface QueueProbe {
  status: QueueStatus;
  /** Ready messages (queue.declare-ok message-count: excludes delivered-but-unacked ones). */
  depth: number;
  consumers: number | null;
  /** Channel error text when status is not 'ok'. */
  detail: string | null;
}

/** Channel-level refusals: the queue is missing or not ours to look at; the connection is fine. */
const CHANNEL_REFUSALS = new Set([403, 404, 405]);

/**
 * Passive `queue.declare`. A missing queue closes the channel with 404: reported as
 * "not declared", and the slot reopens a channel on its next use. Connection-level failures
 * propagate (the read must reject so the scheduler marks the source unreachable).
 */
export async function probeQueue(session: AmqpSession, slot: ChannelSlot, queue: string): Promise<QueueProbe> {
  const ch = await slot.get();
  session.roundTrips += 1;
  try {
    const ok = await ch.checkQueue(queue);
    return { status: 'ok', depth: ok.messageCount, consumers: ok.consumerCount, detail: null };
  } catch (err) {
    const code = replyCode(err);
    if (code !== null && CHANNEL_REFUSALS.has(code) && !session.dead) {
      return {
        status: code === 404 ? 'not-declared' : 'inaccessible',
        depth: 0,
        consumers: null,
        detail: err instanceof Error ? err.message : String(err),
      };
    }
    throw err;
  }
}

/**
 * The head message, given straight back. `basic.get` and `basic.nack(delivery-tag 0,
 * multiple, requeue)` leave in one write, so the broker requeues the message right after
 * handing it over, not one network round trip later: RabbitMQ puts a requeued message back in
 * its original position, so order and count are unchanged; the message is flagged
 * `redelivered`. While the message is out (microseconds, inside the broker) a consumer whose
 * prefetch window opens can be handed the messages behind it first: on an idle broker one (an
 * adjacent swap), on a loaded one as many as the consumer takes before the broker runs the requeue
 * (two under both cores busy, test/live/amqp-source.test.ts). Count and content never change.
 * Resolves null when the queue is empty or vanished.
 */
export async function peekHead(session: AmqpSession, slot: ChannelSlot, queue: string): Promise<GetMessage | null> {
  const ch = await slot.get();
  session.roundTrips += 1;
  try {
    const pending = ch.get(queue, { noAck: false });
    // nack-all on a channel with nothing outstanding is a no-op for RabbitMQ, so this is safe
    // whether or not the get finds a message.
    ch.nackAll(true);
    const msg = await pending;
    return msg === false ? null : msg;
  } catch (err) {
    const code = replyCode(err);
    if (code !== null && CHANNEL_REFUSALS.has(code) && !session.dead) return null;
    throw err;
  }
}

export interface QueueSample {
  messages: GetMessage[];
  /** Ready messages left behind the sample when the last one was taken (from basic.get-ok). */
  behind: number | null;
}

/**
 * Up to `limit` messages from the head, all given back with one nack-all. The messages keep their
 * positions (they come back flagged `redelivered`); while they are out, a consumer of that queue
 * would be handed the messages behind them. A passive declare made right after can still count
 * them as out: RabbitMQ answers it ahead of the queued requeue.
 */
export async function sampleQueue(session: AmqpSession, slot: ChannelSlot, queue: string, limit: number): Promise<QueueSample> {
  const ch = await slot.get();
  const messages: GetMessage[] = [];
  try {
    try {
      while (messages.length < limit) {
        session.roundTrips += 1;
        const m = await ch.get(queue, { noAck: false });
        if (m === false) break;
        messages.push(m);
      }
    } finally {
      // Whatever happened, give everything back (a channel that died has given them back already).
      try {
        ch.nackAll(true);
      } catch {
        // Channel already closed: the broker requeued them itself.
      }
    }
    const last = messages[messages.length - 1];
    return { messages, behind: last ? last.fields.messageCount : 0 };
  } catch (err) {
    const code = replyCode(err);
    if (code !== null && CHANNEL_REFUSALS.has(code) && !session.dead) return { messages, behind: null };
    throw err;
  }
}
