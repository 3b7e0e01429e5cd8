// A panel that is one table: its frame (title and number key from the panel list, the lost-source
// notice for the sources the list names) around the column set of its columns.ts. A new panel
// of this kind needs no view of its own: one line in panels/views.ts names its rows and table.
import React, { memo, useMemo } from 'react';
import { DenseTable } from '../components/DenseTable.js';
import { PanelFrame, frameInner } from '../components/PanelFrame.js';
import { SourceNotice } from '../components/SourceNotice.js';
import type { Table } from '../components/table.js';
import { rowLine } from '../components/table.js';
import { panelSources, type PanelId } from '../src/ui/state/panels.js';
import { matchesFilter } from '../src/ui/state/selectors.js';
import type { CockpitState } from '../src/ui/state/store.js';
import { frameProps, usePanelUi, useSlice, type PanelProps } from './common.js';

export interface TablePanelSpec<R> {
  id: PanelId;
  /** Its rows, from the store. */
  rows(s: CockpitState): readonly R[];
  /** When two readings of the rows show the same (default: the same array). */
  same?(a: readonly R[], b: readonly R[]): boolean;
  /** Its column set at a width (its columns.ts). */
  table(rows: readonly R[], width: number, ascii: boolean): Table<R>;
  rowKey(row: R): string;
  /** What it says with no rows. */
  empty: string;
}

/** The view of a one-table panel; `/` filters its rows by what they show. */
export function tablePanel<R>(spec: TablePanelSpec<R>): React.ComponentType<PanelProps> {
  const same = spec.same ?? ((a: readonly R[], b: readonly R[]) => a === b);
  const hasSources = panelSources(spec.id).length > 0;
  return memo(function TablePanel({ store, theme, ascii, width, height, focused }: PanelProps) {
    const all = useSlice(store, spec.rows, same);
    const ui = usePanelUi(store, spec.id);
    const inner = frameInner(width, height);
    const table = useMemo(() => {
      const t = spec.table(all, inner.width, ascii);
      return ui.filter ? { ...t, rows: t.rows.filter((r) => matchesFilter(ui.filter, rowLine(t.columns, r))) } : t;
    }, [all, inner.width, ascii, ui.filter]);
    return (
      <PanelFrame
        {...frameProps(spec.id, { width, height, focused, theme, ascii }, ui, { sorted: false })}
        info={String(table.rows.length)}
        footer={hasSources ? <SourceNotice store={store} panel={spec.id} width={width} height={height} theme={theme} /> : null}
      >
        <DenseTable
          table={table}
          rowKey={spec.rowKey}
          width={inner.width}
          height={inner.height}
          selected={ui.selected}
          focused={focused}
          theme={theme}
          emptyText={ui.filter ? 'nothing matches the filter' : spec.empty}
        />
      </PanelFrame>
    );
  });
}
