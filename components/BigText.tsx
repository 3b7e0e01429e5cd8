// Block letters for the war-room banner: "SEV-1" readable from the back of the room.
import React, { memo } from 'react';
import { Box, Text } from 'ink';
import type { ToneStyle } from '../src/ui/state/theme.js';
import { bigText } from './blockLetters.js';

export { BIG_TEXT_HEIGHT, bigText, bigTextWidth } from './blockLetters.js';

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
