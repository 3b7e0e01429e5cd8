// The `:` line: what is typed (always shown, the line before the list), the last note (an
// ambiguous prefix's candidates, an unknown name), then the commands the text matches (full
// names; disabled ones say why) or, once a command is named, its usage and the argument values
// that fit.
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

/** Lines of matches or candidates shown under the input at most. */
const LIST = 8;

/**
 * The argument values as listed: without the `key=` they all share (`fix-deployed` for
 * `reasonCode=fix-deployed`), wrapped over at most `lines` lines of `width`.
 */
export function candidateLines(candidates: readonly string[], width: number, lines: number): string[] {
  const eq = candidates[0]?.indexOf('=') ?? -1;
  const key = eq >= 0 ? (candidates[0]?.slice(0, eq + 1) ?? '') : '';
  const strip = key !== '' && candidates.every((c) => c.startsWith(key) && c.length > key.length);
  const items = strip ? candidates.map((c) => c.slice(key.length)) : [...candidates];
  const out: string[] = [];
  let line = strip ? key : '';
  for (const item of items) {
    const next = line === '' ? item : line.endsWith('=') ? `${line} ${item}` : `${line}  ${item}`;
    if (next.length > width && line !== '' && line !== key) {
      out.push(line);
      line = item;
    } else line = next;
  }
  if (line !== '') out.push(line);
  return out.slice(0, Math.max(1, lines));
}

export function CommandView({ overlay, store, theme, ascii, size, bindings }: OverlayViewProps<CommandOverlay>) {
  // Whether each match is enabled depends on all of the state: read while the line is open only.
  const state = useStore(store, (s) => s);
  const c = completeCommand(bindings, overlay.text, state);
  const { matches } = c;
  const note = overlay.note ? 1 : 0;
  const width = Math.min(96, size.columns - 2);
  const values = c.binding && c.candidates.length > 0 ? candidateLines(c.candidates, modalInnerWidth(width), 3) : [];
  const listed = c.binding ? 1 + values.length : Math.max(1, Math.min(LIST, matches.length));
  // Border 2, title, input, note, list, footer: the input line is never pushed out.
  const box = place(size, 96, 5 + note + listed, 1);
  const inner = modalInnerWidth(box.width);
  const room = Math.max(0, box.height - 5 - note);
  const typed = parseCommand(overlay.text).name;
  const nameWidth = Math.min(24, Math.max(10, ...matches.slice(0, LIST).map((a) => a.id.length + 2)));
  return (
    <Modal title="Command" footer="Tab completes names and arguments, Enter runs, Esc closes" theme={theme} ascii={ascii} {...box}>
      <TextInput
        label=":"
        value={overlay.text}
        width={inner}
        theme={theme}
        placeholder="queues, note <text>, severity SEV-2 <reason>, help"
      />
      {overlay.note ? (
        <Text wrap="truncate-end" {...theme.tones.warn}>
          {sanitize(overlay.note, 300)}
        </Text>
      ) : null}
      {c.binding ? (
        <>
          <Text wrap="truncate-end">
            <Text bold>{`:${c.binding.id}`}</Text>
            <Text {...theme.tones.muted}>{` ${c.binding.usage ?? '<text>'}  ${c.binding.title}`}</Text>
          </Text>
          {values.slice(0, Math.max(0, room - 1)).map((line, i) => (
            <Text key={i} wrap="truncate-end" {...theme.tones.accent}>
              {line}
            </Text>
          ))}
        </>
      ) : matches.length === 0 ? (
        <Text wrap="truncate-end" {...theme.tones.warn}>
          {typed ? `no command starts with "${sanitize(typed, 40)}"` : ''}
        </Text>
      ) : (
        matches.slice(0, Math.max(1, Math.min(LIST, room))).map((a, i, shown) => {
          const why = disabledReason(a, state);
          const more = i === shown.length - 1 && matches.length > shown.length ? ` (+${matches.length - shown.length} more)` : '';
          return (
            <Text key={a.id} wrap="truncate-end" {...(why ? theme.tones.muted : {})}>
              <Text bold={!why}>{padTo(`:${a.id}`, nameWidth)}</Text>
              {` ${padTo(displayKeys(a), 6)} ${a.title}${why ? ` (disabled: ${why})` : ''}${more}`}
            </Text>
          );
        })
      )}
    </Modal>
  );
}
