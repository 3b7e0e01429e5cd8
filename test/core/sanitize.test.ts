import { describe, expect, it } from 'vitest';
import { sanitize } from '../../src/core/sanitize.js';

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
    }
  });
});
