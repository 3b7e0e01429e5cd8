// Incident command (src/journal/shared, the war room's rule: one commander, handed over
// explicitly and recorded):
//   c   take command of the shared incident: `:take-command`
// Reaches the running cockpit through `services.sharing`; without it (the cockpit does not share
// incidents: the simulation, or no Redis) it is disabled and says so.
import { sanitize } from '../../core/sanitize.js';
import type { Binding, CockpitServices } from '../registry/types.js';
import type { CockpitState } from '../state/store.js';
import { flash, needsActiveIncident } from './common.js';

/** Why taking command cannot run now (null: it can). */
export function takeCommandBlocked(s: CockpitState, sharing: CockpitServices['sharing']): string | null {
  if (!sharing || !s.shared) return 'incidents are not shared on this cockpit (a simulation, or no Redis configured)';
  const none = needsActiveIncident(s);
  if (none) return none;
  if (s.shared.access === 'viewer') return 'a viewer (--readonly) cannot take command';
  const c = s.shared.commander;
  const me = s.shared.origin;
  if (c && c.user === me.user && c.host === me.host) return 'you are the incident commander';
  return null;
}

export function bindings({ sharing }: CockpitServices): Binding[] {
  return [
    {
      id: 'take-command',
      keys: ['c'],
      title: 'Take command',
      description:
        'Become the incident commander (recorded in the timeline, shown on every cockpit). The latest handover holds; the commander decides severity, assigns work and says when it is resolved.',
      aliases: ['ic'],
      mutates: true,
      dangerous: false,
      group: 'incident',
      hint: 'command',
      when: (s) => takeCommandBlocked(s, sharing),
      run: async ({ store }) => {
        if (!sharing) return;
        const before = store.getState().shared?.commander;
        await sharing.takeCommand();
        flash(store, `you are the incident commander${before ? ` (was ${sanitize(before.user, 40)}@${sanitize(before.host, 40)})` : ''}`);
      },
    },
  ];
}
