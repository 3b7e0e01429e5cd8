// "Mitigations in force" (issue 5): every mitigation still in effect (paused tasks, quarantined
// pools, pacing, frozen writes, shrunk pools, cancelled consumers, a provider shift, a read
// failover), who set it, why, when it expires, and drift: the system no longer matches (a worker
// restarted with its old concurrency, a flag deleted by hand). Also the session's backend, role, and audit backlog.
import React, { memo, useMemo } from 'react';
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import { DenseTable, type Column } from '../../components/DenseTable.js';
import { PanelFrame, frameInner } from '../../components/PanelFrame.js';
import { fitWidth } from '../../components/format.js';
import type { InForce } from '../../src/control/mitigations/inForce.js';
import { sanitize } from '../../src/core/sanitize.js';
import type { CockpitState } from '../../src/ui/state/store.js';
import type { PanelProps } from '../common.js';

const KIND_LABEL: Record<InForce['kind'], string> = {
  'paused-task': 'paused',
  'quarantined-pool': 'quarantined',
  pacing: 'pacing',
  'frozen-writes': 'writes frozen',
  'shrunk-pool': 'pool shrunk',
  'cancelled-consumer': 'not consumed',
  'provider-shift': 'traffic shifted',
  'read-target': 'reads moved',
};

const NONE: InForce[] = [];
export const inForceRows = (s: CockpitState): InForce[] => s.mitigations?.inForce ?? NONE;

function until(m: InForce): string {
  if (!m.until) return 'until undone';
  const ms = Date.parse(m.until) - Date.now();
  if (!Number.isFinite(ms)) return '?';
  if (ms <= 0) return 'lapsing';
  const min = Math.round(ms / 60_000);
  return min >= 60 ? `${Math.floor(min / 60)}h${String(min % 60).padStart(2, '0')}m` : `${Math.max(1, min)}m`;
}

function columns(): Column<InForce>[] {
  return [
    { key: 'mark', header: ' ', width: 1, text: (m) => (m.drift ? '!' : ' '), tone: (m) => (m.drift ? 'breach' : undefined) },
    { key: 'what', header: 'in force', width: 15, text: (m) => KIND_LABEL[m.kind] },
    {
      key: 'target',
      header: 'on',
      grow: 1,
      minWidth: 8,
      text: (m) =>
        m.kind === 'pacing'
          ? 'conservative'
          : m.kind === 'frozen-writes'
            ? 'non-critical'
            : m.kind === 'read-target'
              ? sanitize(`reads -> ${String(m.expect.target ?? 'unset')}`, 80)
              : sanitize(m.target, 80),
    },
    { key: 'by', header: 'by', width: 10, hideBelow: 50, text: (m) => sanitize(m.by, 40), tone: () => 'muted' },
    { key: 'until', header: 'expires', width: 12, text: until },
    {
      key: 'why',
      header: 'why / drift',
      grow: 3,
      minWidth: 10,
      hideBelow: 60,
      text: (m) => sanitize(m.drift ? `DRIFT: ${m.drift}` : m.reason, 200),
      tone: (m) => (m.drift ? 'breach' : 'muted'),
    },
  ];
}

export const MitigationsPanel = memo(function MitigationsPanel({ store, theme, ascii, width, height, focused }: PanelProps) {
  const rows = useStore(store, inForceRows);
  const info = useStore(store, (s) => s.mitigations);
  const inner = frameInner(width, height);
  const cols = useMemo(() => columns(), []);
  const drifting = rows.filter((r) => r.drift).length;
  const head = info
    ? `${info.simulated ? 'SIMULATED ' : ''}${info.backend}; role ${info.role} (${info.roleSource})${info.audit ? `; audit ${info.audit.error ? `waiting (${info.audit.pending} in journal: ${info.audit.error})` : 'up to date'}` : ''}`
    : 'no mitigation backend in this session';
  return (
    <PanelFrame
      title="Mitigations in force"
      width={width}
      height={height}
      focused={focused}
      theme={theme}
      ascii={ascii}
      info={drifting ? `${drifting} drift` : String(rows.length)}
    >
      <Box flexDirection="column" width={inner.width} height={inner.height}>
        <Text wrap="truncate-end" {...(info?.simulated ? theme.tones.warn : theme.tones.muted)}>
          {fitWidth(sanitize(head, 400), inner.width)}
        </Text>
        <DenseTable
          columns={cols}
          rows={rows}
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
