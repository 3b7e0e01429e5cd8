// The runbook pane: the section and procedure for the selected trigger, with the steps the
// incident record has ticked as done. x / space ticks the selected step. What it says is
// panels/runbook/columns.ts.
import React, { memo, useMemo } from 'react';
import { Text } from 'ink';
import { useStore } from 'zustand';
import { DenseTable } from '../../components/DenseTable.js';
import { PanelFrame, frameInner } from '../../components/PanelFrame.js';
import { incidentActive, runbookFocus, runbookRows, stepsDone } from '../../src/ui/state/selectors.js';
import type { CockpitState, TimelineLine } from '../../src/ui/state/store.js';
import { frameProps, usePanelUi, useSlice, type PanelProps } from '../common.js';
import { sameRunbookFocus } from '../slices.js';
import { definitionLines, doneSteps, runbookHead, runbookTable, type RunbookData } from './columns.js';

const NO_ENTRIES: readonly TimelineLine[] = [];
const incidentEntries = (s: CockpitState): readonly TimelineLine[] => s.incident?.entries ?? NO_ENTRIES;

export const RunbookPanel = memo(function RunbookPanel({ store, theme, ascii, width, height, focused }: PanelProps) {
  const { trigger, section, pinned, top, firing } = useSlice(store, runbookFocus, sameRunbookFocus);
  const rows = useStore(store, runbookRows);
  const ticked = useStore(store, stepsDone);
  const entries = useStore(store, incidentEntries);
  const hasIncident = useStore(store, incidentActive);
  const ui = usePanelUi(store, 'runbook');
  const inner = frameInner(width, height);
  const data: RunbookData = useMemo(
    () => ({ trigger, section, rows, done: doneSteps(ticked, entries), hasIncident, pinned, top, firing }),
    [trigger, section, rows, ticked, entries, hasIncident, pinned, top, firing],
  );
  const table = useMemo(() => runbookTable(data, inner.width, ascii), [data, inner.width, ascii]);
  const head = runbookHead(data, ascii);
  const definitions = definitionLines(section);
  return (
    <PanelFrame {...frameProps('runbook', { width, height, focused, theme, ascii }, ui, { sorted: false })} info={head.info}>
      <Text wrap="truncate-end">
        <Text {...theme.tones.accent}>{head.section}</Text>
        <Text {...(head.firing ? theme.tones.breach : theme.tones.muted)}>{head.forWhat}</Text>
      </Text>
      <Text wrap="truncate-end" {...(pinned ? theme.tones.warn : theme.tones.muted)}>
        {head.follow}
      </Text>
      <Text wrap="truncate-end" {...theme.tones.muted}>
        {head.triggerLine}
      </Text>
      {definitions.map((d) => (
        <Text key={d} wrap="truncate-end">
          {d}
        </Text>
      ))}
      <DenseTable
        table={table}
        rowKey={(r) => r.key}
        width={inner.width}
        height={Math.max(0, inner.height - 3 - definitions.length)}
        selected={ui.selected}
        focused={focused}
        theme={theme}
        header={false}
        emptyText={definitions.length > 0 ? '' : 'no step matches the filter'}
      />
    </PanelFrame>
  );
});
