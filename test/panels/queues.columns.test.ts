// Queue lag's column set at two widths: which columns show, how wide, and what a queue's line says.
import { describe, expect, it } from 'vitest';
import { evaluateTriggers, DEFAULT_THRESHOLDS } from '../../src/core/triggers.js';
import { emptySnapshot } from '../../src/core/snapshot.js';
import { firingQueues } from '../../src/ui/state/selectors.js';
import { queuesTable, type QueuesData } from '../../panels/queues/columns.js';
import { cells, header, queue, shape, T0 } from './fixtures.js';

const crawl = queue('crawl', {
  depth: 4210,
  reserved: 64,
  lagSeconds: 23 * 60 + 5,
  lagMethod: 'stamped',
  deadLetters: 120,
  deadLetterGrowthPerHour: 45,
  deadLetterBaselinePerHour: 6,
  lagTrend: [60, 180, 300, 420, 600, 780, 960, 1140, 1385],
});
// 13 minutes: under the 15-minute line, over its clear line (80%): near the line.
const rank = queue('rank', { depth: 12, reserved: 4, lagSeconds: 13 * 60, lagMethod: 'drain-rate', deadLetterGrowthPerHour: 0.5 });
const email = queue('email', {
  depth: 5,
  lagSeconds: null,
  lagMethod: 'unknown',
  deadLetterBaselinePerHour: null,
  deadLetterBaselineSource: null,
});
const rows = [crawl, rank, email];

function data(): QueuesData {
  const snap = { ...emptySnapshot(T0), queues: rows };
  const { triggers } = evaluateTriggers([], snap, DEFAULT_THRESHOLDS);
  return { rows, firing: firingQueues(triggers), thresholds: DEFAULT_THRESHOLDS };
}

describe('queue lag columns', () => {
  it('at 40 columns: the mark, name, depth, lag, dead letters and their growth, each as wide as its content', () => {
    const t = queuesTable(data(), 40, false);
    expect(shape(t.columns)).toEqual({ keys: ['mark', 'name', 'depth', 'lag', 'dead', 'growth'], widths: [1, 5, 5, 6, 6, 6], total: 34 });
    expect(header(t.columns)).toBe('  queue depth    lag   dead   dl/h');
    const c = cells(t.columns, crawl);
    expect(c.mark).toEqual({ text: '!', tone: 'breach' });
    expect(c.depth?.text).toBe(' 4210');
    expect(c.lag).toEqual({ text: '   23m', tone: 'breach' });
    expect(c.growth).toEqual({ text: ' +45/h', tone: 'breach' });
    // The dead-letter cell says why the row is marked, even where dl/h and vs bl are hidden.
    expect(c.dead?.text.endsWith('!')).toBe(true);
    expect(c.dead?.tone).toBe('breach');
    expect(cells(t.columns, queue('calm', { deadLetters: 3 })).dead?.text.endsWith('!')).toBe(false);
  });

  it('at 30 columns (dl/h and vs bl hidden) a row marked ! for its dead letters shows dead!', () => {
    const t = queuesTable(data(), 30, false);
    const keys = shape(t.columns).keys;
    expect(keys).not.toContain('growth');
    expect(keys).toContain('dead');
    expect(cells(t.columns, crawl).dead?.text.trim()).toMatch(/!$/);
  });

  it('at 100 columns: every column; the lag trend takes the rest, scaled from 0 with its peak written', () => {
    const t = queuesTable(data(), 100, false);
    const s = shape(t.columns);
    expect(s.keys).toEqual(['mark', 'name', 'depth', 'reserved', 'lag', 'dead', 'growth', 'factor', 'drain', 'trend']);
    expect(s.total).toBe(100);
    expect(s.widths.slice(0, 3)).toEqual([1, 5, 5]);
    const c = cells(t.columns, crawl);
    expect(c.reserved?.text).toBe('   64');
    expect(c.factor?.text.trim()).toBe('7.5x'); // 45/h against a 6/h baseline
    expect(c.factor?.tone).toBe('breach');
    expect(c.trend?.text).toMatch(/ ▁[▁-█]{7}█ 23m$/);
    // The header gives the scale every row's bars share: 0 to the highest peak shown (23m, over the 15m line).
    expect(header(t.columns)).toContain('lag trend, scale 0-23m');
    // The drain rate per queue (tasks finished a minute, from the events).
    expect(header(t.columns)).toContain('drain/m');
    expect(c.drain?.text.trim()).toBe('10');
    expect(cells(t.columns, queue('slow', { drainPerMinute: 2.5 })).drain?.text.trim()).toBe('2.5');
  });

  it('shows a queue name with control bytes escaped, never stripped to look like another queue', () => {
    const hostile = queue('crawl\x1b[31m', {});
    const t = queuesTable({ ...data(), rows: [crawl, hostile] }, 100, false);
    expect(cells(t.columns, hostile).name?.text.trim()).toBe('crawl\\u001B[31m');
    expect(cells(t.columns, crawl).name?.text.trim()).toBe('crawl');
  });

  it('names are never cut to the same text (reporting / reporting.retry) and dl/h is never cut beside blanks', () => {
    const two = [queue('reporting'), queue('reporting.retry', { deadLetterGrowthPerHour: 1852 })];
    for (const width of [54, 80, 200]) {
      const t = queuesTable({ ...data(), rows: two }, width, false);
      expect(cells(t.columns, two[0]!).name?.text.trim()).toBe('reporting');
      expect(cells(t.columns, two[1]!).name?.text.trim()).toBe('reporting.retry');
      expect(cells(t.columns, two[1]!).growth?.text.trim()).toBe('+1852/h');
    }
  });

  it('the header says the window when the source samples on a clock, and the whole window fits the cells', () => {
    const long = queue('crawl', {
      lagSeconds: 600,
      lagMethod: 'stamped',
      lagTrendEveryMs: 10_000,
      lagTrend: Array.from({ length: 90 }, (_, i) => i * 10),
    });
    const t = queuesTable({ ...data(), rows: [long] }, 100, false);
    expect(header(t.columns)).toContain('lag, last 15m, scale 0-15m');
    const cell = cells(t.columns, long).trend?.text ?? '';
    // 90 samples drawn in the cells there are: the first cell low, the last one the 14m50s peak.
    expect(cell).toMatch(/^▁[▁-█]+█ 14m$/);
  });

  it('a small lag draws a low line, not a full bar: the scale is the runbook line or the peak', () => {
    const small = queue('email', { lagSeconds: 8, lagMethod: 'stamped', lagTrend: [0, 2, 4, 6, 8] });
    const t = queuesTable({ ...data(), rows: [small] }, 100, false);
    expect(cells(t.columns, small).trend?.text).toMatch(/▁{5} 8s$/);
  });

  it('marks a lag near the line with ~ and an unknown one muted, with no baseline flagged ?', () => {
    const t = queuesTable(data(), 100, true);
    expect(cells(t.columns, rank).mark).toEqual({ text: '~', tone: 'warn' });
    expect(cells(t.columns, rank).lag).toEqual({ text: '  ~13m', tone: 'warn' });
    expect(cells(t.columns, email).lag).toEqual({ text: '     ?', tone: 'muted' });
    expect(cells(t.columns, email).factor?.text.trim()).toBe('0.0x?');
    // ASCII terminals get the ASCII sparkline.
    expect(cells(t.columns, crawl).trend?.text).toMatch(/ _[_.\-~^]+\^ 23m$/);
  });

  it('a lag whose trigger still fires stays a breach until it clears (the one breach rule holds at 80% of the line)', () => {
    const d = data();
    const held = { ...d, firing: { lag: new Set(['rank']), deadLetters: new Set<string>() } };
    expect(cells(queuesTable(held, 40, false).columns, rank).mark).toEqual({ text: '!', tone: 'breach' });
  });

  it('cuts a long queue name with an ellipsis inside its column', () => {
    const long = queue(`reporting.${'x'.repeat(60)}`);
    const t = queuesTable({ ...data(), rows: [long] }, 40, false);
    // Shrunk to what the 40 columns leave it, cut with an ellipsis.
    expect(cells(t.columns, long).name?.text).toBe('reporting.xxxx…');
    expect(shape(t.columns).total).toBeLessThanOrEqual(40);
  });
});
