// Pieces several overlay views share: where a box goes on the screen, a one-line text box and a
// y/n question.
import React from 'react';
import { Text } from 'ink';
import { Modal, modalInnerWidth } from '../../components/Modal.js';
import { TextInput } from '../../components/TextInput.js';
import { sanitize } from '../../src/core/sanitize.js';
import { textLength } from '../../src/domain/textLimits.js';
import { overLimitNotice } from '../../src/ui/input/keys.js';
import type { Theme } from '../../src/ui/state/theme.js';
import type { Size } from '../layout.js';

export interface Placement {
  width: number;
  height: number;
  top: number;
  left: number;
}

/** A centred box of at most `width` x `height` inside the frame. */
export function place(size: Size, width: number, height: number, top = 2): Placement {
  const frameHeight = size.rows - 1;
  const w = Math.max(20, Math.min(width, size.columns - 2));
  const h = Math.max(5, Math.min(height, frameHeight - top - 1));
  return { width: w, height: h, top: Math.max(0, Math.min(top, frameHeight - h)), left: Math.max(0, Math.floor((size.columns - w) / 2)) };
}

export function TextBox({
  title,
  label,
  value,
  footer,
  theme,
  ascii,
  size,
  error,
  low = false,
  rows = 1,
  limit,
}: {
  title: string;
  label: string;
  value: string;
  footer: string;
  theme: Theme;
  ascii: boolean;
  size: Size;
  error?: string | undefined;
  /** Near the bottom (over the PIR editor's problem list), so the row being edited stays in view. */
  low?: boolean;
  /** Lines for the text: a field that can be long (a note, a PIR section) is seen over several. */
  rows?: number;
  /** Characters the field holds (src/domain/textLimits.ts): past it, the box says so (Enter will refuse it). */
  limit?: number;
}) {
  const lines = Math.max(1, Math.min(rows, size.rows - 12));
  const length = limit === undefined || value.length <= limit ? 0 : textLength(value);
  const over = limit !== undefined && length > limit ? overLimitNotice(length, limit) : null;
  const height = (error ? 6 : 5) + (over ? 1 : 0) + lines - 1;
  const box = place(size, 96, height, low ? Math.max(3, size.rows - 1 - height - 3) : 3);
  return (
    <Modal title={title} footer={footer} theme={theme} ascii={ascii} {...box}>
      <TextInput label={label} value={value} width={modalInnerWidth(box.width)} theme={theme} rows={lines} />
      {over ? (
        <Text wrap="truncate-end" {...theme.tones.warn}>
          {over}
        </Text>
      ) : null}
      {error ? (
        <Text wrap="truncate-end" {...theme.tones.breach}>
          {`refused: ${sanitize(error, 300)}`}
        </Text>
      ) : null}
    </Modal>
  );
}

export function ConfirmBox({
  title,
  prompt,
  theme,
  ascii,
  size,
  danger,
}: {
  title: string;
  prompt: string;
  theme: Theme;
  ascii: boolean;
  size: Size;
  danger: boolean;
}) {
  // A question may come with what it is about, one item a line (the resolve lists what still fires).
  const lines = prompt.split('\n');
  const widest = Math.max(...lines.map((l) => l.length));
  const box = place(size, Math.min(100, Math.max(72, widest + 6)), lines.length + 4, 4);
  return (
    <Modal title={title} footer="y confirms, n or Esc cancels" theme={theme} ascii={ascii} {...box}>
      {lines.map((l, i) => (
        <Text key={i} wrap="truncate-end" {...(danger ? theme.tones.breach : theme.tones.warn)}>
          {l}
        </Text>
      ))}
    </Modal>
  );
}
