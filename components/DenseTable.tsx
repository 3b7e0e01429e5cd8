// A dense table: one line per row, no separators, columns by width or grow, cells truncated with
// an ellipsis, a full-width inverse bar on the selected row when focused, and only the visible
// rows rendered (the window follows the selection).
import React, { memo, useRef, type ReactNode } from 'react';
import { Box, Text } from 'ink';
import type { Theme, Tone, ToneStyle } from '../src/ui/state/theme.js';
import { padTo } from './format.js';

export interface Column<R> {
  key: string;
  header: string;
  /** Fixed width in cells. */
  width?: number;
  /** Share of the width left after fixed columns. */
  grow?: number;
  /** A grow column narrower than this is dropped. */
  minWidth?: number;
  align?: 'left' | 'right';
  /** Dropped when the table is narrower than this. */
  hideBelow?: number;
  /** The cell's text; `width` is the column's width (for drawings such as sparklines). */
  text(row: R, width: number): string;
  tone?(row: R): Tone | undefined;
  /** A live cell drawn by a leaf component (e.g. an age); gets the cell's style. */
  render?(row: R, style: ToneStyle): ReactNode;
}

export interface LaidOutColumn<R> {
  column: Column<R>;
  width: number;
}

/** Fits the columns into `width`: hides optional ones, shares the rest among grow columns. */
export function layoutColumns<R>(columns: readonly Column<R>[], width: number): LaidOutColumn<R>[] {
  let visible = columns.filter((c) => c.hideBelow === undefined || width >= c.hideBelow);
  const need = (cols: readonly Column<R>[]) => cols.reduce((n, c) => n + (c.width ?? c.minWidth ?? 1), 0) + Math.max(0, cols.length - 1);
  // Still too wide: drop from the right, keeping the first column.
  while (visible.length > 1 && need(visible) > width) visible = visible.slice(0, -1);
  const fixed = visible.reduce((n, c) => n + (c.grow ? 0 : (c.width ?? 1)), 0);
  const gaps = Math.max(0, visible.length - 1);
  const growers = visible.filter((c) => c.grow);
  const totalGrow = growers.reduce((n, c) => n + (c.grow ?? 0), 0);
  const spare = Math.max(0, width - fixed - gaps);
  const out = visible.map((c) => ({ column: c, width: c.grow ? 0 : Math.min(c.width ?? 1, Math.max(0, width)) }));
  let given = 0;
  growers.forEach((g, i) => {
    const slot = out.find((o) => o.column === g);
    if (!slot) return;
    const share = i === growers.length - 1 ? spare - given : Math.floor((spare * (g.grow ?? 0)) / totalGrow);
    slot.width = Math.max(0, share);
    given += slot.width;
  });
  return out;
}

export interface DenseTableProps<R> {
  columns: readonly Column<R>[];
  rows: readonly R[];
  rowKey(row: R, index: number): string;
  width: number;
  /** Lines available, header included. */
  height: number;
  selected: number;
  focused: boolean;
  theme: Theme;
  header?: boolean;
  emptyText?: string;
}

/** First visible row: moves only as far as needed to keep the selection in view. */
function useWindowStart(selected: number, count: number, visible: number): number {
  const start = useRef(0);
  let s = start.current;
  if (selected >= 0) {
    if (selected < s) s = selected;
    if (selected >= s + visible) s = selected - visible + 1;
  }
  s = Math.max(0, Math.min(s, Math.max(0, count - visible)));
  start.current = s;
  return s;
}

function Cell<R>({ col, width, row, style, gap }: { col: Column<R>; width: number; row: R; style: ToneStyle; gap: boolean }) {
  return (
    <>
      {gap ? <Text inverse={style.inverse}> </Text> : null}
      <Box width={width} flexShrink={0} justifyContent={col.align === 'right' ? 'flex-end' : 'flex-start'}>
        {col.render ? (
          col.render(row, style)
        ) : (
          <Text wrap="truncate-end" {...style}>
            {padTo(col.text(row, width), width, col.align)}
          </Text>
        )}
      </Box>
    </>
  );
}

function Row<R>({
  cols,
  row,
  selected,
  theme,
  width,
}: {
  cols: LaidOutColumn<R>[];
  row: R;
  selected: boolean;
  theme: Theme;
  width: number;
}) {
  const used = cols.reduce((n, c) => n + c.width, 0) + Math.max(0, cols.length - 1);
  return (
    <Box height={1} width={width} flexShrink={0}>
      {cols.map(({ column, width: w }, i) => {
        const tone = theme.tones[column.tone?.(row) ?? 'normal'];
        // The selection bar is uniform: inverse, keeping only the weight of the cell's tone.
        const style: ToneStyle = selected ? { inverse: true, ...(tone.bold ? { bold: true } : {}) } : tone;
        return <Cell key={column.key} col={column} width={w} row={row} style={style} gap={i > 0} />;
      })}
      {used < width ? <Text inverse={selected}>{' '.repeat(width - used)}</Text> : null}
    </Box>
  );
}

function DenseTableImpl<R>(props: DenseTableProps<R>) {
  const { columns, rows, width, height, selected, focused, theme, header = true } = props;
  const cols = layoutColumns(columns, width);
  const bodyRows = Math.max(0, height - (header ? 1 : 0));
  const start = useWindowStart(selected, rows.length, bodyRows);
  const visible = rows.slice(start, start + bodyRows);
  const muted = theme.tones.muted;
  return (
    <Box flexDirection="column" width={width} height={Math.min(height, (header ? 1 : 0) + Math.max(1, visible.length))} flexShrink={0}>
      {header && height > 0 ? (
        <Box height={1} width={width}>
          {cols.map(({ column, width: w }, i) => (
            <React.Fragment key={column.key}>
              {i > 0 ? <Text> </Text> : null}
              <Box width={w} flexShrink={0}>
                <Text wrap="truncate-end" {...muted}>
                  {padTo(column.header, w, column.align)}
                </Text>
              </Box>
            </React.Fragment>
          ))}
        </Box>
      ) : null}
      {visible.length === 0 && bodyRows > 0 ? (
        <Text wrap="truncate-end" {...muted}>
          {props.emptyText ?? 'nothing to show'}
        </Text>
      ) : (
        visible.map((row, i) => (
          <Row
            key={props.rowKey(row, start + i)}
            cols={cols}
            row={row}
            selected={focused && start + i === selected}
            theme={theme}
            width={width}
          />
        ))
      )}
    </Box>
  );
}

/** Generic memo keeps the row type. */
export const DenseTable = memo(DenseTableImpl) as typeof DenseTableImpl;
