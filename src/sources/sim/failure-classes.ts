// The exceptions the simulation raises, per failure class. It draws an exception name per failure
// and classifies it with the contract's default rules (src/domain/failureClasses.ts), the same the
// live sources use, so its numbers mean what a real cockpit would compute from `task-failed` events.

import type { FailureClass } from '../../domain/failureClasses.js';

/** Exceptions the simulation raises per class unless a task names its own. */
export const DEFAULT_EXCEPTIONS: Record<FailureClass, readonly string[]> = {
  transient: ['TimeoutError', 'ConnectionError'],
  validation: ['ValidationError'],
  provider: ['ProxyBlocked', 'CaptchaDetected', 'RateLimited'],
  parser: ['ParserError'],
  unclassified: ['RuntimeError'],
};

/**
 * Celery-side handling: validation errors are rejected for good at once (`Reject(requeue=False)`),
 * everything else is retried until the task's max retries are spent, then dead-lettered.
 */
export function isRetried(c: FailureClass): boolean {
  return c !== 'validation';
}
