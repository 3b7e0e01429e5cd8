/**
 * `12,345`: what `n.toLocaleString('en-US')` writes, without Intl.NumberFormat for the integers the
 * cockpit counts (characters, journal entries). Its first use maps about 4 MB of ICU's number and
 * locale data into the process, kept for good (docs/performance.md, "Memory, third session").
 * Anything but a safe integer (fractions, -0, NaN, huge) is left to toLocaleString: same text.
 */
export function thousands(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? `-${out}` : out;
}
