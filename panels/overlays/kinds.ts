// Every overlay kind and the state it keeps, once. The store's `ui.overlay` is one of these; the
// kind's key route and view are in its folder beside its state, and panels/overlays/index.ts
// puts them in the one table the router and the overlay host read. Types only: the store
// imports this, so nothing here imports the store.
import type { ActionsOverlay } from './actions/state.js';
import type { CommandOverlay } from './command/state.js';
import type { ConfirmOverlay } from './confirm/state.js';
import type { DetailOverlay } from './detail/state.js';
import type { FilterOverlay } from './filter/state.js';
import type { HelpOverlay } from './help/state.js';
import type { MessageOverlay } from './message/state.js';
import type { MitigationOverlay } from './mitigation/state.js';
import type { NoteOverlay } from './note/state.js';
import type { PirOverlay } from './pir/state.js';
import type { PromptOverlay } from './prompt/state.js';
import type { QuitConfirmOverlay } from './quit-confirm/state.js';
import type { SeverityOverlay } from './severity/state.js';

/** Overlays take every key while open (the input router sends keys to them first). */
export type Overlay =
  | HelpOverlay
  | QuitConfirmOverlay
  | CommandOverlay
  | FilterOverlay
  | SeverityOverlay
  | NoteOverlay
  | ActionsOverlay
  | MessageOverlay
  | ConfirmOverlay<Overlay>
  | PromptOverlay<Overlay>
  | PirOverlay
  | MitigationOverlay
  | DetailOverlay;

export type OverlayKind = Overlay['kind'];
export type OverlayOf<K extends OverlayKind> = Extract<Overlay, { kind: K }>;

export type {
  ActionsOverlay,
  CommandOverlay,
  ConfirmOverlay,
  DetailOverlay,
  FilterOverlay,
  HelpOverlay,
  MessageOverlay,
  MitigationOverlay,
  NoteOverlay,
  PirOverlay,
  PromptOverlay,
  QuitConfirmOverlay,
  SeverityOverlay,
};
