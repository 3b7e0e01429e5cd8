// Block letters for the war-room banner: "SEV-1" readable from the back of the room.
import React, { memo } from 'react';
import { Box, Text } from 'ink';
import type { ToneStyle } from '../src/ui/state/theme.js';

// 5 rows, 5 columns per glyph; '#' is a filled cell.
const FONT: Record<string, readonly string[]> = {
  S: [' ####', '#    ', ' ### ', '    #', '#### '],
  E: ['#####', '#    ', '#### ', '#    ', '#####'],
  V: ['#   #', '#   #', '#   #', ' # # ', '  #  '],
  '-': ['     ', '     ', ' ### ', '     ', '     '],
  '1': ['  #  ', ' ##  ', '  #  ', '  #  ', ' ### '],
  '2': [' ### ', '#   #', '  ## ', ' #   ', '#####'],
  '3': ['#### ', '    #', ' ### ', '    #', '#### '],
  O: [' ### ', '#   #', '#   #', '#   #', ' ### '],
  K: ['#   #', '#  # ', '###  ', '#  # ', '#   #'],
  '?': [' ### ', '#   #', '  ## ', '     ', '  #  '],
  ' ': ['   ', '   ', '   ', '   ', '   '],
};

export const BIG_TEXT_HEIGHT = 5;

/** The rows of `text` in block letters (unknown characters drawn as '?'). */
export function bigText(text: string, ascii = false): string[] {
  const fill = ascii ? '#' : '█';
  const rows = ['', '', '', '', ''];
  for (const ch of text.toUpperCase()) {
    const glyph = FONT[ch] ?? FONT['?'] ?? [];
    for (let r = 0; r < BIG_TEXT_HEIGHT; r++) rows[r] += `${(glyph[r] ?? '').replaceAll('#', fill)} `;
  }
  return rows.map((r) => r.trimEnd());
}

export function bigTextWidth(text: string): number {
  return Math.max(0, ...bigText(text).map((r) => [...r].length));
}

export const BigText = memo(function BigText({ text, ascii, style }: { text: string; ascii: boolean; style?: ToneStyle }) {
  return (
    <Box flexDirection="column" flexShrink={0}>
      {bigText(text, ascii).map((row, i) => (
        <Text key={i} {...style}>
          {row}
        </Text>
      ))}
    </Box>
  );
});
