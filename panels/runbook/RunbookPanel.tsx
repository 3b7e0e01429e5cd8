// The runbook pane: the section and procedure for the selected trigger, with the steps the
// incident record has ticked as done. x / space ticks the selected step.
import React, { memo, useMemo } from 'react';
import { Text } from 'ink';
import { useStore } from 'zustand';
import { DenseTable, type Column } from '../../components/DenseTable.js';
import { PanelFrame, frameInner } from '../../components/PanelFrame.js';
import { manualPart } from '../../src/core/procedureMap.js';
import { sanitize } from '../../src/core/sanitize.js';
import { runbookFocus, runbookRows, stepsDone, type RunbookRow } from '../../src/ui/state/selectors.js';
import { PANEL_TITLES } from '../../src/ui/state/store.js';
import { glyphs } from '../../src/ui/state/theme.js';
import { usePanelUi, type PanelProps } from '../common.js';

/** A step only a person can do (src/core/procedureMap.ts) is marked manual: the operator ticks it. */
function stepText(r: RunbookRow): string {
  const manual = r.option === null ? manualPart(r.section, r.step) : null;
  return manual === null ? r.text : `${r.text}  [manual: ${manual}]`;
}

function stepColumns(done: ReadonlySet<string>, ascii: boolean): Column<RunbookRow>[] {
  const isDone = (r: RunbookRow) => done.has(`${r.section}.${r.step}`);
  const g = glyphs(ascii);
  return [
    // Option rows belong to their step: they show its tick only on the step line.
    {
      key: 'tick',
      header: '',
      width: 3,
      text: (r) => (r.option !== null ? '' : isDone(r) ? `[${g.tick}]` : '[ ]'),
      tone: (r) => (isDone(r) ? 'ok' : undefined),
    },
    { key: 'n', header: '', width: 4, text: (r) => (r.option === null ? `${r.section}.${r.step}` : '  -') },
    { key: 'text', header: '', grow: 1, minWidth: 10, text: stepText, tone: (r) => (isDone(r) && r.option === null ? 'muted' : undefined) },
  ];
}

export const RunbookPanel = memo(function RunbookPanel({ store, theme, ascii, width, height, focused }: PanelProps) {
  const { trigger, section } = useStore(store, runbookFocus);
  const rows = useStore(store, runbookRows);
  const done = useStore(store, stepsDone);
  const hasIncident = useStore(store, (s) => s.incident !== null && s.incident.state !== 'resolved');
  const ui = usePanelUi(store, 'runbook');
  const inner = frameInner(width, height);
  const doneSet = useMemo(() => new Set(done), [done]);
  const cols = useMemo(() => stepColumns(doneSet, ascii), [doneSet, ascii]);
  const stepCount = section.steps.length;
  const doneCount = section.steps.filter((s) => doneSet.has(`${section.id}.${s.n}`)).length;
  const forWhat = trigger
    ? `${trigger.firing ? 'firing' : 'cleared'}: ${sanitize(trigger.detail, 200)}`
    : 'no trigger firing: daily checklist';
  return (
    <PanelFrame
      title={PANEL_TITLES.runbook}
      number={5}
      width={width}
      height={height}
      focused={focused}
      theme={theme}
      ascii={ascii}
      filter={ui.filter}
      editingFilter={ui.editing}
      info={`${doneCount}/${stepCount} done${hasIncident ? '' : ', no incident'}`}
    >
      <Text wrap="truncate-end">
        <Text {...theme.tones.accent}>{`§${section.id} ${section.title}`}</Text>
        <Text {...(trigger?.firing ? theme.tones.breach : theme.tones.muted)}>{`  ${forWhat}`}</Text>
      </Text>
      <Text wrap="truncate-end" {...theme.tones.muted}>
        {`Trigger: ${section.trigger.join(' ')}`}
      </Text>
      <DenseTable
        columns={cols}
        rows={rows}
        rowKey={(r) => r.key}
        width={inner.width}
        height={Math.max(0, inner.height - 2)}
        selected={ui.selected}
        focused={focused}
        theme={theme}
        header={false}
        emptyText="no step matches the filter"
      />
    </PanelFrame>
  );
});
