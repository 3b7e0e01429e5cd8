// Golden frames: the cockpit with each panel focused, zoomed (z) so the panel has the whole
// screen, at 80x24, 120x40 and 200x60, compared with the committed frames in this folder. After an
// intended change: `UPDATE_GOLDEN=1 npx vitest run test/panels/golden/golden.test.tsx` rewrites
// them (review the diff). Beside the frames, the check the issue asks for: at 80x24 and 200x60 no
// row is cut so that two names merge (reporting and reporting.retry stay apart, whole).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PANELS } from '../../../src/ui/state/panels.js';
import { cleanupAll, fixtureStore, incidentSnapshot, openIncident, queue, renderCockpit } from '../../ui/fixtures.js';

afterEach(() => cleanupAll());

const DIR = import.meta.dirname;
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const SIZES = [
  { columns: 80, rows: 24 },
  { columns: 120, rows: 40 },
  { columns: 200, rows: 60 },
] as const;

/**
 * The fixture incident, with the two queue names that used to merge (`reporti…` twice), two
 * triggers on one target (`crawl …` twice) and two tasks sharing a long start
 * (`reviews.sync_rev…` twice).
 */
function store() {
  const snap = incidentSnapshot();
  const queues = snap.queues.map((q) =>
    q.name === 'reviews'
      ? {
          ...q,
          topFailingTasks: [
            { task: 'reviews.sync_reviews', count: 40, failureClass: 'parser' as const },
            { task: 'reviews.sync_review_meta', count: 9, failureClass: 'parser' as const },
          ],
        }
      : q,
  );
  return fixtureStore({
    snapshot: { ...snap, queues: [...queues, queue('reporting.retry', { depth: 3, lagSeconds: 12, lagMethod: 'stamped' })] },
    incident: openIncident(),
  });
}

/**
 * Cut cells that read alike: a word cut with `…` (with the word before it) that two lines show at
 * the same place. Two different names never look the same once cut.
 */
function mergedCuts(lines: readonly string[]): string[] {
  const seen = new Map<string, number>();
  const dup: string[] = [];
  lines.forEach((line) => {
    for (const m of line.matchAll(/(?:[^\s│║|]+ )?[^\s│║|]*…/g)) {
      const key = `${m.index}:${m[0]}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      if (n === 2) dup.push(m[0]);
    }
  });
  return dup;
}

const plain = (frame: string) =>
  frame
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');

describe('golden frames, one per panel and size (zoomed)', () => {
  for (const size of SIZES) {
    for (const [i, panel] of PANELS.entries()) {
      it(`${panel} at ${size.columns}x${size.rows}`, async () => {
        const r = renderCockpit({ store: store(), size });
        await r.press(String(i + 1), 'z');
        const frame = plain(r.frame());
        const file = path.join(DIR, `${panel}-${size.columns}x${size.rows}.txt`);
        if (UPDATE || !fs.existsSync(file)) {
          if (!UPDATE && process.env.CI === 'true') throw new Error(`${file} missing: run with UPDATE_GOLDEN=1 and commit it`);
          fs.writeFileSync(file, `${frame}\n`);
        }
        expect(`${frame}\n`).toBe(fs.readFileSync(file, 'utf8'));
      });
    }
  }
});

describe('no row cut so that two names merge', () => {
  for (const size of [SIZES[0], SIZES[2]]) {
    it(`no two cut cells read alike in any panel at ${size.columns}x${size.rows}, zoomed and not`, async () => {
      const r = renderCockpit({ store: store(), size });
      for (const [i] of PANELS.entries()) {
        for (const keys of [[String(i + 1)], ['z'], ['z']]) {
          await r.press(...keys);
          // The panels' lines (the status line and the footer below them say other things).
          const lines = plain(r.frame()).split('\n').slice(0, -2);
          expect(mergedCuts(lines), lines.join('\n')).toEqual([]);
        }
      }
    });
  }

  for (const size of [SIZES[0], SIZES[2]]) {
    it(`queue names whole at ${size.columns}x${size.rows}, zoomed and not`, async () => {
      const r = renderCockpit({ store: store(), size });
      const lines = () => plain(r.frame()).split('\n');
      for (const keys of [['1'], ['1', 'z']]) {
        await r.press(...keys);
        const names = lines()
          .map((l) => /[|│║][!~ ] (\S+)/.exec(l)?.[1])
          .filter((n): n is string => n !== undefined);
        expect(names, lines().join('\n')).toEqual(expect.arrayContaining(['reporting', 'reporting.retry', 'crawl', 'reviews']));
        expect(names.some((n) => n.endsWith('…'))).toBe(false);
      }
    });
  }
});
