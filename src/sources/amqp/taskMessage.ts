// Reading one Celery protocol-v2 task message as amqplib hands it over (a queue head, or a dead
// letter). Pure: every field is validated here, at the edge, and a malformed message becomes an
// `unreadable` verdict with a reason, never an exception.
import { createHash } from 'node:crypto';

/** The parts of an amqplib message this module reads (amqplib's own types are looser). */
export interface RawAmqpMessage {
  content: Buffer;
  properties: {
    contentType?: unknown;
    contentEncoding?: unknown;
    headers?: unknown;
    correlationId?: unknown;
    messageId?: unknown;
  };
  fields?: { redelivered?: boolean };
}

export type UnreadableReason = 'too-large' | 'content-type' | 'encoding' | 'headers' | 'not-json' | 'shape';

export interface TaskMessageInfo {
  /** Stable identity of this message across peeks: the task id, else a content digest. */
  key: string;
  taskId: string | null;
  task: string | null;
  /** `lsos_sent_at` in epoch seconds, when present and plausible. */
  sentAt: number | null;
  /** Null when the message is a readable Celery task message. */
  unreadable: UnreadableReason | null;
  /** Headers named `lsos_*` (replay lineage, exception details), values as strings. */
  lsosHeaders: Record<string, string>;
  redelivered: boolean;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

// Timestamps before 2001 or more than 5 minutes in the future are not a publish time in seconds
// (a millisecond value, a clock far off, garbage): the lag then falls back to an estimate.
const MIN_PLAUSIBLE_EPOCH_S = 1_000_000_000;
const FUTURE_TOLERANCE_S = 300;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

function shortString(v: unknown, max = 200): string | null {
  if (typeof v === 'string' && v.length > 0) return v.slice(0, max);
  if (Buffer.isBuffer(v) && v.length > 0) return v.toString('utf8', 0, max);
  return null;
}

/** A plausible epoch-seconds stamp (number, or a numeric string from a non-Python producer). */
export function parseSentAt(v: unknown, nowMs: number): number | null {
  let n: number | null = null;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v)) n = Number(v);
  if (n === null || !Number.isFinite(n)) return null;
  if (n < MIN_PLAUSIBLE_EPOCH_S || n > nowMs / 1000 + FUTURE_TOLERANCE_S) return null;
  return n;
}

function stringifyHeader(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  try {
    return JSON.stringify(v) ?? '';
  } catch {
    return '';
  }
}

/**
 * Digest of the body, for messages without a task id (so a later peek recognises them). Headers
 * are left out on purpose: dead-lettering adds x-death, and it is still the same message.
 */
export function contentDigest(msg: RawAmqpMessage): string {
  const h = createHash('sha1');
  h.update(msg.content.subarray(0, 64 * 1024));
  h.update(String(msg.content.length));
  return `sha1:${h.digest('hex')}`;
}

/**
 * Reads a task message. The verdict order matters: size first (a 5 MB body is never parsed),
 * then the envelope (content type, encoding, headers), then the body shape Celery requires
 * (`[args, kwargs, embed]`; anything else crashes a worker, wire notes section 5).
 */
export function readTaskMessage(msg: RawAmqpMessage, nowMs: number, maxBytes = DEFAULT_MAX_MESSAGE_BYTES): TaskMessageInfo {
  const headers = isRecord(msg.properties.headers) ? msg.properties.headers : null;
  const taskId = headers ? shortString(headers.id, 200) : null;
  const task = headers ? shortString(headers.task, 200) : null;
  const sentAt = headers ? parseSentAt(headers.lsos_sent_at, nowMs) : null;
  const lsosHeaders: Record<string, string> = {};
  if (headers) {
    for (const [k, v] of Object.entries(headers)) {
      if (k.startsWith('lsos_')) lsosHeaders[k] = stringifyHeader(v).slice(0, 500);
    }
  }
  const key = taskId ?? shortString(msg.properties.correlationId) ?? shortString(msg.properties.messageId) ?? contentDigest(msg);
  const base = { key, taskId, task, sentAt, lsosHeaders, redelivered: msg.fields?.redelivered === true };
  const verdict = (unreadable: UnreadableReason | null): TaskMessageInfo => ({ ...base, unreadable });

  if (msg.content.length > maxBytes) return verdict('too-large');
  if (msg.properties.contentType !== 'application/json') return verdict('content-type');
  const enc = msg.properties.contentEncoding;
  if (enc !== undefined && enc !== null && (typeof enc !== 'string' || !/^utf-?8$/i.test(enc))) return verdict('encoding');
  if (!headers || !taskId || !task) return verdict('headers');
  let body: unknown;
  try {
    body = JSON.parse(utf8.decode(msg.content));
  } catch {
    return verdict('not-json');
  }
  if (!Array.isArray(body) || body.length !== 3 || !Array.isArray(body[0]) || !isRecord(body[1]) || !isRecord(body[2])) {
    return verdict('shape');
  }
  return verdict(null);
}

/** One `x-death` entry, as RabbitMQ adds it when it dead-letters a message. */
export interface DeathRecord {
  /** How many times the message was dead-lettered from `queue` for `reason`. */
  count: number;
  reason: string;
  queue: string;
  /** Epoch ms of the most recent death for this queue and reason. */
  at: number | null;
  exchange: string | null;
  routingKeys: string[];
}

/** Reads RabbitMQ's `x-death` header (newest first); entries that are not well formed are skipped. */
export function readXDeath(headers: unknown): DeathRecord[] {
  if (!isRecord(headers) || !Array.isArray(headers['x-death'])) return [];
  const out: DeathRecord[] = [];
  for (const d of headers['x-death'].slice(0, 50)) {
    if (!isRecord(d)) continue;
    const count = typeof d.count === 'number' && Number.isFinite(d.count) ? d.count : 1;
    const reason = shortString(d.reason, 50) ?? 'unknown';
    const queue = shortString(d.queue, 250) ?? '';
    let at: number | null = null;
    // amqplib decodes an AMQP timestamp as {"!": "timestamp", value: <seconds>}.
    if (isRecord(d.time) && typeof d.time.value === 'number') at = d.time.value * 1000;
    else if (d.time instanceof Date) at = d.time.getTime();
    else if (typeof d.time === 'number') at = d.time * 1000;
    const routingKeys = Array.isArray(d['routing-keys'])
      ? d['routing-keys'].map((k) => shortString(k, 250)).filter((k): k is string => k !== null)
      : [];
    out.push({ count, reason, queue, at, exchange: typeof d.exchange === 'string' ? d.exchange : null, routingKeys });
  }
  return out;
}
