// Failure classes (LSOS contract section 4): the exception class name of a failure decides its
// class, by rules where the first match wins. Pure; the rules are data so the cockpit's config
// can replace them.
import { FAILURE_CLASSES, type FailureClass } from './snapshot.js';

/** One rule: a failure class and the exception names it claims (exact, by prefix or by suffix). */
export interface FailureRule {
  class: FailureClass;
  names?: string[];
  prefix?: string[];
  suffix?: string[];
}

/** The contract's default rules, in order (first match wins). */
export const DEFAULT_FAILURE_RULES: readonly FailureRule[] = [
  {
    class: 'transient',
    names: ['ConnectionError', 'TimeoutError', 'OperationalError', 'SoftTimeLimitExceeded', 'TimeLimitExceeded', 'WorkerLostError'],
    suffix: ['Timeout'],
  },
  { class: 'validation', names: ['ValidationError', 'ValueError', 'IntegrityError'], prefix: ['Invalid'] },
  { class: 'provider', names: ['ProviderError', 'ProxyBlocked', 'CaptchaDetected', 'RateLimited'], prefix: ['Provider'] },
  { class: 'parser', names: ['ParserError', 'JSONDecodeError', 'XMLSyntaxError', 'UnicodeDecodeError'], suffix: ['ParseError'] },
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

function matches(rule: FailureRule, name: string): boolean {
  if (rule.names?.includes(name)) return true;
  if (rule.prefix?.some((p) => p.length > 0 && name.startsWith(p))) return true;
  if (rule.suffix?.some((p) => p.length > 0 && name.endsWith(p))) return true;
  return false;
}

/** The failure class of an exception (class name, dotted path or repr); first matching rule wins. */
export function classifyException(excTypeOrRepr: unknown, rules: readonly FailureRule[] = DEFAULT_FAILURE_RULES): FailureClass {
  const name = exceptionName(excTypeOrRepr);
  if (name === null) return 'unclassified';
  for (const rule of rules) if (matches(rule, name)) return rule.class;
  return 'unclassified';
}

/**
 * A classifier bound to a rule set, memoising names (the same few exception names arrive
 * thousands of times). The memo is bounded: it is cleared when it reaches `memoSize`.
 */
export function createClassifier(rules: readonly FailureRule[] = DEFAULT_FAILURE_RULES, memoSize = 1024): (exc: unknown) => FailureClass {
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

/**
 * Validates configured rules (from YAML/JSON). Throws with the offending path so a typo in the
 * config fails at start-up rather than silently classifying everything `unclassified`.
 */
export function parseFailureRules(input: unknown, where = 'failureRules'): FailureRule[] {
  if (!Array.isArray(input)) throw new Error(`${where}: expected a list of rules`);
  return input.map((raw, i) => {
    const at = `${where}[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${at}: expected an object`);
    const r = raw as Record<string, unknown>;
    const cls = r['class'];
    if (typeof cls !== 'string' || !(FAILURE_CLASSES as readonly string[]).includes(cls)) {
      throw new Error(`${at}.class: expected one of ${FAILURE_CLASSES.join(', ')}`);
    }
    const rule: FailureRule = { class: cls as FailureClass };
    for (const key of ['names', 'prefix', 'suffix'] as const) {
      const v = r[key];
      if (v === undefined) continue;
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x.length > 0)) {
        throw new Error(`${at}.${key}: expected a list of non-empty strings`);
      }
      rule[key] = v as string[];
    }
    for (const key of Object.keys(r)) {
      if (!['class', 'names', 'prefix', 'suffix'].includes(key)) throw new Error(`${at}: unknown key '${key}'`);
    }
    if (!rule.names && !rule.prefix && !rule.suffix) throw new Error(`${at}: a rule needs names, prefix or suffix`);
    return rule;
  });
}

/**
 * Rules in the config file's shape (`src/config/types.ts` FailureClassRule:
 * `{ failureClass, names, prefixes, suffixes }`) as classifier rules, order kept.
 */
export function fromConfigRules(
  rules: readonly { failureClass: FailureClass; names?: readonly string[]; prefixes?: readonly string[]; suffixes?: readonly string[] }[],
): FailureRule[] {
  return rules.map((r) => ({
    class: r.failureClass,
    names: [...(r.names ?? [])],
    prefix: [...(r.prefixes ?? [])],
    suffix: [...(r.suffixes ?? [])],
  }));
}
