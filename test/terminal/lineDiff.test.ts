// Ink's incremental renderer as patched (scripts/patch-ink.mjs 5, scripts/ink-line-diff.mjs): a
// changed line is written from its first to its last changed character, unchanged lines are one
// cursor move. Checked on a model terminal: after every frame the screen must hold exactly what
// the frame drawn alone on a blank screen holds, character and style of every cell.
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import logUpdate from '../../node_modules/ink/build/log-update.js';
// @ts-expect-error a plain .mjs script
import { lsosLineChange } from '../../scripts/ink-line-diff.mjs';
// @ts-expect-error a plain .mjs module (shared with the tmux driver, test/e2e/line-diff-driver.mjs)
import { frames } from './randomLines.mjs';
import { ModelTerminal } from './modelTerminal.js';

/** The patched renderer writing into a model terminal; counts what it writes. */
function rendered() {
  const term = new ModelTerminal();
  let bytes = 0;
  const stream = {
    write(s: string) {
      bytes += Buffer.byteLength(s);
      term.write(s);
      return true;
    },
  };
  const render = logUpdate.create(stream as unknown as NodeJS.WriteStream, { incremental: true, showCursor: true });
  return {
    term,
    render: (frame: string) => {
      const before = bytes;
      render(frame);
      return bytes - before;
    },
  };
}

function alone(frame: string, rows: number): string[] {
  const t = new ModelTerminal();
  t.write(frame);
  return t.screen(rows);
}

describe('changed lines written from the first to the last changed character (Ink patch 5)', () => {
  it('leaves the screen exactly as the frame drawn alone, over 300 frames of styled, wide and combining text', () => {
    for (const trailing of ['', '\n']) {
      const rows = 12;
      const { term, render } = rendered();
      for (const [f, frame] of (frames(trailing === '' ? 7 : 11, rows, 150, trailing) as string[]).entries()) {
        render(frame);
        expect(term.screen(rows), `frame ${f} (trailing ${JSON.stringify(trailing)}):\n${frame}`).toEqual(alone(frame, rows));
      }
    }
  });

  it('writes a digit that changed in a table row as a few bytes at its column, not the row', () => {
    const row = (n: string) =>
      `\x1b[32m║\x1b[39m  crawl           50.0k    32    14m    ${n}  +18/h  0.9x        \x1b[32m║\x1b[39m│transient                               20        17│`;
    const frame = (n: string) =>
      Array.from({ length: 30 }, (_, i) => (i === 12 ? row(n) : `line ${i} \x1b[1mstays\x1b[22m as it is`)).join('\n') + '\n';
    const { term, render } = rendered();
    render(frame('320'));
    const bytes = render(frame('321'));
    expect(term.screen(30)).toEqual(alone(frame('321'), 30));
    // Up to the top, one move over 12 lines, the column and one digit, one move over the rest.
    expect(bytes).toBeLessThan(30);
    // Ink's own way: 12 moves, the whole row (over 120 bytes), 17 moves.
    expect(Buffer.byteLength(row('321'))).toBeGreaterThan(120);
  });

  it('writes a line whole when a change cannot start cleanly, or an escape is not SGR', () => {
    const width = (s: string) => stringWidth(s);
    expect(lsosLineChange(undefined, 'abc', width)).toBe('\x1b[1Gabc\x1b[K');
    // The first difference is in the first character.
    expect(lsosLineChange('xbc', 'ybc', width)).toBe('\x1b[1Gybc\x1b[K');
    // A hyperlink (OSC 8) in the line: written whole.
    const link = (t: string) => `ab \x1b]8;;https://x\x07${t}\x1b]8;;\x07`;
    expect(lsosLineChange(link('1'), link('2'), width)).toBe(`\x1b[1G${link('2')}\x1b[K`);
    // A digit after ASCII: its column, the digit, nothing else.
    expect(lsosLineChange('lag 14m  ok', 'lag 15m  ok', width)).toBe('\x1b[6G5');
    // In a style: entered, and left again for what is written next.
    expect(lsosLineChange('a \x1b[31m14\x1b[39m b', 'a \x1b[31m15\x1b[39m b', width)).toBe('\x1b[4G\x1b[31m5\x1b[39m');
    // After wide characters: the column counts two for each.
    expect(lsosLineChange('漢字 10 x', '漢字 11 x', width)).toBe('\x1b[7G1');
    // Different widths: the rest of the line, then erased to its end.
    expect(lsosLineChange('n 9 end', 'n 10 end', width)).toBe('\x1b[3G10 end\x1b[K');
  });
});
