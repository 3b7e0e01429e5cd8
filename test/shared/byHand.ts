// Two cockpits of one shared incident without Redis, for tests of what each keeps: alice's opens
// it (she observes the sources), bob's joins; entries cross only when the test carries them
// (ownOf, then ingest), as the replicator would.
import type { Clock } from '../../src/core/source.js';
import type { TimelineEntry } from '../../src/core/timeline.js';
import { IncidentRecorder, type RecorderSharing } from '../../src/journal/recorder.js';
import { makeOrigin, storedForm } from '../../src/journal/shared/origin.js';
import { queueLagTrigger } from '../timeline/helpers.js';

/** What a cockpit sends the others: its own chain's entries (stored form). */
export function ownOf(r: IncidentRecorder): TimelineEntry[] {
  return [...(r.sharedLog()?.ownEntries() ?? [])].map(storedForm);
}

export function twoCockpitsByHand(dirA: string, dirB: string, clock: Clock, id = 'INC-20261128-0412') {
  const state = { open: null as string | null, observer: '' };
  const sharing = (user: string): RecorderSharing => {
    const origin = makeOrigin(user, { host: 'bastion-1' });
    return {
      origin,
      access: 'operator',
      beforeOpen: () => (state.open ? { join: state.open } : { id }),
      observing: () => state.observer === origin.instance,
    };
  };
  const [sa, sb] = [sharing('alice'), sharing('bob')];
  state.observer = sa.origin.instance;
  const a = new IncidentRecorder({ stateDir: dirA, clock, operator: 'alice', sharing: sa });
  const b = new IncidentRecorder({ stateDir: dirB, clock, operator: 'bob', sharing: sb });
  a.onTriggerFired(queueLagTrigger());
  state.open = id;
  b.joinShared(id, ownOf(a));
  return { a, b, id };
}
