// The mitigation flow as an overlay: parameters, preview, reason, confirm, progress, result.
// Draws only; keys reach it through the input router (src/ui/input/mitigationRoute.ts).
import React from 'react';
import { Text } from 'ink';
import { Modal, modalInnerWidth } from '../../../components/Modal.js';
import { TextInput } from '../../../components/TextInput.js';
import { fitWidth } from '../../../components/format.js';
import type { MitigationOverlay } from '../../../src/ui/state/mitigationOverlay.js';
import { sanitize } from '../../../src/core/sanitize.js';
import type { Theme } from '../../../src/ui/state/theme.js';
import type { Size } from '../../layout.js';

const FOOTERS: Record<MitigationOverlay['step'], string> = {
  params: 'Enter previews, Esc cancels, C-u clears',
  preview: 'Enter/y continues, e edits parameters, Esc cancels',
  reason: 'Enter continues (a reason is required), Esc cancels',
  confirm: 'y runs, n or Esc cancels',
  running: 's stops (what is done stays done)',
  result: 'Enter or Esc closes',
};

export function MitigationOverlayView({
  overlay: o,
  theme,
  ascii,
  size,
}: {
  overlay: MitigationOverlay;
  theme: Theme;
  ascii: boolean;
  size: Size;
}) {
  const frame = size.rows - 1;
  const width = Math.max(40, Math.min(110, size.columns - 2));
  const height = Math.max(8, Math.min(frame - 2, 22));
  const box = { width, height, top: Math.max(0, Math.min(2, frame - height)), left: Math.max(0, Math.floor((size.columns - width) / 2)) };
  const inner = modalInnerWidth(width);
  const sim = o.preview?.simulated || o.result?.simulated;
  const title = `${sim ? 'SIMULATED ' : ''}${sanitize(o.title, 60)}: ${o.step}`;
  const body = Math.max(1, height - 5);
  const lines = (xs: string[], tone?: keyof Theme['tones']) =>
    xs.slice(0, body).map((l, i) => (
      <Text key={i} wrap="truncate-end" {...(tone ? theme.tones[tone] : {})}>
        {fitWidth(sanitize(l, 400), inner)}
      </Text>
    ));
  const footer =
    o.step === 'confirm' && o.preview?.overrideTask ? `type ${o.preview.overrideTask} and Enter to override, Esc cancels` : FOOTERS[o.step];
  return (
    <Modal title={title} footer={footer} theme={theme} ascii={ascii} {...box}>
      {o.step === 'params' ? (
        <>
          <Text wrap="truncate-end" {...theme.tones.muted}>
            parameters (key=value, edit as needed):
          </Text>
          <TextInput label="> " value={o.text} width={inner} theme={theme} />
        </>
      ) : null}
      {o.step === 'preview' && o.preview ? (
        <>
          <Text wrap="truncate-end" bold>
            {fitWidth(sanitize(o.preview.title, 200), inner)}
          </Text>
          {o.preview.refusal ? (
            <Text wrap="truncate-end" {...theme.tones.breach}>
              {fitWidth(`will be REFUSED: ${sanitize(o.preview.refusal, 300)} (Enter records the refusal)`, inner)}
            </Text>
          ) : null}
          {lines(o.preview.lines.length ? o.preview.lines : ['(nothing to do)'])}
        </>
      ) : null}
      {o.step === 'reason' ? (
        <TextInput
          label="reason: "
          value={o.text}
          width={inner}
          theme={theme}
          placeholder="why (recorded in the timeline and the audit trail)"
        />
      ) : null}
      {o.step === 'confirm' ? (
        <>
          {lines(o.preview?.lines.slice(0, Math.max(1, body - 3)) ?? [])}
          <Text wrap="truncate-end" {...(o.preview?.dangerous || o.preview?.overrideTask ? theme.tones.breach : theme.tones.warn)}>
            {fitWidth(
              o.preview?.overrideTask
                ? `OVERRIDE: ${o.preview.overrideTask} is not declared idempotent. Type its name to replay it anyway (recorded as an override).`
                : `Run ${o.title}${sim ? ' (SIMULATED)' : ''} for: ${sanitize(o.reason, 120)}? y/n`,
              inner,
            )}
          </Text>
          {o.preview?.overrideTask ? <TextInput label="task name: " value={o.text} width={inner} theme={theme} /> : null}
        </>
      ) : null}
      {o.step === 'running' ? (
        <Text wrap="truncate-end">
          {fitWidth(
            `running… ${o.progress && o.progress.total > 0 ? `${o.progress.done}/${o.progress.total} ` : ''}${sanitize(o.progress?.text ?? '', 200)}`,
            inner,
          )}
        </Text>
      ) : null}
      {o.step === 'result' && o.result ? (
        <>
          <Text
            wrap="truncate-end"
            bold
            {...(o.result.status === 'done' ? theme.tones.ok : o.result.status === 'partial' ? theme.tones.warn : theme.tones.breach)}
          >
            {`${o.result.simulated ? 'SIMULATED ' : ''}${o.result.status.toUpperCase()}`}
          </Text>
          {lines(o.result.lines)}
        </>
      ) : null}
      {o.error ? (
        <Text wrap="truncate-end" {...theme.tones.breach}>
          {fitWidth(`refused: ${sanitize(o.error, 300)}`, inner)}
        </Text>
      ) : null}
    </Modal>
  );
}
