// Failure classes (runbook 3, step 2): failures per class across queues and for the queue
// selected in the queue panel, and the top failing tasks with their class. The column sets are
// panels/failures/columns.ts.
import React, { memo, useMemo } from 'react';
import { Box } from 'ink';
import { DenseTable } from '../../components/DenseTable.js';
import { PanelFrame, frameInner } from '../../components/PanelFrame.js';
import { SourceNotice } from '../../components/SourceNotice.js';
import { failureTaskRows, failureTotals, selectedQueue } from '../../src/ui/state/selectors.js';
import { frameProps, usePanelUi, useSlice, type PanelProps } from '../common.js';
import { sameCounts, sameFailureTasks, sameQueueFailures } from '../slices.js';
import { failuresTables } from './columns.js';

export const FailuresPanel = memo(function FailuresPanel({ store, theme, ascii, width, height, focused }: PanelProps) {
  // Every queue reading is new: the panel renders when the failures it shows change.
  const totals = useSlice(store, (s) => failureTotals(s.snapshot.queues), sameCounts);
  const queue = useSlice(store, selectedQueue, sameQueueFailures);
  const tasks = useSlice(store, failureTaskRows, sameFailureTasks);
  const ui = usePanelUi(store, 'failures');
  const inner = frameInner(width, height);
  const {
    split,
    classes,
    tasks: taskTable,
  } = useMemo(() => failuresTables({ totals, queue, tasks }, inner.width, inner.height), [totals, queue, tasks, inner.width, inner.height]);

  return (
    <PanelFrame
      {...frameProps('failures', { width, height, focused, theme, ascii }, ui)}
      info={ui.info}
      footer={<SourceNotice store={store} panel="failures" width={width} height={height} theme={theme} />}
    >
      <Box flexDirection={split.sideBySide ? 'row' : 'column'} width={inner.width} height={inner.height}>
        <DenseTable
          table={classes}
          rowKey={(r) => r.cls}
          width={split.classes.width}
          height={split.classes.height}
          selected={-1}
          focused={false}
          theme={theme}
        />
        {split.sideBySide ? <Box width={1} /> : null}
        {split.tasks.height > 0 ? (
          <DenseTable
            table={taskTable}
            rowKey={(r) => r.key}
            width={split.tasks.width}
            height={split.tasks.height}
            selected={ui.selected}
            sort={ui.sort}
            ascii={ascii}
            focused={focused}
            theme={theme}
            emptyText={ui.filter ? 'no task matches the filter' : 'no failing task'}
          />
        ) : null}
      </Box>
    </PanelFrame>
  );
});
