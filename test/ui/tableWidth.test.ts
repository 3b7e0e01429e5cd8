// A content-fitted column measures every row on every reading: its character count is made without
// an array, and the queue name's text is remembered by name. Both must say what they said before.
import { describe, expect, it } from 'vitest';
import { charCount, contentWidth, tableAt, type Column } from '../../components/table.js';
import { factorColumnWidest, nameColumnWidest, queueColumns, queueNameText, trendSpan, trendTop } from '../../panels/queues/columns.js';
import { queue } from '../panels/fixtures.js';
import { DEFAULT_THRESHOLDS } from '../../src/core/triggers.js';
import type { QueueSnapshot } from '../../src/core/snapshot.js';
import { escapeControls, hasControls, sanitize } from '../../src/core/sanitize.js';
import { LagTrendLog, lagTrendValues, type LagTrend } from '../../src/core/lagTrend.js';

/** A deterministic generator (mulberry32): the same strings on every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ASCII, Latin-1, CJK, emoji (surrogate pairs), lone high and low surrogates, controls.
const UNITS = ['a', 'Z', ' ', '.', 'é', '─', '漢', '😀', '👍🏽', '\ud83d', '\ude00', '\u001b', '\u0000', '\u200b'];

function randomText(next: () => number): string {
  let s = '';
  const n = Math.floor(next() * 12);
  for (let i = 0; i < n; i++) s += UNITS[Math.floor(next() * UNITS.length)];
  return s;
}

describe('charCount', () => {
  it('counts code points as [...text].length does, lone surrogates included', () => {
    const next = rng(16);
    for (let i = 0; i < 5000; i++) {
      const s = randomText(next);
      expect(charCount(s), JSON.stringify(s)).toBe([...s].length);
    }
    expect(charCount('')).toBe(0);
    expect(charCount('😀')).toBe(1);
    expect(charCount('\ud83d')).toBe(1);
    expect(charCount('\ude00\ud83d')).toBe(2);
  });

  it('fits a column to its widest cell in code points, at most its cap', () => {
    const col: Column<string> = { key: 'name', header: 'q', fit: 6, text: (r) => r };
    expect(contentWidth(col, ['ab', '😀😀😀'])).toBe(3);
    expect(contentWidth(col, ['abcdefgh'])).toBe(6);
  });

  it("takes a column's own widest() instead of drawing every cell, capped the same", () => {
    let drawn = 0;
    const col: Column<string> = {
      key: 'n',
      header: 'q',
      fit: 6,
      text: (r) => (drawn++, r),
      widest: (rows) => Math.max(...rows.map((r) => r.length)),
    };
    expect(contentWidth(col, ['ab', 'abcd'])).toBe(4);
    expect(contentWidth(col, ['abcdefgh'])).toBe(6);
    expect(drawn).toBe(0);
  });

  it('does not measure a content-fitted column the width hides', () => {
    let drawn = 0;
    const cols: Column<string>[] = [
      { key: 'a', header: 'a', width: 3, text: (r) => r },
      { key: 'b', header: 'b', fit: 8, hideBelow: 40, text: (r) => (drawn++, r) },
    ];
    const t = tableAt(cols, ['x', 'yy'], 20);
    expect(t.columns.map((c) => c.column.key)).toEqual(['a']);
    expect(drawn).toBe(0);
    expect(tableAt(cols, ['x', 'yy'], 40).columns.map((c) => [c.column.key, c.width])).toEqual([
      ['a', 3],
      ['b', 2],
    ]);
    expect(drawn).toBe(2);
  });
});

describe("the queue table's measured columns", () => {
  /** The widest cell as drawn, every cell (what contentWidth measures without widest(), header aside). */
  const drawnWidest = (key: string, rows: QueueSnapshot[]): number => {
    const col = queueColumns(
      { firing: { lag: new Set(), deadLetters: new Set() } as never, thresholds: DEFAULT_THRESHOLDS },
      false,
      rows,
    ).find((c) => c.key === key) as Column<QueueSnapshot>;
    return rows.reduce((w, q) => Math.max(w, charCount(col.text(q, 100))), 0);
  };

  it('names: the widest drawn name, for any names, the same names again or others', () => {
    const next = rng(23);
    for (let i = 0; i < 300; i++) {
      const n = Math.floor(next() * 6);
      const rows = Array.from({ length: n }, () => queue(randomText(next)));
      const want = Math.max(charCount('queue'), drawnWidest('name', rows));
      expect(Math.max(charCount('queue'), nameColumnWidest(rows))).toBe(want);
      // The same names in new snapshots (the remembered width), then one name changed.
      expect(Math.max(charCount('queue'), nameColumnWidest(rows.map((q) => ({ ...q }))))).toBe(want);
      if (n > 0) {
        const changed = rows.map((q, k) => (k === n - 1 ? queue(`${q.name}${randomText(next)}`) : q));
        expect(Math.max(charCount('queue'), nameColumnWidest(changed))).toBe(Math.max(charCount('queue'), drawnWidest('name', changed)));
      }
    }
  });

  it('dead-letter factor: the widest drawn cell, runs of equal factors and baselines or not', () => {
    const next = rng(29);
    const growths = [0, 0, 0.5, 3, 45, 999.96, 12_345.6, Infinity];
    for (let i = 0; i < 300; i++) {
      const rows = Array.from({ length: Math.floor(next() * 8) }, (_, k) =>
        queue(`q${k}`, {
          deadLetterGrowthPerHour: growths[Math.floor(next() * growths.length)] as number,
          deadLetterBaselinePerHour: next() < 0.5 ? null : 2,
          deadLetterBaselineSource: next() < 0.5 ? null : 'observed',
        }),
      );
      expect(factorColumnWidest(rows, DEFAULT_THRESHOLDS)).toBe(drawnWidest('factor', rows));
    }
  });
});

describe('queueNameText', () => {
  it('is the sanitised name, control bytes escaped, for any name, asked once or again', () => {
    const next = rng(7);
    for (let i = 0; i < 2000; i++) {
      const name = randomText(next);
      const want = sanitize(hasControls(name) ? escapeControls(name) : name, 80);
      expect(queueNameText(name)).toBe(want);
      expect(queueNameText(name)).toBe(want);
    }
    expect(queueNameText('crawl\u001b[31m')).toBe('crawl\\u001B[31m');
    expect(queueNameText('x'.repeat(100))).toBe(`${'x'.repeat(79)}…`);
  });
});

describe('trendTop and trendSpan over every queue', () => {
  it('take the highest finite sample (at least the lag line) and the longest window, as over the rows one by one', () => {
    const next = rng(42);
    const samples = [0, 1, 60, 899, 900, 901, 3600, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    for (let round = 0; round < 200; round++) {
      const rows = Array.from({ length: Math.floor(next() * 20) }, () => {
        const values = Array.from({ length: Math.floor(next() * 61) }, () => samples[Math.floor(next() * samples.length)] as number);
        // A plain array (the last 30), or a window over a log the values were appended to.
        let lagTrend: LagTrend = values.slice(-30);
        if (next() < 0.5) {
          const log = new LagTrendLog(30);
          for (const v of values) log.append(v);
          lagTrend = log.window();
        }
        const every = next() < 0.5 ? undefined : Math.floor(next() * 60_000);
        return { lagTrend, ...(every === undefined ? {} : { lagTrendEveryMs: every }) } as unknown as QueueSnapshot;
      });
      const finite = rows.flatMap((q) => lagTrendValues(q.lagTrend).filter(Number.isFinite));
      expect(trendTop(rows, DEFAULT_THRESHOLDS)).toBe(Math.max(DEFAULT_THRESHOLDS.queueLagSeconds, ...finite));
      const ms = Math.max(0, ...rows.map((q) => (q.lagTrendEveryMs ? q.lagTrendEveryMs * q.lagTrend.length : 0)));
      expect(trendSpan(rows)).toBe(ms > 0 ? trendSpan([{ lagTrend: [0], lagTrendEveryMs: ms } as unknown as QueueSnapshot]) : null);
    }
  });
});
