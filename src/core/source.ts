// Small interfaces between the pure core and everything that does I/O.
import type { EpochMs, Snapshot } from './snapshot.js';

/** The cockpit's clock. In simulation mode it is the simulation's clock (it may run faster than real time). */
export interface Clock {
  now(): EpochMs;
}

export const systemClock: Clock = { now: () => Date.now() };

/** The part of a snapshot one source is responsible for. */
export type SnapshotPatch = Partial<Omit<Snapshot, 'sources' | 'at'>>;

/**
 * A data source: the simulation, a broker, PostgreSQL, the API. A scheduler calls read() on an
 * interval (never overlapping) and writes the patch to the store in one batched update.
 * read() rejects when the source is unreachable or answered garbage; the scheduler backs off.
 */
export interface Source {
  readonly name: string;
  read(signal: AbortSignal): Promise<SnapshotPatch>;
  close(): Promise<void>;
}
