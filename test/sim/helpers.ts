// Shared helpers for the simulation tests.
import type { QueueSnapshot, Snapshot, ProviderSnapshot } from '../../src/core/snapshot.js';
import { LsosSimulation } from '../../src/sources/sim/simulation.js';
import { loadScenario } from '../../src/sources/sim/scenario.js';

/** A fixed start (Monday 2025-01-06 09:00 UTC) so runs never depend on the wall clock. */
export const START = Date.UTC(2025, 0, 6, 9, 0, 0);

export function sim(name: string, seed?: number): LsosSimulation {
  return new LsosSimulation(loadScenario(name), { startAt: START, ...(seed === undefined ? {} : { seed }) });
}

/** Advance to `seconds` after the start and take a snapshot. */
export function at(s: LsosSimulation, seconds: number): Snapshot {
  s.advanceTo(s.startAt + seconds * 1000);
  return s.snapshot();
}

export function queue(snap: Snapshot, name: string): QueueSnapshot {
  const q = snap.queues.find((x) => x.name === name);
  if (!q) throw new Error(`no queue ${name} in snapshot`);
  return q;
}

export function provider(snap: Snapshot, name: string): ProviderSnapshot {
  const p = snap.providers.find((x) => x.name === name);
  if (!p) throw new Error(`no provider ${name} in snapshot`);
  return p;
}

export function failureRate(p: ProviderSnapshot): number {
  return p.requests === 0 ? 0 : p.failures / p.requests;
}
