// kombu's Redis key layout for Celery queues (celery-wire/celery-5.2-wire.md section 1).
// A queue is a LIST (LPUSH by producers, BRPOP by workers, so the oldest ready message is the
// tail), split into priority sub-lists; `_kombu.binding.<exchange>` SETs name the queues.
import { isDeadLetterQueue } from '../../domain/queues.js';

/** kombu's separator inside binding members and priority key names: bytes 0x06 0x16. */
export const KOMBU_SEP = '\x06\x16';

/** kombu's PRIORITY_STEPS: step 0 is the bare name and is consumed first. */
export const PRIORITY_STEPS = [0, 3, 6, 9] as const;

/** The four lists of a queue: `q`, `q\x06\x163`, `q\x06\x166`, `q\x06\x169`. */
export function priorityKeys(queue: string): string[] {
  return PRIORITY_STEPS.map((s) => (s === 0 ? queue : `${queue}${KOMBU_SEP}${s}`));
}

export const BINDING_PREFIX = '_kombu.binding.';

/** Exchanges whose bindings are Celery's plumbing, not task queues. */
const INTERNAL_EXCHANGES = new Set(['celery.pidbox', 'celeryev', 'reply.celery.pidbox']);

/**
 * The task queue a binding member names (`routing_key \x06\x16 pattern \x06\x16 queue`), or null
 * for Celery's plumbing (remote control mailboxes, event receivers, reply queues) and garbage.
 */
export function queueFromBinding(bindingKey: string, member: string): string | null {
  if (!bindingKey.startsWith(BINDING_PREFIX)) return null;
  const exchange = bindingKey.slice(BINDING_PREFIX.length);
  if (INTERNAL_EXCHANGES.has(exchange)) return null;
  const parts = member.split(KOMBU_SEP);
  if (parts.length !== 3) return null;
  const queue = parts[2] as string;
  // kombu names a queue by any string; Redis keys may be up to 512 MB, but a name longer than this
  // is not a queue name anyone types.
  if (queue.length === 0 || queue.length > 1024) return null;
  if (queue.endsWith('.celery.pidbox') || queue.endsWith('.reply.celery.pidbox') || queue.startsWith('celeryev.')) return null;
  if (isDeadLetterQueue(queue)) return null;
  // A name with control bytes (ESC…) is still a queue workers may consume: it is watched, and
  // shown escaped wherever it is drawn or recorded (escapeControls), never dropped.
  return queue;
}

/** kombu's ack-emulation keys (no global_keyprefix by default). */
export const UNACKED_KEY = 'unacked';
export const UNACKED_INDEX_KEY = 'unacked_index';
