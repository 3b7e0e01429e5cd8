// Failure classes by exception class name: the default rules of the LSOS contract, section 4
// (first match wins). The simulation draws an exception name per failure and classifies it with
// these rules, so its numbers mean what a real cockpit would compute from `task-failed` events.

import type { FailureClass } from '../core/snapshot.js';

interface Rule {
  failureClass: Exclude<FailureClass, 'unclassified'>;
  names: readonly string[];
  test?: (name: string) => boolean;
}

const RULES: readonly Rule[] = [
  {
    failureClass: 'transient',
    names: ['ConnectionError', 'TimeoutError', 'OperationalError', 'SoftTimeLimitExceeded', 'TimeLimitExceeded', 'WorkerLostError'],
    test: (n) => n.endsWith('Timeout'),
  },
  { failureClass: 'validation', names: ['ValidationError', 'ValueError', 'IntegrityError'], test: (n) => n.startsWith('Invalid') },
  { failureClass: 'provider', names: ['ProviderError', 'ProxyBlocked', 'CaptchaDetected', 'RateLimited'], test: (n) => n.startsWith('Provider') },
  { failureClass: 'parser', names: ['ParserError', 'JSONDecodeError', 'XMLSyntaxError', 'UnicodeDecodeError'], test: (n) => n.endsWith('ParseError') },
];

/** The failure class of an exception class name (contract section 4 default rules). */
export function classifyException(name: string): FailureClass {
  for (const rule of RULES) {
    if (rule.names.includes(name) || (rule.test?.(name) ?? false)) return rule.failureClass;
  }
  return 'unclassified';
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
