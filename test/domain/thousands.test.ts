// Counts written with thousands separators, as toLocaleString('en-US') writes them, without
// Intl.NumberFormat (whose first use maps ICU data into the process for good).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Prng } from '../../src/sources/sim/prng.js';
import { thousands } from '../../src/domain/thousands.js';

describe('thousands', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([
    0,
    1,
    12,
    999,
    1000,
    1001,
    12_345,
    999_999,
    1_000_000,
    65_536,
    -1,
    -999,
    -1000,
    -1_234_567,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
  ])('%d reads as toLocaleString("en-US") writes it', (n) => expect(thousands(n)).toBe(n.toLocaleString('en-US')));

  it('is the same text for random integers of every length', () => {
    const rng = new Prng(16);
    for (let i = 0; i < 2_000; i++) {
      const n = Math.floor(rng.next() * 10 ** (1 + (i % 16))) * (i % 3 === 0 ? -1 : 1);
      expect(thousands(n)).toBe(n.toLocaleString('en-US'));
    }
  });

  it('leaves what is not a safe integer to toLocaleString: the same text for every number', () => {
    for (const n of [-0, 1.5, 1234.5678, NaN, Infinity, -Infinity, 1e21, 2 ** 60]) expect(thousands(n)).toBe(n.toLocaleString('en-US'));
  });

  it('writes an integer without Number.prototype.toLocaleString or Intl.NumberFormat', () => {
    const toLocale = vi.spyOn(Number.prototype, 'toLocaleString');
    const numberFormat = vi.spyOn(Intl, 'NumberFormat');
    expect(thousands(1_234_567)).toBe('1,234,567');
    expect(thousands(-42)).toBe('-42');
    expect(toLocale).not.toHaveBeenCalled();
    expect(numberFormat).not.toHaveBeenCalled();
  });
});
