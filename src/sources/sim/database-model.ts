// PostgreSQL in the model: connection use against max_connections, blocking queries, failed
// migrations, primary degradation, and streaming replicas whose replay can stall or be paused.

import type { BlockingQuery, DatabaseSnapshot, EpochMs } from '../../core/snapshot.js';
import type { Prng } from './prng.js';
import type { DatabaseSpec } from './scenario-types.js';

/** A replica catches up this many times faster than real time once replay resumes. */
const CATCH_UP_SPEED = 20;
/** Connection use follows its target with this time constant. */
const CONNECTION_SMOOTHING_MS = 15_000;
/** Blocked write-path queries give up this long after writes are frozen. */
const FROZEN_BLOCKING_CLEAR_MS = 30_000;

interface ReplicaState {
  name: string;
  baseLag: number;
  lag: number;
  stalled: boolean;
  paused: boolean;
}

export interface BlockingSource {
  since: EpochMs;
  count: number;
  query: string;
  /** First pid used for this group, so pids stay stable from snapshot to snapshot. */
  pidBase: number;
}

/** What the rest of the model tells the database about this step. */
export interface DatabaseInputs {
  primaryDegraded: string | null;
  primaryDown: boolean;
  writesFrozenSince: EpochMs | null;
  readTarget: string;
  /** Tasks executing now that write to the primary. */
  busyWriters: number;
  stalls: ReadonlyMap<string, { paused: boolean }>;
  blocking: readonly BlockingSource[];
}

export class DatabaseModel {
  private connections: number;
  private readonly replicas: ReplicaState[];
  failedMigrations: number;
  private inputs: DatabaseInputs | null = null;

  constructor(
    readonly spec: DatabaseSpec,
    private readonly lastBackupAt: EpochMs | null,
  ) {
    this.connections = spec.baseConnections;
    this.failedMigrations = spec.failedMigrations;
    this.replicas = spec.replicas.map((r) => ({ name: r.name, baseLag: r.lagSeconds, lag: r.lagSeconds, stalled: false, paused: false }));
  }

  hasReplica(name: string): boolean {
    return this.replicas.some((r) => r.name === name);
  }

  replicaNames(): string[] {
    return this.replicas.map((r) => r.name);
  }

  step(dtMs: number, now: EpochMs, inp: DatabaseInputs, prng: Prng): void {
    this.inputs = inp;
    const dt = dtMs / 1000;
    for (const r of this.replicas) {
      const stall = inp.stalls.get(r.name);
      // A down primary ships no WAL: every replica's replay timestamp stands still.
      r.stalled = stall !== undefined || inp.primaryDown;
      r.paused = stall?.paused ?? false;
      if (r.stalled) {
        r.lag += dt; // now() - pg_last_xact_replay_timestamp() grows with the clock
      } else if (r.lag > r.baseLag * 2) {
        r.lag = Math.max(r.baseLag, r.lag - dt * CATCH_UP_SPEED);
      } else {
        const load = inp.primaryDegraded ? 4 : 1;
        r.lag = r.baseLag * load * (0.8 + 0.4 * prng.next());
      }
    }
    const max = this.spec.maxConnections;
    const base = this.spec.baseConnections;
    let target = base + inp.busyWriters * 0.5 + (inp.readTarget === 'primary' ? base * 0.3 : 0) + this.blocking(now).length * 4;
    if (inp.primaryDegraded) target += (max - base) * 0.7; // slow queries hold their connections
    if (inp.writesFrozenSince !== null) target -= (target - base) * 0.5 + base * 0.2;
    target = Math.min(max, Math.max(0, target));
    const a = 1 - Math.exp(-dtMs / CONNECTION_SMOOTHING_MS);
    this.connections += (target - this.connections) * a + (prng.next() - 0.5);
    this.connections = Math.min(max, Math.max(0, this.connections));
  }

  private blocking(now: EpochMs): BlockingQuery[] {
    const inp = this.inputs;
    if (!inp || inp.primaryDown) return [];
    if (inp.writesFrozenSince !== null && now - inp.writesFrozenSince >= FROZEN_BLOCKING_CLEAR_MS) return [];
    const out: BlockingQuery[] = [];
    for (const b of inp.blocking) {
      for (let i = 0; i < b.count; i++) {
        out.push({
          blockedPid: b.pidBase + i + 1,
          blockingPid: b.pidBase,
          waitingSeconds: Math.max(0, Math.round((now - b.since) / 1000) - i),
          query: b.query.slice(0, 200),
        });
      }
    }
    return out;
  }

  snapshot(now: EpochMs): DatabaseSnapshot {
    const down = this.inputs?.primaryDown ?? false;
    return {
      primaryReachable: !down,
      connections: down ? 0 : Math.round(this.connections),
      maxConnections: this.spec.maxConnections,
      blocking: this.blocking(now),
      failedMigrations: this.failedMigrations,
      primaryDegraded: down ? 'primary unreachable' : (this.inputs?.primaryDegraded ?? null),
      replicas: this.replicas.map((r) => ({
        name: r.name,
        lagSeconds: Math.round(r.lag * 10) / 10,
        replayPaused: r.paused,
        seenFrom: 'simulated' as const,
        reachable: true,
      })),
      lastBackupAt: this.lastBackupAt,
    };
  }
}
