// Failure classes (LSOS contract section 4): the exception class name of a failure decides its
// class, by rules where the first match wins. The rules are data in one shape, the one the config
// file writes (`failureClasses:` in src/config/file.ts), so the cockpit's config can replace them.

export const FAILURE_CLASSES = ['transient', 'validation', 'provider', 'parser', 'unclassified'] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

/** One rule: the failure class it decides and the exception class names it claims. */
export interface FailureClassRule {
  failureClass: Exclude<FailureClass, 'unclassified'>;
  /** Exact exception class names. */
  names: readonly string[];
  /** Names starting with one of these. */
  prefixes: readonly string[];
  /** Names ending with one of these. */
  suffixes: readonly string[];
}

/** The contract's default rules, in order (first match wins); a name no rule matches is `unclassified`. */
export const DEFAULT_FAILURE_CLASS_RULES: readonly FailureClassRule[] = [
  {
    failureClass: 'transient',
    names: ['ConnectionError', 'TimeoutError', 'OperationalError', 'SoftTimeLimitExceeded', 'TimeLimitExceeded', 'WorkerLostError'],
    prefixes: [],
    suffixes: ['Timeout'],
  },
  { failureClass: 'validation', names: ['ValidationError', 'ValueError', 'IntegrityError'], prefixes: ['Invalid'], suffixes: [] },
  {
    failureClass: 'provider',
    names: ['ProviderError', 'ProxyBlocked', 'CaptchaDetected', 'RateLimited'],
    prefixes: ['Provider'],
    suffixes: [],
  },
  {
    failureClass: 'parser',
    names: ['ParserError', 'JSONDecodeError', 'XMLSyntaxError', 'UnicodeDecodeError'],
    prefixes: [],
    suffixes: ['ParseError'],
  },
];

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/;

/**
 * The bare exception class name from what Celery and LSOS put on the wire:
 * - a class name: `ProxyBlocked`
 * - a dotted path: `requests.exceptions.ConnectionError` -> `ConnectionError`
 * - a repr (task-failed `exception`): `ValueError('disk full')` -> `ValueError`
 * - a type repr: `<class 'requests.exceptions.ConnectionError'>` -> `ConnectionError`
 * - billiard's wrapper for exceptions it could not unpickle:
 *   `UnpickleableExceptionWrapper('mod', 'KaboomError', ...)` -> `KaboomError`
 * Returns null when nothing resembling a class name is there.
 */
export function exceptionName(excTypeOrRepr: unknown): string | null {
  if (typeof excTypeOrRepr !== 'string') return null;
  let s = excTypeOrRepr.trim();
  if (s.length === 0) return null;
  const typeRepr = /^<class '([^']+)'>/.exec(s);
  if (typeRepr?.[1]) s = typeRepr[1];
  const wrapped = /^(?:[\w.]+\.)?UnpickleableExceptionWrapper\(\s*'[^']*'\s*,\s*'([A-Za-z_][\w]*)'/.exec(s);
  if (wrapped?.[1]) return wrapped[1];
  const m = IDENT.exec(s);
  if (!m) return null;
  const rest = s.slice(m[0].length).trimStart();
  // After the name only a repr's argument list, a message (`Name: msg`) or nothing may follow.
  if (rest.length > 0 && !rest.startsWith('(') && !rest.startsWith(':')) return null;
  const parts = m[0].split('.');
  return parts[parts.length - 1] ?? null;
}

function matches(rule: FailureClassRule, name: string): boolean {
  if (rule.names.includes(name)) return true;
  // An empty prefix or suffix would claim every name: it claims none.
  if (rule.prefixes.some((p) => p.length > 0 && name.startsWith(p))) return true;
  if (rule.suffixes.some((p) => p.length > 0 && name.endsWith(p))) return true;
  return false;
}

/** The failure class of an exception (class name, dotted path or repr); the first matching rule wins. */
export function classifyException(excTypeOrRepr: unknown, rules: readonly FailureClassRule[] = DEFAULT_FAILURE_CLASS_RULES): FailureClass {
  const name = exceptionName(excTypeOrRepr);
  if (name === null) return 'unclassified';
  for (const rule of rules) if (matches(rule, name)) return rule.failureClass;
  return 'unclassified';
}

/**
 * A classifier bound to a rule set, memoising names (the same few exception names arrive
 * thousands of times). The memo is bounded: it is cleared when it reaches `memoSize`.
 */
export function createClassifier(
  rules: readonly FailureClassRule[] = DEFAULT_FAILURE_CLASS_RULES,
  memoSize = 1024,
): (exc: unknown) => FailureClass {
  const memo = new Map<string, FailureClass>();
  return (exc: unknown) => {
    if (typeof exc !== 'string') return 'unclassified';
    // Key on the name, not the repr: reprs carry messages and would defeat the memo.
    const name = exceptionName(exc);
    if (name === null) return 'unclassified';
    const hit = memo.get(name);
    if (hit) return hit;
    const c = classifyException(name, rules);
    if (memo.size >= memoSize) memo.clear();
    memo.set(name, c);
    return c;
  };
}
