// Where the panels go for a terminal size. Pure, so tests and the page keys can use it.
import type { PanelId } from '../src/ui/state/store.js';

export interface Size {
  columns: number;
  rows: number;
}

export const MIN_SIZE: Size = { columns: 80, rows: 24 };
/** From this size up the runbook and timeline panes are always on screen. */
export const LARGE_SIZE: Size = { columns: 100, rows: 36 };
/** From this width up the mitigations in force sit beside replica lag and escalation. */
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

function split(total: number, ratio: number): [number, number] {
  const a = Math.round(total * ratio);
  return [a, total - a];
}

/** The large layout's middle row: replica lag and escalation, plus the mitigations in force where they fit. */
function middleRow(width: number, height: number): PanelBox[] {
  if (width >= WIDE_COLUMNS) {
    // Escalation carries the longest lines (why, who decided): it gets the widest share.
    const replicas = Math.round(width * 0.3);
    const escalation = Math.round(width * 0.4);
    return [
      { panel: 'replicas', width: replicas, height },
      { panel: 'escalation', width: escalation, height },
      { panel: 'mitigations', width: width - replicas - escalation, height },
    ];
  }
  const [left, right] = split(width, 0.5);
  return [
    { panel: 'replicas', width: left, height },
    { panel: 'escalation', width: right, height },
  ];
}

/** The large layout's bottom row: the runbook, and the timeline (or the mitigations in force when focused and not shown above). */
function bottomRow(width: number, height: number, focus: PanelId): PanelBox[] {
  const [left, right] = split(width, 0.5);
  const swap = focus === 'mitigations' && width < WIDE_COLUMNS;
  return [
    { panel: 'runbook', width: left, height },
    { panel: swap ? 'mitigations' : 'timeline', width: right, height },
  ];
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
        middleRow(width, h2),
        bottomRow(width, h3, focus),
      ],
    };
  }
  // Compact (80x24 and up): the four live panels; focusing the runbook, the timeline or the
  // mitigations in force brings that pane into the lower half in place of replica lag and escalation.
  const h1 = Math.floor(gridHeight / 2);
  const h2 = gridHeight - h1;
  const lower: PanelBox[] =
    focus === 'runbook' || focus === 'timeline' || focus === 'mitigations'
      ? [
          { panel: focus === 'mitigations' ? 'mitigations' : 'runbook', width: left, height: h2 },
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
