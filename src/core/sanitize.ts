// Text from outside (task names, exception messages, host names, queries) is drawn on an operator's
// terminal: it must not be able to move the cursor, retitle the window or clear the screen, and it
// must not read differently from what it is (bidi overrides, invisible characters).

// CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), DCS/SOS/PM/APC (ESC P/X/^/_ ... ST),
// two-byte escapes, and the 8-bit C1 forms of CSI (0x9b) and OSC (0x9d).
const ESCAPE_SEQUENCE =
  /\u001b\[[0-?]*[ -/]*[@-~]|\u009b[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u009d[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[PX^_][^\u001b\u009c]*(?:\u001b\\|\u009c)?|\u001b[@-Z\\-_]|\u001b./g;
/** Whitespace controls, and the Unicode line and paragraph separators: folded to a space. */
const WHITESPACE_CONTROL = /[\t\n\r\v\f\u2028\u2029]/g;
/**
 * What is removed: C0 controls, DEL, C1 controls; every Unicode Bidi_Control (U+061C, U+200E/F,
 * U+202A–U+202E, U+2066–U+2069) and Default_Ignorable_Code_Point (zero-width space and joiners,
 * U+2060–U+206F, U+FEFF, U+180B–U+180F, variation selectors, tags, Hangul fillers, soft hyphen …):
 * they draw as nothing or reorder what is drawn, so "crawl" and "crawl<U+200B>" would look the
 * same. Also the interlinear annotation marks (U+FFF9–U+FFFB) and lone surrogates.
 */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\p{Bidi_Control}\p{Default_Ignorable_Code_Point}\u{FFF9}-\u{FFFB}\p{Cs}]/gu;

/** Strips escape sequences, control, bidi and invisible characters; folds whitespace controls to a space. No length limit. */
export function stripControls(text: unknown): string {
  let s = typeof text === 'string' ? text : String(text ?? '');
  s = s.replace(ESCAPE_SEQUENCE, '');
  s = s.replace(WHITESPACE_CONTROL, ' ');
  return s.replace(INVISIBLE, '');
}

/** Strips escape sequences and control characters (see stripControls); cut to `maxLength`. */
export function sanitize(text: unknown, maxLength = 500): string {
  let s = stripControls(text);
  if (s.length > maxLength) s = `${s.slice(0, maxLength - 1)}…`;
  return s;
}

/** True when `text` holds something stripControls would remove or fold. */
export function hasControls(text: string): boolean {
  return stripControls(text) !== text;
}

/**
 * The raw value kept, made inert: every character stripControls would remove or fold is written as
 * `\uXXXX` (`\u{XXXXX}` beyond the BMP), so an escape sequence becomes plain text. For the journal,
 * which keeps names as they were seen without carrying a raw control byte into a file someone will
 * `cat` or `grep`.
 */
export function escapeControls(text: unknown): string {
  const s = typeof text === 'string' ? text : String(text ?? '');
  return s.replace(
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029\p{Bidi_Control}\p{Default_Ignorable_Code_Point}\u{FFF9}-\u{FFFB}\p{Cs}]/gu,
    (c) => {
      const cp = c.codePointAt(0) as number;
      return cp > 0xffff ? `\\u{${cp.toString(16).toUpperCase()}}` : `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    },
  );
}
