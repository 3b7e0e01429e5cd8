// Replica lag (runbook 6): per replica lag and replay state, connection pool use, and blocking
// queries: who blocks whom, for how long, on what. The column sets are panels/replicas/columns.ts.
import React, { memo, useMemo } from 'react';
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import { DenseTable } from '../../components/DenseTable.js';
import { PanelFrame, frameInner } from '../../components/PanelFrame.js';
import { SourceNotice } from '../../components/SourceNotice.js';
import { blockingRows, replicaRows } from '../../src/ui/state/selectors.js';
import { frameProps, usePanelUi, useSlice, type PanelProps } from '../common.js';
import { poolLine, replicasSplit, replicasTables, sameBlocking, sameReplicaRows, unreachablePrimaryLines } from './columns.js';

export const ReplicasPanel = memo(function ReplicasPanel({ store, theme, ascii, width, height, focused }: PanelProps) {
  // A reading of the same figures (new objects) does not render the panel.
  const rows = useSlice(store, replicaRows, sameReplicaRows);
  const blocking = useSlice(store, blockingRows, sameBlocking);
  const connections = useStore(store, (s) => s.snapshot.database.connections);
  const maxConnections = useStore(store, (s) => s.snapshot.database.maxConnections);
  const reservedConnections = useStore(store, (s) => s.snapshot.database.reservedConnections ?? 0);
  const primaryReachable = useStore(store, (s) => s.snapshot.database.primaryReachable);
  const primaryError = useStore(store, (s) => s.snapshot.database.primaryError ?? null);
  const primaryCheckedAt = useStore(store, (s) => s.snapshot.database.primaryCheckedAt ?? null);
  const lagLimit = useStore(store, (s) => s.session.thresholds.replicaLagSeconds);
  const ui = usePanelUi(store, 'replicas');
  const inner = frameInner(width, height);
  const tables = useMemo(
    () => replicasTables({ rows, blocking, connections, maxConnections, lagLimit }, inner.width, ascii),
    [rows, blocking, connections, maxConnections, lagLimit, inner.width, ascii],
  );
  const pool = poolLine(connections, maxConnections, blocking.length, reservedConnections);
  const split = replicasSplit(inner.height, rows.length);
  const down = primaryReachable ? null : unreachablePrimaryLines(primaryError, primaryCheckedAt);

  return (
    <PanelFrame
      {...frameProps('replicas', { width, height, focused, theme, ascii }, ui)}
      info={ui.info}
      footer={<SourceNotice store={store} panel="replicas" width={width} height={height} theme={theme} />}
    >
      <Box flexDirection="column" width={inner.width} height={inner.height}>
        <DenseTable
          table={tables.replicas}
          rowKey={(r) => r.name}
          width={inner.width}
          height={split.replicas}
          selected={ui.selected}
          sort={ui.sort}
          ascii={ascii}
          focused={focused}
          theme={theme}
          emptyText={ui.filter ? 'no replica matches the filter' : 'no replica data'}
        />
        {down ? (
          <Text wrap="truncate-end" {...theme.tones.breach} bold>
            {down.pool}
          </Text>
        ) : (
          <Text wrap="truncate-end">
            <Text {...theme.tones.muted}>connections </Text>
            <Text {...(pool.tone ? theme.tones[pool.tone] : {})}>{pool.text}</Text>
            <Text {...theme.tones.muted}>{pool.blocking}</Text>
            <Text {...theme.tones.muted}>{pool.reserved}</Text>
          </Text>
        )}
        {split.blocking > 0 ? (
          down ? (
            <Text wrap="truncate-end" {...theme.tones.muted}>
              {down.blocking}
            </Text>
          ) : blocking.length === 0 ? (
            <Text {...theme.tones.muted}>no blocking queries</Text>
          ) : (
            <DenseTable
              table={tables.blocking}
              rowKey={(b) => `${b.blockingPid}:${b.blockedPid}`}
              width={inner.width}
              height={split.blocking}
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
