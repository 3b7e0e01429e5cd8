// A dense table: one line per row, no separators, columns by width or grow, cells truncated with
// an ellipsis, a full-width inverse bar on the selected row when focused, and only the visible
// rows rendered (the window follows the selection).
//
// Each row is one line of pre-formatted text (one Ink text node of styled runs, never a box per
// cell), cached per row: a row whose cells say the same as last time keeps its line, and React
// skips it; a cell whose text did not change is not measured again.
import React, { memo, useMemo, useRef } from 'react';
import { Box, Text } from 'ink';
import type { Theme, ToneStyle } from '../src/ui/state/theme.js';
import { useAgo } from './clock.js';
import { cellText, headerText, layoutColumns, type Column, type LaidOutColumn, type Table } from './table.js';
import { fitWidth } from './format.js';

export type { Column, LaidOutColumn, Table } from './table.js';
export { layoutColumns } from './table.js';

export interface DenseTableProps<R> {
  /** The column set at this table's width, with its rows (a panel's columns.ts)... */
  table?: Table<R>;
  /** ...or columns to fit into `width`, and rows. */
  columns?: readonly Column<R>[];
  rows?: readonly R[];
  rowKey(row: R, index: number): string;
  width: number;
  /** Lines available, header included. */
  height: number;
  selected: number;
  focused: boolean;
  theme: Theme;
  header?: boolean;
  emptyText?: string;
  /** The column the rows are sorted by: its header carries the arrow (▼ largest first, ▲ smallest; v / ^ in ASCII). */
  sort?: { key: string; desc: boolean } | null | undefined;
  ascii?: boolean;
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

/** A run of text in one style, or a live age (right- or left-aligned in its column's width). */
type Piece = { text: string; style: ToneStyle } | { since: number | null; width: number; align: 'left' | 'right'; style: ToneStyle };

const PLAIN: ToneStyle = {};

function sameStyle(a: ToneStyle, b: ToneStyle): boolean {
  return a.color === b.color && a.bold === b.bold && a.inverse === b.inverse;
}

function samePieces(a: readonly Piece[], b: readonly Piece[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (!x || !y || !sameStyle(x.style, y.style)) return false;
    if ('text' in x) {
      if (!('text' in y) || x.text !== y.text) return false;
    } else if ('text' in y || x.since !== y.since || x.width !== y.width || x.align !== y.align) return false;
  }
  return true;
}

/** Builds a line of pieces, merging neighbours of one style, cut hard at `width` columns. */
class LineBuilder {
  readonly pieces: Piece[] = [];
  private room: number;
  constructor(width: number) {
    this.room = width;
  }
  text(text: string, width: number, style: ToneStyle): void {
    if (this.room <= 0 || text === '') return;
    const t = width <= this.room ? text : fitWidth(text, this.room, '');
    this.room -= Math.min(width, this.room);
    const last = this.pieces[this.pieces.length - 1];
    if (last && 'text' in last && sameStyle(last.style, style)) last.text += t;
    else this.pieces.push({ text: t, style });
  }
  live(since: number | null, width: number, align: 'left' | 'right', style: ToneStyle): void {
    if (this.room < width) return;
    this.room -= width;
    this.pieces.push({ since, width, align, style });
  }
}

/** What a visible row was drawn from last time, to redraw only what changed. */
interface CachedRow<R> {
  row: R;
  columns: readonly LaidOutColumn<R>[];
  selected: boolean;
  theme: Theme;
  width: number;
  /** Each cell's text before and after fitting it to its column. */
  raw: string[];
  fitted: string[];
  pieces: Piece[];
}

function formatRow<R>(
  columns: readonly LaidOutColumn<R>[],
  row: R,
  selected: boolean,
  theme: Theme,
  width: number,
  prev: CachedRow<R> | undefined,
): CachedRow<R> {
  // A panel makes a new column set with each reading it shows (its columns close over the data):
  // a cell keeps its fitted text while its text, and its column's width and alignment, are the same.
  const before = prev?.columns;
  const raw: string[] = [];
  const fitted: string[] = [];
  const line = new LineBuilder(width);
  let used = 0;
  // A loop, not a callback made per row: a closure made anew each frame lost its optimised code at
  // every full GC.
  for (let i = 0; i < columns.length; i++) {
    const { column, width: w } = columns[i] as LaidOutColumn<R>;
    const tone = theme.tones[column.tone?.(row) ?? 'normal'];
    // The selection bar is uniform: inverse, keeping only the weight of the cell's tone.
    const style: ToneStyle = selected ? { inverse: true, ...(tone.bold ? { bold: true } : {}) } : tone;
    if (i > 0) {
      line.text(' ', 1, style.inverse ? { inverse: true } : PLAIN);
      used += 1;
    }
    used += w;
    const since = column.since?.(row);
    if (since !== undefined) {
      raw.push('');
      fitted.push('');
      line.live(since, w, column.align ?? 'left', style);
      continue;
    }
    const text = column.text(row, w);
    // An unchanged cell is not measured again.
    const was = before?.[i];
    const same = was !== undefined && prev?.raw[i] === text && was.width === w && was.column.align === column.align;
    const cell = same ? (prev?.fitted[i] ?? '') : cellText(text, w, column.align);
    raw.push(text);
    fitted.push(cell);
    line.text(cell, w, style);
  }
  if (used < width) line.text(' '.repeat(width - used), width - used, selected ? { inverse: true } : PLAIN);
  // Same line as before: keep the old pieces, so React skips the row.
  const pieces = prev && samePieces(prev.pieces, line.pieces) ? prev.pieces : line.pieces;
  return { row, columns, selected, theme, width, raw, fitted, pieces };
}

/** A live age in its column: the clock ticking redraws this piece alone. */
function LiveAge({ since, width, align, style }: { since: number | null; width: number; align: 'left' | 'right'; style: ToneStyle }) {
  const text = cellText(useAgo(since), width).trimEnd();
  const pad = ' '.repeat(Math.max(0, width - text.length));
  return (
    <Text>
      {align === 'right' ? pad : ''}
      <Text {...style}>{text}</Text>
      {align === 'right' ? '' : pad}
    </Text>
  );
}

/** One row: one text node. Memoised on its pieces, which keep their identity while the row says the same. */
const Row = memo(function Row({ pieces }: { pieces: readonly Piece[] }) {
  return (
    <Text wrap="truncate-end">
      {pieces.map((p, i) =>
        'text' in p ? (
          <Text key={i} {...p.style}>
            {p.text}
          </Text>
        ) : (
          <LiveAge key={i} since={p.since} width={p.width} align={p.align} style={p.style} />
        ),
      )}
    </Text>
  );
});

function headerPieces<R>(
  columns: readonly LaidOutColumn<R>[],
  width: number,
  muted: ToneStyle,
  sort: DenseTableProps<R>['sort'],
  ascii: boolean,
): Piece[] {
  const line = new LineBuilder(width);
  columns.forEach(({ column, width: w }, i) => {
    const sorted = sort !== null && sort !== undefined && sort.key === column.key;
    const arrow = sorted ? (ascii ? (sort.desc ? 'v' : '^') : sort.desc ? '▼' : '▲') : '';
    const head = headerText(column, w);
    const name = head.trim();
    // The sorted column's header carries the arrow, bold: after its name when there is room, else
    // (a right-aligned figure column as wide as its name) in the gap before it, else the name is cut.
    const inGap = sorted && [...name].length + 1 > w && column.align === 'right' && i > 0;
    if (i > 0) line.text(inGap ? arrow : ' ', 1, inGap ? { ...muted, bold: true } : PLAIN);
    if (sorted) {
      const text = inGap ? head : `${fitWidth(name, Math.max(0, w - 1))}${arrow}`;
      line.text(cellText(text, w, column.align), w, { ...muted, bold: true });
      return;
    }
    line.text(cellText(head, w, column.align), w, muted);
  });
  return line.pieces;
}

function DenseTableImpl<R>(props: DenseTableProps<R>) {
  const { columns, width, height, selected, focused, theme, header = true, sort = null, ascii = false } = props;
  const laidOut = useMemo(() => (columns ? layoutColumns(columns, width) : []), [columns, width]);
  const cols = props.table ? props.table.columns : laidOut;
  const rows = props.table ? props.table.rows : (props.rows ?? []);
  const bodyRows = Math.max(0, height - (header ? 1 : 0));
  const start = useWindowStart(selected, rows.length, bodyRows);
  const visible = rows.slice(start, start + bodyRows);
  const muted = theme.tones.muted;
  const sortKey = sort?.key;
  const sortDesc = sort?.desc;
  const lastHead = useRef<Piece[] | null>(null);
  const head = useMemo(() => {
    const next = headerPieces(cols, width, muted, sortKey === undefined ? null : { key: sortKey, desc: sortDesc ?? false }, ascii);
    // A new column set with the same header: the header row keeps its pieces, so React skips it.
    return lastHead.current && samePieces(lastHead.current, next) ? lastHead.current : next;
  }, [cols, width, muted, sortKey, sortDesc, ascii]);
  lastHead.current = head;
  const cache = useRef(new Map<string, CachedRow<R>>());
  const seen = new Map<string, CachedRow<R>>();
  const lines = visible.map((row, i) => {
    const key = props.rowKey(row, start + i);
    const sel = focused && start + i === selected;
    const prev = cache.current.get(key);
    const hit =
      prev && prev.row === row && prev.columns === cols && prev.selected === sel && prev.theme === theme && prev.width === width
        ? prev
        : formatRow(cols, row, sel, theme, width, prev);
    seen.set(key, hit);
    return { key, pieces: hit.pieces };
  });
  // Rows scrolled out of view or gone are forgotten.
  cache.current = seen;
  return (
    <Box flexDirection="column" width={width} height={Math.min(height, (header ? 1 : 0) + Math.max(1, visible.length))} flexShrink={0}>
      {header && height > 0 ? <Row pieces={head} /> : null}
      {visible.length === 0 && bodyRows > 0 ? (
        <Text wrap="truncate-end" {...muted}>
          {props.emptyText ?? 'nothing to show'}
        </Text>
      ) : (
        lines.map((l) => <Row key={l.key} pieces={l.pieces} />)
      )}
    </Box>
  );
}

/** Generic memo keeps the row type. */
export const DenseTable = memo(DenseTableImpl) as typeof DenseTableImpl;
