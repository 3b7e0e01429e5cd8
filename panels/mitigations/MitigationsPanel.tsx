// "Mitigations in force": every mitigation still in effect, who set it, why, when it expires, and
// drift (the system no longer matches); also the session's backend, role, and audit backlog.
// What it says is panels/mitigations/columns.ts.
import React, { memo } from 'react';
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import { DenseTable } from '../../components/DenseTable.js';
import { PanelFrame, frameInner } from '../../components/PanelFrame.js';
import { PANEL_TITLES } from '../../src/ui/state/store.js';
import type { PanelProps } from '../common.js';
import { inForceRows, inForceTable, mitigationsHead } from './columns.js';

export { inForceRows } from './columns.js';

export const MitigationsPanel = memo(function MitigationsPanel({ store, theme, ascii, width, height, focused }: PanelProps) {
  const rows = useStore(store, inForceRows);
  const info = useStore(store, (s) => s.mitigations);
  const inner = frameInner(width, height);
  // Expiries are measured by the wall clock whenever the panel draws.
  const table = inForceTable(rows, inner.width, Date.now());
  const head = mitigationsHead(info, rows, inner.width);
  return (
    <PanelFrame
      title={PANEL_TITLES.mitigations}
      width={width}
      height={height}
      focused={focused}
      theme={theme}
      ascii={ascii}
      info={head.info}
    >
      <Box flexDirection="column" width={inner.width} height={inner.height}>
        <Text wrap="truncate-end" {...(head.simulated ? theme.tones.warn : theme.tones.muted)}>
          {head.text}
        </Text>
        <DenseTable
          table={table}
          rowKey={(m) => `${m.kind}:${m.target}`}
          width={inner.width}
          height={Math.max(1, inner.height - 1)}
          selected={-1}
          focused={focused}
          theme={theme}
          emptyText="no mitigation in force"
        />
      </Box>
    </PanelFrame>
  );
});
