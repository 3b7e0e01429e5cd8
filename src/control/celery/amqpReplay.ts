// Dead-letter replay on RabbitMQ. Each batch runs in an AMQP transaction on one channel:
// basic.get from Q.dead (manual ack), publish the rewritten message to the default exchange with
// routing key Q (mandatory), ack the dead letter, tx.commit. RabbitMQ applies a batch's publishes
// and acks together at commit; if the process dies or the connection drops before the commit,
// nothing of the batch happened and the dead letters return to Q.dead (they were unacked).
// The one ambiguous moment, commit sent but commit-ok never seen, is safe either way: both the
// publishes and the acks happened, or neither did. Publisher confirms alone cannot give that: a
// crash after the broker routed a replay but before its confirm was recorded would leave the dead
// letter to be replayed a second time.
//
// Ledger (a file, fsynced after each commit, under the state dir): the identities of dead
// letters whose replay was committed. A redelivered dead letter found there is acked without
// publishing (`alreadyDone`); with the transaction this only happens for copies of an already
// replayed dead letter, so the ledger is a second guard and the record of the run.
//
// Dead letters not replayed (task not allowed, filtered out, unreadable) are held unacked until
// the run ends and then requeued: RabbitMQ puts them back in their original places, so Q.dead
// keeps their order (they come back with redelivered=true).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Channel, ChannelModel, GetMessage, Message, Options } from 'amqplib';
import { connectAmqp } from '../../sources/connect/amqp.js';
import { deadLetterQueueOf } from '../../domain/queues.js';
import { MAX_MESSAGE_BYTES, validateTaskMessage, type AmqpTaskMessage } from './message.js';
import { QueueNotFoundError } from './amqpPublisher.js';
import { batchFor, checkReplayRequest, deadLetterIdentity, effectiveRate, errText, Pacer, replayHeaders, wanted } from './replay.js';
import type { DeadLetterDetail, DeadLetterReplayer, ReplayPreview, ReplayRequest, ReplayResult } from './types.js';

// AMQP 0-9-1 tx class (amqplib has no API for it; these are its method ids in lib/defs.js).
const TX_SELECT = 5898250;
const TX_SELECT_OK = 5898251;
const TX_COMMIT = 5898260;
const TX_COMMIT_OK = 5898261;

interface RpcChannel {
  rpc(method: number, fields: Record<string, unknown>, expect: number): Promise<unknown>;
}

export interface AmqpReplayerOptions {
  url: string;
  /** Where the ledger lives: `<stateDir>/replay-ledger/` (default `~/.lsos-cockpit`). */
  stateDir?: string;
  /** Dead letters per transaction (default: a tenth of a second's worth at the rate, 1..100). */
  batchSize?: number;
  connectTimeoutMs?: number;
  now?: () => number;
}

/** An append-only, fsynced JSONL file of replayed dead-letter identities. */
export class ReplayLedgerFile {
  private readonly seen = new Set<string>();
  private fd: number | null = null;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (fs.existsSync(file)) {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        try {
          const e = JSON.parse(line) as { identity?: unknown };
          if (typeof e.identity === 'string') this.seen.add(e.identity);
        } catch {
          // a torn last line after a crash: its commit happened, but the entry is only a guard
        }
      }
    }
  }

  has(identity: string): boolean {
    return this.seen.has(identity);
  }

  append(entries: { identity: string; [k: string]: unknown }[]): void {
    if (entries.length === 0) return;
    this.fd ??= fs.openSync(this.file, 'a');
    fs.writeSync(this.fd, entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
    fs.fsyncSync(this.fd);
    for (const e of entries) this.seen.add(e.identity);
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

export function ledgerFileFor(stateDir: string, url: string, queue: string): string {
  let where = url;
  try {
    const u = new URL(url);
    where = `${u.hostname}:${u.port || '5672'}${u.pathname}`; // no credentials in the name
  } catch {
    // keep the raw text, hashed below
  }
  const h = createHash('sha1').update(where).digest('hex').slice(0, 12);
  return path.join(stateDir, 'replay-ledger', `${h}-${queue.replace(/[^A-Za-z0-9._-]/g, '_')}.jsonl`);
}

/** The publish of a dead letter's replay: original body and properties, rewritten headers. */
export function replayPublish(m: Message, queue: string, headers: Record<string, unknown>): AmqpTaskMessage & { options: Options.Publish } {
  const p = m.properties;
  const options: Record<string, unknown> = {
    contentType: p.contentType,
    contentEncoding: p.contentEncoding,
    deliveryMode: p.deliveryMode ?? 2,
    priority: p.priority ?? 0,
    correlationId: p.correlationId,
    replyTo: p.replyTo,
    headers,
  };
  // userId is checked against the connection's user by RabbitMQ: never copied.
  for (const k of ['expiration', 'messageId', 'type', 'appId', 'timestamp'] as const)
    if (p[k] !== undefined && p[k] !== null) options[k] = p[k];
  return {
    exchange: '',
    routingKey: queue,
    content: m.content,
    options: options as unknown as AmqpTaskMessage['options'] & Options.Publish,
  };
}

export class AmqpDeadLetterReplayer implements DeadLetterReplayer {
  private conn: ChannelModel | null = null;

  constructor(private readonly opts: AmqpReplayerOptions) {}

  private async connection(): Promise<ChannelModel> {
    if (this.conn) return this.conn;
    const conn = (await connectAmqp(this.opts.url, { timeoutMs: this.opts.connectTimeoutMs ?? 5000 })).model;
    conn.on('error', () => undefined);
    conn.on('close', () => {
      if (this.conn === conn) this.conn = null;
    });
    this.conn = conn;
    return conn;
  }

  private async channel(): Promise<Channel> {
    const ch = await (await this.connection()).createChannel();
    ch.on('error', () => undefined);
    return ch;
  }

  /** Passive check; a 404 closes only that channel. */
  private async messageCount(queue: string): Promise<number> {
    const ch = await this.channel();
    try {
      return (await ch.checkQueue(queue)).messageCount;
    } catch (err) {
      if ((err as { code?: unknown }).code === 404) throw new QueueNotFoundError(queue);
      throw err;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  /** Reads up to `sample` dead letters unacked, then requeues them all (closing the channel). */
  async preview(queue: string, opts: { sample?: number; details?: boolean } = {}): Promise<ReplayPreview> {
    const dead = deadLetterQueueOf(queue);
    const total = await this.messageCount(dead);
    const byTask: Record<string, number> = {};
    const details = new Map<string, DeadLetterDetail>();
    const ch = await this.channel();
    try {
      for (let i = 0; i < Math.min(total, opts.sample ?? 10_000); i++) {
        const m = await ch.get(dead, { noAck: false });
        if (!m) break;
        const t = m.properties.headers?.['task'];
        const name = typeof t === 'string' ? t : '(unreadable)';
        byTask[name] = (byTask[name] ?? 0) + 1;
        if (!opts.details) continue;
        // RabbitMQ's x-death says when it died (seconds); the exception is not in the message (contract 3).
        const death = m.properties.headers?.['x-death'];
        const first = Array.isArray(death) ? (death[0] as { time?: unknown } | undefined) : undefined;
        const time = first?.time as { value?: unknown } | number | undefined;
        const secs = typeof time === 'number' ? time : typeof time?.value === 'number' ? time.value : null;
        const at = secs === null ? null : secs * 1000;
        const d = details.get(name) ?? { task: name, excType: null, count: 0, oldestFailedAt: null, newestFailedAt: null };
        d.count += 1;
        if (at !== null) {
          d.oldestFailedAt = d.oldestFailedAt === null ? at : Math.min(d.oldestFailedAt, at);
          d.newestFailedAt = d.newestFailedAt === null ? at : Math.max(d.newestFailedAt, at);
        }
        details.set(name, d);
      }
    } finally {
      await ch.close().catch(() => undefined);
    }
    return opts.details ? { total, byTask, details: [...details.values()] } : { total, byTask };
  }

  async replay(req: ReplayRequest): Promise<ReplayResult> {
    const result: ReplayResult = { replayed: 0, skipped: 0, alreadyDone: 0, total: 0, stopped: false, error: null, ids: [], unreadable: 0 };
    const problems = checkReplayRequest(req);
    if (problems.length > 0) return { ...result, error: problems.join('; ') };
    const now = this.opts.now ?? Date.now;
    const dead = deadLetterQueueOf(req.queue);
    const ledger = new ReplayLedgerFile(
      ledgerFileFor(this.opts.stateDir ?? path.join(os.homedir(), '.lsos-cockpit'), this.opts.url, req.queue),
    );
    const rate = effectiveRate(req);
    const pacer = new Pacer(rate);
    const batch = this.opts.batchSize ?? batchFor(rate);
    const max = req.max ?? Infinity;
    const held: GetMessage[] = [];
    let ch: Channel | null = null;
    const returned: string[] = [];
    try {
      // Both must exist; neither is ever declared here.
      await this.messageCount(req.queue);
      const present = await this.messageCount(dead);
      result.total = Math.min(present, max);
      ch = await this.channel();
      ch.on('return', (m: Message) => returned.push(String(m.properties.correlationId)));
      await (ch as unknown as RpcChannel).rpc(TX_SELECT, {}, TX_SELECT_OK);
      let examined = 0;
      while (examined < present && result.replayed + result.alreadyDone < max) {
        if (req.signal?.aborted) {
          result.stopped = true;
          break;
        }
        const room = Math.min(batch, max - result.replayed - result.alreadyDone);
        await pacer.before(room, req.signal);
        const committed: { identity: string; id: string; at: number }[] = [];
        let dups = 0;
        let moves = 0;
        const originals: GetMessage[] = [];
        while (moves + dups < room && examined < present) {
          const m = await ch.get(dead, { noAck: false });
          if (!m) {
            examined = present;
            break;
          }
          examined++;
          const headers = m.properties.headers ?? {};
          const task = headers['task'];
          if (m.content.length > MAX_MESSAGE_BYTES || typeof task !== 'string' || typeof headers['id'] !== 'string') {
            held.push(m);
            result.unreadable = (result.unreadable ?? 0) + 1;
            continue;
          }
          if (!wanted(req, task, headers)) {
            held.push(m);
            continue;
          }
          const identity = deadLetterIdentity(headers);
          // A copy of one replayed before, or of one replayed earlier in this same transaction.
          if (ledger.has(identity) || committed.some((c) => c.identity === identity)) {
            ch.ack(m);
            dups++;
            continue;
          }
          const at = now();
          const msg = replayPublish(
            m,
            req.queue,
            replayHeaders(headers, { deadQueue: dead, operator: req.operator, reasonCode: req.reasonCode, nowMs: at }),
          );
          if (validateTaskMessage(msg, 'amqp').length > 0) {
            held.push(m);
            result.unreadable = (result.unreadable ?? 0) + 1;
            continue;
          }
          ch.publish(msg.exchange, msg.routingKey, msg.content, { ...msg.options, mandatory: true });
          ch.ack(m);
          originals.push(m);
          committed.push({ identity, id: headers['id'], at: at / 1000 });
          moves++;
        }
        await (ch as unknown as RpcChannel).rpc(TX_COMMIT, {}, TX_COMMIT_OK);
        ledger.append(committed.map((c) => ({ ...c, queue: req.queue, by: req.operator, reason: req.reasonCode })));
        if (returned.length > 0) await this.restoreReturned(ch, dead, originals, returned);
        result.replayed += moves;
        result.alreadyDone += dups;
        result.ids.push(...committed.map((c) => c.id));
        result.skipped = held.length;
        pacer.done(moves);
        req.onProgress?.({ replayed: result.replayed, skipped: result.skipped, alreadyDone: result.alreadyDone, total: result.total });
      }
      // The skipped ones go back to their places in Q.dead.
      if (held.length > 0) {
        for (const m of held) ch.nack(m, false, true);
        await (ch as unknown as RpcChannel).rpc(TX_COMMIT, {}, TX_COMMIT_OK);
      }
      result.skipped = held.length;
    } catch (err) {
      result.error = errText(err);
      result.skipped = held.length; // returned to Q.dead by the broker when the channel goes
    } finally {
      ledger.close();
      if (ch) await ch.close().catch(() => undefined);
    }
    return result;
  }

  /**
   * Mandatory publishes the broker could not route (the queue was deleted during the run) were
   * committed together with their dead letters' acks: put those dead letters back in Q.dead.
   */
  private async restoreReturned(ch: Channel, dead: string, originals: GetMessage[], returned: string[]): Promise<void> {
    const ids = new Set(returned.splice(0));
    for (const m of originals) {
      if (!ids.has(String(m.properties.correlationId))) continue;
      const { userId: _u, ...props } = m.properties as Message['properties'] & { userId?: unknown };
      ch.publish('', dead, m.content, props as Options.Publish);
    }
    await (ch as unknown as RpcChannel).rpc(TX_COMMIT, {}, TX_COMMIT_OK);
    throw new Error(`queue ${dead.replace(/\.dead$/, '')} did not take ${ids.size} replayed message(s); they were put back in ${dead}`);
  }

  async close(): Promise<void> {
    const c = this.conn;
    this.conn = null;
    if (c) await c.close().catch(() => undefined);
  }
}
