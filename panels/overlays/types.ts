// What an overlay kind is: its state (kinds.ts), its keys (src/ui/input/keys.ts OverlayKeys) and
// its view, in its own folder; index.ts lists every kind once in the table the router and the
// host read.
import type { ComponentType } from 'react';
import type { OverlayKeys } from '../../src/ui/input/keys.js';
import type { Binding } from '../../src/ui/registry/types.js';
import type { CockpitStore, OverlayKind, OverlayOf } from '../../src/ui/state/store.js';
import type { Theme } from '../../src/ui/state/theme.js';
import type { Size } from '../layout.js';

export interface OverlayViewProps<O> {
  overlay: O;
  /** Views read what they draw from the store themselves, and only while they are open. */
  store: CockpitStore;
  theme: Theme;
  ascii: boolean;
  size: Size;
  bindings: readonly Binding[];
}

export interface OverlayDef<O> extends OverlayKeys<O> {
  View: ComponentType<OverlayViewProps<O>>;
  /** Stays drawn under a prompt or confirm asked from it (the PIR editor under its field prompts). */
  staysUnder?: boolean;
}

export type OverlayTable = { readonly [K in OverlayKind]: OverlayDef<OverlayOf<K>> };
