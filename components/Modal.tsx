// An overlay box drawn over the panels: absolutely positioned, its area blanked first so the
// panels underneath do not show through.
import React, { type ReactNode } from 'react';
import { Box, Text } from 'ink';
import { borderChars, type Theme } from '../src/ui/state/theme.js';

export interface ModalProps {
  title: string;
  width: number;
  height: number;
  top: number;
  left: number;
  theme: Theme;
  ascii: boolean;
  /** One line at the bottom, e.g. the keys that work here. */
  footer?: string;
  children?: ReactNode;
}

export function Modal({ title, width, height, top, left, theme, ascii, footer, children }: ModalProps) {
  const blank = ' '.repeat(Math.max(0, width));
  return (
    <Box position="absolute" marginTop={top} marginLeft={left} width={width} height={height}>
      <Box position="absolute" flexDirection="column">
        {Array.from({ length: height }, (_, i) => (
          <Text key={i}>{blank}</Text>
        ))}
      </Box>
      <Box
        borderStyle={borderChars(ascii, true)}
        borderColor={theme.borderFocused}
        width={width}
        height={height}
        flexDirection="column"
        paddingX={1}
        overflow="hidden"
      >
        <Text wrap="truncate-end" {...theme.tones.accent}>
          {title}
        </Text>
        <Box flexDirection="column" flexGrow={1} overflow="hidden">
          {children}
        </Box>
        {footer ? (
          <Text wrap="truncate-end" {...theme.tones.muted}>
            {footer}
          </Text>
        ) : null}
      </Box>
    </Box>
  );
}

/** Inner text width of a modal of the given width (border and padding taken off). */
export const modalInnerWidth = (width: number) => Math.max(1, width - 4);
