// The panel list: every panel of the grid in focus order (its number key is its place here, from
// 1), its title, the data sources that feed it, and where each layout puts it. The store (one
// selection and one filter per panel), the focus keys and Tab order, the lost-source notice on a
// panel's border, the layout (panels/layout.ts) and the Cockpit's grid all derive from it.
// It imports nothing, so every layer of the UI may read it.

/** The layouts by terminal size (panels/layout.ts): compact from 80x24, large from 100x36, wide from 220 columns. */
export type LayoutKind = 'compact' | 'large' | 'wide';

/**
 * Where a layout puts a panel.
 * - `row` (0 is the top row) and `share`, the part of the row's width it takes (the last panel of
 *   a row takes what is left). A row whose panels name `page`s shows one page at a time: the page
 *   holding the focused panel, else the first one listed.
 * - `instead`: not drawn until focused, then in place of the panel named.
 */
export type PanelPlace = { row: number; share?: number; page?: string } | { instead: string };

export interface PanelSpec {
  id: string;
  title: string;
  /** The data sources whose loss the panel reports on its bottom border (their last figures stay shown). */
  sources?: readonly string[];
  /** Per layout; `wide` falls back to `large`. A layout with no place for the panel does not draw it. */
  place: Partial<Record<LayoutKind, PanelPlace>>;
}

export const PANEL_LIST = [
  {
    id: 'queues',
    title: 'Queue lag',
    sources: ['redis', 'rabbitmq'],
    // The densest table: the wider part of the top row.
    place: { compact: { row: 0, share: 0.55 }, large: { row: 0, share: 0.55 } },
  },
  { id: 'failures', title: 'Failure classes', sources: ['redis', 'rabbitmq'], place: { compact: { row: 0 }, large: { row: 0 } } },
  {
    id: 'replicas',
    title: 'Replica lag',
    sources: ['postgres'],
    place: { compact: { row: 1, share: 0.5, page: 'live' }, large: { row: 1, share: 0.5 }, wide: { row: 1, share: 0.3 } },
  },
  {
    id: 'escalation',
    title: 'Escalation',
    sources: ['api'],
    // Escalation carries the longest lines (why, who decided): the widest share on a wide screen.
    place: { compact: { row: 1, page: 'live' }, large: { row: 1 }, wide: { row: 1, share: 0.4 } },
  },
  { id: 'runbook', title: 'Runbook', place: { compact: { row: 1, share: 0.5, page: 'desk' }, large: { row: 2, share: 0.5 } } },
  { id: 'timeline', title: 'Timeline', place: { compact: { row: 1, page: 'desk' }, large: { row: 2 } } },
  {
    id: 'mitigations',
    title: 'Mitigations in force',
    place: { compact: { instead: 'runbook' }, large: { instead: 'timeline' }, wide: { row: 1 } },
  },
] as const satisfies readonly PanelSpec[];

export type PanelId = (typeof PANEL_LIST)[number]['id'];

/** Panel ids in focus order. */
export const PANELS: readonly PanelId[] = PANEL_LIST.map((p) => p.id);

export const PANEL_TITLES = Object.fromEntries(PANEL_LIST.map((p) => [p.id, p.title])) as Record<PanelId, string>;

const BY_ID = new Map<string, PanelSpec>(PANEL_LIST.map((p) => [p.id, p]));

/** The panel's spec; throws on an id that is not in the list (a programming error). */
export function panelSpec(id: PanelId): PanelSpec {
  const spec = BY_ID.get(id);
  if (!spec) throw new Error(`no panel ${String(id)} in the panel list`);
  return spec;
}

/** The number key that focuses the panel (its place in the list, from 1). */
export function panelNumber(id: PanelId): number {
  return PANELS.indexOf(id) + 1;
}

const NO_SOURCES: readonly string[] = [];

/** The data sources that feed the panel. */
export function panelSources(id: PanelId): readonly string[] {
  return panelSpec(id).sources ?? NO_SOURCES;
}

/** Where `kind` puts the panel (wide falls back to large), or undefined when that layout does not draw it. */
export function panelPlace(id: PanelId, kind: LayoutKind): PanelPlace | undefined {
  const place = panelSpec(id).place;
  return place[kind] ?? (kind === 'wide' ? place.large : undefined);
}
