import { describe, expect, it } from 'vitest';
// Failure classes (contract section 4): one rule shape, one classifier, the contract's defaults.
import {
  DEFAULT_FAILURE_CLASS_RULES,
  classifyException,
  createClassifier,
  exceptionName,
  type FailureClassRule,
} from '../../src/domain/failureClasses.js';

describe('exceptionName', () => {
  it.each([
    ['ProxyBlocked', 'ProxyBlocked'],
    ["ValueError('disk full')", 'ValueError'],
    ['requests.exceptions.ConnectionError', 'ConnectionError'],
    ["requests.exceptions.ConnectionError('refused')", 'ConnectionError'],
    ["<class 'lxml.etree.XMLSyntaxError'>", 'XMLSyntaxError'],
    ['  TimeoutError()  ', 'TimeoutError'],
    ['ValueError: bad month', 'ValueError'],
    ["UnpickleableExceptionWrapper('lsos.tasks', 'KaboomError', ('x',), \"KaboomError('x')\")", 'KaboomError'],
  ])('%s -> %s', (input, name) => {
    expect(exceptionName(input)).toBe(name);
  });

  it.each([[''], ['   '], ['42 things'], ['not a name here'], [null], [12]])('%s -> null', (input) => {
    expect(exceptionName(input)).toBeNull();
  });
});

describe('classifyException with the contract rules (section 4)', () => {
  it.each([
    // transient
    ['ConnectionError', 'transient'],
    ['TimeoutError', 'transient'],
    ['OperationalError', 'transient'],
    ['SoftTimeLimitExceeded', 'transient'],
    ['TimeLimitExceeded', 'transient'],
    ['WorkerLostError', 'transient'],
    ['ReadTimeout', 'transient'],
    // validation
    ['ValidationError', 'validation'],
    ["ValueError('disk full')", 'validation'],
    ['IntegrityError', 'validation'],
    ['InvalidMonth', 'validation'],
    // provider
    ['ProviderError', 'provider'],
    ['ProxyBlocked', 'provider'],
    ['CaptchaDetected', 'provider'],
    ['RateLimited', 'provider'],
    ['ProviderQuotaExceeded', 'provider'],
    // parser
    ['ParserError', 'parser'],
    ['json.decoder.JSONDecodeError', 'parser'],
    ['XMLSyntaxError', 'parser'],
    ["UnicodeDecodeError('utf-8', b'', 0, 1, 'x')", 'parser'],
    ['HtmlParseError', 'parser'],
    // none
    ['RuntimeError', 'unclassified'],
    ['KeyError', 'unclassified'],
    ['', 'unclassified'],
  ])('%s is %s', (exc, cls) => {
    expect(classifyException(exc)).toBe(cls);
  });

  it('first match wins: a provider timeout is transient, an invalid-provider error is validation', () => {
    expect(classifyException('ProviderTimeout')).toBe('transient');
    expect(classifyException('InvalidProviderResponse')).toBe('validation');
    expect(classifyException('InvalidParseError')).toBe('validation');
  });

  it('dotted paths and reprs classify by the class name only', () => {
    expect(classifyException('requests.exceptions.ConnectionError')).toBe('transient');
    expect(classifyException("lsos.serp.ProxyBlocked('403 from pool brightpool')")).toBe('provider');
  });
});

describe('configurable rules', () => {
  const rules: FailureClassRule[] = [
    { failureClass: 'provider', names: ['TimeoutError'], prefixes: [], suffixes: [] },
    { failureClass: 'parser', names: [], prefixes: ['Soup'], suffixes: [] },
    { failureClass: 'transient', names: [], prefixes: [], suffixes: ['Unavailable'] },
  ];

  it('replace the defaults, first match wins', () => {
    expect(classifyException('TimeoutError', rules)).toBe('provider');
    expect(classifyException('SoupFailure', rules)).toBe('parser');
    expect(classifyException('ServiceUnavailable', rules)).toBe('transient');
    expect(classifyException('ValueError', rules)).toBe('unclassified');
  });

  it('a memoising classifier answers like the plain one, for reprs with different messages', () => {
    const c = createClassifier(rules, 2);
    for (const e of ["TimeoutError('a')", "TimeoutError('b')", 'SoupFailure', 'X', 'ServiceUnavailable', "TimeoutError('c')"]) {
      expect(c(e)).toBe(classifyException(e, rules));
    }
  });

  it('an empty prefix or suffix claims no name (it would otherwise claim every one)', () => {
    const r: FailureClassRule[] = [{ failureClass: 'parser', names: [], prefixes: [''], suffixes: [''] }];
    expect(classifyException('AnythingError', r)).toBe('unclassified');
  });
});

// Moved here from test/config/config.test.ts, where it tested config's own classifyFailure, a
// second classifier no production code called: the rules are the contract's, whichever code runs them.
describe("the default rules are the contract's (section 4)", () => {
  it.each([
    ['ConnectionError', 'transient'],
    ['SoftTimeLimitExceeded', 'transient'],
    ['ReadTimeout', 'transient'],
    ['WorkerLostError', 'transient'],
    ['ValidationError', 'validation'],
    ['IntegrityError', 'validation'],
    ['InvalidKeyword', 'validation'],
    ['ProxyBlocked', 'provider'],
    ['CaptchaDetected', 'provider'],
    ['ProviderQuotaExceeded', 'provider'],
    ['JSONDecodeError', 'parser'],
    ['HtmlParseError', 'parser'],
    ['UnicodeDecodeError', 'parser'],
    ['KeyError', 'unclassified'],
    ['requests.exceptions.ConnectionError', 'transient'],
  ])('%s is %s', (name, cls) => {
    expect(classifyException(name, DEFAULT_FAILURE_CLASS_RULES)).toBe(cls);
  });

  it('in the contract order, every class but unclassified', () => {
    expect(DEFAULT_FAILURE_CLASS_RULES.map((r) => r.failureClass)).toEqual(['transient', 'validation', 'provider', 'parser']);
  });
});
