// A trend in one line of text. Unicode eighth-blocks, or `_.-~^` on ASCII-only terminals.
import React, { memo } from 'react';
import { Text } from 'ink';
import type { ToneStyle } from '../src/ui/state/theme.js';

const UNICODE = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const ASCII = ['_', '.', '-', '~', '^'];

/** The last `width` values scaled between their minimum and maximum (the shape of the trend); padded on the left when short. */
export function sparkline(values: readonly number[], width: number, ascii = false): string {
  if (width <= 0) return '';
  const levels = ascii ? ASCII : UNICODE;
  const tail = values.slice(-width).map((v) => (Number.isFinite(v) ? Math.max(0, v) : 0));
  const max = Math.max(...tail);
  const min = Math.min(...tail);
  const chars = tail.map((v) => {
    if (max === min) return levels[0];
    const i = Math.min(levels.length - 1, Math.round(((v - min) / (max - min)) * (levels.length - 1)));
    return levels[i];
  });
  return ' '.repeat(width - chars.length) + chars.join('');
}

export const Sparkline = memo(function Sparkline({
  values,
  width,
  ascii,
  style,
}: {
  values: readonly number[];
  width: number;
  ascii: boolean;
  style?: ToneStyle;
}) {
  return <Text {...style}>{sparkline(values, width, ascii)}</Text>;
});
