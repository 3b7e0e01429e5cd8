// A trend in one line of text. Unicode eighth-blocks, or `_.-~^` on ASCII-only terminals.
import React, { memo } from 'react';
import { Text } from 'ink';
import type { ToneStyle } from '../src/ui/state/theme.js';
import { sparkline } from './trend.js';

export { sparkline } from './trend.js';

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
