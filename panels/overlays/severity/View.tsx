// Deciding the severity: the matrix's meaning and response per level, the suggestion beside it.
import React from 'react';
import { Text } from 'ink';
import { useStore } from 'zustand';
import { Modal, modalInnerWidth } from '../../../components/Modal.js';
import { TextInput } from '../../../components/TextInput.js';
import { ESCALATION_MATRIX, SEVERITIES } from '../../../src/core/escalation.js';
import { sanitize } from '../../../src/core/sanitize.js';
import { decidedSeverity } from '../../../src/ui/state/selectors.js';
import { severityTone } from '../../escalation/EscalationPanel.js';
import { place } from '../common.js';
import { pagesLines } from './pages.js';
import type { OverlayViewProps } from '../types.js';
import type { SeverityOverlay } from './state.js';

export function SeverityView({ overlay, store, theme, ascii, size }: OverlayViewProps<SeverityOverlay>) {
  const sug = useStore(store, (s) => s.suggestion);
  const decision = useStore(store, decidedSeverity);
  const box0 = place(size, 110, 10, 2);
  // Whom the highlighted (or chosen) severity pages, before anything is decided.
  const pages = overlay.severity ? pagesLines(overlay.pages?.[overlay.severity], modalInnerWidth(box0.width)) : [];
  const pagesView = pages.map((l, i) => (
    <Text key={`pages-${i}`} wrap="truncate-end" {...theme.tones[l.tone]}>
      {l.text}
    </Text>
  ));
  const box = place(size, 110, 10 + pages.length, 2);
  const inner = modalInnerWidth(box.width);
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
        {decision ? (
          <Text wrap="truncate-end" {...theme.tones.muted}>
            {`decided now: ${decision.severity} by ${sanitize(decision.by, 40)}`}
          </Text>
        ) : null}
        {pagesView}
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
      {pagesView}
      <TextInput label="reason: " value={overlay.reason} width={inner} theme={theme} placeholder="why this severity" />
    </Modal>
  );
}
