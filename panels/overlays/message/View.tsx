import React from 'react';
import { Text } from 'ink';
import { Modal } from '../../../components/Modal.js';
import { sanitize } from '../../../src/core/sanitize.js';
import { place } from '../common.js';
import type { OverlayViewProps } from '../types.js';
import type { MessageOverlay } from './state.js';

export function MessageView({ overlay, theme, ascii, size }: OverlayViewProps<MessageOverlay>) {
  return (
    <Modal title={sanitize(overlay.title, 80)} footer="Esc or Enter closes" theme={theme} ascii={ascii} {...place(size, 90, 8, 3)}>
      <Text>{sanitize(overlay.body, 1000)}</Text>
    </Modal>
  );
}
