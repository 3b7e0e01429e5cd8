// Incident bindings: open an incident, add a note, decide the severity, mark it mitigated or
// resolved, and tick runbook procedure steps; each writes to the incident record through the
// runtime's commands.
import { SEVERITIES, type Severity } from '../../core/escalation.js';
import type { PagePreview, PagingCommands } from '../../control/paging/controller.js';
import { sanitize } from '../../core/sanitize.js';
import { campaignsIn, parseSignalKind, SIGNAL_DEFAULT_SEVERITY, type Signal } from '../../core/signals.js';
import { decidedSeverity, selectedRunbookRow, stepsDone, topFiringTrigger } from '../state/selectors.js';
import type { Binding, CockpitServices } from '../registry/types.js';
import { flash, needsActiveIncident, needsIncident, setUi } from './common.js';
import { resolveNoteOf } from './lifecycle.js';
import { resolvePrompt } from '../../core/lifecycle.js';

/** Accepts `SEV-2`, `sev2`, `2`. */
export function parseSeverity(text: string): Severity | null {
  const m = /^(?:sev-?)?([123])$/i.exec(text.trim());
  return m ? (`SEV-${m[1]}` as Severity) : null;
}

/** `:declare` text: `cross-tenant|corruption [SEV-n] reason`; null when the kind or the reason is missing. */
export function parseDeclaration(text: string): { kind: Signal['kind']; severity: Severity; reason: string } | null {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const kind = parseSignalKind(words[0] ?? '');
  if (!kind) return null;
  const sev = parseSeverity(words[1] ?? '');
  const reason = words.slice(sev ? 2 : 1).join(' ');
  if (reason === '') return null;
  return { kind, severity: sev ?? SIGNAL_DEFAULT_SEVERITY[kind], reason };
}

/** Whom each severity would page if decided now (the severity dialog shows it before confirming). */
export function pagePreviews(paging: PagingCommands | undefined, modules: readonly string[]): Record<Severity, PagePreview> {
  const off: PagePreview = {
    mode: 'record-only',
    targets: [],
    already: [],
    unresolved: [],
    none: 'paging is not running in this session: nobody will be paged; page by hand (runbook 7)',
  };
  return Object.fromEntries(SEVERITIES.map((sev) => [sev, paging?.wouldPage ? paging.wouldPage(sev, modules) : off])) as Record<
    Severity,
    PagePreview
  >;
}

const DECLARE_LABEL = 'Declare a signal: cross-tenant|corruption [SEV-n] what was seen (name the cmp-… campaigns)';

export function bindings({ commands, paging }: CockpitServices): Binding[] {
  return [
    {
      id: 'declare',
      keys: [],
      title: 'Declare a signal',
      description:
        'A security or integrity signal no threshold measures: :declare cross-tenant|corruption [SEV-n] <what was seen>. It fires as a trigger and opens an incident at the matrix severity (cross-tenant risk SEV-1, corruption SEV-2 unless given); the cmp-… ids named are its campaigns.',
      aliases: ['signal'],
      mutates: true,
      dangerous: false,
      group: 'incident',
      run: ({ store, args }) => {
        const text = args?.text?.trim() ?? '';
        const d = parseDeclaration(text);
        if (!d) {
          setUi(store, {
            overlay: {
              kind: 'prompt',
              actionId: 'declare',
              label: DECLARE_LABEL,
              text,
              ...(text === '' ? {} : { error: 'start with cross-tenant or corruption, then (optionally SEV-n and) what was seen' }),
            },
          });
          return { prompted: true };
        }
        const s = store.getState();
        const n = s.raisedSignals.filter((x) => x.id.startsWith('declared-')).length + 1;
        const at = s.snapshot.at;
        const reason = sanitize(d.reason, 300);
        s.raiseSignal(
          {
            id: `declared-${n}`,
            kind: d.kind,
            severity: d.severity,
            detail: reason,
            campaigns: campaignsIn(reason),
            evidence: [reason],
            raisedBy: `declared by ${s.session.operator}`,
            raisedAt: at,
            active: true,
          },
          at,
        );
        flash(store, `${d.kind} declared (${d.severity}): the incident records it`);
      },
    },
    {
      id: 'tick',
      keys: ['x', 'space'],
      title: 'Tick step',
      description: 'Tick (or untick) the selected procedure step as done, in the incident record.',
      panels: ['runbook'],
      mutates: true,
      dangerous: false,
      group: 'runbook',
      hint: 'tick',
      when: (s) => needsActiveIncident(s) ?? (selectedRunbookRow(s) ? null : 'no step selected'),
      run: async ({ store }) => {
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
      run: async ({ store, args }) => {
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
      run: async ({ store, args }) => {
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
      usage: 'SEV-1|SEV-2|SEV-3 <reason>',
      complete: (_s, before) => (before.length === 0 ? ['SEV-1', 'SEV-2', 'SEV-3'] : []),
      mutates: true,
      dangerous: false,
      group: 'incident',
      hint: 'severity',
      run: async ({ store, args }) => {
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
          const pre = severity ?? decidedSeverity(s)?.severity ?? s.suggestion.severity ?? 'SEV-3';
          // Who each choice pages, read now from the roster and the matrix, shown before confirming.
          const pages = pagePreviews(paging, s.suggestion.modules);
          setUi(store, {
            overlay: severity
              ? { kind: 'severity', step: 'reason', severity, reason: '', pages }
              : { kind: 'severity', step: 'pick', severity: pre, reason: '', pages },
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
      run: async ({ store }) => {
        await commands.setIncidentState('mitigated');
        flash(store, 'incident marked mitigated');
      },
    },
    {
      id: 'resolved',
      keys: ['R'],
      title: 'Mark resolved',
      description:
        'Mark the incident resolved (asks to confirm). The question lists the triggers still firing and the mitigations still in force; resolving anyway is recorded with them.',
      aliases: ['resolve'],
      mutates: true,
      dangerous: true,
      group: 'incident',
      when: needsActiveIncident,
      confirmPrompt: (s) => resolvePrompt(sanitize(s.incident?.id ?? '', 60), resolveNoteOf(s)),
      run: async ({ store }) => {
        // What still fires or holds now (as asked): recorded with the resolution.
        const note = resolveNoteOf(store.getState());
        await commands.setIncidentState('resolved', note);
        const left = note.stillFiring.length + note.stillInForce.length;
        flash(
          store,
          left === 0
            ? 'incident marked resolved'
            : `incident marked resolved with ${note.stillFiring.length} trigger(s) firing and ${note.stillInForce.length} mitigation(s) in force (recorded)${note.stillFiring.length ? ': O reopens it' : ''}`,
          left === 0 ? 'info' : 'warn',
        );
      },
    },
  ];
}
