// A command (`lsos-cockpit act` from a shell) acting in a shared incident: it writes its entries
// into its own chain in the incident's directory like any cockpit (an origin of its own), and
// before it exits offers them to the incident's stream once, so every cockpit shows the action at
// once. No session, no lease, no presence: a command is not in the incident, it acts in it.
import type { EpochMs } from '../../core/snapshot.js';
import type { IncidentRecorder, RecorderSharing } from '../recorder.js';
import type { EntryOrigin } from './origin.js';
import { makeOrigin, storedForm } from './origin.js';
import { KEYS, sharedClient } from './redis.js';
import { localIncidentId } from './session.js';

/** The sharing policy of a command: its own origin; it records what it does (observing), opens locally. */
export function commandSharing(user: string): RecorderSharing & { origin: EntryOrigin } {
  return {
    origin: makeOrigin(user),
    access: 'operator',
    beforeOpen: (now: EpochMs) => ({ id: localIncidentId(now) }),
    observing: () => true,
  };
}

/**
 * Offers the command's own entries of the current incident to its stream when that incident is
 * registered in the environment (its stream exists, or it is the open one). Never throws; says what it did.
 */
export async function publishOwnEntries(
  url: string,
  recorder: IncidentRecorder,
  timeoutMs = 2000,
): Promise<'published' | 'nothing to send' | 'not shared' | 'unreachable'> {
  const log = recorder.sharedLog();
  const own = log?.ownEntries() ?? [];
  if (!log || own.length === 0) return 'nothing to send';
  const redis = sharedClient(url, 'lsos-cockpit-act');
  const work = (async () => {
    await redis.connect();
    const [open, exists] = await Promise.all([redis.get(KEYS.open), redis.exists(KEYS.stream(log.incidentId))]);
    if (open !== log.incidentId && exists === 0) return 'not shared' as const;
    const p = redis.pipeline();
    for (const e of own) p.xadd(KEYS.stream(log.incidentId), '*', 'e', JSON.stringify(storedForm(e)));
    const res = await p.exec();
    return res && res.every(([err]) => !err) ? ('published' as const) : ('unreachable' as const);
  })();
  const timeout = new Promise<'unreachable'>((r) => setTimeout(() => r('unreachable'), timeoutMs).unref());
  try {
    return await Promise.race([work.catch(() => 'unreachable' as const), timeout]);
  } finally {
    redis.disconnect();
  }
}
