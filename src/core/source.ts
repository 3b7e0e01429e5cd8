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
  /**
   * A reading can arrive and still say the source's own server is gone (the PostgreSQL primary is
   * down while its replicas answer): then the reason, and the source shows as unreachable while
   * the figures it did get are still used. Absent or null: reachable.
   */
  unreachableIn?(patch: SnapshotPatch): string | null;
  close(): Promise<void>;
}
