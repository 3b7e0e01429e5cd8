// The action registry: every key, `:` command, actions-menu entry, help line and footer hint
// comes from this one table. Adding an action (e.g. a mitigation) is adding one entry.
// The dispatcher is the only place that runs actions: it applies the read-only rule, the
// `when` guards and the confirm step, and reports every attempt to the audit hook.
import type { Severity } from '../../core/escalation.js';
import { sanitize } from '../../core/sanitize.js';
import type { CockpitCommands } from './commands.js';
import {
  ADD_ACTION_ROW,
  blastRadiusWith,
  clampPirIndex,
  findPirRow,
  parseCorrectiveActionLine,
  pirRows,
  type PirRow,
} from '../controllers/pirEditor.js';
import {
  clampIndex,
  incidentActive,
  queueRows,
  queueTrigger,
  rowCount,
  selectedIndex,
  selectedQueue,
  selectedRunbookRow,
  selectedTrigger,
  stepsDone,
  topFiringTrigger,
  triggerRows,
} from '../state/selectors.js';
import {
  FOLLOW_NEWEST,
  PANELS,
  PANEL_TITLES,
  type CockpitState,
  type CockpitStore,
  type Overlay,
  type PanelId,
  type UiState,
} from '../state/store.js';
import { nextTheme } from '../state/theme.js';

export type ActionGroup = 'navigate' | 'view' | 'incident' | 'review' | 'runbook' | 'mitigation' | 'session';

/** Overlays that bind keys of their own to registry actions (while open, and only then). */
export type ActionOverlay = 'pir';

export const OVERLAY_TITLES: Record<ActionOverlay, string> = { pir: 'PIR editor' };
export type ActionArgs = Record<string, string>;

export interface ActionContext {
  store: CockpitStore;
  commands: CockpitCommands;
  /** From the `:` command line (`{ text }`) or an overlay (e.g. `{ severity, reason }`). */
  args?: ActionArgs;
  /** True when the operator already answered the confirm step (dangerous actions, quit). */
  confirmed: boolean;
  /** Rows one page moves in a panel, from the current layout. */
  pageRows(panel: PanelId): number;
}

/** `prompted`: the action opened an overlay to ask for more; it runs again when that is answered. */
export type ActionResult = void | { prompted: true };

export interface Action {
  /** Also its `:` command name. */
  id: string;
  /** Canonical key names (see keyName in input.ts), used both to match and to display. */
  keys: string[];
  title: string;
  description: string;
  /** Panels the action applies to; 'global' or absent: everywhere. */
  panels?: PanelId[] | 'global';
  /**
   * Its keys work only inside this overlay (the router sends them there); by `:` name it runs
   * from anywhere. Not in the footer or the actions menu.
   */
  overlay?: ActionOverlay;
  /** null: enabled; otherwise why it is disabled (shown to the operator). */
  when?(state: CockpitState): string | null;
  /** Changes the system or the incident record: refused in a read-only session. */
  mutates: boolean;
  /** Needs a y/n confirm step before running. */
  dangerous: boolean;
  group: ActionGroup;
  /** Other `:` names. */
  aliases?: string[];
  /** Short label for the status bar's key hints; absent: not in the footer. */
  hint?: string;
  /** The confirm question for a dangerous action (`args`: what it will run with). */
  confirmPrompt?(state: CockpitState, args?: ActionArgs): string;
  run(ctx: ActionContext): ActionResult | Promise<ActionResult>;
}

export type AttemptOutcome =
  | { status: 'done' }
  | { status: 'prompted' }
  | { status: 'disabled'; reason: string }
  | { status: 'confirm-requested' }
  | { status: 'cancelled' }
  | { status: 'failed'; error: string };

/** The audit hook: called once per attempt outcome, refused and cancelled ones included. */
export type AttemptHook = (action: Action, outcome: AttemptOutcome, info: { args?: ActionArgs; at: number }) => void;

// ---- helpers the actions share -----------------------------------------------------------------

const panelScope = (panels: PanelId[]) => panels;

function setUi(store: CockpitStore, patch: Partial<UiState> | ((ui: UiState) => Partial<UiState>)): void {
  store.getState().setUi(patch);
}

/** When the selection lands on a trigger (escalation) or a queue whose trigger fires, the runbook pane follows it. */
function runbookFollow(s: CockpitState, panel: PanelId, index: number): Partial<UiState> {
  if (panel === 'escalation') {
    const t = triggerRows(s)[index];
    return t ? { runbookTrigger: t.key } : {};
  }
  if (panel === 'queues') {
    const q = queueRows(s)[index];
    const t = q ? queueTrigger(s, q.name) : null;
    return t ? { runbookTrigger: t.key } : {};
  }
  return {};
}

function moveSelection(store: CockpitStore, to: (current: number, count: number) => number): void {
  const s = store.getState();
  const panel = s.ui.focus;
  const n = rowCount(s, panel);
  if (n === 0) return;
  const next = clampIndex(to(Math.max(0, selectedIndex(s, panel)), n), n);
  // At the bottom of the timeline the selection follows new entries.
  const stored = panel === 'timeline' && next === n - 1 ? FOLLOW_NEWEST : next;
  setUi(store, (ui) => ({ selected: { ...ui.selected, [panel]: stored }, ...runbookFollow(s, panel, next) }));
}

function focusPanel(store: CockpitStore, panel: PanelId): void {
  setUi(store, { focus: panel });
}

function flash(store: CockpitStore, text: string, level: 'info' | 'warn' | 'error' = 'info'): void {
  store.getState().flash(text, level);
}

function needsIncident(s: CockpitState): string | null {
  return s.incident === null ? 'no incident open (I opens one)' : null;
}

function needsActiveIncident(s: CockpitState): string | null {
  if (s.incident === null) return 'no incident open (I opens one)';
  if (s.incident.state === 'resolved') return `incident ${sanitize(s.incident.id, 60)} is resolved`;
  return null;
}

// ---- the PIR editor ------------------------------------------------------------------------------

function needsPir(s: CockpitState): string | null {
  return needsIncident(s);
}

/** The editor overlay as it is now, or a fresh one highlighting `row`. */
function pirOverlayAt(s: CockpitState, rowKey?: string): Extract<Overlay, { kind: 'pir' }> {
  const rows = pirRows(s.incident);
  const at = rowKey === undefined ? -1 : rows.findIndex((r) => r.key === rowKey);
  if (at >= 0) return { kind: 'pir', index: at };
  if (s.ui.overlay?.kind === 'pir') return s.ui.overlay;
  return { kind: 'pir', index: 0 };
}

/** The row an editor action is about: its `row` argument, else the highlighted one. */
function pirTarget(s: CockpitState, args?: ActionArgs): PirRow | undefined {
  if (args?.row !== undefined) return findPirRow(s.incident, args.row);
  if (s.ui.overlay?.kind !== 'pir') return undefined;
  const rows = pirRows(s.incident);
  return rows[clampPirIndex(s.ui.overlay.index, rows)];
}

/** What to show after a prompt is answered: the editor, on the row just edited. */
function pirPrompt(
  store: CockpitStore,
  opts: { actionId: string; label: string; text: string; args?: ActionArgs; allowEmpty?: boolean; backRow?: string; error?: string },
): void {
  const s = store.getState();
  const back = pirOverlayAt(s, opts.backRow);
  setUi(store, {
    overlay: {
      kind: 'prompt',
      actionId: opts.actionId,
      label: opts.label,
      text: opts.text,
      back,
      ...(opts.args ? { args: opts.args } : {}),
      ...(opts.allowEmpty ? { allowEmpty: true } : {}),
      ...(opts.error ? { error: sanitize(opts.error, 300) } : {}),
    },
  });
}

const CORRECTIVE_ACTION_FORMAT = 'action | owner | YYYY-MM-DD';

/**
 * Runs a PIR write; when the recorder refuses it (a bad due date), the prompt comes back with
 * what was typed so it can be fixed, and the refusal goes on to the dispatcher, which shows it.
 */
async function pirWrite(write: () => Promise<void>, reopen: (error: string) => void): Promise<void> {
  try {
    await write();
  } catch (e) {
    reopen(e instanceof Error ? e.message : String(e));
    throw e;
  }
}

function selectPirRow(store: CockpitStore, key: string): void {
  const s = store.getState();
  if (s.ui.overlay?.kind !== 'pir') return;
  const at = pirRows(s.incident).findIndex((r) => r.key === key);
  if (at >= 0) setUi(store, { overlay: { kind: 'pir', index: at } });
}

async function addCorrectiveAction({ store, commands, args }: ActionContext): Promise<ActionResult> {
  const text = args?.text?.trim() ?? '';
  const ask = (value: string, error?: string) =>
    pirPrompt(store, {
      actionId: 'pir-action',
      label: `Add corrective action: ${CORRECTIVE_ACTION_FORMAT}`,
      text: value,
      backRow: ADD_ACTION_ROW,
      ...(error ? { error } : {}),
    });
  if (text === '') {
    ask('');
    return { prompted: true };
  }
  await pirWrite(
    () => commands.addCorrectiveAction(parseCorrectiveActionLine(text)),
    (error) => ask(text, error),
  );
  const n = store.getState().incident?.pir?.values.correctiveActions.length ?? 0;
  selectPirRow(store, ADD_ACTION_ROW);
  flash(store, `corrective action ${n} added`);
}

/** Which corrective action `pir-delete` means: `row` (from the editor), `:pir-delete 2`, or the highlighted row. */
function correctiveActionIndex(s: CockpitState, args?: ActionArgs): number | null {
  const count = s.incident?.pir?.values.correctiveActions.length ?? 0;
  let i: number | null = null;
  if (args?.text !== undefined && /^\d+$/.test(args.text.trim())) i = Number(args.text.trim()) - 1;
  else {
    const row = pirTarget(s, args);
    if (row?.kind === 'action') i = row.index;
  }
  return i !== null && i >= 0 && i < count ? i : null;
}

/** `:pir-edit rootCause the deploy` -> { row: 'rootCause', text: 'the deploy' }. */
function splitRowArg(text: string): { row: string; text: string } {
  const t = text.trim();
  const i = t.search(/\s/);
  return i < 0 ? { row: t, text: '' } : { row: t.slice(0, i), text: t.slice(i + 1).trim() };
}

/** Accepts `SEV-2`, `sev2`, `2`. */
export function parseSeverity(text: string): Severity | null {
  const m = /^(?:sev-?)?([123])$/i.exec(text.trim());
  return m ? (`SEV-${m[1]}` as Severity) : null;
}

const quitNeedsConfirm = (s: CockpitState) => s.incident?.state === 'open' || s.incident?.state === 'mitigated';

// ---- the registry ------------------------------------------------------------------------------

const panelFocusActions: Action[] = PANELS.map((panel, i) => ({
  id: panel,
  keys: [String(i + 1)],
  title: `${PANEL_TITLES[panel]} panel`,
  description: `Focus the ${PANEL_TITLES[panel].toLowerCase()} panel.`,
  mutates: false,
  dangerous: false,
  group: 'navigate' as const,
  run: ({ store }) => focusPanel(store, panel),
}));

export const ACTIONS: readonly Action[] = [
  // navigate
  {
    id: 'next-panel',
    keys: ['tab'],
    title: 'Next panel',
    description: 'Move focus to the next panel.',
    mutates: false,
    dangerous: false,
    group: 'navigate',
    run: ({ store }) => {
      const f = store.getState().ui.focus;
      focusPanel(store, PANELS[(PANELS.indexOf(f) + 1) % PANELS.length] ?? 'queues');
    },
  },
  {
    id: 'prev-panel',
    keys: ['shift-tab'],
    title: 'Previous panel',
    description: 'Move focus to the previous panel.',
    mutates: false,
    dangerous: false,
    group: 'navigate',
    run: ({ store }) => {
      const f = store.getState().ui.focus;
      focusPanel(store, PANELS[(PANELS.indexOf(f) + PANELS.length - 1) % PANELS.length] ?? 'queues');
    },
  },
  ...panelFocusActions,
  {
    id: 'down',
    keys: ['j', 'down'],
    title: 'Row down',
    description: 'Select the next row of the focused panel.',
    mutates: false,
    dangerous: false,
    group: 'navigate',
    run: ({ store }) => moveSelection(store, (i) => i + 1),
  },
  {
    id: 'up',
    keys: ['k', 'up'],
    title: 'Row up',
    description: 'Select the previous row of the focused panel.',
    mutates: false,
    dangerous: false,
    group: 'navigate',
    run: ({ store }) => moveSelection(store, (i) => i - 1),
  },
  {
    id: 'top',
    keys: ['g', 'home'],
    title: 'First row',
    description: 'Select the first row.',
    mutates: false,
    dangerous: false,
    group: 'navigate',
    run: ({ store }) => moveSelection(store, () => 0),
  },
  {
    id: 'bottom',
    keys: ['G', 'end'],
    title: 'Last row',
    description: 'Select the last row (the timeline then follows new entries).',
    mutates: false,
    dangerous: false,
    group: 'navigate',
    run: ({ store }) => moveSelection(store, (_i, n) => n - 1),
  },
  {
    id: 'page-down',
    keys: ['pgdn'],
    title: 'Page down',
    description: 'Move the selection one page down.',
    mutates: false,
    dangerous: false,
    group: 'navigate',
    run: ({ store, pageRows }) => moveSelection(store, (i) => i + pageRows(store.getState().ui.focus)),
  },
  {
    id: 'page-up',
    keys: ['pgup'],
    title: 'Page up',
    description: 'Move the selection one page up.',
    mutates: false,
    dangerous: false,
    group: 'navigate',
    run: ({ store, pageRows }) => moveSelection(store, (i) => i - pageRows(store.getState().ui.focus)),
  },
  // view
  {
    id: 'filter',
    keys: ['/'],
    title: 'Filter rows',
    description: 'Filter the rows of the focused panel: type, Enter keeps it, Esc clears it.',
    mutates: false,
    dangerous: false,
    group: 'view',
    hint: 'filter',
    run: ({ store }) => {
      const s = store.getState();
      setUi(store, { overlay: { kind: 'filter', panel: s.ui.focus, text: s.ui.filters[s.ui.focus] } });
      return { prompted: true };
    },
  },
  {
    id: 'clear',
    keys: ['esc'],
    title: 'Clear',
    description: "Clear the focused panel's filter, or the status message. Never does anything else.",
    mutates: false,
    dangerous: false,
    group: 'view',
    run: ({ store }) => {
      const s = store.getState();
      const panel = s.ui.focus;
      if (s.ui.filters[panel] !== '') {
        setUi(store, (ui) => ({ filters: { ...ui.filters, [panel]: '' }, selected: { ...ui.selected, [panel]: 0 } }));
      } else if (s.ui.flash) setUi(store, { flash: null });
    },
  },
  {
    id: 'command',
    keys: [':'],
    title: 'Command line',
    description: 'Jump to a panel or run an action by name, e.g. :queues, :note <text>, :severity SEV-2 <reason>.',
    mutates: false,
    dangerous: false,
    group: 'view',
    hint: 'cmd',
    run: ({ store }) => {
      setUi(store, { overlay: { kind: 'command', text: '' } });
      return { prompted: true };
    },
  },
  {
    id: 'actions',
    keys: ['enter'],
    title: 'Actions',
    description: 'The actions that apply to the focused panel and its selection (disabled ones say why).',
    mutates: false,
    dangerous: false,
    group: 'view',
    hint: 'actions',
    run: ({ store }) => {
      setUi(store, { overlay: { kind: 'actions', panel: store.getState().ui.focus, index: 0 } });
      return { prompted: true };
    },
  },
  {
    id: 'help',
    keys: ['?'],
    title: 'Help',
    description: 'Every key and command, with what it does.',
    aliases: ['h', 'keys'],
    mutates: false,
    dangerous: false,
    group: 'view',
    hint: 'help',
    run: ({ store }) => {
      setUi(store, { overlay: { kind: 'help', scroll: 0 } });
      return { prompted: true };
    },
  },
  {
    id: 'present',
    keys: ['p'],
    title: 'Presentation mode',
    description: 'Toggle the war-room view: big severity banner, only the figures that matter.',
    aliases: ['presentation'],
    mutates: false,
    dangerous: false,
    group: 'view',
    hint: 'present',
    run: ({ store }) => setUi(store, (ui) => ({ presentation: !ui.presentation })),
  },
  {
    id: 'theme',
    keys: ['t'],
    title: 'Cycle theme',
    description: 'dark, light (white backgrounds), mono (no colour).',
    mutates: false,
    dangerous: false,
    group: 'view',
    run: ({ store }) => {
      const s = store.getState();
      const next = nextTheme(s.ui.theme, s.session.color);
      setUi(store, { theme: next });
      if (!s.session.color) flash(store, 'colour is off (NO_COLOR / --no-color): mono only', 'warn');
      else flash(store, `theme: ${next}`);
    },
  },
  {
    id: 'repaint',
    keys: ['ctrl-l'],
    title: 'Repaint',
    description: 'Redraw the whole screen.',
    mutates: false,
    dangerous: false,
    group: 'view',
    run: ({ commands }) => commands.repaint(),
  },
  // runbook
  {
    id: 'show-runbook',
    keys: ['r'],
    title: 'Show runbook',
    description: "Show the runbook section and procedure for the selected trigger (or the queue's firing trigger).",
    panels: panelScope(['escalation', 'queues']),
    aliases: ['runbook-for'],
    mutates: false,
    dangerous: false,
    group: 'runbook',
    when: (s) => {
      if (s.ui.focus === 'escalation') return selectedTrigger(s) ? null : 'no trigger selected';
      const q = selectedQueue(s);
      if (!q) return 'no queue selected';
      return queueTrigger(s, q.name) ? null : `no trigger firing for ${sanitize(q.name, 40)}`;
    },
    run: ({ store }) => {
      const s = store.getState();
      const t = s.ui.focus === 'escalation' ? selectedTrigger(s) : queueTrigger(s, selectedQueue(s)?.name ?? '');
      if (t) setUi(store, (ui) => ({ runbookTrigger: t.key, focus: 'runbook', selected: { ...ui.selected, runbook: 0 } }));
    },
  },
  {
    id: 'tick',
    keys: ['x', 'space'],
    title: 'Tick step',
    description: 'Tick (or untick) the selected procedure step as done, in the incident record.',
    panels: panelScope(['runbook']),
    mutates: true,
    dangerous: false,
    group: 'runbook',
    hint: 'tick',
    when: (s) => needsActiveIncident(s) ?? (selectedRunbookRow(s) ? null : 'no step selected'),
    run: async ({ store, commands }) => {
      const s = store.getState();
      const row = selectedRunbookRow(s);
      if (!row) return;
      const id = `${row.section}.${row.step}`;
      const wasDone = stepsDone(s).includes(id);
      await commands.tickStep(row.section, row.step);
      flash(store, `step ${id} ${wasDone ? 'unticked' : 'ticked as done'}`);
    },
  },
  // incident
  {
    id: 'incident',
    keys: ['I'],
    title: 'Open incident',
    description: 'Open an incident (asks for the reason, prefilled with the top firing trigger).',
    aliases: ['open'],
    mutates: true,
    dangerous: false,
    group: 'incident',
    when: (s) =>
      s.incident && s.incident.state !== 'resolved' ? `incident ${sanitize(s.incident.id, 60)} is already ${s.incident.state}` : null,
    run: async ({ store, commands, args }) => {
      const reason = args?.text?.trim() ?? '';
      if (reason === '') {
        const top = topFiringTrigger(store.getState());
        const text = top ? sanitize(`${top.title}: ${top.detail}`, 200) : '';
        setUi(store, { overlay: { kind: 'prompt', actionId: 'incident', label: 'Open incident. Reason', text } });
        return { prompted: true };
      }
      await commands.openIncident(reason);
      flash(store, 'incident opened');
    },
  },
  {
    id: 'note',
    keys: ['n'],
    title: 'Add note',
    description: 'Add a note to the incident timeline.',
    mutates: true,
    dangerous: false,
    group: 'incident',
    hint: 'note',
    when: needsIncident,
    run: async ({ store, commands, args }) => {
      const text = args?.text?.trim() ?? '';
      if (text === '') {
        setUi(store, { overlay: { kind: 'note', text: '' } });
        return { prompted: true };
      }
      await commands.addNote(text);
      flash(store, 'note added');
    },
  },
  {
    id: 'severity',
    keys: ['s'],
    title: 'Set severity',
    description: 'Decide the severity (SEV-1/2/3) with a mandatory reason.',
    aliases: ['sev'],
    mutates: true,
    dangerous: false,
    group: 'incident',
    hint: 'severity',
    run: async ({ store, commands, args }) => {
      // From the overlay: { severity, reason }; from `:severity SEV-2 reason`: { text }.
      let severity = args?.severity ? parseSeverity(args.severity) : null;
      let reason = args?.reason?.trim() ?? '';
      if (!severity && args?.text) {
        const [first = '', ...rest] = args.text.trim().split(/\s+/);
        severity = parseSeverity(first);
        if (severity) reason = rest.join(' ');
      }
      if (!severity || reason === '') {
        const s = store.getState();
        const pre = severity ?? s.decision?.severity ?? s.suggestion.severity ?? 'SEV-3';
        setUi(store, {
          overlay: severity
            ? { kind: 'severity', step: 'reason', severity, reason: '' }
            : { kind: 'severity', step: 'pick', severity: pre, reason: '' },
        });
        return { prompted: true };
      }
      await commands.decideSeverity(severity, reason);
      flash(store, `severity ${severity} decided`);
    },
  },
  {
    id: 'mitigated',
    keys: ['M'],
    title: 'Mark mitigated',
    description: 'Mark the incident mitigated (asks to confirm).',
    aliases: ['mitigate'],
    mutates: true,
    dangerous: true,
    group: 'incident',
    when: (s) => {
      if (s.incident === null) return 'no incident open';
      return s.incident.state === 'open' ? null : `incident is ${s.incident.state}`;
    },
    confirmPrompt: (s) => `Mark incident ${sanitize(s.incident?.id ?? '', 60)} MITIGATED?`,
    run: async ({ store, commands }) => {
      await commands.setIncidentState('mitigated');
      flash(store, 'incident marked mitigated');
    },
  },
  {
    id: 'resolved',
    keys: ['R'],
    title: 'Mark resolved',
    description: 'Mark the incident resolved (asks to confirm).',
    aliases: ['resolve'],
    mutates: true,
    dangerous: true,
    group: 'incident',
    when: needsActiveIncident,
    confirmPrompt: (s) => `Mark incident ${sanitize(s.incident?.id ?? '', 60)} RESOLVED?`,
    run: async ({ store, commands }) => {
      await commands.setIncidentState('resolved');
      flash(store, 'incident marked resolved');
    },
  },
  {
    id: 'pir-editor',
    keys: ['P'],
    title: 'PIR editor',
    description:
      'Write the post-incident review: root cause, blast radius (prefilled from the triggers), corrective actions, monitoring gaps, runbook improvements and the rest; ! marks what --strict still needs.',
    aliases: ['review', 'postmortem'],
    // Opening it only reads; each edit is a recording action of its own.
    mutates: false,
    dangerous: false,
    group: 'incident',
    hint: 'PIR',
    when: needsPir,
    run: ({ store }) => {
      setUi(store, { overlay: pirOverlayAt(store.getState()) });
      return { prompted: true };
    },
  },
  {
    id: 'pir',
    keys: ['E'],
    title: 'Export PIR',
    description: 'Write the post-incident review markdown and show where.',
    aliases: ['export'],
    // Reads the record, writes a local file: allowed in a read-only session.
    mutates: false,
    dangerous: false,
    group: 'incident',
    when: (s) => (s.incident === null ? 'no incident to export' : null),
    run: async ({ store, commands }) => {
      const path = await commands.exportPir();
      const problems = store.getState().incident?.pir?.strictProblems ?? [];
      const strict =
        problems.length === 0
          ? 'complete: passes --strict'
          : `--strict: ${problems.length} ${problems.length === 1 ? 'problem' : 'problems'} (${sanitize(problems[0] ?? '', 80)}${problems.length > 1 ? ', …' : ''})`;
      flash(store, `PIR written to ${sanitize(path, 200)}; ${strict}`, problems.length === 0 ? 'info' : 'warn');
    },
  },
  // review: keys inside the PIR editor (P)
  {
    id: 'pir-edit',
    keys: ['enter'],
    overlay: 'pir',
    title: 'Edit PIR field',
    description: `Edit the highlighted field in a prompt prefilled with its value (lists: comma-separated; a corrective action: ${CORRECTIVE_ACTION_FORMAT}). :pir-edit <row> <text> sets one by name.`,
    aliases: ['pir-set'],
    mutates: true,
    dangerous: false,
    group: 'review',
    when: needsPir,
    run: async (ctx) => {
      const { store, commands } = ctx;
      const s = store.getState();
      let args = ctx.args;
      // From the command line: `:pir-edit <row> [text]`.
      if (args?.row === undefined && args?.text !== undefined) {
        const split = splitRowArg(args.text);
        args = split.text === '' ? { row: split.row } : split;
      }
      const row = pirTarget(s, args);
      if (!row) {
        if (args?.row !== undefined) throw new Error(`no PIR field "${sanitize(args.row, 40)}" (P lists them)`);
        setUi(store, { overlay: pirOverlayAt(s) });
        return { prompted: true };
      }
      if (row.kind === 'add-action') return addCorrectiveAction(ctx);
      const text = args?.text;
      const hint =
        row.kind === 'action' ? ` (${CORRECTIVE_ACTION_FORMAT})` : row.kind === 'blast' && row.part !== 'notes' ? ' (comma-separated)' : '';
      const ask = (value: string, error?: string) =>
        pirPrompt(store, {
          actionId: 'pir-edit',
          label: `PIR ${row.label}${hint}`,
          text: value,
          args: { row: row.key },
          allowEmpty: row.kind !== 'action',
          backRow: row.key,
          ...(error ? { error } : {}),
        });
      if (text === undefined) {
        ask(row.value);
        return { prompted: true };
      }
      const pir = s.incident?.pir;
      if (!pir) throw new Error('no review to edit');
      await pirWrite(
        async () => {
          switch (row.kind) {
            case 'text':
              return commands.setPirField(row.field, text.trim());
            case 'blast':
              return commands.setPirField('blastRadius', blastRadiusWith(pir.values.blastRadius, row.part, text));
            case 'action': {
              const rows = pir.values.correctiveActions.map((a, i) => (i === row.index ? parseCorrectiveActionLine(text) : a));
              return commands.setPirField('correctiveActions', rows);
            }
          }
        },
        (error) => ask(text, error),
      );
      flash(store, `PIR ${row.label} saved`);
    },
  },
  {
    id: 'pir-action',
    keys: ['a'],
    overlay: 'pir',
    title: 'Add corrective action',
    description: `Add a corrective action row: ${CORRECTIVE_ACTION_FORMAT} (the due date must be a real date).`,
    aliases: ['corrective-action'],
    mutates: true,
    dangerous: false,
    group: 'review',
    when: needsPir,
    run: (ctx) => addCorrectiveAction(ctx),
  },
  {
    id: 'pir-delete',
    keys: ['d'],
    overlay: 'pir',
    title: 'Delete corrective action',
    description: 'Delete the highlighted corrective action row (asks to confirm). :pir-delete <n> deletes row n.',
    mutates: true,
    dangerous: true,
    group: 'review',
    when: (s) => {
      const why = needsPir(s);
      if (why) return why;
      if ((s.incident?.pir?.values.correctiveActions.length ?? 0) === 0) return 'no corrective action recorded';
      // In the editor, d is about the highlighted row.
      if (s.ui.overlay?.kind === 'pir' && pirTarget(s)?.kind !== 'action') return 'highlight a corrective action row first';
      return null;
    },
    confirmPrompt: (s, args) => {
      const i = correctiveActionIndex(s, args);
      const row = i === null ? undefined : s.incident?.pir?.values.correctiveActions[i];
      return row && i !== null
        ? `Delete corrective action ${i + 1} (${sanitize(row.action, 60)}, ${sanitize(row.owner, 30)}, ${sanitize(row.due, 12)})?`
        : 'Delete the corrective action?';
    },
    run: async ({ store, commands, args }) => {
      const i = correctiveActionIndex(store.getState(), args);
      if (i === null) throw new Error('select a corrective action row first (j/k in the PIR editor)');
      await commands.removeCorrectiveAction(i);
      flash(store, `corrective action ${i + 1} deleted`);
    },
  },
  // session
  {
    id: 'quit',
    keys: ['q', 'ctrl-c'],
    title: 'Quit',
    description: 'Leave the cockpit (asks first while an incident is open or mitigated).',
    aliases: ['q', 'exit'],
    mutates: false,
    dangerous: false,
    group: 'session',
    hint: 'quit',
    run: ({ store, commands, confirmed }) => {
      if (quitNeedsConfirm(store.getState()) && !confirmed) {
        setUi(store, { overlay: { kind: 'quit-confirm' } });
        return { prompted: true };
      }
      commands.quit();
    },
  },
];

// ---- availability ------------------------------------------------------------------------------

export function appliesTo(action: Action, panel: PanelId): boolean {
  return action.panels === undefined || action.panels === 'global' || action.panels.includes(panel);
}

/** null when the action may run now; otherwise the reason, in the operator's words. */
export function disabledReason(action: Action, s: CockpitState): string | null {
  if (action.mutates && s.session.readonly) {
    return `read-only session: ${sanitize(s.session.readonlyReason ?? 'no reason given', 120)}`;
  }
  if (!appliesTo(action, s.ui.focus)) {
    const panels = action.panels as PanelId[];
    return `applies to the ${panels.map((p) => PANEL_TITLES[p].toLowerCase()).join(' / ')} panel`;
  }
  return action.when?.(s) ?? null;
}

/** Actions for the Enter menu: the focused panel's own and the global incident ones. */
export function menuActions(actions: readonly Action[], panel: PanelId): Action[] {
  const own = actions.filter((a) => !a.overlay && Array.isArray(a.panels) && a.panels.includes(panel) && a.group !== 'navigate');
  const global = actions.filter((a) => !a.overlay && !Array.isArray(a.panels) && (a.group === 'incident' || a.group === 'mitigation'));
  return [...own, ...global];
}

/** Finds by id or alias. */
export function findAction(actions: readonly Action[], name: string): Action | undefined {
  const n = name.trim().replace(/^:/, '');
  return actions.find((a) => a.id === n) ?? actions.find((a) => a.aliases?.includes(n));
}

/** Throws when two actions share an id/alias, or a key is bound twice in the same scope. */
export function validateRegistry(actions: readonly Action[]): void {
  const names = new Map<string, string>();
  for (const a of actions) {
    for (const n of [a.id, ...(a.aliases ?? [])]) {
      const other = names.get(n);
      if (other && other !== a.id) throw new Error(`action name "${n}" used by ${other} and ${a.id}`);
      names.set(n, a.id);
    }
  }
  const bound = new Map<string, string>();
  for (const a of actions) {
    const scopes = a.overlay ? [`overlay:${a.overlay}`] : Array.isArray(a.panels) ? a.panels : ['global'];
    for (const k of a.keys) {
      for (const scope of scopes) {
        const slot = `${scope}:${k}`;
        const other = bound.get(slot);
        if (other) throw new Error(`key "${k}" bound to ${other} and ${a.id} in ${scope}`);
        bound.set(slot, a.id);
      }
    }
  }
}

// ---- display -----------------------------------------------------------------------------------

const KEY_LABELS: Record<string, string> = {
  enter: 'Enter',
  esc: 'Esc',
  tab: 'Tab',
  'shift-tab': 'S-Tab',
  space: 'Space',
  up: 'Up',
  down: 'Down',
  left: 'Left',
  right: 'Right',
  pgup: 'PgUp',
  pgdn: 'PgDn',
  home: 'Home',
  end: 'End',
  backspace: 'Bksp',
};

/** How a canonical key name is shown: `ctrl-l` as `C-l`, `enter` as `Enter`. */
export function displayKey(key: string): string {
  if (KEY_LABELS[key]) return KEY_LABELS[key];
  if (key.startsWith('ctrl-')) return `C-${key.slice(5)}`;
  return key;
}

export function displayKeys(action: Action): string {
  return action.keys.map(displayKey).join('/');
}

const GROUP_TITLES: Record<ActionGroup, string> = {
  navigate: 'Move',
  view: 'View',
  runbook: 'Runbook',
  incident: 'Incident',
  review: 'Post-incident review (in the PIR editor, P)',
  mitigation: 'Mitigation',
  session: 'Session',
};
const GROUP_ORDER: readonly ActionGroup[] = ['navigate', 'view', 'runbook', 'incident', 'review', 'mitigation', 'session'];

export interface HelpEntry {
  keys: string;
  name: string;
  title: string;
  description: string;
  scope: string;
  flags: string;
}

/** The help overlay's content, grouped, straight from the registry. */
export function helpSections(actions: readonly Action[]): Array<{ title: string; entries: HelpEntry[] }> {
  return GROUP_ORDER.map((g) => ({
    title: GROUP_TITLES[g],
    entries: actions
      .filter((a) => a.group === g)
      .map((a) => ({
        keys: displayKeys(a),
        name: `:${a.id}`,
        title: a.title,
        description: a.description,
        scope: a.overlay
          ? `the ${OVERLAY_TITLES[a.overlay]}`
          : Array.isArray(a.panels)
            ? a.panels.map((p) => PANEL_TITLES[p].toLowerCase()).join('/')
            : '',
        flags: [a.mutates ? 'records' : '', a.dangerous ? 'confirms' : ''].filter(Boolean).join(', '),
      })),
  })).filter((s) => s.entries.length > 0);
}

export type HelpLine = { kind: 'title'; text: string } | { kind: 'entry'; entry: HelpEntry } | { kind: 'text'; text: string };

/** Markers the panels draw, explained once in the help. */
export const LEGEND: readonly string[] = [
  'Lag: 23m stamped (exact)  >23m first-seen (at least)  ~23m from drain rate (estimate)  ? unknown  - empty',
  'Marks: ! over the runbook line (breach)  ~ near it  P replay paused  x unreachable  [x] step done',
  'Prompts: type, Enter confirms, Esc cancels, C-u clears. :name runs any action below; Tab completes.',
];

const helpCache = new WeakMap<readonly Action[], HelpLine[]>();

/** The help overlay's lines, flat, so the router can scroll them and the view window them. */
export function helpLines(actions: readonly Action[]): HelpLine[] {
  const cached = helpCache.get(actions);
  if (cached) return cached;
  const lines: HelpLine[] = [];
  for (const sec of helpSections(actions)) {
    lines.push({ kind: 'title', text: sec.title });
    for (const entry of sec.entries) lines.push({ kind: 'entry', entry });
  }
  lines.push({ kind: 'title', text: 'Legend' });
  for (const text of LEGEND) lines.push({ kind: 'text', text });
  helpCache.set(actions, lines);
  return lines;
}

/** The status bar's key hints: the focused panel's own actions first, enabled ones only. */
export function footerHints(actions: readonly Action[], s: CockpitState): string {
  const own = actions.filter((a) => a.hint && !a.overlay && Array.isArray(a.panels) && a.panels.includes(s.ui.focus));
  const global = actions.filter((a) => a.hint && !a.overlay && !Array.isArray(a.panels));
  return [...own, ...global]
    .filter((a) => disabledReason(a, s) === null)
    .map((a) => `${displayKey(a.keys[0] ?? '')} ${a.hint}`)
    .join('  ');
}

export interface Completion {
  /** Actions whose id or alias starts with what was typed (first word). */
  matches: Action[];
  /** The text after Tab: the longest common prefix of the matching names. */
  completed: string;
}

export function completeCommand(actions: readonly Action[], text: string): Completion {
  const word = text.trimStart();
  if (word.includes(' ')) {
    const a = findAction(actions, word.split(' ')[0] ?? '');
    return { matches: a ? [a] : [], completed: text };
  }
  const named = actions.flatMap((a) => [a.id, ...(a.aliases ?? [])].filter((n) => n.startsWith(word)).map((n) => ({ a, n })));
  const matches = [...new Set(named.map((x) => x.a))];
  if (named.length === 0) return { matches, completed: text };
  const names = named.map((x) => x.n);
  let prefix = names[0] ?? '';
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  // One action left: complete its id and leave room for arguments.
  const completed = matches.length === 1 && matches[0] ? `${matches[0].id} ` : prefix.length > word.length ? prefix : text;
  return { matches, completed };
}

/** `note the disk is full` -> { name: 'note', text: 'the disk is full' }. */
export function parseCommand(text: string): { name: string; text: string } {
  const t = text.trim().replace(/^:/, '');
  const i = t.search(/\s/);
  return i < 0 ? { name: t, text: '' } : { name: t.slice(0, i), text: t.slice(i + 1).trim() };
}

// ---- dispatcher --------------------------------------------------------------------------------

export interface Dispatcher {
  readonly actions: readonly Action[];
  readonly store: CockpitStore;
  readonly commands: CockpitCommands;
  find(name: string): Action | undefined;
  /**
   * Runs an action by id or alias, unless it is disabled (flashes why) or dangerous and not yet
   * confirmed (opens the confirm overlay). Never throws: failures are flashed and reported.
   */
  attempt(name: string, opts?: { args?: ActionArgs; confirmed?: boolean }): Promise<AttemptOutcome | null>;
  /** The operator declined a confirm step. */
  cancel(name: string): void;
}

export interface DispatcherOptions {
  store: CockpitStore;
  commands: CockpitCommands;
  actions?: readonly Action[];
  /** The audit hook: every attempt, including refused, disabled and cancelled ones. */
  onAttempt?: AttemptHook;
  pageRows?: (panel: PanelId) => number;
}

function errorText(e: unknown): string {
  return sanitize(e instanceof Error ? e.message : String(e), 200);
}

export function createDispatcher(opts: DispatcherOptions): Dispatcher {
  const { store, commands } = opts;
  const actions = opts.actions ?? ACTIONS;
  const pageRows = opts.pageRows ?? (() => 10);

  const report = (action: Action, outcome: AttemptOutcome, args?: ActionArgs) => {
    if (!opts.onAttempt) return;
    try {
      opts.onAttempt(action, outcome, { args, at: Date.now() });
    } catch (e) {
      // The audit trail failing must be seen, not swallowed.
      flash(store, `audit hook failed: ${errorText(e)}`, 'error');
    }
  };

  return {
    actions,
    store,
    commands,
    find: (name) => findAction(actions, name),
    async attempt(name, o = {}) {
      const action = findAction(actions, name);
      if (!action) {
        flash(store, `unknown command: ${sanitize(name, 40)} (? lists them)`, 'warn');
        return null;
      }
      const state = store.getState();
      const reason = disabledReason(action, state);
      if (reason !== null) {
        flash(store, `${action.title}: ${reason}`, 'warn');
        const outcome: AttemptOutcome = { status: 'disabled', reason };
        report(action, outcome, o.args);
        return outcome;
      }
      if (action.dangerous && !o.confirmed) {
        const prompt = action.confirmPrompt?.(state, o.args) ?? `${action.title}?`;
        // Asked from an overlay (the PIR editor): it comes back once answered.
        const back = state.ui.overlay;
        setUi(store, {
          overlay: { kind: 'confirm', actionId: action.id, prompt, ...(o.args ? { args: o.args } : {}), ...(back ? { back } : {}) },
        });
        const outcome: AttemptOutcome = { status: 'confirm-requested' };
        report(action, outcome, o.args);
        return outcome;
      }
      let outcome: AttemptOutcome;
      try {
        // Synchronous actions (moves, focus) update the store before the key handler returns.
        const ret = action.run({ store, commands, args: o.args, confirmed: o.confirmed ?? false, pageRows });
        const result = ret instanceof Promise ? await ret : ret;
        outcome = result && result.prompted ? { status: 'prompted' } : { status: 'done' };
      } catch (e) {
        flash(store, `${action.title} failed: ${errorText(e)}`, 'error');
        outcome = { status: 'failed', error: errorText(e) };
      }
      report(action, outcome, o.args);
      return outcome;
    },
    cancel(name) {
      const action = findAction(actions, name);
      setUi(store, { overlay: null });
      if (action) {
        flash(store, `${action.title}: cancelled`);
        report(action, { status: 'cancelled' }, undefined);
      }
    },
  };
}
