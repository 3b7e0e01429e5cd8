// Queue lag (runbook 3): one dense line per queue.
import React, { memo, useMemo } from 'react';
import { useStore } from 'zustand';
import { DenseTable, type Column } from '../../components/DenseTable.js';
import { PanelFrame, frameInner } from '../../components/PanelFrame.js';
import { SourceNotice } from '../../components/SourceNotice.js';
import { formatCount, formatLag, formatRate } from '../../components/format.js';
import { sparkline } from '../../components/Sparkline.js';
import { sanitize } from '../../src/core/sanitize.js';
import type { QueueSnapshot } from '../../src/core/snapshot.js';
import type { TriggerThresholds } from '../../src/core/triggers.js';
import { firingQueues, queueRows } from '../../src/ui/state/selectors.js';
import { PANEL_TITLES } from '../../src/ui/state/store.js';
import type { Tone } from '../../src/ui/state/theme.js';
import { usePanelUi, type PanelProps } from '../common.js';

/** Dead-letter growth as a multiple of its baseline, as the trigger computes it. */
export function deadLetterFactor(q: QueueSnapshot, t: TriggerThresholds): number {
  return q.deadLetterGrowthPerHour / Math.max(q.deadLetterBaselinePerHour ?? 0, t.deadLetterBaselineFloorPerHour);
}

function queueColumns(t: TriggerThresholds, firing: ReturnType<typeof firingQueues>, ascii: boolean): Column<QueueSnapshot>[] {
  const lagTone = (q: QueueSnapshot): Tone | undefined => {
    if (q.lagSeconds === null || q.lagMethod === 'unknown') return 'muted';
    if (firing.lag.has(q.name) || q.lagSeconds > t.queueLagSeconds) return 'breach';
    if (q.lagSeconds > t.queueLagSeconds * t.clearRatio) return 'warn';
    return undefined;
  };
  const dlTone = (q: QueueSnapshot): Tone | undefined =>
    firing.deadLetters.has(q.name) || deadLetterFactor(q, t) > t.deadLetterSpikeFactor ? 'breach' : undefined;
  return [
    {
      key: 'mark',
      header: ' ',
      width: 1,
      // ! over the runbook line, ~ near it: readable without colour.
      text: (q) => (lagTone(q) === 'breach' || dlTone(q) === 'breach' ? '!' : lagTone(q) === 'warn' ? '~' : ' '),
      tone: (q) => (lagTone(q) === 'breach' || dlTone(q) === 'breach' ? 'breach' : lagTone(q) === 'warn' ? 'warn' : undefined),
    },
    { key: 'name', header: 'queue', grow: 2, minWidth: 6, text: (q) => sanitize(q.name, 80) },
    { key: 'depth', header: 'depth', width: 5, align: 'right', text: (q) => formatCount(q.depth) },
    { key: 'reserved', header: 'rsvd', width: 5, align: 'right', hideBelow: 42, text: (q) => formatCount(q.reserved) },
    { key: 'lag', header: 'lag', width: 6, align: 'right', text: (q) => formatLag(q.lagSeconds, q.lagMethod), tone: lagTone },
    { key: 'dead', header: 'dead', width: 5, align: 'right', text: (q) => formatCount(q.deadLetters) },
    { key: 'growth', header: 'dl/h', width: 6, align: 'right', text: (q) => formatRate(q.deadLetterGrowthPerHour), tone: dlTone },
    {
      key: 'factor',
      header: 'vs bl',
      width: 6,
      align: 'right',
      hideBelow: 52,
      // The baseline's source: 7d, observed, configured; `?` when none yet (the floor is used).
      text: (q) => `${deadLetterFactor(q, t).toFixed(1)}x${q.deadLetterBaselineSource === null ? '?' : ''}`,
      tone: dlTone,
    },
    { key: 'trend', header: 'trend', grow: 1, minWidth: 6, hideBelow: 60, text: (q, w) => sparkline(q.lagTrend, w, ascii), tone: lagTone },
  ];
}

export const QueuesPanel = memo(function QueuesPanel({ store, theme, ascii, width, height, focused }: PanelProps) {
  const rows = useStore(store, queueRows);
  const firing = useStore(store, (s) => firingQueues(s.triggers));
  const thresholds = useStore(store, (s) => s.session.thresholds);
  const ui = usePanelUi(store, 'queues');
  const columns = useMemo(() => queueColumns(thresholds, firing, ascii), [thresholds, firing, ascii]);
  const inner = frameInner(width, height);
  return (
    <PanelFrame
      title={PANEL_TITLES.queues}
      number={1}
      width={width}
      height={height}
      focused={focused}
      theme={theme}
      ascii={ascii}
      filter={ui.filter}
      editingFilter={ui.editing}
      info={ui.info}
      footer={<SourceNotice store={store} panel="queues" width={width} height={height} theme={theme} />}
    >
      <DenseTable
        columns={columns}
        rows={rows}
        rowKey={(q) => q.name}
        width={inner.width}
        height={inner.height}
        selected={ui.selected}
        focused={focused}
        theme={theme}
        emptyText={ui.filter ? 'no queue matches the filter' : 'no queue data yet'}
      />
    </PanelFrame>
  );
});
