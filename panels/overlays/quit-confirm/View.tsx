import React from 'react';
import { useStore } from 'zustand';
import { sanitize } from '../../../src/core/sanitize.js';
import { ConfirmBox } from '../common.js';
import type { OverlayViewProps } from '../types.js';
import type { QuitConfirmOverlay } from './state.js';

export function QuitConfirmView({ store, theme, ascii, size }: OverlayViewProps<QuitConfirmOverlay>) {
  const incident = useStore(store, (s) => s.incident);
  const state = incident?.state ?? 'open';
  return (
    <ConfirmBox
      title="Quit?"
      prompt={`Incident ${sanitize(incident?.id ?? '', 60)} is ${state}: it stays ${state} if you quit. Quit? y/n`}
      danger={false}
      theme={theme}
      ascii={ascii}
      size={size}
    />
  );
}
