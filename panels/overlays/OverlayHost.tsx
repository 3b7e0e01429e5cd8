// Draws the open overlay over the panels. It only draws: every key reaches overlays through the
// input router (src/ui/input/router.ts).
import React, { memo, useMemo } from 'react';
import { Text } from 'ink';
import SelectInput from 'ink-select-input';
import { useStore } from 'zustand';
import { Modal, modalInnerWidth } from '../../components/Modal.js';
import { TextInput } from '../../components/TextInput.js';
import { fitWidth, padTo } from '../../components/format.js';
import { ESCALATION_MATRIX, SEVERITIES } from '../../src/core/escalation.js';
import { sanitize } from '../../src/core/sanitize.js';
import {
  completeCommand,
  disabledReason,
  displayKeys,
  helpLines,
  menuActions,
  parseCommand,
  type Action,
} from '../../src/ui/registry/registry.js';
import { PANEL_TITLES, type CockpitState, type CockpitStore, type Overlay } from '../../src/ui/state/store.js';
import { glyphs, type Theme } from '../../src/ui/state/theme.js';
import { severityTone } from '../escalation/EscalationPanel.js';
import { PirEditor } from './pir/PirEditor.js';
import { MitigationOverlayView } from './mitigation/MitigationOverlay.js';
import type { Size } from '../layout.js';

interface HostProps {
  store: CockpitStore;
  theme: Theme;
  ascii: boolean;
  size: Size;
  actions: readonly Action[];
}

interface Box2 {
  width: number;
  height: number;
  top: number;
  left: number;
}

/** A centred box of at most `width` x `height` inside the frame. */
function place(size: Size, width: number, height: number, top = 2): Box2 {
  const frameHeight = size.rows - 1;
  const w = Math.max(20, Math.min(width, size.columns - 2));
  const h = Math.max(5, Math.min(height, frameHeight - top - 1));
  return { width: w, height: h, top: Math.max(0, Math.min(top, frameHeight - h)), left: Math.max(0, Math.floor((size.columns - w) / 2)) };
}

function HelpOverlay({ overlay, theme, ascii, size, actions }: Omit<HostProps, 'store'> & { overlay: Extract<Overlay, { kind: 'help' }> }) {
  const lines = helpLines(actions);
  const box = place(size, 116, size.rows, 1);
  const inner = modalInnerWidth(box.width);
  const visible = Math.max(1, box.height - 4);
  const start = Math.max(0, Math.min(overlay.scroll ?? 0, lines.length - visible));
  const keyWidth = 14;
  const nameWidth = 15;
  return (
    <Modal
      title={`Keys and commands (${start + 1}-${Math.min(lines.length, start + visible)} of ${lines.length})`}
      footer="j/k PgUp/PgDn scroll, Esc or ? closes"
      theme={theme}
      ascii={ascii}
      {...box}
    >
      {lines.slice(start, start + visible).map((l, i) => {
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
        const e = l.entry;
        const extra = [e.scope ? `in ${e.scope}` : '', e.flags].filter(Boolean).join('; ');
        return (
          <Text key={i} wrap="truncate-end">
            <Text bold>{padTo(fitWidth(e.keys, keyWidth - 1), keyWidth)}</Text>
            <Text {...theme.tones.muted}>{padTo(fitWidth(e.name, nameWidth - 1), nameWidth)}</Text>
            <Text>{fitWidth(`${e.title}: ${e.description}${extra ? ` (${extra})` : ''}`, Math.max(1, inner - keyWidth - nameWidth))}</Text>
          </Text>
        );
      })}
    </Modal>
  );
}

function CommandOverlay({
  overlay,
  theme,
  ascii,
  size,
  actions,
  state,
}: Omit<HostProps, 'store'> & { overlay: Extract<Overlay, { kind: 'command' }>; state: CockpitState }) {
  const { matches } = completeCommand(actions, overlay.text);
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

function ActionsOverlay({
  overlay,
  theme,
  ascii,
  size,
  actions,
  state,
}: Omit<HostProps, 'store'> & { overlay: Extract<Overlay, { kind: 'actions' }>; state: CockpitState }) {
  const items = menuActions(actions, overlay.panel);
  const reasons = items.map((a) => disabledReason(a, state));
  const box = place(size, 90, items.length + 4, 2);
  const inner = modalInnerWidth(box.width);
  const limit = Math.max(1, box.height - 4);
  const index = Math.max(0, Math.min(overlay.index ?? 0, items.length - 1));
  const selectItems = items.map((a, i) => {
    const why = reasons[i];
    const label = `${padTo(displayKeys(a), 8)} ${a.title}${a.dangerous ? ' (confirms)' : ''}${why ? `  - disabled: ${why}` : ''}`;
    return { key: a.id, label: fitWidth(label, inner - 3), value: a.id };
  });
  const disabled = useMemo(() => new Set(items.filter((_, i) => reasons[i]).map((a) => a.id)), [items, reasons]);
  // ink-select-input draws the list; the router owns the keys, so the highlight is passed in as
  // initialIndex and the list is remounted (key) when it moves.
  const Item = useMemo(
    () =>
      function ActionItem({ isSelected = false, label }: { isSelected?: boolean; label: string }) {
        const off = selectItems.some((s) => s.label === label && disabled.has(s.value));
        return (
          <Text wrap="truncate-end" inverse={isSelected} {...(off ? theme.tones.muted : {})}>
            {label}
          </Text>
        );
      },
    [selectItems, disabled, theme],
  );
  const Indicator = useMemo(
    () =>
      function ActionIndicator({ isSelected = false }: { isSelected?: boolean }) {
        return <Text {...theme.tones.accent}>{isSelected ? `${glyphs(ascii).pointer} ` : '  '}</Text>;
      },
    [theme, ascii],
  );
  return (
    <Modal
      title={`Actions: ${PANEL_TITLES[overlay.panel]}`}
      footer="j/k move, Enter runs, 1-9 pick, Esc closes"
      theme={theme}
      ascii={ascii}
      {...box}
    >
      {items.length === 0 ? (
        <Text {...theme.tones.muted}>no action applies here</Text>
      ) : (
        <SelectInput
          key={index}
          items={selectItems}
          isFocused={false}
          initialIndex={index}
          limit={limit}
          itemComponent={Item}
          indicatorComponent={Indicator}
        />
      )}
    </Modal>
  );
}

function SeverityOverlay({
  overlay,
  theme,
  ascii,
  size,
  state,
}: Omit<HostProps, 'store' | 'actions'> & { overlay: Extract<Overlay, { kind: 'severity' }>; state: CockpitState }) {
  const box = place(size, 96, 10, 2);
  const inner = modalInnerWidth(box.width);
  const sug = state.suggestion;
  if (overlay.step === 'pick') {
    return (
      <Modal title="Set severity: pick (1/2/3, or j/k and Enter)" footer="Esc cancels" theme={theme} ascii={ascii} {...box}>
        {SEVERITIES.map((sev, i) => {
          const row = ESCALATION_MATRIX[sev];
          const on = overlay.severity === sev;
          return (
            <Text key={sev} wrap="truncate-end" inverse={on}>
              <Text {...(on ? {} : theme.tones[severityTone(sev)])} bold>{`${on ? '>' : ' '} ${i + 1} ${sev}`}</Text>
              {`  ${row.meaning}. ${row.response}`}
            </Text>
          );
        })}
        <Text wrap="truncate-end" {...theme.tones.muted}>
          {`suggested: ${sug.severity ?? 'none'}: ${sanitize(sug.reason, 300)}`}
        </Text>
        {state.decision ? (
          <Text wrap="truncate-end" {...theme.tones.muted}>
            {`decided now: ${state.decision.severity} by ${sanitize(state.decision.by, 40)}`}
          </Text>
        ) : null}
      </Modal>
    );
  }
  return (
    <Modal
      title={`Set severity ${overlay.severity ?? ''}: reason (required)`}
      footer="Enter decides, Esc cancels"
      theme={theme}
      ascii={ascii}
      {...box}
    >
      <Text wrap="truncate-end" {...theme.tones.muted}>
        {overlay.severity ? `${ESCALATION_MATRIX[overlay.severity].meaning}. ${ESCALATION_MATRIX[overlay.severity].response}` : ''}
      </Text>
      <TextInput label="reason: " value={overlay.reason} width={inner} theme={theme} placeholder="why this severity" />
    </Modal>
  );
}

function TextOverlay({
  title,
  label,
  value,
  footer,
  theme,
  ascii,
  size,
  error,
  low = false,
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
}) {
  const height = error ? 6 : 5;
  const box = place(size, 96, height, low ? Math.max(3, size.rows - 1 - height - 3) : 3);
  return (
    <Modal title={title} footer={footer} theme={theme} ascii={ascii} {...box}>
      <TextInput label={label} value={value} width={modalInnerWidth(box.width)} theme={theme} />
      {error ? (
        <Text wrap="truncate-end" {...theme.tones.breach}>
          {`refused: ${sanitize(error, 300)}`}
        </Text>
      ) : null}
    </Modal>
  );
}

function ConfirmOverlay({
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
  const box = place(size, Math.min(100, Math.max(72, prompt.length + 6)), 5, 4);
  return (
    <Modal title={title} footer="y confirms, n or Esc cancels" theme={theme} ascii={ascii} {...box}>
      <Text wrap="truncate-end" {...(danger ? theme.tones.breach : theme.tones.warn)}>
        {prompt}
      </Text>
    </Modal>
  );
}

export const OverlayHost = memo(function OverlayHost({ store, theme, ascii, size, actions }: HostProps) {
  const overlay = useStore(store, (s) => s.ui.overlay);
  // The overlays that show availability read the whole state, but only while they are open.
  const state = useStore(store, (s) =>
    overlay && (overlay.kind === 'actions' || overlay.kind === 'command' || overlay.kind === 'severity') ? s : null,
  );
  const incident = useStore(store, (s) => s.incident);
  const readonly = useStore(store, (s) => s.session.readonly);
  if (!overlay) return null;
  const common = { theme, ascii, size };
  // A prompt or confirm asked from the PIR editor is drawn over it, so the review stays in view.
  const back = overlay.kind === 'prompt' || overlay.kind === 'confirm' ? overlay.back : undefined;
  const editor = (o: Extract<Overlay, { kind: 'pir' }>) => (
    <PirEditor overlay={o} incident={incident} readonly={readonly} box={place(size, 120, size.rows, 1)} theme={theme} ascii={ascii} />
  );
  const over = (el: React.ReactElement) =>
    back?.kind === 'pir' ? (
      <>
        {editor(back)}
        {el}
      </>
    ) : (
      el
    );
  switch (overlay.kind) {
    case 'help':
      return <HelpOverlay overlay={overlay} actions={actions} {...common} />;
    case 'command':
      return state ? <CommandOverlay overlay={overlay} actions={actions} state={state} {...common} /> : null;
    case 'actions':
      return state ? <ActionsOverlay overlay={overlay} actions={actions} state={state} {...common} /> : null;
    case 'severity':
      return state ? <SeverityOverlay overlay={overlay} state={state} {...common} /> : null;
    case 'note':
      return (
        <TextOverlay title="Add a note to the timeline" label="note: " value={overlay.text} footer="Enter adds, Esc cancels" {...common} />
      );
    case 'prompt':
      return over(
        <TextOverlay
          title={overlay.label}
          label="> "
          value={overlay.text}
          error={overlay.error}
          low={overlay.back?.kind === 'pir'}
          footer={`Enter ${overlay.allowEmpty ? 'saves (empty clears)' : 'confirms'}, Esc cancels, C-u clears`}
          {...common}
        />,
      );
    case 'confirm':
      return over(<ConfirmOverlay title="Confirm" prompt={sanitize(overlay.prompt, 300)} danger {...common} />);
    case 'quit-confirm':
      return (
        <ConfirmOverlay
          title="Quit?"
          prompt={`Incident ${sanitize(incident?.id ?? '', 60)} is ${incident?.state ?? 'open'}: it stays ${incident?.state ?? 'open'} if you quit. Quit? y/n`}
          danger={false}
          {...common}
        />
      );
    case 'message':
      return (
        <Modal title={sanitize(overlay.title, 80)} footer="Esc or Enter closes" {...common} {...place(size, 90, 8, 3)}>
          <Text>{sanitize(overlay.body, 1000)}</Text>
        </Modal>
      );
    case 'pir':
      return editor(overlay);
    case 'mitigation':
      return <MitigationOverlayView overlay={overlay} {...common} />;
    case 'filter':
      // Drawn in the panel's frame, next to its title.
      return null;
  }
});
