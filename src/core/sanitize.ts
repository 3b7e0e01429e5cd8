// Text from outside (task names, exception messages, host names, queries) is drawn on an operator's
// terminal: it must not be able to move the cursor, retitle the window or clear the screen.

// CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), DCS/SOS/PM/APC (ESC P/X/^/_ ... ST),
// two-byte escapes, and the 8-bit C1 forms of CSI (0x9b) and OSC (0x9d).
const ESCAPE_SEQUENCE =
  /\u001b\[[0-?]*[ -/]*[@-~]|\u009b[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u009d[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[PX^_][^\u001b\u009c]*(?:\u001b\\|\u009c)?|\u001b[@-Z\\-_]|\u001b./g;
// C0 controls (tab and newline become spaces), DEL, C1 controls, and bidi overrides that can
// make text read differently from what it is.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Strips escape sequences and control characters; folds whitespace controls to a space. */
export function sanitize(text: unknown, maxLength = 500): string {
  let s = typeof text === 'string' ? text : String(text ?? '');
  s = s.replace(ESCAPE_SEQUENCE, '');
  s = s.replace(/[\t\n\r\v\f]/g, ' ');
  s = s.replace(CONTROL, '');
  if (s.length > maxLength) s = `${s.slice(0, maxLength - 1)}…`;
  return s;
}
