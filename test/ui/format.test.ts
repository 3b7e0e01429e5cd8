// The panels' text fitting measures printable ASCII by its length and everything else with
// string-width: held to string-width's widths on random texts of ASCII, wide, box-drawing,
// emoji and control characters.
import { describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import { fitWidth, padTo } from '../../components/format.js';
import { cellText } from '../../components/table.js';
import { Prng } from '../../src/sources/sim/prng.js';

const ALPHABET = ['a', 'Z', '9', ' ', '~', '│', '…', '·', '日本', '😀', '\u007f', '\u0001', 'é', 'e\u0301'];

describe('fitting text to a width', () => {
  it('pads to and cuts at display widths as string-width measures them', () => {
    const p = new Prng(61);
    for (let i = 0; i < 400; i++) {
      const text = Array.from({ length: Math.floor(p.next() * 12) }, () => ALPHABET[Math.floor(p.next() * ALPHABET.length)]).join('');
      const width = Math.floor(p.next() * 14);
      const padded = padTo(text, width, p.next() < 0.5 ? 'left' : 'right');
      expect(stringWidth(padded), JSON.stringify([text, width])).toBe(Math.max(width, stringWidth(text)));
      const fitted = fitWidth(text, width);
      expect(stringWidth(fitted), JSON.stringify([text, width])).toBeLessThanOrEqual(width);
      if (width > 0 && stringWidth(text) <= width) expect(fitted).toBe(text);
      else expect(text.startsWith(fitted.slice(0, -1)), JSON.stringify([text, width, fitted])).toBe(true);
      // A wide character that would cross the edge is left out, so a cut cell can be one short.
      expect(stringWidth(cellText(text, width)), JSON.stringify([text, width])).toBeLessThanOrEqual(width);
      expect(stringWidth(cellText(text, width)), JSON.stringify([text, width])).toBeGreaterThanOrEqual(width - 1);
    }
  });
});
