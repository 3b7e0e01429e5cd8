// Every key and `:` command, from the registry, a window of it at a time.
import React from 'react';
import { Text } from 'ink';
import { Modal, modalInnerWidth } from '../../../components/Modal.js';
import { helpRows } from '../../../src/ui/registry/help.js';
import { place } from '../common.js';
import type { OverlayViewProps } from '../types.js';
import type { HelpOverlay } from './state.js';

export function HelpView({ overlay, theme, ascii, size, bindings }: OverlayViewProps<HelpOverlay>) {
  const box = place(size, 116, size.rows, 1);
  const inner = modalInnerWidth(box.width);
  const query = overlay.query ?? '';
  const rows = helpRows(bindings, inner, query);
  // A line for the search while there is one.
  const visible = Math.max(1, box.height - 4 - (query || overlay.searching ? 1 : 0));
  const start = Math.max(0, Math.min(overlay.scroll ?? 0, rows.length - visible));
  return (
    <Modal
      title={`Keys and commands (${rows.length === 0 ? 0 : start + 1}-${Math.min(rows.length, start + visible)} of ${rows.length})`}
      footer={
        overlay.searching
          ? 'type to search, Enter keeps it, Esc clears it'
          : query
            ? 'j/k PgUp/PgDn scroll, / searches again, Esc clears the search'
            : 'j/k PgUp/PgDn scroll, / searches, Esc or ? closes'
      }
      theme={theme}
      ascii={ascii}
      {...box}
    >
      {query || overlay.searching ? (
        <Text wrap="truncate-end" {...theme.tones.accent}>
          {`/${query}${overlay.searching ? '_' : ''}${rows.length === 0 ? '  (nothing matches)' : ''}`}
        </Text>
      ) : null}
      {rows.slice(start, start + visible).map((l, i) => {
        if (l.kind === 'title') {
          return (
            <Text key={i} wrap="truncate-end" {...theme.tones.accent} underline>
              {l.text}
            </Text>
          );
        }
        if (l.kind === 'text') {
          return (
            <Text key={i} wrap="truncate-end" {...theme.tones.muted}>
              {l.text}
            </Text>
          );
        }
        return (
          <Text key={i} wrap="truncate-end">
            <Text bold>{l.keys}</Text>
            <Text {...theme.tones.muted}>{l.name}</Text>
            <Text>{l.text}</Text>
          </Text>
        );
      })}
    </Modal>
  );
}
