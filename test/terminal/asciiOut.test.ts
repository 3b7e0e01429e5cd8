// ASCII mode's last guard: every character at or above 0x80 becomes ASCII of the same width, so
// the frame Ink laid out keeps its columns; escape sequences pass untouched.
import { describe, expect, it } from 'vitest';
import { asciiOnly, asciiStream, charWidth } from '../../src/ui/terminal/asciiOut.js';

describe('asciiOnly', () => {
  it('replaces what the cockpit draws with the nearest ASCII, one column for one', () => {
    expect(asciiOnly('reporti… §3 Queue Triage → 0–8 · 2×')).toBe('reporti~ #3 Queue Triage > 0-8 . 2x');
    expect(asciiOnly('╭─ 2 ─╮│║═╔▁▃▅█')).toBe('+- 2 -+||=+_.-#');
  });

  it('keeps the width of anything else: accents lose the accent, wide characters become two ?', () => {
    expect(asciiOnly('café crawl')).toBe('cafe crawl');
    expect(asciiOnly('队列 q')).toBe('???? q');
    expect(charWidth('队')).toBe(2);
    expect(asciiOnly('e\u0301')).toBe('e');
  });

  it('leaves ASCII (escape sequences included) as it is', () => {
    const s = '\x1b[2J\x1b[1;1H+- 1 Queue lag -+\r\n';
    expect(asciiOnly(s)).toBe(s);
  });

  it('the stream writes the replaced text and keeps the size of the terminal it wraps', () => {
    const written: string[] = [];
    const fake = { columns: 80, rows: 24, write: (s: string) => (written.push(s), true) } as unknown as NodeJS.WriteStream;
    const out = asciiStream(fake);
    out.write('a…b');
    out.write(Buffer.from('§', 'utf8'));
    expect(written).toEqual(['a~b', '#']);
    expect([out.columns, out.rows]).toEqual([80, 24]);
    expect(Buffer.from(written.join('')).every((b) => b < 0x80)).toBe(true);
  });
});
