// Navigation and view bindings: moving between panels and rows, the filter, the `:` command
// line, the Enter menu, help, presentation mode, theme and repaint; showing the runbook for the
// selection; quitting.
import { sanitize } from '../../core/sanitize.js';
import { clampIndex, queueTrigger, rowCount, selectedIndex, selectedQueue, runbookFocus, selectedTrigger } from '../state/selectors.js';
import { FOLLOW_NEWEST, PANELS, PANEL_TITLES, type CockpitState, type CockpitStore, type PanelId } from '../state/store.js';
import { nextTheme } from '../state/theme.js';
import type { Binding, CockpitServices } from '../registry/types.js';
import { flash, panelsShown, setUi } from './common.js';

function moveSelection(store: CockpitStore, to: (current: number, count: number) => number): void {
  const s = store.getState();
  const panel = s.ui.focus;
  const n = rowCount(s, panel);
  if (n === 0) return;
  const next = clampIndex(to(Math.max(0, selectedIndex(s, panel)), n), n);
  // At the bottom of the timeline the selection follows new entries.
  const stored = panel === 'timeline' && next === n - 1 ? FOLLOW_NEWEST : next;
  // Moving through rows pins nothing: the runbook pane and the headline follow the most serious
  // trigger until the operator pins another with `r`.
  setUi(store, (ui) => ({ selected: { ...ui.selected, [panel]: stored } }));
}

function focusPanel(store: CockpitStore, panel: PanelId): void {
  setUi(store, { focus: panel });
}

const quitNeedsConfirm = (s: CockpitState) => s.incident?.state === 'open' || s.incident?.state === 'mitigated';

export function bindings({ commands }: CockpitServices): Binding[] {
  const panelFocus: Binding[] = PANELS.map((panel, i) => ({
    id: panel,
    keys: [String(i + 1)],
    title: `${PANEL_TITLES[panel]} panel`,
    description: `Focus the ${PANEL_TITLES[panel].toLowerCase()} panel.`,
    mutates: false,
    dangerous: false,
    group: 'navigate' as const,
    run: ({ store }) => focusPanel(store, panel),
  }));

  return [
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
    ...panelFocus,
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
      when: panelsShown,
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
      when: panelsShown,
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
      // The view changes: a message about the one left (`Replica lag zoomed`) goes with it.
      run: ({ store }) => setUi(store, (ui) => ({ presentation: !ui.presentation, flash: null })),
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
      run: () => commands.repaint(),
    },
    // runbook
    {
      id: 'show-runbook',
      keys: ['r'],
      title: 'Show runbook (pin)',
      description:
        "Pin the runbook pane and the presentation headline to the selected trigger (or the queue's firing trigger) instead of the most serious one; r on the pinned or the most serious trigger follows the most serious again.",
      panels: ['escalation', 'queues'],
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
        if (!t) return;
        const { top } = runbookFocus(s);
        // r on the pinned trigger, or on the most serious one, unpins: follow the most serious again.
        const unpin = t.key === s.ui.runbookTrigger || (t.key === top?.key && s.ui.runbookTrigger);
        const follow = unpin || t.key === top?.key;
        setUi(store, (ui) => ({ runbookTrigger: follow ? null : t.key, focus: 'runbook', selected: { ...ui.selected, runbook: 0 } }));
        flash(
          store,
          follow
            ? 'runbook follows the most serious trigger'
            : `runbook pinned to ${sanitize(t.target, 40)} ${sanitize(t.title, 60)} (r on it again follows the most serious)`,
        );
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
      run: ({ store, confirmed }) => {
        if (quitNeedsConfirm(store.getState()) && !confirmed) {
          setUi(store, { overlay: { kind: 'quit-confirm' } });
          return { prompted: true };
        }
        commands.quit();
      },
    },
  ];
}
