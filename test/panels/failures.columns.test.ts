// Failure classes' column sets at two widths: the class counts beside or above the top failing
// tasks, the selected queue's column, and which task columns fit.
import { describe, expect, it } from 'vitest';
import { failuresTables, type FailuresData } from '../../panels/failures/columns.js';
import { cells, header, queue, shape } from './fixtures.js';

const crawl = queue('crawl', { failuresByClass: { transient: 310, validation: 3, provider: 95, parser: 12, unclassified: 0 } });

function data(over: Partial<FailuresData> = {}): FailuresData {
  return {
    totals: { transient: 314, validation: 3, provider: 102, parser: 12, unclassified: 0 },
    queue: crawl,
    tasks: [
      { key: 'a', queue: 'crawl', task: 'crawl.fetch_page', failureClass: 'transient', count: 280 },
      { key: 'b', queue: 'rank', task: 'rank.check_serp', failureClass: 'unclassified', count: 12_345 },
    ],
    ...over,
  };
}

describe('failure classes columns', () => {
  it('at 40 columns: classes above tasks, the task table without its queue column', () => {
    const { split, classes, tasks } = failuresTables(data(), 40, 12);
    expect(split.sideBySide).toBe(false);
    expect(split.classes).toEqual({ width: 40, height: 5 }); // a header and four classes
    expect(split.tasks).toEqual({ width: 40, height: 7 });
    expect(shape(classes.columns)).toEqual({ keys: ['cls', 'all', 'queue'], widths: [23, 6, 9], total: 40 });
    expect(header(classes.columns)).toBe('class (1h)                 all     crawl');
    expect(classes.rows.map((r) => r.cls)).toEqual(['transient', 'validation', 'provider', 'parser']);
    expect(shape(tasks.columns)).toEqual({ keys: ['task', 'class', 'count'], widths: [23, 10, 5], total: 40 });
    const b = cells(tasks.columns, tasks.rows[1]!);
    expect(b.class).toEqual({ text: 'unclassified'.slice(0, 9) + '…', tone: 'muted' });
    expect(b.count?.text).toBe('12.3k');
  });

  it('at 100 columns: side by side, the task table with its queue column', () => {
    const { split, classes, tasks } = failuresTables(data(), 100, 12);
    expect(split.sideBySide).toBe(true);
    expect(split.classes).toEqual({ width: 28, height: 12 });
    expect(split.tasks).toEqual({ width: 71, height: 12 });
    expect(shape(classes.columns).widths).toEqual([11, 6, 9]);
    expect(cells(classes.columns, classes.rows[0]!)).toEqual({
      cls: { text: 'transient  ', tone: undefined },
      all: { text: '   314', tone: undefined },
      queue: { text: '      310', tone: undefined },
    });
    expect(shape(tasks.columns)).toEqual({ keys: ['task', 'class', 'queue', 'count'], widths: [39, 10, 14, 5], total: 71 });
  });

  it('shows unclassified only when something is in it, and a dash with no queue selected', () => {
    const totals = { transient: 1, validation: 0, provider: 0, parser: 0, unclassified: 2 };
    const { classes } = failuresTables(data({ totals, queue: null }), 100, 12);
    expect(classes.rows.map((r) => r.cls)).toContain('unclassified');
    expect(header(classes.columns)).toMatch(/ -$/);
    expect(cells(classes.columns, classes.rows[1]!).all).toEqual({ text: '     0', tone: 'muted' });
  });
});
