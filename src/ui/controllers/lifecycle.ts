// The end of an incident's life on screen (src/core/lifecycle.ts): what resolving now would leave
// behind (the R question lists the triggers still firing and the mitigations still in force, and
// the answer is recorded with the resolution), and the reopen offer: within the reopen window
// after a resolve, O reopens the same incident (a trigger firing again never opens a new one
// silently; the footer shows "O reopen" while the offer stands).
import { DEFAULT_REOPEN_WINDOW_MS, reopenOffer, resolveNote, type ReopenOffer, type ResolveNote } from '../../core/lifecycle.js';
import { sanitize } from '../../core/sanitize.js';
import type { Binding, CockpitServices } from '../registry/types.js';
import type { CockpitState } from '../state/store.js';
import { flash } from './common.js';

/** What resolving now would leave behind: triggers firing, mitigations in force (as panel 7 reads them). */
export function resolveNoteOf(s: CockpitState): ResolveNote {
  const firing = s.triggers.filter((t) => t.firing).map((t) => ({ key: t.key, title: t.title, target: t.target }));
  const inForce = (s.mitigations?.inForce ?? []).map((m) => ({
    kind: m.kind,
    target: m.target,
    by: m.by,
    undo: m.undo,
    setIn: m.from === 'system' ? m.setIn : null,
    unconfirmed: m.unconfirmed,
  }));
  return resolveNote(firing, inForce);
}

/** The offer standing at `now`: the incident on screen resolved less than the window ago. */
export function reopenOfferOf(s: CockpitState, now: number): ReopenOffer | null {
  const i = s.incident;
  if (!i) return null;
  return reopenOffer(
    { id: i.id, state: i.state, resolvedAt: i.resolvedAt ?? null },
    now,
    s.session.reopenWindowMs ?? DEFAULT_REOPEN_WINDOW_MS,
  );
}

const firingOf = (s: CockpitState) => s.triggers.filter((t) => t.firing);

export function bindings({ commands, clock }: CockpitServices): Binding[] {
  return [
    {
      id: 'reopen',
      keys: ['O'],
      title: 'Reopen incident',
      description:
        'Reopen the incident just resolved, within the reopen window after its resolve (config reopenWindowMs, default 30 min): a trigger firing again is the same incident coming back. Asks to confirm; recorded in its timeline.',
      aliases: ['reopen-incident'],
      mutates: true,
      dangerous: true,
      group: 'incident',
      hint: 'reopen',
      when: (s) => {
        if (!commands.reopenIncident) return 'this cockpit cannot reopen incidents';
        if (s.incident === null) return 'no incident to reopen';
        if (s.incident.state !== 'resolved') return `incident ${sanitize(s.incident.id, 60)} is ${s.incident.state}`;
        if (!reopenOfferOf(s, clock.now())) return `the reopen window of ${sanitize(s.incident.id, 60)} has passed: I opens a new incident`;
        return firingOf(s).length === 0 ? 'no trigger fires: nothing to reopen for' : null;
      },
      confirmPrompt: (s) => {
        const firing = firingOf(s);
        const names = firing
          .slice(0, 3)
          .map((t) => `${t.title} on ${t.target}`)
          .join(', ');
        return `Reopen ${sanitize(s.incident?.id ?? '', 60)}? Still firing: ${sanitize(names, 200)}${firing.length > 3 ? ` and ${firing.length - 3} more` : ''}`;
      },
      run: async ({ store }) => {
        const s = store.getState();
        const firing = firingOf(s);
        const reason = `reopened by the operator: ${firing.map((t) => `${t.title} on ${t.target}`).join(', ') || 'the incident is back'}`;
        await commands.reopenIncident?.(sanitize(reason, 400));
        flash(store, `incident ${sanitize(s.incident?.id ?? '', 60)} reopened`, 'warn');
      },
    },
  ];
}
