// The simulation as a cockpit data source: each read() advances the model by the real time
// elapsed since the last read, times `speed`, in fixed internal steps, and returns the whole
// snapshot as the patch.

import type { Snapshot } from '../../core/snapshot.js';
import { SNAPSHOT_SLICES, type Clock, type SnapshotPatch, type SnapshotSlice, type Source } from '../../core/source.js';
import { STEP_MS, type LsosSimulation } from './simulation.js';

export interface SimulationSourceOptions {
  /** Simulated time runs this many times faster than real time (default 1). */
  speed?: number;
  /** Internal simulated step, ms (default 250). */
  stepMs?: number;
  /** Real time, injectable for tests (default Date.now). */
  realNow?: () => number;
  /** Most simulated time one read may catch up (after a laptop sleep, say), ms. Default 1 h. */
  maxCatchUpMs?: number;
  name?: string;
}

export class SimulationSource implements Source {
  readonly name: string;
  /** The embedded model of LSOS stands in for every live source at once. */
  readonly owns: readonly SnapshotSlice[] = SNAPSHOT_SLICES;
  private readonly speed: number;
  private readonly stepMs: number;
  private readonly realNow: () => number;
  private readonly maxCatchUpMs: number;
  private lastReal: number;
  /** Simulated time owed but smaller than one step: carried to the next read. */
  private carryMs = 0;
  private closed = false;

  constructor(
    readonly simulation: LsosSimulation,
    opts: SimulationSourceOptions = {},
  ) {
    this.name = opts.name ?? 'simulation';
    this.speed = opts.speed ?? 1;
    this.stepMs = opts.stepMs ?? STEP_MS;
    this.realNow = opts.realNow ?? Date.now;
    this.maxCatchUpMs = opts.maxCatchUpMs ?? 3_600_000;
    if (!(this.speed > 0) || !Number.isFinite(this.speed)) throw new RangeError(`speed must be > 0, got ${opts.speed}`);
    if (!(this.stepMs > 0)) throw new RangeError(`stepMs must be > 0, got ${opts.stepMs}`);
    this.lastReal = this.realNow();
  }

  /** The simulation's clock: the cockpit's clock in simulation mode. */
  get clock(): Clock {
    return this.simulation.clock;
  }

  async read(signal: AbortSignal): Promise<SnapshotPatch> {
    if (this.closed) throw new Error('simulation source is closed');
    signal.throwIfAborted();
    const real = this.realNow();
    const owed = Math.min(this.maxCatchUpMs, Math.max(0, real - this.lastReal) * this.speed + this.carryMs);
    this.lastReal = real;
    const steps = Math.floor(owed / this.stepMs);
    this.carryMs = owed - steps * this.stepMs;
    for (let i = 0; i < steps; i++) {
      this.simulation.step(this.stepMs);
      // Long catch-ups yield to an abort between steps rather than finishing regardless.
      if ((i & 1023) === 1023) signal.throwIfAborted();
    }
    return toPatch(this.simulation.snapshot());
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A snapshot as a patch: everything but `at` and `sources`, which the store owns. */
export function toPatch(s: Snapshot): SnapshotPatch {
  const { at: _at, sources: _sources, ...rest } = s;
  return { ...rest, simulated: true };
}
