// The incident timeline, newest last, scrollable. Entries reach the store only once durable.
import React, { memo } from 'react';
import { Text } from 'ink';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { DenseTable, type Column } from '../../components/DenseTable.js';
import { PanelFrame, frameInner } from '../../components/PanelFrame.js';
import { utcClock } from '../../components/format.js';
import { sanitize } from '../../src/core/sanitize.js';
import { timelineRows } from '../../src/ui/state/selectors.js';
import { PANEL_TITLES, type TimelineLine } from '../../src/ui/state/store.js';
import { usePanelUi, type PanelProps } from '../common.js';

const COLUMNS: Column<TimelineLine>[] = [
  { key: 'at', header: 'UTC', width: 8, text: (e) => utcClock(e.at) },
  { key: 'who', header: 'who', width: 10, hideBelow: 48, text: (e) => sanitize(e.operator, 40), tone: () => 'muted' },
  {
    key: 'kind',
    header: 'kind',
    width: 10,
    text: (e) => sanitize(e.kind, 40),
    tone: (e) => (e.kind.includes('trigger') || e.kind.includes('fired') ? 'warn' : 'accent'),
  },
  { key: 'text', header: 'entry', grow: 1, minWidth: 10, text: (e) => sanitize(e.text, 400) },
];

export const TimelinePanel = memo(function TimelinePanel({ store, theme, ascii, width, height, focused }: PanelProps) {
  const head = useStore(
    store,
    useShallow((s) =>
      s.incident
        ? {
            id: s.incident.id,
            state: s.incident.state,
            severity: s.incident.severity,
            startedAt: s.incident.startedAt,
            problems: s.incident.journalProblems,
          }
        : null,
    ),
  );
  const rows = useStore(store, timelineRows);
  const ui = usePanelUi(store, 'timeline');
  const inner = frameInner(width, height);
  const problems = head?.problems ?? [];
  const problemLines = Math.min(problems.length, 2);
  return (
    <PanelFrame
      title={PANEL_TITLES.timeline}
      number={6}
      width={width}
      height={height}
      focused={focused}
      theme={theme}
      ascii={ascii}
      filter={ui.filter}
      editingFilter={ui.editing}
      info={head ? ui.info : ''}
    >
      {head === null ? (
        <Text wrap="truncate-end" {...theme.tones.muted}>
          no incident open (I opens one)
        </Text>
      ) : (
        <>
          <Text wrap="truncate-end">
            <Text {...theme.tones.accent}>{sanitize(head.id, 60)}</Text>
            <Text
              {...(head.state === 'open' ? theme.tones.breach : head.state === 'mitigated' ? theme.tones.warn : theme.tones.ok)}
            >{` ${head.state}`}</Text>
            <Text>{` ${head.severity ?? 'severity not decided'}  since ${utcClock(head.startedAt)}Z`}</Text>
          </Text>
          {problems.slice(0, problemLines).map((p, i) => (
            <Text key={i} wrap="truncate-end" {...theme.tones.breach}>
              {`! journal: ${sanitize(p, 300)}`}
            </Text>
          ))}
          <DenseTable
            columns={COLUMNS}
            rows={rows}
            rowKey={(e) => String(e.seq)}
            width={inner.width}
            height={Math.max(0, inner.height - 1 - problemLines)}
            selected={ui.selected}
            focused={focused}
            theme={theme}
            emptyText={ui.filter ? 'no entry matches the filter' : 'no entries yet'}
          />
        </>
      )}
    </PanelFrame>
  );
});
