// Every time the cockpit writes is UTC through luxon with en-US as its default locale: luxon then
// never asks `new Intl.DateTimeFormat()` for the system's locale, a call that maps about 4 MB of
// ICU's locale, calendar and time-zone data into the process for good (docs/performance.md,
// "Memory, third session"). The text is the one luxon writes without it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { utcClock } from '../../components/format.js';
import { incidentIdBase, parseDueDate } from '../../src/core/incident.js';
import { formatUtc, parseOperatorTime, parseUtc } from '../../src/core/timeline.js';

type Formatter = 'DateTimeFormat' | 'NumberFormat';
const made: Record<Formatter, number> = { DateTimeFormat: 0, NumberFormat: 0 };
const originals = { DateTimeFormat: Intl.DateTimeFormat, NumberFormat: Intl.NumberFormat };

describe('UTC times without ICU locale data', () => {
  beforeEach(() => {
    for (const name of ['DateTimeFormat', 'NumberFormat'] as const) {
      made[name] = 0;
      // A counting stand-in: `new` still makes the real formatter.
      (Intl as Record<Formatter, unknown>)[name] = new Proxy(originals[name], {
        construct(target, args, newTarget) {
          made[name] += 1;
          return Reflect.construct(target, args, newTarget) as object;
        },
        apply(target, self, args) {
          made[name] += 1;
          return Reflect.apply(target, self, args) as unknown;
        },
      });
    }
  });
  afterEach(() => Object.assign(Intl, originals));

  it('formats, parses, and reads ids and clocks, valid or not, without an Intl formatter', () => {
    const at = Date.UTC(2026, 11, 6, 17, 4, 5, 67);
    expect(formatUtc(at)).toBe('2026-12-06T17:04:05.067Z');
    expect(parseUtc('2026-12-06T17:04:05.067Z')).toBe(at);
    expect(parseUtc('not a time')).toBeNull();
    expect(parseOperatorTime(' 2026-12-06T18:04:05.067+01:00 ')).toBe('2026-12-06T17:04:05.067Z');
    expect(parseOperatorTime('2026-12-06T17:04')).toBe('2026-12-06T17:04:00.000Z');
    expect(parseOperatorTime('yesterday')).toBeNull();
    expect(incidentIdBase(at)).toBe('INC-20261206-1704');
    expect(parseDueDate('2026-02-28')).toEqual({ ok: true, date: '2026-02-28' });
    expect(parseDueDate('2026-02-30').ok).toBe(false);
    expect(utcClock(at)).toBe('17:04:05');
    expect(utcClock('2026-12-06T17:04:05.067Z')).toBe('17:04:05');
    expect(utcClock('garbage')).toBe('--:--:--');
    expect(made).toEqual({ DateTimeFormat: 0, NumberFormat: 0 });
  });
});
