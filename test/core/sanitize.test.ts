import { describe, expect, it } from 'vitest';
import { escapeControls, sanitize, stripControls } from '../../src/core/sanitize.js';

describe('sanitising outside text', () => {
  const hostile: Array<[string, string]> = [
    ['\u001b]0;pwned\u0007crawl.fetch_page', 'crawl.fetch_page'], // retitle the terminal (OSC 0, BEL)
    ['\u001b]2;pwned\u001b\\task', 'task'], // OSC with ST
    ['a\u001b[2J\u001b[Hb', 'ab'], // clear screen, cursor home
    ['x\u001b[10;20Hy', 'xy'], // cursor move
    ['\u009b31mred', 'red'], // 8-bit CSI
    ['bell\u0007', 'bell'],
    ['line1\nline2\rline3\tend', 'line1 line2 line3 end'],
    ['\u001bPq#0;2;0;0;0\u001b\\sixel', 'sixel'], // DCS
    ['rtl\u202eevil', 'rtlevil'],
    ['\u001b7save\u001b8', 'save'],
  ];
  it.each(hostile)('strips %j', (input, out) => {
    expect(sanitize(input)).toBe(out);
  });
  // Every Unicode Bidi_Control and the Default_Ignorable_Code_Points a terminal draws as nothing:
  // "crawl" and "crawl<U+200B>" must not look like the same queue, nor text read right to left.
  const invisible: Array<[string, number]> = [
    ['RLM', 0x200f],
    ['LRM', 0x200e],
    ['ALM', 0x061c],
    ['ZWSP', 0x200b],
    ['ZWNJ', 0x200c],
    ['ZWJ', 0x200d],
    ['WJ', 0x2060],
    ['invisible plus', 0x2064],
    ['BOM', 0xfeff],
    ['LRE', 0x202a],
    ['RLE', 0x202b],
    ['PDF', 0x202c],
    ['LRO', 0x202d],
    ['RLO', 0x202e],
    ['LRI', 0x2066],
    ['RLI', 0x2067],
    ['FSI', 0x2068],
    ['PDI', 0x2069],
    ['Mongolian vowel separator', 0x180e],
    ['variation selector 1', 0xfe00],
    ['variation selector 16', 0xfe0f],
    ['variation selector 17', 0xe0100],
    ['tag A', 0xe0041],
    ['soft hyphen', 0x00ad],
    ['Hangul filler', 0x3164],
    ['combining grapheme joiner', 0x034f],
    ['interlinear annotation', 0xfff9],
  ];
  it.each(invisible)('strips %s', (_name, cp) => {
    const c = String.fromCodePoint(cp);
    expect(sanitize(`crawl${c}.fetch${c}`)).toBe('crawl.fetch');
    expect(stripControls(`${c}x`)).toBe('x');
  });
  it('strips C1 CSI/OSC introducers even when no sequence follows, and lone surrogates', () => {
    expect(sanitize('ab\u009b')).toBe('ab');
    expect(sanitize('c\ud800d')).toBe('cd');
    expect(sanitize('crawl\u009b')).toBe('crawl');
  });
  it('folds the Unicode line and paragraph separators to a space', () => {
    expect(sanitize('a\u2028b\u2029c')).toBe('a b c');
  });
  it('keeps the raw value visible but inert when escaping (for the journal)', () => {
    expect(escapeControls('crawl\u202e\u009b31m\u200b')).toBe('crawl\\u202E\\u009B31m\\u200B');
    expect(escapeControls('tag\u{e0041}')).toBe('tag\\u{E0041}');
    expect(escapeControls('\u001b[2Jx')).toBe('\\u001B[2Jx');
    expect(escapeControls('reporting.retry 日本')).toBe('reporting.retry 日本');
    expect(stripControls(escapeControls('crawl\u202e'))).toBe('crawl\\u202E');
  });
  it('leaves ordinary text (and unicode) alone', () => {
    expect(sanitize('reporting.render_pdf — ValueError: “disk full” 日本')).toBe('reporting.render_pdf — ValueError: “disk full” 日本');
  });
  it('bounds length', () => {
    expect(sanitize('x'.repeat(1000), 10)).toHaveLength(10);
  });
  it('never leaves an escape byte behind', () => {
    for (let i = 0; i < 500; i++) {
      const junk = Array.from({ length: 20 }, (_, j) => String.fromCharCode((i * 31 + j * 17) % 160)).join('');
      expect(sanitize(junk)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
      const wide = Array.from({ length: 20 }, (_, j) => String.fromCodePoint(0x2000 + ((i * 37 + j * 13) % 0x80))).join('');
      expect(sanitize(wide)).not.toMatch(/[\p{Bidi_Control}\p{Default_Ignorable_Code_Point}]/u);
    }
  });
});
