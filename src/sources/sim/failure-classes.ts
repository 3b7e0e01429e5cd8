// Failure classes by exception class name: the default rules of the LSOS contract, section 4
// (first match wins). The simulation draws an exception name per failure and classifies it with
// these rules, so its numbers mean what a real cockpit would compute from `task-failed` events.

import { classifyException as classifyByDefaultRules } from '../../core/failureClass.js';
import type { FailureClass } from '../../core/snapshot.js';

/** The failure class of an exception class name (contract section 4 default rules, the same the live sources use). */
export function classifyException(name: string): FailureClass {
  return classifyByDefaultRules(name);
}

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
