// Small interfaces between the pure core and everything that does I/O.
import type { EpochMs, Snapshot, SourceEndpoint } from './snapshot.js';

/** The cockpit's clock. In simulation mode it is the simulation's clock (it may run faster than real time). */
export interface Clock {
  now(): EpochMs;
}

export const systemClock: Clock = { now: () => Date.now() };

/** The part of a snapshot one source is responsible for. */
export type SnapshotPatch = Partial<Omit<Snapshot, 'sources' | 'at'>>;

/** A top-level part of the snapshot that one source owns (the store keeps `sources` and `at` itself). */
export type SnapshotSlice = keyof SnapshotPatch;

// Every slice once (a slice added to Snapshot and missing here does not compile): patches are
// checked key by key at run time.
const SLICES: Record<SnapshotSlice, true> = {
  simulated: true,
  scenario: true,
  queues: true,
  workers: true,
  database: true,
  reporting: true,
  providers: true,
  api: true,
  signals: true,
};
export const SNAPSHOT_SLICES = Object.keys(SLICES) as readonly SnapshotSlice[];

export function isSnapshotSlice(key: string): key is SnapshotSlice {
  return Object.hasOwn(SLICES, key);
}

/**
 * A data source: the simulation, a broker, PostgreSQL, the API. A scheduler calls read() on an
 * interval (never overlapping) and writes the patch to the store in one batched update.
 * read() rejects when the source is unreachable or answered garbage; the scheduler backs off.
 */
export interface Source {
  readonly name: string;
  /**
   * The parts of the snapshot this source writes, and no other source does (queues come from one
   * broker, the database from PostgreSQL). The store refuses a patch with anything else in it.
   */
  readonly owns: readonly SnapshotSlice[];
  read(signal: AbortSignal): Promise<SnapshotPatch>;
  /**
   * A reading can arrive and still say the source's own server is gone (the PostgreSQL primary is
   * down while its replicas answer): then the reason, and the source shows as unreachable while
   * the figures it did get are still used. Absent or null: reachable.
   */
  unreachableIn?(patch: SnapshotPatch): string | null;
  /**
   * Where the source read from just now, when that can change (a Sentinel broker's master, a
   * node of a failover list): the status line shows it and a change is recorded. Absent or null:
   * one fixed server, nothing to show.
   */
  endpoint?(): SourceEndpoint | null;
  close(): Promise<void>;
}
