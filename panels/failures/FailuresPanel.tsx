// Failure classes (runbook 3, step 2): failures per class across queues and for the queue
// selected in the queue panel, and the top failing tasks with their class.
import React, { memo, useMemo } from 'react';
import { Box } from 'ink';
import { useStore } from 'zustand';
import { DenseTable, type Column } from '../../components/DenseTable.js';
import { PanelFrame, frameInner } from '../../components/PanelFrame.js';
import { SourceNotice } from '../../components/SourceNotice.js';
import { formatCount } from '../../components/format.js';
import { sanitize } from '../../src/core/sanitize.js';
import { FAILURE_CLASSES, type FailureClass } from '../../src/core/snapshot.js';
import { failureTaskRows, failureTotals, selectedQueue, type FailureTaskRow } from '../../src/ui/state/selectors.js';
import { PANEL_TITLES } from '../../src/ui/state/store.js';
import { usePanelUi, type PanelProps } from '../common.js';

interface ClassRow {
  cls: FailureClass;
  all: number;
  queue: number | null;
}

const TASK_COLUMNS: Column<FailureTaskRow>[] = [
  { key: 'task', header: 'top failing task', grow: 3, minWidth: 8, text: (r) => sanitize(r.task, 120) },
  {
    key: 'class',
    header: 'class',
    width: 10,
    text: (r) => r.failureClass,
    tone: (r) => (r.failureClass === 'unclassified' ? 'muted' : undefined),
  },
  { key: 'queue', header: 'queue', grow: 1, minWidth: 5, hideBelow: 44, text: (r) => sanitize(r.queue, 60) },
  { key: 'count', header: 'fails', width: 5, align: 'right', text: (r) => formatCount(r.count) },
];

function classColumns(queueName: string | null): Column<ClassRow>[] {
  return [
    { key: 'cls', header: 'class (1h)', grow: 1, minWidth: 8, text: (r) => r.cls },
    {
      key: 'all',
      header: 'all',
      width: 6,
      align: 'right',
      text: (r) => formatCount(r.all),
      tone: (r) => (r.all === 0 ? 'muted' : undefined),
    },
    {
      key: 'queue',
      header: queueName === null ? '-' : sanitize(queueName, 40),
      width: 9,
      align: 'right',
      text: (r) => (r.queue === null ? '-' : formatCount(r.queue)),
      tone: (r) => (!r.queue ? 'muted' : undefined),
    },
  ];
}

export const FailuresPanel = memo(function FailuresPanel({ store, theme, ascii, width, height, focused }: PanelProps) {
  const totals = useStore(store, (s) => failureTotals(s.snapshot.queues));
  const queue = useStore(store, selectedQueue);
  const tasks = useStore(store, failureTaskRows);
  const ui = usePanelUi(store, 'failures');
  const inner = frameInner(width, height);

  const classRows = useMemo(
    () =>
      FAILURE_CLASSES.map((cls) => ({ cls, all: totals[cls], queue: queue ? queue.failuresByClass[cls] : null }))
        // `unclassified` only when something is in it: the runbook names four classes.
        .filter((r) => r.cls !== 'unclassified' || r.all > 0),
    [totals, queue],
  );
  const cols = useMemo(() => classColumns(queue?.name ?? null), [queue?.name]);

  // Side by side when there is room, else the class counts above the tasks.
  const sideBySide = inner.width >= 64;
  const classWidth = sideBySide ? 28 : inner.width;
  const classHeight = sideBySide ? inner.height : Math.max(2, Math.min(classRows.length + 1, inner.height - 3));
  const taskWidth = sideBySide ? inner.width - classWidth - 1 : inner.width;
  const taskHeight = sideBySide ? inner.height : Math.max(0, inner.height - classHeight);

  return (
    <PanelFrame
      title={PANEL_TITLES.failures}
      number={2}
      width={width}
      height={height}
      focused={focused}
      theme={theme}
      ascii={ascii}
      filter={ui.filter}
      editingFilter={ui.editing}
      info={ui.info}
      footer={<SourceNotice store={store} panel="failures" width={width} height={height} theme={theme} />}
    >
      <Box flexDirection={sideBySide ? 'row' : 'column'} width={inner.width} height={inner.height}>
        <DenseTable
          columns={cols}
          rows={classRows}
          rowKey={(r) => r.cls}
          width={classWidth}
          height={classHeight}
          selected={-1}
          focused={false}
          theme={theme}
        />
        {sideBySide ? <Box width={1} /> : null}
        {taskHeight > 0 ? (
          <DenseTable
            columns={TASK_COLUMNS}
            rows={tasks}
            rowKey={(r) => r.key}
            width={taskWidth}
            height={taskHeight}
            selected={ui.selected}
            focused={focused}
            theme={theme}
            emptyText={ui.filter ? 'no task matches the filter' : 'no failing task'}
          />
        ) : null}
      </Box>
    </PanelFrame>
  );
});
