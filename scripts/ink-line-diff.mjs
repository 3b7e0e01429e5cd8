// How Ink's incremental renderer writes a frame's changed lines (issue 16: bytes per second over
// SSH). Ink rewrites every changed line whole (about 120 columns and the escapes of its borders
// for one digit that moved) and moves over every unchanged line with its own cursor move. Here a
// changed line is written from its first changed character on, and only up to the text it shares
// with the old line at its end when that text stays where it was, in the same style; a run of
// unchanged lines is one cursor move.
//
// scripts/patch-ink.mjs inlines this file (without its `export`s) into Ink's build/log-update.js;
// test/terminal/lineDiff.test.ts checks it on a model terminal. No imports: the width of text is a
// parameter (Ink's own string-width), so columns are counted as Ink laid them out.
//
// A change starts only right after a printable ASCII character and before an escape, a printable
// ASCII character or the end of the line, in both lines, and ends only before a printable ASCII
// character: no cluster of characters (a wide one, a combining mark) is cut. A line with an escape
// other than SGR (colours and attributes) is written whole, as Ink does.

const ESC = 0x1b;

/** Attribute slots of the SGR state: bold, dim, italic, underline, blink, inverse, hidden, strike, fg, bg, overline, underline colour. */
const SLOTS = 12;
const CLOSES = { 22: [0, 1], 23: [2], 24: [3], 25: [4], 27: [5], 28: [6], 29: [7], 39: [8], 49: [9], 55: [10], 59: [11] };
const OPENS = { 1: 0, 2: 1, 3: 2, 4: 3, 21: 3, 5: 4, 6: 4, 7: 5, 8: 6, 9: 7, 53: 10 };
const EXTENDED = { 38: 8, 48: 9, 58: 11 };

/** Applies one SGR's parameters to `st`; false for a parameter it does not know (the caller writes the line whole). */
export function lsosApplySgr(st, body) {
  const ps = body === '' ? ['0'] : body.split(';');
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i];
    const colon = p.indexOf(':');
    if (colon >= 0) {
      // 4:3 (an underline style), 38:2::r:g:b (a colour in one parameter)
      const head = p.slice(0, colon);
      const slot = head === '4' ? 3 : EXTENDED[head];
      if (slot === undefined) return false;
      st[slot] = p;
      continue;
    }
    if (!/^\d*$/.test(p)) return false;
    const n = p === '' ? 0 : Number(p);
    if (n === 0) st.fill('');
    else if (OPENS[n] !== undefined) st[OPENS[n]] = String(n);
    else if (CLOSES[n] !== undefined) for (const s of CLOSES[n]) st[s] = '';
    else if ((n >= 30 && n <= 37) || (n >= 90 && n <= 97)) st[8] = String(n);
    else if ((n >= 40 && n <= 47) || (n >= 100 && n <= 107)) st[9] = String(n);
    else if (EXTENDED[n] !== undefined) {
      const len = ps[i + 1] === '5' ? 2 : ps[i + 1] === '2' ? 4 : -1;
      if (len < 0 || i + len >= ps.length) return false;
      st[EXTENDED[n]] = ps.slice(i, i + len + 1).join(';');
      i += len;
    } else return false;
  }
  return true;
}

/** The SGR that sets state `st` from the default one ('' for the default). */
export function lsosSgrOf(st) {
  let out = '';
  for (const v of st) if (v !== '') out += out === '' ? v : `;${v}`;
  return out === '' ? '' : `\x1b[${out}m`;
}

/** The end of the SGR escape at `i` (index after its `m`), or -1 for any other escape. */
function sgrEnd(s, i) {
  if (s.charCodeAt(i + 1) !== 0x5b) return -1; // '['
  for (let j = i + 2; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x6d) return j + 1; // 'm'
    if (!((c >= 0x30 && c <= 0x39) || c === 0x3b || c === 0x3a)) return -1; // digits, ';', ':'
  }
  return -1;
}

const printableAscii = (c) => c >= 0x20 && c < 0x7f;

/**
 * Walks `s` from `from` (in state `st`, changed in place) to `to`: the text without escapes, or
 * null for an escape it cannot follow. `onChar`, when given, is called with `ctx`, the index and
 * the code of each character outside escapes, `st` then being the state it is drawn in. The
 * callbacks are module functions with a context, not closures made per line: V8 keeps a closure's
 * optimised code only while a closure made at that place lives, so closures made per frame lost it
 * at every full GC and ran unoptimised until compiled again.
 */
function walk(s, from, to, st, onChar, ctx) {
  let plain = '';
  let i = from;
  while (i < to) {
    const c = s.charCodeAt(i);
    if (c === ESC) {
      const end = sgrEnd(s, i);
      if (end < 0 || !lsosApplySgr(st, s.slice(i + 2, end - 1))) return null;
      i = end;
      continue;
    }
    if (onChar) onChar(ctx, i, c);
    plain += s[i];
    i++;
  }
  return plain;
}

const widthOf = (plain, width) => {
  for (let i = 0; i < plain.length; i++) if (!printableAscii(plain.charCodeAt(i))) return width(plain);
  return plain.length;
};

/** walk's onChar: the last place a change may start, and the state there. */
function markCleanStart(ctx, i, c) {
  if (printableAscii(c) && startsCleanly(ctx.prev, ctx.next, i + 1)) {
    ctx.b = i + 1;
    ctx.bState = ctx.st.slice();
  }
}

/** walk's onChar: the indices of printable ASCII characters, into the Set `visible`. */
function addVisible(visible, i, c) {
  if (printableAscii(c)) visible.add(i);
}

/** Where a change may start at `i` (after a printable ASCII character) in both lines. */
const startsCleanly = (prev, next, i) => {
  const a = prev.charCodeAt(i);
  const b = next.charCodeAt(i);
  return (i >= prev.length || a === ESC || printableAscii(a)) && (i >= next.length || b === ESC || printableAscii(b));
};

/**
 * What to write to turn the terminal line showing `prev` into `next`, the cursor anywhere on that
 * line, leaving the SGR state the default. `width` measures text as Ink does (string-width).
 */
export function lsosLineChange(prev, next, width) {
  const whole = `\x1b[1G${next}\x1b[K`;
  if (prev === undefined) return whole;
  const max = Math.min(prev.length, next.length);
  let p = 0;
  while (p < max && prev.charCodeAt(p) === next.charCodeAt(p)) p++;
  // The last place at or before the first difference where a change can start, and its state.
  const st = new Array(SLOTS).fill('');
  const start = { prev, next, st, b: 0, bState: null };
  const scanned = walk(next, 0, p, st, markCleanStart, start);
  const { b, bState } = start;
  if (scanned === null || bState === null) return whole;
  const head = walk(next, 0, b, new Array(SLOTS).fill(''), null);
  if (head === null) return whole;
  const col = widthOf(head, width);
  const enter = lsosSgrOf(bState);
  // The text both lines end with, from a printable ASCII character that starts at the same place
  // and in the same state in both (the middle parts as wide, with the same escapes' effect).
  let s = 0;
  while (s < prev.length - b && s < next.length - b && prev.charCodeAt(prev.length - 1 - s) === next.charCodeAt(next.length - 1 - s)) s++;
  if (s > 0) {
    const shift = prev.length - next.length;
    const nextVisible = new Set();
    const prevVisible = new Set();
    if (walk(next, b, next.length, bState.slice(), addVisible, nextVisible) === null) return whole;
    if (walk(prev, b, prev.length, bState.slice(), addVisible, prevVisible) === null) return whole;
    // Past the first candidate the middle parts grow by the same text: their widths keep their
    // difference, their states may meet (a reset both share). A few tries, then the rest of the line.
    let tries = 8;
    for (let j = next.length - s; j < next.length && tries > 0; j++) {
      if (!nextVisible.has(j) || !prevVisible.has(j + shift)) continue;
      tries--;
      const nextSt = bState.slice();
      const prevSt = bState.slice();
      const nextMid = walk(next, b, j, nextSt, null);
      const prevMid = walk(prev, b, j + shift, prevSt, null);
      if (nextMid === null || prevMid === null) return whole;
      if (widthOf(nextMid, width) !== widthOf(prevMid, width)) break;
      if (nextSt.join() !== prevSt.join()) continue;
      // The state is the default again for whatever is written next.
      return `\x1b[${col + 1}G${enter}${next.slice(b, j)}${lsosSgrOf(nextSt) !== '' ? '\x1b[0m' : ''}`;
    }
  }
  const rest = next.slice(b);
  return `\x1b[${col + 1}G${rest === '' ? '' : enter}${rest}\x1b[K`;
}

/** Moves the cursor `n` lines down to the start of the line (Ink moves one line at a time). */
export function lsosLinesDown(n) {
  return n === 1 ? '\x1b[E' : `\x1b[${n}E`;
}
