// Where the panels go for a terminal size. Pure, so tests and the page keys can use it. The rows
// and their heights are the layout's; which panel sits where comes from the panel list
// (src/ui/state/panels.ts).
import { PANEL_LIST, panelPlace, type LayoutKind, type PanelId } from '../src/ui/state/panels.js';

export interface Size {
  columns: number;
  rows: number;
}

export const MIN_SIZE: Size = { columns: 80, rows: 24 };
/** From this size up the runbook and timeline panes are always on screen. */
export const LARGE_SIZE: Size = { columns: 100, rows: 36 };
/** From this width up the large layout is the wide one (the mitigations in force sit beside replica lag and escalation). */
export const WIDE_COLUMNS = 220;
export const STATUS_HEIGHT = 2;

export interface PanelBox {
  panel: PanelId;
  width: number;
  height: number;
}

export interface Layout {
  kind: 'too-small' | 'compact' | 'large';
  /** The frame's width and height (rows - 1: a frame as tall as the terminal makes Ink clear on every commit). */
  width: number;
  height: number;
  /** Rows of panels, top to bottom. */
  grid: PanelBox[][];
}

/** Row heights of a layout: compact has two halves; large a top third, a middle and the rest. */
function rowHeights(kind: LayoutKind, gridHeight: number): number[] {
  if (kind === 'compact') {
    const h1 = Math.floor(gridHeight / 2);
    return [h1, gridHeight - h1];
  }
  const h1 = Math.round(gridHeight * 0.34);
  const h2 = Math.round(gridHeight * 0.3);
  return [h1, h2, gridHeight - h1 - h2];
}

interface Resident {
  id: PanelId;
  share: number | undefined;
  page: string;
}

/** The panels of one row as the layout's panel places say, for the focused panel. */
function rowPanels(kind: LayoutKind, row: number, width: number, height: number, focus: PanelId): PanelBox[] {
  const residents: Resident[] = [];
  for (const p of PANEL_LIST) {
    const place = panelPlace(p.id, kind);
    if (place && 'row' in place && place.row === row) residents.push({ id: p.id, share: place.share, page: place.page ?? '' });
  }
  if (residents.length === 0) return [];
  // A focused panel drawn `instead` of another one shows in that one's place.
  const focusPlace = panelPlace(focus, kind);
  const host = focusPlace && 'instead' in focusPlace ? focusPlace.instead : focus;
  const page = residents.find((r) => r.id === host)?.page ?? residents[0]?.page ?? '';
  const shown = residents.filter((r) => r.page === page);
  let used = 0;
  return shown.map((r, i) => {
    const last = i === shown.length - 1;
    const w = last ? width - used : Math.round(width * (r.share ?? 1 / shown.length));
    used += w;
    return { panel: r.id === host ? focus : r.id, width: w, height };
  });
}

/** `zoom`: the focused panel alone, over every row the panels had (z). */
export function computeLayout(size: Size, focus: PanelId, zoom = false): Layout {
  const width = size.columns;
  const height = Math.max(1, size.rows - 1);
  if (size.columns < MIN_SIZE.columns || size.rows < MIN_SIZE.rows) return { kind: 'too-small', width, height, grid: [] };
  const large = size.columns >= LARGE_SIZE.columns && size.rows >= LARGE_SIZE.rows;
  const kind: LayoutKind = !large ? 'compact' : width >= WIDE_COLUMNS ? 'wide' : 'large';
  if (zoom) return { kind: large ? 'large' : 'compact', width, height, grid: [[{ panel: focus, width, height: height - STATUS_HEIGHT }]] };
  const heights = rowHeights(kind, height - STATUS_HEIGHT);
  return {
    kind: large ? 'large' : 'compact',
    width,
    height,
    grid: heights.map((h, row) => rowPanels(kind, row, width, h, focus)),
  };
}

/** Table rows visible in a panel (frame and header taken off), for PgUp/PgDn. */
export function pageRowsOf(layout: Layout, panel: PanelId): number {
  for (const row of layout.grid) for (const box of row) if (box.panel === panel) return Math.max(1, box.height - 4);
  return 10;
}
