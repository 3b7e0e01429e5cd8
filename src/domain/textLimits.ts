// How much text an operator's field holds. Nothing typed or pasted is ever cut: text within the
// limit is kept whole, text beyond it is refused as a whole with the limit said. The input line
// (src/ui/input/keys.ts) and the recorder (src/journal/recorder.ts) apply the same numbers.

import { thousands } from './thousands.js';

/**
 * Prose that can be long: a timeline note (a log excerpt pasted during an incident) and the PIR's
 * free-text sections (root cause, impact, what went well…). A 100 KB paste fits.
 */
export const LONG_TEXT_MAX = 200_000;

/** One-line fields: reasons, names, owners, dates, the command line and filters. */
export const SHORT_TEXT_MAX = 2_000;

/** Characters as the operator counts them (code points, not UTF-16 units). */
export function textLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is one character.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** Why `text` is refused for a field of `what` holding at most `max` characters; null when it fits. */
export function overLimit(text: string, max: number, what: string): string | null {
  const n = textLength(text);
  if (n <= max) return null;
  return `${what} holds at most ${thousands(max)} characters; this one has ${thousands(n)}: not kept, nothing was cut`;
}
