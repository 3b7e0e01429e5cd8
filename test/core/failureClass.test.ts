import { describe, expect, it } from 'vitest';
import {
  classifyException,
  createClassifier,
  exceptionName,
  fromConfigRules,
  parseFailureRules,
  type FailureRule,
} from '../../src/core/failureClass.js';

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
  const rules: FailureRule[] = [
    { class: 'provider', names: ['TimeoutError'] },
    { class: 'parser', prefix: ['Soup'] },
    { class: 'transient', suffix: ['Unavailable'] },
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

  it('accepts the config file rule shape', () => {
    const r = fromConfigRules([
      { failureClass: 'parser', names: [], prefixes: ['Soup'], suffixes: [] },
      { failureClass: 'transient', names: ['Boom'], prefixes: [], suffixes: [] },
    ]);
    expect(classifyException('SoupError', r)).toBe('parser');
    expect(classifyException("Boom('x')", r)).toBe('transient');
    expect(classifyException('TimeoutError', r)).toBe('unclassified');
  });

  it('parseFailureRules validates config input', () => {
    expect(parseFailureRules([{ class: 'parser', suffix: ['Broken'] }])).toEqual([{ class: 'parser', suffix: ['Broken'] }]);
    expect(() => parseFailureRules({})).toThrow(/list of rules/);
    expect(() => parseFailureRules([{ class: 'fatal', names: ['X'] }])).toThrow(/class/);
    expect(() => parseFailureRules([{ class: 'parser' }])).toThrow(/names, prefix or suffix/);
    expect(() => parseFailureRules([{ class: 'parser', names: [''] }])).toThrow(/non-empty/);
    expect(() => parseFailureRules([{ class: 'parser', names: ['A'], sufix: ['B'] }])).toThrow(/unknown key 'sufix'/);
  });
});
