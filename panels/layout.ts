// Where the panels go for a terminal size. Pure, so tests and the page keys can use it.
import type { PanelId } from '../src/app/store.js';

export interface Size {
  columns: number;
  rows: number;
}

export const MIN_SIZE: Size = { columns: 80, rows: 24 };
/** From this size up the runbook and timeline panes are always on screen. */
export const LARGE_SIZE: Size = { columns: 100, rows: 36 };
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

function split(total: number, ratio: number): [number, number] {
  const a = Math.round(total * ratio);
  return [a, total - a];
}

export function computeLayout(size: Size, focus: PanelId): Layout {
  const width = size.columns;
  const height = Math.max(1, size.rows - 1);
  if (size.columns < MIN_SIZE.columns || size.rows < MIN_SIZE.rows) return { kind: 'too-small', width, height, grid: [] };
  const gridHeight = height - STATUS_HEIGHT;
  // Queue lag is the densest table: it gets the wider half.
  const [wide, narrow] = split(width, 0.55);
  const [left, right] = split(width, 0.5);
  if (size.columns >= LARGE_SIZE.columns && size.rows >= LARGE_SIZE.rows) {
    const h1 = Math.round(gridHeight * 0.34);
    const h2 = Math.round(gridHeight * 0.3);
    const h3 = gridHeight - h1 - h2;
    return {
      kind: 'large',
      width,
      height,
      grid: [
        [
          { panel: 'queues', width: wide, height: h1 },
          { panel: 'failures', width: narrow, height: h1 },
        ],
        [
          { panel: 'replicas', width: left, height: h2 },
          { panel: 'escalation', width: right, height: h2 },
        ],
        [
          { panel: 'runbook', width: left, height: h3 },
          { panel: 'timeline', width: right, height: h3 },
        ],
      ],
    };
  }
  // Compact (80x24 and up): the four live panels; focusing the runbook or the timeline brings
  // both into the lower half in place of replica lag and escalation.
  const h1 = Math.floor(gridHeight / 2);
  const h2 = gridHeight - h1;
  const lower: PanelBox[] =
    focus === 'runbook' || focus === 'timeline'
      ? [
          { panel: 'runbook', width: left, height: h2 },
          { panel: 'timeline', width: right, height: h2 },
        ]
      : [
          { panel: 'replicas', width: left, height: h2 },
          { panel: 'escalation', width: right, height: h2 },
        ];
  return {
    kind: 'compact',
    width,
    height,
    grid: [
      [
        { panel: 'queues', width: wide, height: h1 },
        { panel: 'failures', width: narrow, height: h1 },
      ],
      lower,
    ],
  };
}

/** Table rows visible in a panel (frame and header taken off), for PgUp/PgDn. */
export function pageRowsOf(layout: Layout, panel: PanelId): number {
  for (const row of layout.grid) for (const box of row) if (box.panel === panel) return Math.max(1, box.height - 4);
  return 10;
}
