// Dead-letter replay, the transport-neutral part (LSOS contract section 5): the header rewrite,
// the dead letter's identity for the ledger, request checks and pacing.
import { REPLAY_REASON_CODES, type ReplayRequest } from './types.js';

/** LSOS's dead-letter headers (Redis): moved to `lsos_last_*` on replay, see replayHeaders. */
const DEAD_LETTER_HEADERS = ['lsos_exc_type', 'lsos_exc_message', 'lsos_failed_at', 'lsos_dead_reason'] as const;

export interface ReplayContext {
  /** Where it was dead-lettered, e.g. `crawl.dead`. */
  deadQueue: string;
  operator: string;
  reasonCode: string;
  nowMs: number;
}

export function priorReplayCount(headers: Record<string, unknown>): number {
  const n = headers['lsos_replay_count'];
  return Number.isInteger(n) && (n as number) >= 0 ? (n as number) : 0;
}

/**
 * The replayed message's headers: the original ones (same id, root_id, parent_id), plus the
 * replay headers. Decisions:
 * - `lsos_exc_type`, `lsos_exc_message`, `lsos_failed_at`, `lsos_dead_reason` move to
 *   `lsos_last_exc_type`, ... : a message in a work queue never carries the dead-letter markers
 *   (so nothing mistakes it for a dead letter), and the last failure stays on record. If the
 *   replay fails again, LSOS writes fresh `lsos_exc_*` next to them.
 * - RabbitMQ's `x-death` / `x-first-death-*` / `x-last-death-*` are dropped (they belong to the
 *   broker; the death reason is kept as `lsos_last_dead_reason` when LSOS did not set one).
 * - kombu's `redelivered` marker is dropped: the replay is a new delivery.
 * - `lsos_sent_at` is stamped fresh (a replay is a new publish, like a retry; otherwise queue lag
 *   would read hours for a message that just arrived); the first stamp is kept as
 *   `lsos_original_sent_at`.
 */
export function replayHeaders(orig: Record<string, unknown>, ctx: ReplayContext): Record<string, unknown> {
  const h: Record<string, unknown> = { ...orig };
  for (const k of DEAD_LETTER_HEADERS) {
    if (k in h) {
      h[k.replace(/^lsos_/, 'lsos_last_')] = h[k];
      delete h[k];
    }
  }
  const death = Array.isArray(h['x-death']) ? (h['x-death'][0] as Record<string, unknown> | undefined) : undefined;
  if (!('lsos_last_dead_reason' in h) && death && typeof death['reason'] === 'string') h['lsos_last_dead_reason'] = death['reason'];
  for (const k of Object.keys(h)) if (k === 'x-death' || k.startsWith('x-first-death-') || k.startsWith('x-last-death-')) delete h[k];
  delete h['redelivered'];
  if (!('lsos_original_sent_at' in h) && typeof orig['lsos_sent_at'] === 'number') h['lsos_original_sent_at'] = orig['lsos_sent_at'];
  h['lsos_sent_at'] = ctx.nowMs / 1000;
  h['lsos_replay_of'] = ctx.deadQueue;
  h['lsos_replay_count'] = priorReplayCount(orig) + 1;
  h['lsos_replayed_by'] = ctx.operator;
  h['lsos_replay_reason'] = ctx.reasonCode;
  h['lsos_replayed_at'] = ctx.nowMs / 1000;
  return h;
}

/**
 * A dead letter's identity in the ledger: the task id plus what makes one publish of it unique
 * (kombu's delivery_tag on Redis, the `lsos_sent_at` stamp LSOS puts on every publish, retries
 * included) and how often it was replayed before. Two dead letters share it only when they are
 * copies of the same delivery, so replaying one of them is right.
 */
export function deadLetterIdentity(headers: Record<string, unknown>, deliveryTag?: string): string {
  const id = typeof headers['id'] === 'string' ? headers['id'] : '?';
  const sent = typeof headers['lsos_sent_at'] === 'number' ? String(headers['lsos_sent_at']) : '';
  const retries = Number.isInteger(headers['retries']) ? String(headers['retries']) : '';
  return [id, deliveryTag ?? '', sent, retries, String(priorReplayCount(headers))].join('|');
}

export function checkReplayRequest(req: ReplayRequest): string[] {
  const out: string[] = [];
  if (typeof req.queue !== 'string' || req.queue === '') out.push('queue missing');
  if (typeof req.operator !== 'string' || req.operator.trim() === '') out.push('operator missing');
  if (!(REPLAY_REASON_CODES as readonly string[]).includes(req.reasonCode))
    out.push(`reason code must be one of ${REPLAY_REASON_CODES.join(', ')}`);
  if (typeof req.allowedTasks !== 'function') out.push('allowedTasks missing');
  if (req.max !== undefined && !(Number.isInteger(req.max) && req.max >= 0)) out.push('max must be a non-negative integer');
  if (req.ratePerSecond !== undefined && !(typeof req.ratePerSecond === 'number' && req.ratePerSecond >= 0))
    out.push('ratePerSecond must be >= 0');
  return out;
}

/** Whether a dead letter of this task name (and recorded exception, `lsos_exc_type`) is replayed in this run. */
export function wanted(req: ReplayRequest, task: string, headers: Record<string, unknown> = {}): boolean {
  if (req.tasks && req.tasks.length > 0 && !req.tasks.includes(task)) return false;
  if (req.only) {
    const exc = headers['lsos_exc_type'];
    if (!req.only({ task, excType: typeof exc === 'string' ? exc : null })) return false;
  }
  return req.allowedTasks(task);
}

/** Default 200/s (contract); 0 or Infinity: no limit. */
export function effectiveRate(req: ReplayRequest): number {
  const r = req.ratePerSecond ?? 200;
  return r <= 0 || !Number.isFinite(r) ? Infinity : r;
}

/** Batch size that keeps the pacing smooth: about a tenth of a second's worth, 1..100. */
export function batchFor(rate: number, cap = 100): number {
  return rate === Infinity ? cap : Math.max(1, Math.min(cap, Math.floor(rate / 10)));
}

/** Paces to `rate` messages per second over the whole run. */
export class Pacer {
  private readonly start = Date.now();
  private sent = 0;

  constructor(private readonly rate: number) {}

  async before(n: number, signal?: AbortSignal): Promise<void> {
    if (this.rate === Infinity) return;
    const dueMs = ((this.sent + n - 1) / this.rate) * 1000;
    const wait = this.start + dueMs - Date.now();
    if (wait > 0) await abortableSleep(wait, signal);
  }

  done(n: number): void {
    this.sent += n;
  }
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
