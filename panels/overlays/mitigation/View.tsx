// The mitigation flow as an overlay: the parameters form, preview, reason, confirm, progress,
// result. Draws only; its keys are in route.ts beside it (the input router sends them there).
import React from 'react';
import { Text } from 'ink';
import stringWidth from 'string-width';
import { Modal, modalInnerWidth } from '../../../components/Modal.js';
import { TextInput } from '../../../components/TextInput.js';
import { fitWidth } from '../../../components/format.js';
import type { FormField, MitigationOverlay } from './state.js';
import { sanitize } from '../../../src/core/sanitize.js';
import type { Theme } from '../../../src/ui/state/theme.js';
import type { Size } from '../../layout.js';

const FOOTERS: Record<MitigationOverlay['step'], string> = {
  params: 'Tab/Down next field, Up back, Left/Right pick, Enter previews, Esc cancels',
  preview: 'Enter/y continues, e edits parameters, Esc cancels',
  reason: 'Enter continues (a reason is required), Esc cancels',
  confirm: 'y runs, n or Esc cancels',
  running: 's stops (what is done stays done)',
  result: 'Enter or Esc closes',
};

/** Words to lines of at most `width` cells; a word longer than a line is cut. */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line === '' ? word : `${line} ${word}`;
    if (stringWidth(next) <= width) {
      line = next;
      continue;
    }
    if (line !== '') out.push(line);
    line = word;
    while (stringWidth(line) > width) {
      out.push(fitWidth(line, width, ''));
      line = [...line].slice([...fitWidth(line, width, '')].length).join('');
    }
  }
  if (line !== '') out.push(line);
  return out.length ? out : [''];
}

/** The placeholder of an empty field: what empty means (`every task`), from its format. */
function emptyMeaning(f: FormField): string {
  const m = /empty: ([^)]*)/.exec(f.format);
  return f.required ? 'needed' : (m?.[1] ?? 'empty');
}

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
  const ell = ascii ? '...' : '…';
  // Before -> after: an arrow where the terminal can draw one.
  const arrows = (t: string) => (ascii ? t : t.replace(/ -> /g, ' → '));
  const fit = (t: string, w = inner) => fitWidth(t, w, ell);
  const sim = o.preview?.simulated || o.result?.simulated;
  const title = `${sim ? 'SIMULATED ' : ''}${sanitize(o.title, 60)}: ${o.step === 'params' && o.form ? 'parameters' : o.step}`;
  const body = Math.max(1, height - 5);
  const wrapped = (xs: string[], rows: number) => xs.flatMap((l) => wrap(arrows(sanitize(l, 400)), inner)).slice(0, Math.max(0, rows));
  const lines = (xs: string[], tone?: keyof Theme['tones'], rows = body) =>
    wrapped(xs, rows).map((l, i) => (
      <Text key={i} wrap="truncate-end" {...(tone ? theme.tones[tone] : {})}>
        {fit(l)}
      </Text>
    ));
  const footer =
    o.step === 'confirm' && o.preview?.overrideTask
      ? `type ${o.preview.overrideTask} and Enter to override, Esc cancels`
      : o.step === 'params' && !o.form
        ? 'Enter previews, Esc cancels, C-u clears'
        : ascii
          ? FOOTERS[o.step]
          : FOOTERS[o.step].replace('Tab/Down', 'Tab/↓').replace('Up back', '↑ back').replace('Left/Right', '←/→');
  return (
    <Modal title={title} footer={footer} theme={theme} ascii={ascii} {...box}>
      {o.step === 'params' && o.form ? <FormView o={o} theme={theme} ascii={ascii} inner={inner} rows={body - (o.error ? 1 : 0)} /> : null}
      {o.step === 'params' && !o.form ? (
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
            {fit(arrows(sanitize(o.preview.title, 200)))}
          </Text>
          {o.preview.refusal
            ? lines([`will be REFUSED: ${o.preview.refusal} (Enter records the refusal)`], 'breach', Math.min(4, body - 2))
            : null}
          {lines(
            o.preview.lines.length ? o.preview.lines : ['(nothing to do)'],
            undefined,
            body -
              1 -
              (o.preview.refusal
                ? Math.min(4, wrapped([`will be REFUSED: ${o.preview.refusal} (Enter records the refusal)`], 4).length)
                : 0),
          )}
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
          {lines(o.preview?.lines ?? [], undefined, Math.max(1, body - 3))}
          <Text wrap="truncate-end" {...(o.preview?.dangerous || o.preview?.overrideTask ? theme.tones.breach : theme.tones.warn)}>
            {fit(
              o.preview?.overrideTask
                ? `OVERRIDE: ${o.preview.overrideTask} is not declared idempotent. Type its name to replay it anyway (recorded as an override).`
                : `Run ${o.title}${sim ? ' (SIMULATED)' : ''} for: ${sanitize(o.reason, 120)}? y/n`,
            )}
          </Text>
          {o.preview?.overrideTask ? <TextInput label="task name: " value={o.text} width={inner} theme={theme} /> : null}
        </>
      ) : null}
      {o.step === 'running' ? (
        <Text wrap="truncate-end">
          {fit(
            `running${ell} ${o.progress && o.progress.total > 0 ? `${o.progress.done}/${o.progress.total} ` : ''}${sanitize(o.progress?.text ?? '', 200)}`,
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
          {lines(o.result.lines, undefined, body - 1)}
        </>
      ) : null}
      {o.error ? (
        <Text wrap="truncate-end" {...theme.tones.breach}>
          {fit(`refused: ${sanitize(o.error, 300)}`)}
        </Text>
      ) : null}
    </Modal>
  );
}

/**
 * The parameters form: one row per field (label, value, what the system says now or its format),
 * then the focused field in full: its format, pick list, where the prefill came from, its error.
 */
function FormView({ o, theme, ascii, inner, rows }: { o: MitigationOverlay; theme: Theme; ascii: boolean; inner: number; rows: number }) {
  const form = o.form ?? [];
  const at = Math.max(0, Math.min(o.field ?? 0, form.length - 1));
  const ell = ascii ? '...' : '…';
  const fit = (t: string, w: number) => fitWidth(sanitize(t, 400), Math.max(0, w), ell);
  const labelW = Math.min(Math.max(...form.map((f) => stringWidth(f.label)), 5), Math.floor(inner * 0.34));
  const valueW = Math.max(12, Math.min(32, Math.floor(inner * 0.3)));
  const infoW = Math.max(0, inner - 2 - labelW - 1 - valueW - 1);
  const f = form[at];
  const detail: { text: string; tone?: keyof Theme['tones'] }[] = [];
  if (f) {
    detail.push({ text: `${f.label} (${f.key}${f.required ? ', needed' : ''}): ${f.format}`, tone: 'muted' });
    if (f.choices.length)
      detail.push({
        text: `${f.strict ? 'one of' : 'pick'} (${ascii ? 'Left/Right' : '←/→'}): ${f.choices.slice(0, 12).join(', ')}`,
        tone: 'muted',
      });
    const bits = [f.current ? `now: ${f.current}` : '', f.source ? `prefilled from ${f.source}` : ''].filter(Boolean);
    if (bits.length) detail.push({ text: bits.join('; '), tone: 'muted' });
    if (f.error) detail.push({ text: `! ${f.error}`, tone: 'breach' });
  }
  const detailLines = detail.flatMap((d) =>
    wrap(sanitize(d.text, 400), inner).map((text) => ({ text, ...(d.tone ? { tone: d.tone } : {}) })),
  );
  // The fields that fit above the focused field's details, scrolled to keep the focused one in view.
  const room = Math.max(1, rows - 1 - Math.min(detailLines.length, 4));
  const first = Math.max(0, Math.min(at - Math.floor(room / 2), form.length - room));
  const shown = form.slice(first, first + room);
  const pick = (v: string, on: boolean) => (on ? (ascii ? `< ${v} >` : `‹ ${v} ›`) : v);
  return (
    <>
      {shown.map((x, i) => {
        const idx = first + i;
        const on = idx === at;
        const empty = x.value === '';
        const value = empty ? `(${emptyMeaning(x)})` : x.value;
        // What helps most beside the value: why it is refused, what the system says now, the pick list, the format.
        const info = x.error
          ? `! ${x.error}`
          : x.current
            ? `now: ${x.current}`
            : x.strict && x.choices.length
              ? `one of: ${x.choices.join(', ')}`
              : x.format;
        return (
          <Text key={x.key} wrap="truncate-end">
            <Text {...(on ? theme.tones.accent : theme.tones.muted)}>{on ? '> ' : '  '}</Text>
            <Text {...(on ? { bold: true } : {})}>{fit(x.label, labelW).padEnd(labelW)} </Text>
            {on && x.choices.length === 0 ? (
              <Text>
                <Text>{fit(x.value, valueW - 1)}</Text>
                <Text inverse> </Text>
                <Text>{' '.repeat(Math.max(0, valueW - 1 - stringWidth(fit(x.value, valueW - 1))))}</Text>
              </Text>
            ) : (
              <Text {...(empty ? theme.tones.muted : on ? { inverse: true } : {})}>
                {fit(pick(value, on && x.choices.length > 0), valueW).padEnd(valueW)}
              </Text>
            )}
            <Text {...(x.error ? theme.tones.breach : theme.tones.muted)}> {fit(info, infoW)}</Text>
          </Text>
        );
      })}
      <Text> </Text>
      {detailLines.slice(0, Math.max(0, rows - shown.length - 1)).map((d, i) => (
        <Text key={`d${i}`} wrap="truncate-end" {...(d.tone ? theme.tones[d.tone] : {})}>
          {fitWidth(d.text, inner, ell)}
        </Text>
      ))}
    </>
  );
}
