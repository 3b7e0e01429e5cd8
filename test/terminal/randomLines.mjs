// Random terminal lines as the cockpit's panels draw them (runs of text, each plain or in one
// style: colours, 256 and true colour, bold, dim, inverse, underline, background; box drawing,
// wide and combining characters) and the ways they change from frame to frame. Seeded, so a
// failure names a frame that can be replayed. Used by test/terminal/lineDiff.test.ts (a model
// terminal) and test/e2e/line-diff-driver.mjs (tmux).

/** A seeded generator (a linear congruential one: enough to vary frames, the same every run). */
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const STYLES = [
  ['\x1b[31m', '\x1b[39m'],
  ['\x1b[1m', '\x1b[22m'],
  ['\x1b[2m', '\x1b[22m'],
  ['\x1b[7m', '\x1b[27m'],
  ['\x1b[4m', '\x1b[24m'],
  ['\x1b[38;5;208m', '\x1b[39m'],
  ['\x1b[38;2;10;200;30m', '\x1b[39m'],
  ['\x1b[44m', '\x1b[49m'],
  ['\x1b[1m\x1b[33m', '\x1b[39m\x1b[22m'],
];
const WORDS = [
  'crawl',
  'rank',
  '50.0k',
  '14m',
  '0',
  '1',
  '99',
  '101',
  ' ',
  '  ',
  '║',
  '│',
  '─',
  '…',
  '·',
  '→',
  '漢字',
  'é',
  'e\u0301',
  '✓',
  '!',
  '~',
  '+18/h',
  '0.9x',
];

const pick = (xs, r) => xs[Math.floor(r() * xs.length)];

/** A line: an array of runs `{ text, style }` (style -1: plain). */
export function randomLine(r) {
  return Array.from({ length: 2 + Math.floor(r() * 10) }, () => ({
    text: pick(WORDS, r),
    style: r() < 0.3 ? Math.floor(r() * STYLES.length) : -1,
  }));
}

/** The line's text as Ink writes it: each styled run opened and closed. */
export function draw(line) {
  return line.map((run) => (run.style < 0 ? run.text : STYLES[run.style][0] + run.text + STYLES[run.style][1])).join('');
}

/** A line changed the ways a panel changes: a digit, a number, a word, a style, text in or out. */
export function mutate(line, r) {
  const out = line.map((run) => ({ ...run }));
  if (out.length === 0) return randomLine(r);
  const run = pick(out, r);
  const k = r();
  if (k < 0.3) run.text = run.text.replace(/\d/, () => String(Math.floor(r() * 10)));
  else if (k < 0.45) run.text = run.text.replace(/\d+/, (d) => String(Number(d) + 1 + Math.floor(r() * 200)));
  else if (k < 0.6) out.splice(Math.floor(r() * out.length), 0, { text: pick(WORDS, r), style: -1 });
  else if (k < 0.75) run.style = Math.floor(r() * STYLES.length);
  else if (k < 0.85) run.style = -1;
  else if (k < 0.95) out.splice(Math.floor(r() * out.length));
  else return randomLine(r);
  return out;
}

/** `count` frames of `rows` lines, each line changing with probability 0.3 from one to the next. */
export function frames(seed, rows, count, trailing) {
  const r = rng(seed);
  let lines = Array.from({ length: rows }, () => randomLine(r));
  const out = [];
  for (let f = 0; f < count; f++) {
    out.push(lines.map(draw).join('\n') + trailing);
    lines = lines.map((l) => (r() < 0.3 ? mutate(l, r) : l));
  }
  return out;
}
