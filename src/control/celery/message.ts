// Celery protocol-v2 task messages, built exactly as Celery 5.2 puts them on the wire
// (celery-wire/celery-5.2-wire.md sections 1.5 and 2.2), and the validator every publish path runs
// first: a malformed task message kills a real worker, and on Redis crashes it again on every
// restart (it is restored at the head of the list).
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { TaskSpec } from './types.js';
import { pyRepr, pyReprArgs } from './pyrepr.js';

export type Transport = 'redis' | 'amqp';

/** The header keys Celery 5.2 sets on every task message, in Celery's order. */
export const PROTOCOL_V2_HEADERS = [
  'lang',
  'task',
  'id',
  'shadow',
  'eta',
  'expires',
  'group',
  'group_index',
  'retries',
  'timelimit',
  'root_id',
  'parent_id',
  'argsrepr',
  'kwargsrepr',
  'origin',
  'ignore_result',
] as const;

/** Celery's default `embed`: no callbacks, errbacks, chain or chord. */
export const DEFAULT_EMBED = { callbacks: null, errbacks: null, chain: null, chord: null } as const;

/** A kombu envelope as kombu's Redis transport stores it in a list. */
export interface RedisEnvelope {
  body: string;
  'content-encoding': string;
  'content-type': string;
  headers: Record<string, unknown>;
  properties: {
    correlation_id?: string;
    reply_to?: string;
    delivery_mode?: number;
    delivery_info: { exchange: string; routing_key: string; [k: string]: unknown };
    priority?: number;
    body_encoding?: string;
    delivery_tag: string;
    [k: string]: unknown;
  };
}

/** An AMQP basic.publish: default exchange, routing key = queue, raw JSON body. */
export interface AmqpTaskMessage {
  exchange: string;
  routingKey: string;
  content: Buffer;
  options: {
    contentType: string;
    contentEncoding: string;
    deliveryMode: number;
    priority: number;
    correlationId: string;
    replyTo?: string;
    expiration?: string;
    headers: Record<string, unknown>;
  };
}

/** Transport-neutral form of one task message. */
export interface BuiltTask {
  id: string;
  queue: string;
  task: string;
  priority: number;
  headers: Record<string, unknown>;
  /** `[args, kwargs, embed]`. */
  body: [unknown[], Record<string, unknown>, Record<string, unknown>];
  correlationId: string;
  replyTo: string;
}

export interface BuildOptions {
  /** `gen<pid>@<host>` like a Celery producer; default from this process. */
  origin?: string;
  /** The producer's oid (Celery sets reply_to even without a result backend). */
  replyTo?: string;
  /** LSOS runs with task_ignore_result=True. */
  ignoreResult?: boolean;
  /** Clock, for tests. */
  nowMs?: number;
}

/** One oid per process, as a Celery app has one. */
const PROCESS_OID = randomUUID();
export const DEFAULT_ORIGIN = `gen${process.pid}@${os.hostname()}`;

/** Celery's ISO-8601 with microseconds and an explicit offset: `2026-11-28T23:24:39.444175+00:00`. */
export function celeryIso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

const RESERVED = new Set<string>([...PROTOCOL_V2_HEADERS, 'lsos_sent_at']);

/** Builds the protocol-v2 message for a TaskSpec; throws on a spec that cannot make a valid one. */
export function buildTask(spec: TaskSpec, opts: BuildOptions = {}): BuiltTask {
  const problems: string[] = [];
  if (typeof spec.task !== 'string' || spec.task.trim() === '') problems.push('task name missing');
  if (typeof spec.queue !== 'string' || spec.queue.trim() === '') problems.push('queue missing');
  const args = spec.args ?? [];
  const kwargs = spec.kwargs ?? {};
  if (!Array.isArray(args)) problems.push('args must be an array');
  if (typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs)) problems.push('kwargs must be an object');
  const priority = spec.priority ?? 0;
  if (!Number.isInteger(priority) || priority < 0 || priority > 9) problems.push(`priority ${String(priority)} not an integer 0-9`);
  if (spec.countdownSeconds !== undefined && !(Number.isFinite(spec.countdownSeconds) && spec.countdownSeconds >= 0))
    problems.push('countdownSeconds must be >= 0');
  for (const k of Object.keys(spec.headers ?? {}))
    if (RESERVED.has(k)) problems.push(`header ${k} is set by the protocol, not by extra headers`);
  if (problems.length > 0) throw new InvalidTaskMessageError(problems);

  const now = opts.nowMs ?? Date.now();
  const id = spec.id ?? randomUUID();
  const headers: Record<string, unknown> = {
    lang: 'py',
    task: spec.task,
    id,
    shadow: null,
    eta: spec.countdownSeconds !== undefined && spec.countdownSeconds > 0 ? celeryIso(now + spec.countdownSeconds * 1000) : null,
    expires: null,
    group: null,
    group_index: null,
    retries: 0,
    timelimit: [null, null],
    root_id: spec.rootId ?? id,
    parent_id: spec.parentId ?? null,
    argsrepr: pyReprArgs(args),
    kwargsrepr: pyRepr(kwargs),
    origin: opts.origin ?? DEFAULT_ORIGIN,
    ignore_result: opts.ignoreResult ?? true,
    lsos_sent_at: now / 1000,
    ...(spec.headers ?? {}),
  };
  return {
    id,
    queue: spec.queue,
    task: spec.task,
    priority,
    headers,
    body: [args, kwargs, { ...DEFAULT_EMBED }],
    correlationId: id,
    replyTo: opts.replyTo ?? PROCESS_OID,
  };
}

/** kombu's Redis envelope of a built task (body base64 of the UTF-8 JSON). */
export function toRedisEnvelope(t: BuiltTask): RedisEnvelope {
  return {
    body: Buffer.from(JSON.stringify(t.body), 'utf8').toString('base64'),
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers: t.headers,
    properties: {
      correlation_id: t.correlationId,
      reply_to: t.replyTo,
      delivery_mode: 2,
      delivery_info: { exchange: '', routing_key: t.queue },
      priority: t.priority,
      body_encoding: 'base64',
      // The `unacked` hash field: must be unique per message.
      delivery_tag: randomUUID(),
    },
  };
}

/** The AMQP publish of a built task (default exchange, routing key = queue, raw JSON body). */
export function toAmqpMessage(t: BuiltTask): AmqpTaskMessage {
  return {
    exchange: '',
    routingKey: t.queue,
    content: Buffer.from(JSON.stringify(t.body), 'utf8'),
    options: {
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      deliveryMode: 2,
      priority: t.priority,
      correlationId: t.correlationId,
      replyTo: t.replyTo,
      headers: t.headers,
    },
  };
}

export class InvalidTaskMessageError extends Error {
  override readonly name = 'InvalidTaskMessageError';
  constructor(readonly problems: string[]) {
    super(`refusing to send a malformed Celery task message: ${problems.join('; ')}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Validation

/** Larger messages are refused (and dead letters this big are treated as unreadable). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkHeaders(h: unknown, out: string[]): void {
  if (!isObject(h)) {
    out.push('headers missing or not an object');
    return;
  }
  // Protocol v2 is detected by `task` in the headers.
  if (typeof h['task'] !== 'string' || h['task'] === '') out.push('headers.task missing');
  if (typeof h['id'] !== 'string' || h['id'] === '') out.push('headers.id missing');
  if ('lang' in h && h['lang'] !== 'py') out.push(`headers.lang is ${JSON.stringify(h['lang'])}, not "py"`);
  if ('retries' in h && !(Number.isInteger(h['retries']) && (h['retries'] as number) >= 0))
    out.push('headers.retries not a non-negative integer');
  if ('timelimit' in h && !(Array.isArray(h['timelimit']) && h['timelimit'].length === 2))
    out.push('headers.timelimit not a 2-element array');
  for (const k of ['eta', 'expires']) {
    const v = h[k];
    if (v !== undefined && v !== null && !(typeof v === 'string' && ISO_WITH_OFFSET.test(v) && !Number.isNaN(Date.parse(v))))
      out.push(`headers.${k} not ISO-8601 with an offset`);
  }
  for (const k of ['root_id', 'parent_id', 'group', 'shadow']) {
    const v = h[k];
    if (v !== undefined && v !== null && typeof v !== 'string') out.push(`headers.${k} not a string or null`);
  }
  if ('lsos_sent_at' in h && !(typeof h['lsos_sent_at'] === 'number' && Number.isFinite(h['lsos_sent_at'])))
    out.push('headers.lsos_sent_at not a float');
}

function checkBody(raw: Buffer, out: string[]): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    out.push('body is not JSON');
    return;
  }
  // Celery does `args, kwargs, embed = body`: anything else crashes the worker.
  if (!Array.isArray(parsed) || parsed.length !== 3) {
    out.push('body is not a 3-element array [args, kwargs, embed]');
    return;
  }
  if (!Array.isArray(parsed[0])) out.push('body[0] (args) not an array');
  if (!isObject(parsed[1])) out.push('body[1] (kwargs) not an object');
  if (!isObject(parsed[2])) out.push('body[2] (embed) not an object');
}

function checkPriority(p: unknown, out: string[], where: string): void {
  if (p !== undefined && p !== null && !(Number.isInteger(p) && (p as number) >= 0 && (p as number) <= 9))
    out.push(`${where} not an integer 0-9`);
}

/**
 * The problems that would make a real Celery 5.2 worker crash on (or discard) this message; empty
 * when it is well-formed. Redis: a kombu envelope (object or its JSON text). AMQP: an
 * AmqpTaskMessage.
 */
export function validateTaskMessage(msg: unknown, transport: Transport): string[] {
  const out: string[] = [];
  if (transport === 'redis') {
    let env: unknown = msg;
    if (typeof msg === 'string') {
      if (Buffer.byteLength(msg) > MAX_MESSAGE_BYTES) return [`envelope larger than ${MAX_MESSAGE_BYTES} bytes`];
      try {
        env = JSON.parse(msg);
      } catch {
        return ['envelope is not JSON'];
      }
    }
    if (!isObject(env)) return ['envelope is not a JSON object'];
    if (env['content-type'] !== 'application/json') out.push('content-type missing or not application/json');
    if ('content-encoding' in env && env['content-encoding'] !== 'utf-8') out.push('content-encoding not utf-8');
    checkHeaders(env['headers'], out);
    const props = env['properties'];
    if (!isObject(props)) {
      out.push('properties missing');
      return out;
    }
    const di = props['delivery_info'];
    if (!isObject(di)) out.push('properties.delivery_info missing');
    else {
      if (typeof di['exchange'] !== 'string') out.push('properties.delivery_info.exchange missing');
      if (typeof di['routing_key'] !== 'string' || di['routing_key'] === '') out.push('properties.delivery_info.routing_key missing');
      // A restore looks the list up by (exchange, routing_key): a named exchange with no binding drops it.
      else if (di['exchange'] !== '') out.push('properties.delivery_info.exchange must be "" (the default exchange)');
    }
    if (typeof props['delivery_tag'] !== 'string' || props['delivery_tag'] === '') out.push('properties.delivery_tag missing');
    checkPriority(props['priority'], out, 'properties.priority');
    if ('delivery_mode' in props && props['delivery_mode'] !== 1 && props['delivery_mode'] !== 2)
      out.push('properties.delivery_mode not 1 or 2');
    const body = env['body'];
    if (typeof body !== 'string') out.push('body not a string');
    else if (env['content-type'] === 'application/json') {
      const enc = props['body_encoding'];
      if (enc !== undefined && enc !== 'base64') out.push(`properties.body_encoding ${JSON.stringify(enc)} unsupported`);
      else if (enc === 'base64') {
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) out.push('body is not base64');
        else checkBody(Buffer.from(body, 'base64'), out);
      } else checkBody(Buffer.from(body, 'utf8'), out);
    }
    return out;
  }
  // AMQP
  if (!isObject(msg)) return ['message is not an object'];
  if (msg['exchange'] !== '') out.push('exchange must be "" (Celery 5.2 publishes to the default exchange)');
  if (typeof msg['routingKey'] !== 'string' || msg['routingKey'] === '') out.push('routingKey (queue) missing');
  const o = msg['options'];
  if (!isObject(o)) return [...out, 'options missing'];
  if (o['contentType'] !== 'application/json') out.push('contentType missing or not application/json');
  if (o['contentEncoding'] !== undefined && o['contentEncoding'] !== 'utf-8') out.push('contentEncoding not utf-8');
  checkHeaders(o['headers'], out);
  checkPriority(o['priority'], out, 'priority');
  const content = msg['content'];
  if (!Buffer.isBuffer(content)) out.push('content not a Buffer');
  else if (content.length > MAX_MESSAGE_BYTES) out.push(`body larger than ${MAX_MESSAGE_BYTES} bytes`);
  else if (o['contentType'] === 'application/json') checkBody(content, out);
  return out;
}

/** Throws InvalidTaskMessageError unless the message is well-formed. */
export function assertValidTaskMessage(msg: unknown, transport: Transport): void {
  const problems = validateTaskMessage(msg, transport);
  if (problems.length > 0) throw new InvalidTaskMessageError(problems);
}

/** kombu's priority list for priority p: steps 0, 3, 6, 9 (0 = bare name, consumed first). */
export function redisPriorityKey(queue: string, priority: number | undefined): string {
  const p = Number.isInteger(priority) ? Math.min(9, Math.max(0, priority as number)) : 0;
  const step = p >= 9 ? 9 : p >= 6 ? 6 : p >= 3 ? 3 : 0;
  return step === 0 ? queue : `${queue}\x06\x16${step}`;
}
