// The pure half of a dense table (components/DenseTable.tsx draws it): columns, fitting them into
// a width, and a row's cells as text. Each panel's column set (panels/<name>/columns.ts) is made
// of these and unit-tested without Ink.
import type { Tone } from '../src/ui/state/theme.js';
import { fitWidth, padTo } from './format.js';

export interface Column<R> {
  key: string;
  header: string;
  /** The header at the column's laid-out width, when it has a longer and a shorter form (default: `header`). */
  headerAt?(width: number): string;
  /** Fixed width in cells. */
  width?: number;
  /**
   * Width from content: as wide as its widest cell or header, at most this many cells (then cut).
   * The column never wastes width on blanks nor cuts a name shorter than this.
   */
  fit?: number;
  /** Share of the width left after fixed columns. */
  grow?: number;
  /** A grow column narrower than this is dropped. */
  minWidth?: number;
  align?: 'left' | 'right';
  /** Dropped when the table is narrower than this. */
  hideBelow?: number;
  /**
   * A content-fitted column's widest cell (uncapped), when the column can tell it without drawing
   * every cell (contentWidth does that by default).
   */
  widest?(rows: readonly R[]): number;
  /** The cell's text; `width` is the column's width (for drawings such as sparklines). */
  text(row: R, width: number): string;
  tone?(row: R): Tone | undefined;
  /**
   * A live cell: the time since this instant by the cockpit clock, drawn by a leaf that re-renders
   * on its own as time passes (the row around it does not). `text` is what it says without a clock.
   */
  since?(row: R): number | null;
}

export interface LaidOutColumn<R> {
  column: Column<R>;
  width: number;
}

/** A column set fitted to a width, with its rows: what a panel's table shows at that width. */
export interface Table<R> {
  columns: readonly LaidOutColumn<R>[];
  rows: readonly R[];
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

/** The widest of a content-fitted column's cells (and header), capped at its `fit`. */
export function contentWidth<R>(column: Column<R>, rows: readonly R[]): number {
  const cap = column.fit ?? Infinity;
  let w = charCount(column.header);
  if (column.widest) w = Math.max(w, column.widest(rows));
  else for (let i = 0; i < rows.length && w < cap; i++) w = Math.max(w, charCount(column.text(rows[i] as R, cap)));
  return Math.max(1, Math.min(cap, w, column.width ?? Infinity));
}

/**
 * How many characters (code points) `text` has: `[...text].length` without making the array. A
 * content-fitted column measures every row of its table (2,000 and more queues) on every reading.
 */
export function charCount(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) continue;
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) {
      n -= 1;
      i += 1;
    }
  }
  return n;
}

/** The column set at `width` with its rows (content-fitted columns measured on these rows). */
export function tableAt<R>(columns: readonly Column<R>[], rows: readonly R[], width: number): Table<R> {
  // A column hidden at this width is not measured (every row of 2,000 queues, on every reading).
  const sized = columns.map((c) =>
    c.fit !== undefined && !c.grow && (c.hideBelow === undefined || width >= c.hideBelow) ? { ...c, width: contentWidth(c, rows) } : c,
  );
  // Too wide: content-fitted columns give up width (the widest first, down to their minWidth or 6)
  // before any column is dropped.
  const shown = sized.filter((c) => c.hideBelow === undefined || width >= c.hideBelow);
  let excess = shown.reduce((n, c) => n + (c.width ?? c.minWidth ?? 1), 0) + Math.max(0, shown.length - 1) - width;
  const fitted = shown.filter((c) => c.fit !== undefined && !c.grow);
  while (excess > 0) {
    const widest = fitted.reduce<(typeof fitted)[number] | null>((w, c) => ((c.width ?? 0) > (w?.width ?? 0) ? c : w), null);
    if (!widest || (widest.width ?? 0) <= (widest.minWidth ?? 6)) break;
    widest.width = (widest.width ?? 1) - 1;
    excess -= 1;
  }
  const laid = layoutColumns(sized, width);
  // The laid-out columns keep the caller's column objects (row caches key on them).
  return { columns: laid.map((l) => ({ ...l, column: columns[sized.indexOf(l.column)] ?? l.column })), rows };
}

/** One cell as drawn: exactly its column's width (padded, or cut with an ellipsis), and its tone. */
export interface CellText {
  key: string;
  text: string;
  tone: Tone | undefined;
}

/** A cell's text at its column's width: padded to it, or cut with an ellipsis when longer. */
export function cellText(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  return fitWidth(padTo(text, width, align), width);
}

/** The row's cells at the table's widths (live cells as their clock-less text). */
export function rowCells<R>(columns: readonly LaidOutColumn<R>[], row: R): CellText[] {
  return columns.map(({ column, width }) => ({
    key: column.key,
    text: cellText(column.text(row, width), width, column.align),
    tone: column.tone?.(row),
  }));
}

/** The header line's cells. */
export function headerCells<R>(columns: readonly LaidOutColumn<R>[]): CellText[] {
  return columns.map(({ column, width }) => ({
    key: column.key,
    text: cellText(headerText(column, width), width, column.align),
    tone: 'muted',
  }));
}

/** A column's header as drawn at `width`. */
export function headerText<R>(column: Column<R>, width: number): string {
  return column.headerAt ? column.headerAt(width) : column.header;
}

/** A row as one line of plain text, cells separated by one space (what a test or a screen reader reads). */
export function rowLine<R>(columns: readonly LaidOutColumn<R>[], row: R): string {
  return rowCells(columns, row)
    .map((c) => c.text)
    .join(' ');
}
