// What a key binding is, and the services the controllers build their bindings from. Every
// key, `:` command, Enter-menu entry, help line and footer hint is one Binding; the dispatcher
// (dispatcher.ts) is the only place that runs them.
import type { Clock } from '../../core/source.js';
import type { MitigationController } from '../../control/mitigations/controller.js';
import type { PagingCommands } from '../../control/paging/controller.js';
import type { ReportingServices } from '../../control/reporting/services.js';
import type { CockpitState, CockpitStore, PanelId } from '../state/store.js';
import type { CockpitCommands } from './commands.js';

/** Where a binding is listed in the help (and which bindings the Enter menu offers everywhere). */
export type BindingGroup = 'navigate' | 'view' | 'incident' | 'review' | 'runbook' | 'mitigation' | 'session';

/** Overlays that bind keys of their own (while open, and only then). */
export type BindingOverlay = 'pir';

/** From the `:` command line (`{ text }`) or an overlay (e.g. `{ severity, reason }`). */
export type BindingArgs = Record<string, string>;

/**
 * What the bindings are built from (controllers' `bindings(services)`). The composition root
 * (src/runtime/main.ts) fills it; tests fill it with fakes or real controllers. A member a mode
 * lacks is absent, and the bindings that need it are disabled and say why.
 */
export interface CockpitServices {
  /** The running cockpit: the incident record, export, quit, repaint. */
  commands: CockpitCommands;
  /** Runs runbook mitigations (the same executor as `lsos-cockpit act`); absent: no mitigation backend. */
  mitigation?: MitigationController;
  /** Acknowledges pages and picks the affected module; absent: paging is not running. */
  paging?: PagingCommands;
  /** Database reads on demand (completeness, integrity checks); absent: no PostgreSQL primary configured. */
  reporting?: ReportingServices;
  /** The shared incident (src/journal/shared): taking command; absent: this cockpit does not share incidents. */
  sharing?: { takeCommand(): Promise<void> };
  /**
   * The time prefilled parameters are reckoned in (a pause's expiry, the report month): wall
   * time, the clock the mitigation executor checks expiry against, not the simulation's.
   */
  clock: Clock;
}

/** What the dispatcher hands a binding when it runs. */
export interface BindingContext {
  store: CockpitStore;
  args?: BindingArgs;
  /** True when the operator already answered the confirm step (dangerous bindings, quit). */
  confirmed: boolean;
  /** Rows one page moves in a panel, from the current layout. */
  pageRows(panel: PanelId): number;
}

/** `prompted`: the binding opened an overlay to ask for more; it runs again when that is answered. */
export type BindingResult = void | { prompted: true };

export interface Binding {
  /** Also its `:` command name. */
  id: string;
  /** Canonical key names (see keyName in src/ui/input/router.ts), used both to match and to display. */
  keys: string[];
  title: string;
  description: string;
  /** Panels the binding applies to; 'global' or absent: everywhere. */
  panels?: PanelId[] | 'global';
  /**
   * Its keys work only inside this overlay (the router sends them there); by `:` name it runs
   * from anywhere. Not in the footer or the Enter menu.
   */
  overlay?: BindingOverlay;
  /** null: enabled; otherwise why it is disabled (shown to the operator). */
  when?(state: CockpitState): string | null;
  /**
   * Why the Enter menu shows it disabled for the selection (e.g. Restore concurrency on a queue
   * whose pools are at their normal size); by `:` name, with its own arguments, it still runs.
   */
  menuWhen?(state: CockpitState): string | null;
  /** Changes the system or the incident record: refused in a read-only session. */
  mutates: boolean;
  /** Needs the operator's confirmation before it changes anything: marked "(confirms)" in the menu and help. */
  dangerous: boolean;
  /**
   * Who asks for that confirmation: the dispatcher's y/n step (absent), or the binding's own flow
   * ('flow': a mitigation asks after its preview and reason, so the dispatcher does not ask again).
   */
  confirms?: 'flow';
  group: BindingGroup;
  /** Other `:` names. */
  aliases?: string[];
  /** What the `:` line takes after the name, e.g. `SEV-1|SEV-2|SEV-3 <reason>` (the line and the help show it). */
  usage?: string;
  /**
   * The values the `:` line's argument being typed may take (Tab completes them): `before` are
   * the argument words already typed, `current` the one being typed (the line keeps those that
   * start with it). Absent: free text.
   */
  complete?(state: CockpitState, before: readonly string[], current: string): string[];
  /** Short label for the status bar's key hints; absent: not in the footer. */
  hint?: string;
  /** The confirm question for a dangerous binding (`args`: what it will run with). */
  confirmPrompt?(state: CockpitState, args?: BindingArgs): string;
  run(ctx: BindingContext): BindingResult | Promise<BindingResult>;
}

export type AttemptOutcome =
  | { status: 'done' }
  | { status: 'prompted' }
  | { status: 'disabled'; reason: string }
  | { status: 'confirm-requested' }
  | { status: 'cancelled' }
  | { status: 'failed'; error: string };

/** The audit hook: called once per attempt outcome, refused and cancelled ones included. */
export type AttemptHook = (binding: Binding, outcome: AttemptOutcome, info: { args?: BindingArgs; at: number }) => void;
