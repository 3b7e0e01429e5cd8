import type { PanelId } from '../../../src/ui/state/panels.js';

/** The `/` filter of a panel's rows, typed live (drawn in the panel's own frame). */
export interface FilterOverlay {
  kind: 'filter';
  panel: PanelId;
  text: string;
}
