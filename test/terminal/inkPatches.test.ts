// scripts/patch-ink.mjs makes Ink's frame building cheaper (issue 16): caches kept across frames,
// one blank cell, shared style arrays, no style diff between equally styled neighbours. These
// tests hold the patched Output to what Ink's own code means: every cell of a frame shows the
// character and the styles its last write gave it, whatever the styles, overlaps and clips; and
// they check the patch is in force (a second frame reuses the first frame's caches).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { Chalk } from 'chalk';
import stringWidth from 'string-width';
import { Prng } from '../../src/sources/sim/prng.js';
import { styledCharsFromTokens, tokenize, type StyledChar } from '@alcalzone/ansi-tokenize';

// Ink's exports map hides its build files; the module is loaded by path, as Ink loads it.
const OUTPUT_JS = fileURLToPath(new URL('../../node_modules/ink/build/output.js', import.meta.url));
type Transformer = (line: string, index: number) => string;
type Clip = { x1?: number; x2?: number; y1?: number; y2?: number };
interface InkOutput {
  caches: unknown;
  write(x: number, y: number, text: string, options: { transformers: Transformer[] }): void;
  clip(clip: Clip): void;
  unclip(): void;
  get(): { output: string; height: number };
}
const { default: Output } = (await import(OUTPUT_JS)) as { default: new (o: { width: number; height: number }) => InkOutput };

type Op =
  { kind: 'write'; x: number; y: number; text: string; transformers: Transformer[] } | { kind: 'clip'; clip: Clip } | { kind: 'unclip' };
// Its own instance: the shared chalk's level is Ink's, for every test file in this worker.
const chalk = new Chalk({ level: 1 });
type Cell = { value: string; styles: string[] };

/** The reference: Ink's semantics written plainly, cell by cell (ASCII text, so one column a character). */
function referenceCells(width: number, height: number, ops: Op[]): Cell[][] {
  const grid: Cell[][] = Array.from({ length: height }, () => Array.from({ length: width }, () => ({ value: ' ', styles: [] })));
  const clips: Clip[] = [];
  for (const op of ops) {
    if (op.kind === 'clip') clips.push(op.clip);
    else if (op.kind === 'unclip') clips.pop();
    else {
      const clip = clips.at(-1);
      op.text.split('\n').forEach((raw, index) => {
        let line = raw;
        for (const t of op.transformers) line = t(line, index);
        const y = op.y + index;
        styledCharsFromTokens(tokenize(line)).forEach((char: StyledChar, i: number) => {
          const x = op.x + i;
          if (y < 0 || y >= height || x < 0 || x >= width) return;
          if (clip && clip.x1 !== undefined && clip.x2 !== undefined && (x < clip.x1 || x >= clip.x2)) return;
          if (clip && clip.y1 !== undefined && clip.y2 !== undefined && (y < clip.y1 || y >= clip.y2)) return;
          grid[y]![x] = { value: char.value, styles: char.styles.map((s) => s.code).sort() };
        });
      });
    }
  }
  return grid;
}

/** What a terminal would show for the patched Output's text: each row's cells, with their styles. */
function shownCells(width: number, text: string): Cell[][] {
  return text.split('\n').map((row) => {
    const cells: Cell[] = styledCharsFromTokens(tokenize(row)).map((c: StyledChar) => ({
      value: c.value,
      styles: c.styles.map((s) => s.code).sort(),
    }));
    while (cells.length < width) cells.push({ value: ' ', styles: [] });
    return cells;
  });
}

/** The simulation's seeded generator, so a failure is reproducible. */
function prng(seed: number): () => number {
  const p = new Prng(seed);
  return () => p.next();
}

const STYLES: Array<(s: string) => string> = [
  (s) => s,
  (s) => chalk.red(s),
  (s) => chalk.bold(s),
  (s) => chalk.inverse(s),
  (s) => chalk.dim.yellow(s),
  (s) => chalk.bgBlue.white(s),
  (s) => chalk.bold(`${s.slice(0, 2)}${chalk.green(s.slice(2))}`),
];

/** The blocks the patches measure and split by hand: ASCII, Latin-1, punctuation, arrows, box drawing, shapes, dingbats. */
const SIMPLE_BLOCKS: Array<[number, number]> = [
  [0x20, 0x7e],
  [0xa0, 0x2ff],
  [0x2010, 0x2027],
  [0x2030, 0x205e],
  [0x2190, 0x27bf],
];

/** A random character of the simple blocks. */
function simpleBlockChar(rand: () => number): string {
  const [from, to] = SIMPLE_BLOCKS[Math.floor(rand() * SIMPLE_BLOCKS.length)]!;
  return String.fromCharCode(from + Math.floor(rand() * (to - from + 1)));
}

function randomOps(rand: () => number, width: number, height: number): Op[] {
  const ops: Op[] = [];
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  let clipped = 0;
  for (let i = 0; i < 40; i++) {
    const r = rand();
    if (r < 0.1 && clipped === 0) {
      const x1 = Math.floor(rand() * width);
      const y1 = Math.floor(rand() * height);
      ops.push({ kind: 'clip', clip: { x1, x2: x1 + 3 + Math.floor(rand() * 20), y1, y2: y1 + 1 + Math.floor(rand() * 6) } });
      clipped++;
    } else if (r < 0.15 && clipped > 0) {
      ops.push({ kind: 'unclip' });
      clipped--;
    } else {
      const lines = Array.from({ length: 1 + Math.floor(rand() * 3) }, () =>
        Array.from({ length: 1 + Math.floor(rand() * 5) }, () => pick(STYLES)('ab c-9'.slice(0, 1 + Math.floor(rand() * 6)))).join(''),
      );
      const transformers: Transformer[] = rand() < 0.2 ? [(line) => chalk.underline(line)] : [];
      // Lines of at most 30 characters that fit the width: Ink does not cut a write at the frame's edge.
      ops.push({
        kind: 'write',
        x: Math.floor(rand() * (width - 30)),
        y: Math.floor(rand() * height),
        text: lines.join('\n'),
        transformers,
      });
    }
  }
  while (clipped-- > 0) ops.push({ kind: 'unclip' });
  return ops;
}

function render(width: number, height: number, ops: Op[]): string {
  const output = new Output({ width, height });
  for (const op of ops) {
    if (op.kind === 'clip') output.clip(op.clip);
    else if (op.kind === 'unclip') output.unclip();
    else output.write(op.x, op.y, op.text, { transformers: op.transformers });
  }
  return output.get().output;
}

const visible = (cells: Cell[][]) =>
  cells.map((row) => row.map((c) => `${c.value}${c.styles.length ? `[${c.styles.join(',')}]` : ''}`).join(''));

describe('patched Ink frame building (scripts/patch-ink.mjs)', () => {
  it('is in force: the patch marker is in output.js and a second frame reuses the first frame’s caches', () => {
    expect(readFileSync(OUTPUT_JS, 'utf8')).toContain('lsos-cockpit: scripts/patch-ink.mjs');
    expect(new Output({ width: 4, height: 1 }).caches).toBe(new Output({ width: 4, height: 1 }).caches);
    // The row memo and the unclipped-line shortcut.
    expect(readFileSync(OUTPUT_JS, 'utf8')).toContain('lsosRowText(line, y)');
    expect(readFileSync(OUTPUT_JS, 'utf8')).toContain('if (from === 0 && to === this.getStringWidth(line)) return line;');
    expect(readFileSync(OUTPUT_JS, 'utf8')).toContain('lsosStyledChars(line) ?? lsosShareStyles(');
  });

  it('shows every cell with the character and styles of its last write, over 20 random frames of styled, overlapping and clipped text', () => {
    const rand = prng(16);
    for (let frame = 0; frame < 20; frame++) {
      const width = 40 + Math.floor(rand() * 40);
      const height = 1 + Math.floor(rand() * 8);
      const ops = randomOps(rand, width, height);
      // Twice: the second time every line comes from the caches the first one filled.
      for (let pass = 0; pass < 2; pass++) {
        expect(visible(shownCells(width, render(width, height, ops))), `frame ${frame} pass ${pass}`).toEqual(
          visible(referenceCells(width, height, ops)),
        );
      }
    }
  });

  it('reuses a row’s text only while its cells are the same: frames that change one row, a clip, and the width in turn', () => {
    const frames: Array<{ width: number; ops: Op[] }> = [
      { width: 20, ops: [{ kind: 'write', x: 0, y: 0, text: `${chalk.red('same')} row\n${chalk.bold('one')}`, transformers: [] }] },
      { width: 20, ops: [{ kind: 'write', x: 0, y: 0, text: `${chalk.red('same')} row\n${chalk.bold('two')}`, transformers: [] }] },
      {
        width: 20,
        ops: [
          { kind: 'clip', clip: { x1: 2, x2: 9, y1: 0, y2: 2 } },
          { kind: 'write', x: 2, y: 0, text: `${chalk.red('same')} row\n${chalk.bold('one')}`, transformers: [] },
          { kind: 'unclip' },
        ],
      },
      { width: 12, ops: [{ kind: 'write', x: 0, y: 0, text: `${chalk.red('same')} row\n${chalk.bold('one')}`, transformers: [] }] },
      { width: 20, ops: [{ kind: 'write', x: 0, y: 0, text: `${chalk.red('same')} row\n${chalk.bold('one')}`, transformers: [] }] },
    ];
    for (const [i, { width, ops }] of frames.entries()) {
      expect(visible(shownCells(width, render(width, 2, ops))), `frame ${i}`).toEqual(visible(referenceCells(width, 2, ops)));
    }
  });

  it('splits a line of the simple blocks into the characters and styles tokenize() and styledCharsFromTokens() give', () => {
    const caches = new Output({ width: 1, height: 1 }).caches as { getStyledChars(line: string): StyledChar[] };
    const rand = prng(24);
    const piece = () =>
      Array.from({ length: 1 + Math.floor(rand() * 6) }, () => {
        return simpleBlockChar(rand);
      }).join('');
    const codes = (c: StyledChar) => c.styles.map((x) => `${x.code}/${x.endCode}`);
    for (let i = 0; i < 300; i++) {
      // Styled pieces, nested styles, bare resets and compound and 256-colour codes; now and then
      // a character or an escape the hand split leaves to Ink's own path.
      let line = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => {
        const r = rand();
        const text = piece();
        return r < 0.5
          ? STYLES[Math.floor(rand() * STYLES.length)]!(text)
          : r < 0.6
            ? `\u001B[1;31m${text}\u001B[0m`
            : r < 0.7
              ? `\u001B[38;5;208m${text}\u001B[m`
              : text;
      }).join('');
      if (rand() < 0.1) line += rand() < 0.5 ? 'e\u0301 \u{1F600}' : '\u001B]8;;http://x\u0007link\u001B]8;;\u0007';
      const mine = caches.getStyledChars(line);
      const ink = styledCharsFromTokens(tokenize(line));
      expect(
        mine.map((c) => [c.value, c.fullWidth, codes(c)]),
        JSON.stringify(line),
      ).toEqual(ink.map((c) => [c.value, c.fullWidth, codes(c)]));
    }
  });

  it('keeps the styled characters of the lines drawn lately only: rows drawn every frame stay cached, lines drawn once go', () => {
    // A row whose text changes every second (a lag, an age) is a new line every frame; at 2,000
    // queues a cache of 4,096 such lines held up to 30 MB of character objects.
    const caches = new Output({ width: 1, height: 1 }).caches as {
      getStyledChars(line: string): StyledChar[];
      styledChars: Map<string, StyledChar[]>;
      lsosStyledBefore: Map<string, StyledChar[]>;
    };
    const steady = Array.from({ length: 40 }, (_, i) => chalk.green(`queue ${i} unchanged`));
    const first = steady.map((l) => caches.getStyledChars(l));
    for (let frame = 0; frame < 500; frame++) {
      for (let i = 0; i < 30; i++) caches.getStyledChars(chalk.red(`tenant${i} lag ${frame}s`));
      steady.forEach((l, i) => expect(caches.getStyledChars(l), `frame ${frame} row ${i}`).toBe(first[i]));
      expect(caches.styledChars.size + caches.lsosStyledBefore.size).toBeLessThanOrEqual(2 * 512);
    }
  });

  it('ends every styled row with a reset and writes no escape between equally styled characters', () => {
    const text = render(10, 1, [{ kind: 'write', x: 0, y: 0, text: `${chalk.red('abc')}${chalk.red('def')}`, transformers: [] }]);
    expect(text).toBe('\u001B[31mabcdef\u001B[39m');
  });
});

describe('patched string-width (scripts/patch-ink.mjs)', () => {
  const segmenter = new Intl.Segmenter();
  /** What string-width's own path computes: each grapheme cluster's width, summed. */
  const byClusters = (s: string) => [...segmenter.segment(s)].reduce((w, { segment }) => w + stringWidth(segment), 0);

  it('is in force', () => {
    expect(readFileSync(fileURLToPath(new URL('../../node_modules/string-width/index.js', import.meta.url)), 'utf8')).toContain(
      'lsos-cockpit: scripts/patch-ink.mjs',
    );
  });

  it('measures text of Latin-1, punctuation, arrows, box drawing, shapes, symbols and dingbats as string-width’s clusters do', () => {
    const rand = prng(8);
    for (let i = 0; i < 500; i++) {
      const text = Array.from({ length: 2 + Math.floor(rand() * 12) }, () => {
        return simpleBlockChar(rand);
      }).join('');
      expect(stringWidth(text), JSON.stringify(text)).toBe(byClusters(text));
    }
  });

  it('gives every character of those blocks the width string-width’s own path gives it alone', () => {
    const blocks: Array<[number, number]> = [
      [0xa0, 0x2ff],
      [0x2010, 0x2027],
      [0x2030, 0x205e],
      [0x2190, 0x27bf],
    ];
    const wrong: string[] = [];
    for (const [from, to] of blocks)
      for (let c = from; c <= to; c++) {
        const ch = String.fromCharCode(c);
        // A zero-width space (outside the blocks, a cluster of its own, width 0) sends the text to
        // string-width's own path; the character alone or beside ASCII takes the patched one.
        const own = stringWidth(`${ch}\u200b`);
        if (stringWidth(ch) !== own || stringWidth(`a${ch}`) !== 1 + own) wrong.push(c.toString(16));
      }
    expect(wrong).toEqual([]);
  });

  it('measures a character of those blocks alone without segmenting it (Ink measures borders and `…` one by one)', () => {
    const segment = vi.spyOn(Intl.Segmenter.prototype, 'segment');
    try {
      for (const ch of ['…', '╔', '═', '║', '╭', '─', '│', '·', '§', '▲', '→']) stringWidth(ch);
      expect(segment).not.toHaveBeenCalled();
      stringWidth('\u26a0\ufe0f');
      expect(segment).toHaveBeenCalled();
    } finally {
      segment.mockRestore();
    }
  });

  it('leaves clusters to string-width: combining marks, variation selectors, joiners, wide and ANSI-styled text', () => {
    expect(stringWidth('caf\u0065\u0301 ok')).toBe(7);
    expect(stringWidth('\u26a0\ufe0f lag')).toBe(6);
    expect(stringWidth('\u26a0 lag')).toBe(5);
    expect(stringWidth('a\u{1F469}\u200D\u{1F4BB}b')).toBe(4);
    expect(stringWidth('日本 ok')).toBe(7);
    expect(stringWidth('\u001B[31m─ lag ▲\u001B[39m')).toBe(7);
    expect(stringWidth('\u2705 done')).toBe(7);
  });
});

describe('patched sanitizeAnsi (scripts/patch-ink.mjs)', () => {
  const SANITIZE_JS = fileURLToPath(new URL('../../node_modules/ink/build/sanitize-ansi.js', import.meta.url));
  const TOKENIZER_JS = fileURLToPath(new URL('../../node_modules/ink/build/ansi-tokenizer.js', import.meta.url));
  type Token = { type: string; value: string; finalCharacter?: string; intermediateString?: string; parameterString?: string };

  it('is in force, and remembers what Ink’s own tokenising gives for each text', async () => {
    expect(readFileSync(SANITIZE_JS, 'utf8')).toContain('lsos-cockpit: scripts/patch-ink.mjs');
    const { default: sanitizeAnsi } = (await import(SANITIZE_JS)) as { default: (text: string) => string };
    const { tokenizeAnsi } = (await import(TOKENIZER_JS)) as { tokenizeAnsi: (text: string) => Token[] };
    // Ink 6.8's own rule: text and OSC kept, SGR kept, every other control sequence dropped.
    const inks = (text: string) =>
      tokenizeAnsi(text)
        .filter(
          (t) =>
            t.type === 'text' ||
            t.type === 'osc' ||
            (t.type === 'csi' && t.finalCharacter === 'm' && t.intermediateString === '' && /^[\d:;]*$/.test(t.parameterString ?? '')),
        )
        .map((t) => t.value)
        .join('');
    const rand = prng(31);
    const pieces = [
      'crawl',
      ' 14m ',
      '\u001B[31m',
      '\u001B[39m',
      '\u001B[2J',
      '\u001B[3A',
      '\u001B]8;;http://x\u0007',
      '\u001B[38;5;208m',
      '\u0007',
    ];
    const texts = Array.from({ length: 200 }, () =>
      Array.from({ length: 1 + Math.floor(rand() * 8) }, () => pieces[Math.floor(rand() * pieces.length)]).join(''),
    );
    for (const text of [...texts, ...texts]) expect(sanitizeAnsi(text), JSON.stringify(text)).toBe(inks(text));
    expect(sanitizeAnsi('\u001B[31mred\u001B[39m\u001B[2J')).toBe('\u001B[31mred\u001B[39m');
  });
});
