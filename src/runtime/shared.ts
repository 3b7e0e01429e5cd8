// Wiring of the shared incident (src/journal/shared) into the running cockpit: which Redis, who
// this cockpit is (operator or viewer), the session's view into the store for the escalation
// panel, and what the observing cockpit records when it takes over.
import * as path from 'node:path';
import type { LoadedConfig } from '../config/index.js';
import { triggerDetailsOf, type IncidentRecorder } from '../journal/recorder.js';
import { makeOrigin } from '../journal/shared/origin.js';
import type { SharedSession, Access } from '../journal/shared/session.js';
import type { CockpitStore } from '../ui/state/store.js';

/** Simulation incidents live apart from live ones, never in the live store (issue 13 item 6). */
export const SIMULATION_SUBDIR = 'simulation';

/** Where this session's journals go: the state directory, or its `simulation/` store for practice. */
export function journalDir(stateDir: string, simulation: boolean): string {
  return simulation ? path.join(stateDir, SIMULATION_SUBDIR) : stateDir;
}

/** The Redis every cockpit of this LSOS shares: the control flags' Redis, else the broker's; null without one. */
export function sharedRedisOf(config: LoadedConfig['config']): string | null {
  return config.sources.controlFlags?.url ?? config.sources.redis?.url ?? null;
}

/**
 * The shared session of a live cockpit (null in a simulation, or without any Redis). A
 * `--readonly` cockpit (the war-room screen) is a viewer. Its module (and ioredis) is imported
 * only when there is one: the simulation never loads them (start-up, docs/performance.md).
 */
export async function openSharedSession(opts: {
  config: LoadedConfig['config'];
  simulation: boolean;
  operator: string;
  readonly: boolean;
  role?: string;
  env?: NodeJS.ProcessEnv;
}): Promise<SharedSession | null> {
  if (opts.simulation) return null;
  const url = sharedRedisOf(opts.config);
  if (url === null || opts.env?.LSOS_COCKPIT_SHARED === '0') return null;
  const access: Access = opts.readonly ? 'viewer' : 'operator';
  const { SharedSession } = await import('../journal/shared/session.js');
  return new SharedSession({
    url,
    stateDir: opts.config.stateDir,
    origin: makeOrigin(opts.operator),
    access,
    role: opts.role ?? 'on-call engineer',
  });
}

/** Publishes the session's view into `state.shared`, now and on every change. Returns a function that stops it. */
export function publishShared(store: CockpitStore, session: SharedSession): () => void {
  store.setState({ shared: session.view() });
  return session.onChange((view) => store.setState({ shared: view }));
}

/**
 * This cockpit just became the one that records what the sources show: what its store shows
 * firing and the incident does not (or the reverse) is recorded now, so nothing fired or cleared
 * while nobody observed (the previous observer died) is lost.
 */
export function reconcileObservations(store: CockpitStore, recorder: IncidentRecorder): void {
  const s = store.getState();
  const v = recorder.view();
  try {
    for (const t of s.triggers) {
      const active = v?.activeTriggers.some((a) => a.triggerKey === t.kind && a.target === t.target) ?? false;
      if (t.firing && !active) recorder.onTriggerFired(triggerDetailsOf(t));
    }
    const after = recorder.view();
    if (after && after.state !== 'resolved') {
      for (const a of after.activeTriggers) {
        const t = s.triggers.find((x) => x.kind === a.triggerKey && x.target === a.target);
        if (t && !t.firing) recorder.onTriggerCleared(triggerDetailsOf(t));
      }
    }
  } catch (err) {
    s.flash(`timeline: could not record what the sources show (${err instanceof Error ? err.message : String(err)})`, 'error');
  }
}
