// The full text of one row (a timeline entry, a trigger, a mitigation in force), scrollable.
import React from 'react';
import { Text } from 'ink';
import { Modal, modalInnerWidth } from '../../../components/Modal.js';
import { sanitize } from '../../../src/core/sanitize.js';
import { place } from '../common.js';
import type { OverlayViewProps } from '../types.js';
import { detailLines } from './lines.js';
import type { DetailOverlay } from './state.js';

export function DetailView({ overlay, theme, ascii, size }: OverlayViewProps<DetailOverlay>) {
  const box = place(size, 110, size.rows - 3, 1);
  const inner = modalInnerWidth(box.width);
  const lines = detailLines(overlay.fields, inner);
  // Border, title and footer take 4 rows.
  const room = Math.max(1, box.height - 4);
  const offset = Math.max(0, Math.min(overlay.offset, lines.length - room));
  const more = lines.length > room ? `  lines ${offset + 1}-${Math.min(lines.length, offset + room)} of ${lines.length}, j/k scroll` : '';
  return (
    <Modal title={sanitize(overlay.title, 200)} footer={`Esc or Enter closes${more}`} theme={theme} ascii={ascii} {...box}>
      {lines.slice(offset, offset + room).map((l, i) => (
        <Text key={i} wrap="truncate-end">
          {l}
        </Text>
      ))}
    </Modal>
  );
}
