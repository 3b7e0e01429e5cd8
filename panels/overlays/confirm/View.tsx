import React from 'react';
import { sanitize } from '../../../src/core/sanitize.js';
import type { Overlay } from '../../../src/ui/state/store.js';
import { ConfirmBox } from '../common.js';
import type { OverlayViewProps } from '../types.js';
import type { ConfirmOverlay } from './state.js';

export function ConfirmView({ overlay, theme, ascii, size }: OverlayViewProps<ConfirmOverlay<Overlay>>) {
  // Line by line: each is sanitized on its own, the breaks between them are the binding's.
  const prompt = overlay.prompt
    .split('\n')
    .slice(0, 16)
    .map((l) => sanitize(l, 300))
    .join('\n');
  return <ConfirmBox title="Confirm" prompt={prompt} danger theme={theme} ascii={ascii} size={size} />;
}
