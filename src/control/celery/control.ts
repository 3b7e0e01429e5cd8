// Celery remote control (celery.pidbox), the transport-neutral part: the request body Celery's
// own `celery control` / `inspect` sends, argument checks per command, and reading replies
// (celery-wire/celery-5.2-wire.md section 4).
import type { ControlCommand, ControlReply } from './types.js';

export class InvalidControlRequestError extends Error {
  override readonly name = 'InvalidControlRequestError';
}

export interface PidboxRequest {
  method: ControlCommand;
  arguments: Record<string, unknown>;
  destination: string[] | null;
  pattern: null;
  matcher: null;
  ticket: string;
  reply_to: { exchange: 'reply.celery.pidbox'; routing_key: string };
}

/** Celery's defaults: control_exchange `celery`, replies on `reply.celery.pidbox`. */
export const PIDBOX_EXCHANGE = 'celery.pidbox';
export const REPLY_EXCHANGE = 'reply.celery.pidbox';
/** Celery's control_queue_expires (10 s) and control_queue_ttl (300 s). */
export const REPLY_QUEUE_ARGS = { 'x-expires': 10_000, 'x-message-ttl': 300_000 } as const;
export const DEFAULT_CONTROL_TIMEOUT_MS = 1000;

const COMMANDS: readonly ControlCommand[] = [
  'ping',
  'stats',
  'active_queues',
  'pool_shrink',
  'pool_grow',
  'autoscale',
  'cancel_consumer',
  'add_consumer',
];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Problems with a command's arguments (the worker would answer with an error, or worse). */
export function validateControlArgs(command: ControlCommand, args: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (!COMMANDS.includes(command)) return [`unknown command ${String(command)}`];
  const posInt = (k: string, required: boolean) => {
    const v = args[k];
    if (v === undefined) {
      if (required) out.push(`${command} needs ${k}`);
    } else if (!(Number.isInteger(v) && (v as number) >= 0)) out.push(`${command}: ${k} must be a non-negative integer`);
  };
  const str = (k: string, required: boolean) => {
    const v = args[k];
    if (v === undefined) {
      if (required) out.push(`${command} needs ${k}`);
    } else if (typeof v !== 'string' || v === '') out.push(`${command}: ${k} must be a non-empty string`);
  };
  switch (command) {
    case 'pool_shrink':
    case 'pool_grow':
      posInt('n', false);
      break;
    case 'autoscale':
      posInt('max', true);
      posInt('min', true);
      if (typeof args['max'] === 'number' && typeof args['min'] === 'number' && args['min'] > args['max']) out.push('autoscale: min > max');
      break;
    case 'cancel_consumer':
      str('queue', true);
      break;
    case 'add_consumer':
      str('queue', true);
      str('exchange', false);
      str('exchange_type', false);
      str('routing_key', false);
      break;
    default:
      break;
  }
  return out;
}

export function buildPidboxRequest(
  command: ControlCommand,
  args: Record<string, unknown>,
  destination: string[] | undefined,
  ticket: string,
  replyKey: string,
): PidboxRequest {
  return {
    method: command,
    arguments: args,
    destination: destination && destination.length > 0 ? destination : null,
    pattern: null,
    matcher: null,
    ticket,
    reply_to: { exchange: REPLY_EXCHANGE, routing_key: replyKey },
  };
}

/** Checks a request body before it is sent (a broken one may crash every worker at once). */
export function validatePidboxRequest(req: unknown): string[] {
  const out: string[] = [];
  if (!isObject(req)) return ['request not an object'];
  if (typeof req['method'] !== 'string' || !COMMANDS.includes(req['method'] as ControlCommand)) out.push('method missing or not supported');
  if (!isObject(req['arguments'])) out.push('arguments not an object');
  const d = req['destination'];
  if (d !== null && !(Array.isArray(d) && d.length > 0 && d.every((x) => typeof x === 'string' && x.length > 0)))
    out.push('destination must be null or a list of node names');
  if (typeof req['ticket'] !== 'string' || req['ticket'] === '') out.push('ticket missing');
  const rt = req['reply_to'];
  if (!isObject(rt) || rt['exchange'] !== REPLY_EXCHANGE || typeof rt['routing_key'] !== 'string' || rt['routing_key'] === '')
    out.push('reply_to missing or malformed');
  return out;
}

/** One `{node: result}` reply body as ControlReplies. */
export function readReplyBody(body: unknown): ControlReply[] {
  if (!isObject(body)) return [];
  return Object.entries(body).map(([worker, result]) => {
    const r = isObject(result) ? result : null;
    const error = r && 'error' in r ? String(r['error']) : null;
    let detail: string;
    if (error !== null) detail = error;
    else if (r && typeof r['ok'] === 'string') detail = r['ok'];
    else {
      const s = JSON.stringify(result) ?? 'null';
      detail = s.length > 300 ? `${s.slice(0, 297)}...` : s;
    }
    return { worker, ok: error === null && result !== null && result !== undefined, detail, raw: result };
  });
}

/** Collects replies until every destination answered (or the caller's timeout). */
export class ReplyCollector {
  readonly replies: ControlReply[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly destination: string[] | undefined) {}

  add(rs: ControlReply[]): void {
    for (const r of rs) {
      // One reply per worker, as Celery's client keeps it.
      if (this.seen.has(r.worker)) continue;
      if (this.destination && this.destination.length > 0 && !this.destination.includes(r.worker)) continue;
      this.seen.add(r.worker);
      this.replies.push(r);
    }
  }

  get complete(): boolean {
    return !!this.destination && this.destination.length > 0 && this.destination.every((d) => this.seen.has(d));
  }
}
