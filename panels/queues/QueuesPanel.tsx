// Queue lag (runbook 3): one dense line per queue. The column set is panels/queues/columns.ts.
import React, { memo, useMemo } from 'react';
import { useStore } from 'zustand';
import { DenseTable } from '../../components/DenseTable.js';
import { PanelFrame, frameInner } from '../../components/PanelFrame.js';
import { SourceNotice } from '../../components/SourceNotice.js';
import { firingQueues, queueRows } from '../../src/ui/state/selectors.js';
import { frameProps, usePanelUi, useSlice, type PanelProps } from '../common.js';
import { sameFiring } from '../slices.js';
import { queuesTable, sameQueueRows } from './columns.js';

export const QueuesPanel = memo(function QueuesPanel({ store, theme, ascii, width, height, focused }: PanelProps) {
  // A reading of the same figures (new objects) does not render the panel.
  const rows = useSlice(store, queueRows, sameQueueRows);
  // Triggers are evaluated again with every update: the panel renders when which queues fire changes.
  const firing = useSlice(store, (s) => firingQueues(s.triggers), sameFiring);
  const thresholds = useStore(store, (s) => s.session.thresholds);
  const ui = usePanelUi(store, 'queues');
  const inner = frameInner(width, height);
  const table = useMemo(
    () => queuesTable({ rows, firing, thresholds }, inner.width, ascii),
    [rows, firing, thresholds, inner.width, ascii],
  );
  return (
    <PanelFrame
      {...frameProps('queues', { width, height, focused, theme, ascii }, ui)}
      info={ui.info}
      footer={<SourceNotice store={store} panel="queues" width={width} height={height} theme={theme} />}
    >
      <DenseTable
        table={table}
        rowKey={(q) => q.name}
        width={inner.width}
        height={inner.height}
        selected={ui.selected}
        sort={ui.sort}
        ascii={ascii}
        focused={focused}
        theme={theme}
        emptyText={ui.filter ? 'no queue matches the filter' : 'no queue data yet'}
      />
    </PanelFrame>
  );
});
