// Escalation (runbook 7): what the matrix suggests and whom to page, what the operator decided,
// and the runbook triggers. Moving through the triggers drives the runbook pane.
import React, { memo } from 'react';
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import { Age } from '../components/clock.js';
import { DenseTable, type Column } from '../components/DenseTable.js';
import { PanelFrame, frameInner } from '../components/PanelFrame.js';
import { utcClock } from '../components/format.js';
import type { Severity } from '../src/core/escalation.js';
import { sanitize } from '../src/core/sanitize.js';
import type { TriggerState } from '../src/core/triggers.js';
import { triggerRows } from '../src/app/selectors.js';
import { PANEL_TITLES } from '../src/app/store.js';
import type { Theme, Tone } from '../src/app/theme.js';
import { usePanelUi, type PanelProps } from './common.js';

export function severityTone(sev: Severity | null): Tone {
  return sev === 'SEV-1' ? 'breach' : sev === 'SEV-2' ? 'warn' : sev === 'SEV-3' ? 'accent' : 'ok';
}

/** Short names for the trigger column; the detail column and the runbook pane say the rest. */
const SHORT: Record<TriggerState['kind'], string> = {
  'queue-lag': 'lag',
  'dead-letter-spike': 'DL spike',
  'report-failures': 'failures',
  'serp-failures': 'SERP fails',
  'replica-lag': 'lag',
  'failed-migrations': 'migrations',
  'primary-degradation': 'degraded',
};

const TRIGGER_COLUMNS: Column<TriggerState>[] = [
  { key: 'mark', header: ' ', width: 1, text: (t) => (t.firing ? '!' : ' '), tone: (t) => (t.firing ? 'breach' : 'muted') },
  { key: 'trigger', header: 'trigger', grow: 1, minWidth: 8, text: (t) => `${sanitize(t.target, 60)} ${SHORT[t.kind]}`, tone: (t) => (t.firing ? undefined : 'muted') },
  { key: 'detail', header: 'detail', grow: 2, minWidth: 8, text: (t) => sanitize(t.firing ? t.detail : `cleared: ${t.detail}`, 200), tone: (t) => (t.firing ? undefined : 'muted') },
  {
    key: 'since',
    header: 'since',
    width: 6,
    align: 'right',
    text: (t) => utcClock(t.since),
    // Age is a leaf: the clock ticking re-renders this cell only.
    render: (t, style) => <Age at={t.since} suffix="" style={style} />,
  },
];

function SuggestionLines({ store, theme, width }: { store: PanelProps['store']; theme: Theme; width: number }) {
  const suggestion = useStore(store, (s) => s.suggestion);
  const decision = useStore(store, (s) => s.decision);
  const sevText = suggestion.severity ?? 'none';
  const page = suggestion.page.length > 0 ? `page ${suggestion.page.join(', ')}` : suggestion.ticket ? 'ticket, same-day remediation' : 'nobody to page';
  return (
    <Box flexDirection="column" width={width} flexShrink={0}>
      <Text wrap="truncate-end">
        <Text {...theme.tones.muted}>suggest </Text>
        <Text {...theme.tones[severityTone(suggestion.severity)]}>{sevText}</Text>
        <Text>{`  ${sanitize(page, 200)}${suggestion.ticket && suggestion.page.length > 0 ? ' + ticket' : ''}`}</Text>
      </Text>
      <Text wrap="truncate-end" {...theme.tones.muted}>
        {`  why: ${sanitize(suggestion.reason, 400)}`}
      </Text>
      {decision ? (
        <Text wrap="truncate-end">
          <Text {...theme.tones.muted}>decided </Text>
          <Text {...theme.tones[severityTone(decision.severity)]} bold>
            {decision.severity}
          </Text>
          <Text>{` by ${sanitize(decision.by, 40)} `}</Text>
          <Age at={decision.at} />
          <Text>{` (${utcClock(decision.at)}Z): ${sanitize(decision.reason, 300)}`}</Text>
        </Text>
      ) : (
        <Text wrap="truncate-end" {...theme.tones.warn}>
          decided: none yet (s sets it, with a reason)
        </Text>
      )}
    </Box>
  );
}

export const EscalationPanel = memo(function EscalationPanel({ store, theme, ascii, width, height, focused }: PanelProps) {
  const rows = useStore(store, triggerRows);
  const firingCount = useStore(store, (s) => s.triggers.filter((t) => t.firing).length);
  const ui = usePanelUi(store, 'escalation');
  const inner = frameInner(width, height);
  return (
    <PanelFrame title={PANEL_TITLES.escalation} number={4} width={width} height={height} focused={focused} theme={theme} ascii={ascii} filter={ui.filter} editingFilter={ui.editing} info={`${firingCount} firing  ${ui.info}`}>
      <SuggestionLines store={store} theme={theme} width={inner.width} />
      <DenseTable
        columns={TRIGGER_COLUMNS}
        rows={rows}
        rowKey={(t) => t.key}
        width={inner.width}
        height={Math.max(0, inner.height - 3)}
        selected={ui.selected}
        focused={focused}
        theme={theme}
        emptyText={ui.filter ? 'no trigger matches the filter' : 'no runbook trigger has fired'}
      />
    </PanelFrame>
  );
});
