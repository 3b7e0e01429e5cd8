// Replica lag (runbook 6): per replica lag and replay state, connection pool use, and blocking
// queries: who blocks whom, for how long, on what.
import React, { memo, useMemo } from 'react';
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import { DenseTable, type Column } from '../../components/DenseTable.js';
import { PanelFrame, frameInner } from '../../components/PanelFrame.js';
import { SourceNotice } from '../../components/SourceNotice.js';
import { formatDuration } from '../../components/format.js';
import { sanitize } from '../../src/core/sanitize.js';
import type { BlockingQuery, ReplicaSnapshot } from '../../src/core/snapshot.js';
import { blockingRows, replicaRows } from '../../src/ui/state/selectors.js';
import { PANEL_TITLES } from '../../src/ui/state/store.js';
import { glyphs, type Tone } from '../../src/ui/state/theme.js';
import { usePanelUi, type PanelProps } from '../common.js';

function replicaColumns(limit: number): Column<ReplicaSnapshot>[] {
  const tone = (r: ReplicaSnapshot): Tone | undefined => {
    if (!r.reachable) return 'breach';
    if (r.lagSeconds !== null && r.lagSeconds > limit) return 'breach';
    if (r.replayPaused) return 'warn';
    return undefined;
  };
  return [
    // x unreachable, ! over the line, P replay paused.
    {
      key: 'mark',
      header: ' ',
      width: 1,
      text: (r) => (!r.reachable ? 'x' : r.lagSeconds !== null && r.lagSeconds > limit ? '!' : r.replayPaused ? 'P' : ' '),
      tone,
    },
    { key: 'name', header: 'replica', grow: 1, minWidth: 6, text: (r) => sanitize(r.name, 80) },
    {
      key: 'lag',
      header: 'lag',
      width: 6,
      align: 'right',
      text: (r) => (!r.reachable ? '-' : r.lagSeconds === null ? '?' : formatDuration(r.lagSeconds)),
      tone,
    },
    { key: 'state', header: 'replay', width: 7, text: (r) => (!r.reachable ? 'down' : r.replayPaused ? 'paused' : 'running'), tone },
    { key: 'seen', header: 'from', width: 9, hideBelow: 44, text: (r) => r.seenFrom, tone: () => 'muted' },
  ];
}

function blockingColumns(ascii: boolean): Column<BlockingQuery>[] {
  const arrow = glyphs(ascii).arrow;
  return [
    { key: 'who', header: `blocker${arrow}blocked`, width: 15, text: (b) => `${b.blockingPid}${arrow}${b.blockedPid}` },
    {
      key: 'wait',
      header: 'waited',
      width: 6,
      align: 'right',
      text: (b) => formatDuration(b.waitingSeconds),
      tone: (b) => (b.waitingSeconds >= 60 ? 'breach' : b.waitingSeconds >= 10 ? 'warn' : undefined),
    },
    { key: 'query', header: 'blocked query', grow: 2, minWidth: 8, text: (b) => sanitize(b.query, 200) },
    // What the blocker is doing, when the source knows (`idle in transaction` is the usual culprit).
    {
      key: 'blocker',
      header: 'blocker is',
      grow: 1,
      minWidth: 8,
      hideBelow: 60,
      text: (b) => sanitize([b.blockingState, b.blockingQuery].filter(Boolean).join(': ') || '?', 200),
      tone: (b) => (b.blockingState === 'idle in transaction' ? 'warn' : 'muted'),
    },
  ];
}

export const ReplicasPanel = memo(function ReplicasPanel({ store, theme, ascii, width, height, focused }: PanelProps) {
  const rows = useStore(store, replicaRows);
  const blocking = useStore(store, blockingRows);
  const connections = useStore(store, (s) => s.snapshot.database.connections);
  const maxConnections = useStore(store, (s) => s.snapshot.database.maxConnections);
  const limit = useStore(store, (s) => s.session.thresholds.replicaLagSeconds);
  const ui = usePanelUi(store, 'replicas');
  const inner = frameInner(width, height);
  const cols = useMemo(() => replicaColumns(limit), [limit]);
  const bcols = useMemo(() => blockingColumns(ascii), [ascii]);

  const used = maxConnections > 0 ? connections / maxConnections : 0;
  const poolTone: Tone | undefined = used >= 0.95 ? 'breach' : used >= 0.8 ? 'warn' : undefined;
  // Replicas first (they are the trigger), then one pool line, the rest for blocking queries.
  const replicaHeight = Math.max(2, Math.min(rows.length + 1, inner.height - 3));
  const blockingHeight = Math.max(0, inner.height - replicaHeight - 1);

  return (
    <PanelFrame
      title={PANEL_TITLES.replicas}
      number={3}
      width={width}
      height={height}
      focused={focused}
      theme={theme}
      ascii={ascii}
      filter={ui.filter}
      editingFilter={ui.editing}
      info={ui.info}
      footer={<SourceNotice store={store} panel="replicas" width={width} height={height} theme={theme} />}
    >
      <Box flexDirection="column" width={inner.width} height={inner.height}>
        <DenseTable
          columns={cols}
          rows={rows}
          rowKey={(r) => r.name}
          width={inner.width}
          height={replicaHeight}
          selected={ui.selected}
          focused={focused}
          theme={theme}
          emptyText={ui.filter ? 'no replica matches the filter' : 'no replica data'}
        />
        <Text wrap="truncate-end">
          <Text {...theme.tones.muted}>connections </Text>
          <Text {...(poolTone ? theme.tones[poolTone] : {})}>
            {`${connections}/${maxConnections} ${Math.round(used * 100)}%${poolTone === 'breach' ? ' !' : ''}`}
          </Text>
          <Text {...theme.tones.muted}>{`  blocking ${blocking.length}`}</Text>
        </Text>
        {blockingHeight > 0 ? (
          blocking.length === 0 ? (
            <Text {...theme.tones.muted}>no blocking queries</Text>
          ) : (
            <DenseTable
              columns={bcols}
              rows={blocking}
              rowKey={(b) => `${b.blockingPid}:${b.blockedPid}`}
              width={inner.width}
              height={blockingHeight}
              selected={-1}
              focused={false}
              theme={theme}
            />
          )
        ) : null}
      </Box>
    </PanelFrame>
  );
});
