// ASCII mode (`--ascii`, or a locale that is not UTF-8) writes only bytes below 0x80. The views
// already draw ASCII borders and sparklines there; this is the guarantee for everything else that
// reaches the terminal (an ellipsis where text is cut, a section sign, an arrow, a name from the
// system in another script): every other character is replaced by ASCII of the same width, so
// the layout Ink measured stays exactly where it was.

/** Width-1 characters the cockpit draws, each with the ASCII that reads closest. */
const NEAREST: Readonly<Record<string, string>> = {
  '…': '~',
  '§': '#',
  '—': '-',
  '–': '-',
  '−': '-',
  '·': '.',
  '•': '*',
  '×': 'x',
  '→': '>',
  '←': '<',
  '↑': '^',
  '↓': 'v',
  '▲': '^',
  '▼': 'v',
  '❯': '>',
  '✓': '+',
  '✗': 'x',
  '≥': '>',
  '≤': '<',
  '±': '~',
  '∞': '8',
  '°': 'o',
  '\u00a0': ' ',
  '‘': "'",
  '’': "'",
  '“': '"',
  '”': '"',
  '─': '-',
  '═': '=',
  '│': '|',
  '║': '|',
  '╭': '+',
  '╮': '+',
  '╰': '+',
  '╯': '+',
  '╔': '+',
  '╗': '+',
  '╚': '+',
  '╝': '+',
  '┌': '+',
  '┐': '+',
  '└': '+',
  '┘': '+',
  '├': '+',
  '┤': '+',
  '┬': '+',
  '┴': '+',
  '┼': '+',
  '▁': '_',
  '▂': '_',
  '▃': '.',
  '▄': '-',
  '▅': '-',
  '▆': '=',
  '▇': '#',
  '█': '#',
};

/** Columns a character takes in a terminal: 0 for combining marks, 2 for East Asian wide ones and emoji. */
export function charWidth(ch: string): number {
  if (/^\p{M}$/u.test(ch)) return 0;
  const c = ch.codePointAt(0) ?? 0;
  const wide =
    (c >= 0x1100 && c <= 0x115f) ||
    (c >= 0x2e80 && c <= 0xa4cf && c !== 0x303f) ||
    (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xfe30 && c <= 0xfe4f) ||
    (c >= 0xff00 && c <= 0xff60) ||
    (c >= 0xffe0 && c <= 0xffe6) ||
    (c >= 0x1f300 && c <= 0x1f64f) ||
    (c >= 0x1f900 && c <= 0x1f9ff) ||
    (c >= 0x20000 && c <= 0x3fffd);
  return wide ? 2 : 1;
}

function nearest(ch: string): string {
  const known = NEAREST[ch];
  if (known !== undefined) return known;
  // A letter with an accent keeps its letter (é -> e) when that is all it differs by.
  const base = ch.normalize('NFKD').replace(/\p{M}/gu, '');
  if (/^[\x20-\x7e]$/.test(base) && charWidth(ch) === 1) return base;
  return '?'.repeat(charWidth(ch));
}

/** `text` with every character at or above 0x80 replaced by ASCII of the same width. */
export function asciiOnly(text: string): string {
  // The common case: a frame that is ASCII already costs one scan.
  if (!/[^\x00-\x7f]/.test(text)) return text;
  return text.replace(/[^\x00-\x7f]/gu, nearest);
}

/**
 * The terminal stream as Ink is given it in ASCII mode: the same stream (size, resize events,
 * TTY-ness), but what is written passes through asciiOnly first.
 */
export function asciiStream(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  const write = (chunk: unknown, ...rest: unknown[]): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : chunk;
    return (stream.write as (c: unknown, ...r: unknown[]) => boolean)(typeof text === 'string' ? asciiOnly(text) : text, ...rest);
  };
  return new Proxy(stream, {
    get(target, key) {
      if (key === 'write') return write;
      const v: unknown = Reflect.get(target, key, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
