// A one-line text field. It draws only: keys reach it through the input router, so it has no
// useInput of its own (two handlers would both see every key).
import React from 'react';
import { Text } from 'ink';
import stringWidth from 'string-width';
import type { Theme } from '../src/ui/state/theme.js';

/** The end of `value` that fits `room` cells (where the typing is), and whether it was cut. */
export function tailToFit(value: string, room: number): { text: string; cut: boolean } {
  if (stringWidth(value) <= room) return { text: value, cut: false };
  const chars = [...value];
  let i = 0;
  while (i < chars.length && stringWidth(chars.slice(i).join('')) > room - 1) i++;
  return { text: chars.slice(i).join(''), cut: true };
}

export function TextInput({
  label,
  value,
  width,
  theme,
  placeholder = '',
}: {
  label: string;
  value: string;
  width: number;
  theme: Theme;
  placeholder?: string;
}) {
  const room = Math.max(1, width - stringWidth(label) - 1);
  const { text, cut } = tailToFit(value, room);
  return (
    <Text wrap="truncate-end">
      <Text {...theme.tones.accent}>{label}</Text>
      {cut ? <Text>…</Text> : null}
      {value === '' && placeholder ? <Text {...theme.tones.muted}>{placeholder}</Text> : <Text>{text}</Text>}
      <Text inverse> </Text>
    </Text>
  );
}
