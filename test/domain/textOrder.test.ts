// compareText (src/domain/textOrder.ts): the cockpit's sorts order texts by code unit, not by ICU's
// collation (whose first use loads its data: docs/performance.md, "Fifth session").
import { describe, expect, it } from 'vitest';
import { compareText } from '../../src/domain/textOrder.js';

describe('compareText', () => {
  it('orders lower-case names, ids and ISO-8601 times as localeCompare did', () => {
    const texts = [
      'crawl',
      'rank',
      'reviews',
      'reporting',
      'reporting.retry',
      'email',
      'celery',
      'tenant00012',
      'tenant00002',
      'lsos.tasks.crawl.fetch',
      'lsos.tasks.rank',
      'celery@worker-1',
      'celery@worker-2',
      '2026-12-06T23:38:36.000Z',
      '2026-12-06T23:38:35.999Z',
      '2026-01-31T00:00:00.000Z',
      'inc-20261206-0001',
      'inc-20261206-0010',
      '',
    ];
    expect([...texts].sort(compareText)).toEqual([...texts].sort((a, b) => a.localeCompare(b)));
  });

  it('is a total order by code unit: 0 only for the same text, upper case before lower', () => {
    expect(compareText('a', 'a')).toBe(0);
    expect(compareText('a', 'b')).toBe(-1);
    expect(compareText('b', 'a')).toBe(1);
    expect(compareText('ab', 'a')).toBe(1);
    // Where localeCompare differs (documented): upper case first, punctuation after digits.
    expect(['b', 'B', 'a', 'A', '_x', 'x'].sort(compareText)).toEqual(['A', 'B', '_x', 'a', 'b', 'x']);
    expect(['w1@bench', 'w10@bench', 'w2@bench'].sort(compareText)).toEqual(['w10@bench', 'w1@bench', 'w2@bench']);
    expect(['w1@bench', 'w10@bench', 'w2@bench'].sort((a, b) => a.localeCompare(b))).toEqual(['w1@bench', 'w10@bench', 'w2@bench']);
  });
});
