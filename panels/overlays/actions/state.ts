import type { PanelId } from '../../../src/ui/state/panels.js';

/** The Enter menu: the bindings that apply to the focused panel (disabled ones say why). */
export interface ActionsOverlay {
  kind: 'actions';
  panel: PanelId;
  /** Highlighted entry. */
  index?: number;
}
