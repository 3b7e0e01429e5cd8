import React from 'react';
import type { Overlay } from '../../../src/ui/state/store.js';
import { TextBox } from '../common.js';
import type { OverlayViewProps } from '../types.js';
import { promptTextLimit, type PromptOverlay } from './state.js';
import { SHORT_TEXT_MAX } from '../../../src/domain/textLimits.js';

export function PromptView({ overlay, theme, ascii, size }: OverlayViewProps<PromptOverlay<Overlay>>) {
  return (
    <TextBox
      title={overlay.label}
      label="> "
      value={overlay.text}
      error={overlay.error}
      low={overlay.back?.kind === 'pir'}
      rows={promptTextLimit(overlay) > SHORT_TEXT_MAX ? 4 : 1}
      limit={promptTextLimit(overlay)}
      footer={`Enter ${overlay.allowEmpty ? 'saves (empty clears)' : 'confirms'}, Esc cancels, C-u clears`}
      theme={theme}
      ascii={ascii}
      size={size}
    />
  );
}
