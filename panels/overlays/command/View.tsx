// The `:` line with the commands its text matches (disabled ones say why).
import React from 'react';
import { Text } from 'ink';
import { useStore } from 'zustand';
import { Modal, modalInnerWidth } from '../../../components/Modal.js';
import { TextInput } from '../../../components/TextInput.js';
import { padTo } from '../../../components/format.js';
import { sanitize } from '../../../src/core/sanitize.js';
import { completeCommand, parseCommand } from '../../../src/ui/registry/commandLine.js';
import { disabledReason } from '../../../src/ui/registry/dispatcher.js';
import { displayKeys } from '../../../src/ui/registry/help.js';
import { place } from '../common.js';
import type { OverlayViewProps } from '../types.js';
import type { CommandOverlay } from './state.js';

export function CommandView({ overlay, store, theme, ascii, size, bindings }: OverlayViewProps<CommandOverlay>) {
  // Whether each match is enabled depends on all of the state: read while the line is open only.
  const state = useStore(store, (s) => s);
  const { matches } = completeCommand(bindings, overlay.text);
  const box = place(size, 84, 4 + Math.min(6, Math.max(1, matches.length)), 1);
  const inner = modalInnerWidth(box.width);
  const typed = parseCommand(overlay.text).name;
  return (
    <Modal title="Command" footer="Tab completes, Enter runs, Esc closes" theme={theme} ascii={ascii} {...box}>
      <TextInput
        label=":"
        value={overlay.text}
        width={inner}
        theme={theme}
        placeholder="queues, note <text>, severity SEV-2 <reason>, help…"
      />
      {matches.length === 0 ? (
        <Text wrap="truncate-end" {...theme.tones.warn}>
          {typed ? `no command "${sanitize(typed, 40)}"` : ''}
        </Text>
      ) : (
        matches.slice(0, 6).map((a) => {
          const why = disabledReason(a, state);
          return (
            <Text key={a.id} wrap="truncate-end" {...(why ? theme.tones.muted : {})}>
              <Text bold={!why}>{padTo(`:${a.id}`, 16)}</Text>
              {`${padTo(displayKeys(a), 10)} ${a.title}${why ? ` (disabled: ${why})` : ''}`}
            </Text>
          );
        })
      )}
    </Modal>
  );
}
