// Celery remote control over Redis, the way `celery inspect` does it: bind the reply list in
// `_kombu.binding.reply.celery.pidbox` first (without that entry the worker silently drops its
// reply), PUBLISH the kombu envelope on `/<db>.celery.pidbox`, then BRPOP the reply list.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { openRedis, redisOptions } from '../../sources/connect/redis.js';
import {
  buildPidboxRequest,
  DEFAULT_CONTROL_TIMEOUT_MS,
  InvalidControlRequestError,
  PIDBOX_EXCHANGE,
  readReplyBody,
  ReplyCollector,
  REPLY_EXCHANGE,
  validateControlArgs,
  validatePidboxRequest,
} from './control.js';
import type { ControlCommand, ControlReply, RemoteControl } from './types.js';

const SEP = '\x06\x16';

export interface RedisControlOptions {
  url: string;
  /** The broker db (default: from the URL path, else 0); it names the pub/sub channel. */
  db?: number;
}

export { InvalidControlRequestError };

export function dbFromUrl(url: string): number {
  try {
    return redisOptions(url).db; // a sentinel:// list too
  } catch {
    return 0;
  }
}

/** Checks a pidbox envelope before PUBLISH: a missing delivery_tag crashes every Redis worker. */
export function validatePidboxEnvelope(env: unknown): string[] {
  const out: string[] = [];
  const e = env as Record<string, unknown> | null;
  if (typeof e !== 'object' || e === null) return ['envelope not an object'];
  if (e['content-type'] !== 'application/json') out.push('content-type missing');
  if (typeof e['body'] !== 'string') out.push('body missing');
  const props = e['properties'] as Record<string, unknown> | undefined;
  if (typeof props !== 'object' || props === null) return [...out, 'properties missing'];
  if (typeof props['delivery_tag'] !== 'string' || props['delivery_tag'] === '') out.push('properties.delivery_tag missing');
  if (props['body_encoding'] !== 'base64') out.push('properties.body_encoding must be base64');
  const di = props['delivery_info'] as Record<string, unknown> | undefined;
  if (typeof di !== 'object' || di === null || typeof di['exchange'] !== 'string' || typeof di['routing_key'] !== 'string')
    out.push('properties.delivery_info missing');
  if (typeof e['body'] === 'string') {
    try {
      out.push(...validatePidboxRequest(JSON.parse(Buffer.from(e['body'], 'base64').toString('utf8'))));
    } catch {
      out.push('body not base64 JSON');
    }
  }
  return out;
}

export class RedisRemoteControl implements RemoteControl {
  private readonly redis: Redis;
  private readonly db: number;
  private clock = 0;

  constructor(private readonly opts: RedisControlOptions) {
    this.redis = openRedis(opts.url, { maxRetriesPerRequest: 2 });
    this.redis.on('error', () => undefined);
    this.db = opts.db ?? dbFromUrl(opts.url);
  }

  async call(
    command: ControlCommand,
    args: Record<string, unknown> = {},
    opts: { destination?: string[]; timeoutMs?: number } = {},
  ): Promise<ControlReply[]> {
    const problems = validateControlArgs(command, args);
    const ticket = randomUUID();
    // A reply key per call (Celery uses one per app): concurrent calls never read each other's list.
    const oid = randomUUID();
    const replyList = `${oid}.${REPLY_EXCHANGE}`;
    const bindingMember = [oid, '', replyList].join(SEP);
    const req = buildPidboxRequest(command, args, opts.destination, ticket, oid);
    const timeoutMs = opts.timeoutMs ?? DEFAULT_CONTROL_TIMEOUT_MS;
    const env = {
      body: Buffer.from(JSON.stringify(req), 'utf8').toString('base64'),
      'content-encoding': 'utf-8',
      'content-type': 'application/json',
      headers: { clock: ++this.clock, expires: (Date.now() + timeoutMs) / 1000 },
      properties: {
        delivery_mode: 2,
        delivery_info: { exchange: PIDBOX_EXCHANGE, routing_key: '' },
        priority: 0,
        body_encoding: 'base64',
        delivery_tag: randomUUID(),
      },
    };
    problems.push(...validatePidboxEnvelope(env));
    if (problems.length > 0) throw new InvalidControlRequestError(`refusing to send ${command}: ${problems.join('; ')}`);

    // A connection of its own for the blocking pop, so calls never wait on each other.
    const blocking = this.redis.duplicate();
    blocking.on('error', () => undefined);
    const collector = new ReplyCollector(opts.destination);
    try {
      await this.redis.sadd(`_kombu.binding.${REPLY_EXCHANGE}`, bindingMember);
      // PUBLISH answers how many subscribers got it: none means no worker is listening at all.
      const receivers = await this.redis.publish(`/${this.db}.${PIDBOX_EXCHANGE}`, JSON.stringify(env));
      const deadline = Date.now() + timeoutMs;
      while (receivers > 0 && !collector.complete) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        const item = await blocking.brpop(replyList, Math.max(0.01, left / 1000));
        if (!item) break;
        const reply = parseReplyEnvelope(item[1]);
        // Late replies to an earlier call carry another ticket.
        if (reply && reply.ticket === ticket) collector.add(readReplyBody(reply.body));
      }
    } finally {
      blocking.disconnect();
      await this.redis
        .multi()
        .srem(`_kombu.binding.${REPLY_EXCHANGE}`, bindingMember)
        .del(replyList)
        .exec()
        .catch(() => undefined);
    }
    return collector.replies;
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

function parseReplyEnvelope(raw: string): { ticket: unknown; body: unknown } | null {
  try {
    const env = JSON.parse(raw) as { body?: unknown; headers?: { ticket?: unknown }; properties?: { body_encoding?: unknown } };
    if (typeof env.body !== 'string') return null;
    const text = env.properties?.body_encoding === 'base64' ? Buffer.from(env.body, 'base64').toString('utf8') : env.body;
    return { ticket: env.headers?.ticket, body: JSON.parse(text) };
  } catch {
    return null;
  }
}
