// A text field. It draws only: keys reach it through the input router, so it has no useInput of
// its own (two handlers would both see every key). A long value is shown by its end (where the
// typing is), over `rows` lines; the value itself is never cut (see src/domain/textLimits.ts).
import React from 'react';
import { Text } from 'ink';
import stringWidth from 'string-width';
import { textLength } from '../src/domain/textLimits.js';
import type { Theme } from '../src/ui/state/theme.js';
import { thousands } from '../src/domain/thousands.js';

/**
 * The end of `value` that fits `room` cells, and whether anything before it is not shown. Reads
 * only the end of the value (at most a few code units per cell), so it costs the same for a
 * 100 KB value as for a short one.
 */
export function tailToFit(value: string, room: number): { text: string; cut: boolean } {
  const whole = tailCells(value, room);
  if (whole.start === 0) return { text: value, cut: false };
  // Cut: one cell goes to the "…" drawn before it.
  return { text: tailCells(value, room - 1).text, cut: true };
}

/**
 * The end of `value` wrapped over at most `rows` lines of `room` cells (the first line is the
 * oldest shown), and whether anything before them is not shown.
 */
export function tailLines(value: string, room: number, rows: number): { lines: string[]; cut: boolean } {
  const width = Math.max(1, room);
  const n = Math.max(1, Math.floor(rows));
  // The whole tail that fits n lines, then split into lines from its start.
  const tail = tailCells(value, width * n);
  if (n === 1) return { lines: [tail.text], cut: tail.start > 0 };
  const lines: string[] = [];
  let line = '';
  let used = 0;
  for (const ch of tail.text) {
    const code = ch.charCodeAt(0);
    const w = ch.length === 1 && code >= 0x20 && code < 0x7f ? 1 : stringWidth(ch);
    if (used + w > width && line !== '') {
      lines.push(line);
      line = '';
      used = 0;
    }
    line += ch;
    used += w;
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return { lines: lines.slice(-n), cut: tail.start > 0 || lines.length > n };
}

/** The longest end of `value` at most `room` cells wide, and where it starts (in code units). */
function tailCells(value: string, room: number): { text: string; start: number } {
  if (room <= 0) return { text: '', start: value.length };
  // Every character shown takes at least one cell except combining marks; look back far enough
  // for those, never further.
  let used = 0;
  let i = value.length;
  while (i > 0) {
    let j = i - 1;
    const c = value.charCodeAt(j);
    if (c >= 0xdc00 && c <= 0xdfff && j > 0) {
      const h = value.charCodeAt(j - 1);
      if (h >= 0xd800 && h <= 0xdbff) j--;
    }
    // Printable ASCII is one cell: no need to ask string-width (costly per call) for most text.
    const w = j === i - 1 && c >= 0x20 && c < 0x7f ? 1 : stringWidth(value.slice(j, i));
    if (used + w > room) break;
    used += w;
    i = j;
  }
  return { text: value.slice(i), start: i };
}

export function TextInput({
  label,
  value,
  width,
  theme,
  placeholder = '',
  rows = 1,
}: {
  label: string;
  value: string;
  width: number;
  theme: Theme;
  placeholder?: string;
  /** Lines the field may take: a long note or PIR section is seen over several. */
  rows?: number;
}) {
  const room = Math.max(1, width - stringWidth(label) - 1);
  const one = tailToFit(value, room);
  // Text that fits on the label's line stays there; longer text gets the lines under it.
  if (rows <= 1 || !one.cut) {
    const { text, cut } = one;
    return (
      <Text wrap="truncate-end">
        <Text {...theme.tones.accent}>{label}</Text>
        {cut ? <Text>…</Text> : null}
        {value === '' && placeholder ? <Text {...theme.tones.muted}>{placeholder}</Text> : <Text>{text}</Text>}
        <Text inverse> </Text>
      </Text>
    );
  }
  // Several lines: the label on the first, the text under it, the cursor after the last character.
  const { lines, cut } = tailLines(value, Math.max(1, width - 1), rows - 1);
  return (
    <>
      <Text wrap="truncate-end">
        <Text {...theme.tones.accent}>{label}</Text>
        <Text {...theme.tones.muted}>{cut ? `… (${thousands(textLength(value))} characters, the end shown)` : ''}</Text>
      </Text>
      {lines.map((line, i) => (
        <Text key={i} wrap="truncate-end">
          {line}
          {i === lines.length - 1 ? <Text inverse> </Text> : null}
        </Text>
      ))}
    </>
  );
}
