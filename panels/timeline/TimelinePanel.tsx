// The incident timeline, newest last, scrollable. Entries reach the store only once durable.
// What it says is panels/timeline/columns.ts.
import React, { memo, useMemo } from 'react';
import { Text } from 'ink';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { DenseTable } from '../../components/DenseTable.js';
import { PanelFrame, frameInner } from '../../components/PanelFrame.js';
import { timelineRows } from '../../src/ui/state/selectors.js';
import { frameProps, usePanelUi, type PanelProps } from '../common.js';
import { incidentStateTone, journalFaultLine, timelineHead, timelineTable } from './columns.js';

export const TimelinePanel = memo(function TimelinePanel({ store, theme, ascii, width, height, focused }: PanelProps) {
  const head = useStore(
    store,
    useShallow((s) =>
      s.incident
        ? {
            id: s.incident.id,
            state: s.incident.state,
            severity: s.incident.severity,
            ...(s.incident.decided === undefined ? {} : { decided: s.incident.decided !== null }),
            startedAt: s.incident.startedAt,
            problems: s.incident.journalProblems,
          }
        : null,
    ),
  );
  const rows = useStore(store, timelineRows);
  const journal = useStore(store, (s) => s.journal);
  const ui = usePanelUi(store, 'timeline');
  const inner = frameInner(width, height);
  const table = useMemo(() => timelineTable(rows, inner.width), [rows, inner.width]);
  const text = head ? timelineHead(head, journal) : null;
  const fault = head ? null : journalFaultLine(journal);
  return (
    <PanelFrame {...frameProps('timeline', { width, height, focused, theme, ascii }, ui)} info={head ? ui.info : ''}>
      {head === null || text === null ? (
        <>
          {fault ? (
            <Text wrap="truncate-end" {...theme.tones.breach}>
              {fault}
            </Text>
          ) : null}
          <Text wrap="truncate-end" {...theme.tones.muted}>
            no incident open (I opens one)
          </Text>
        </>
      ) : (
        <>
          <Text wrap="truncate-end">
            <Text {...theme.tones.accent}>{text.id}</Text>
            <Text {...theme.tones[incidentStateTone(head.state)]}>{text.state}</Text>
            <Text>{text.rest}</Text>
          </Text>
          {text.problems.map((p, i) => (
            <Text key={i} wrap="truncate-end" {...theme.tones.breach}>
              {p}
            </Text>
          ))}
          <DenseTable
            table={table}
            rowKey={(e) => String(e.seq)}
            width={inner.width}
            height={Math.max(0, inner.height - 1 - text.problems.length)}
            selected={ui.selected}
            sort={ui.sort}
            ascii={ascii}
            focused={focused}
            theme={theme}
            emptyText={ui.filter ? 'no entry matches the filter' : 'no entries yet'}
          />
        </>
      )}
    </PanelFrame>
  );
});
