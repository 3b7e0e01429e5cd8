import React from 'react';
import { LONG_TEXT_MAX } from '../../../src/domain/textLimits.js';
import { TextBox } from '../common.js';
import type { OverlayViewProps } from '../types.js';
import type { NoteOverlay } from './state.js';

export function NoteView({ overlay, theme, ascii, size }: OverlayViewProps<NoteOverlay>) {
  return (
    <TextBox
      title="Add a note to the timeline"
      label="note: "
      value={overlay.text}
      rows={4}
      limit={LONG_TEXT_MAX}
      footer="Enter adds, Esc cancels"
      theme={theme}
      ascii={ascii}
      size={size}
    />
  );
}
