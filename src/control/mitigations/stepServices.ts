// What the owner-notice and read-failover mitigations need beyond the MitigationBackend: the
// month's completeness (one read-only query), the incident's journal (who was already told),
// `lsos:db:read_target`, and the replicas as the store's snapshot has them. The composition root
// attaches them to the session's backend (attachStepServices); a mitigation finds them through
// ctx.backend, so the static catalogue stays data and each session keeps its own.
import type { Redis } from 'ioredis';
import type { CompletenessReport } from '../../core/completeness.js';
import type { FailureClass, ReplicaSnapshot } from '../../core/snapshot.js';
import type { TimelineEntry } from '../../core/timeline.js';
import type { LsosSimulation } from '../../sources/sim/simulation.js';
import type { MitigationBackend, StepResult, TaskOutcomesAt } from './backend.js';
import { flagKeys } from './flags.js';

/** `lsos:db:read_target` (contract section 6): a replica's name or `primary`; null: not set. */
export interface ReadTargetControl {
  get(): Promise<string | null>;
  /** null deletes the key (LSOS then uses its own default). */
  set(target: string | null): Promise<StepResult>;
}

export interface ReplicaChoiceInput {
  replicas: readonly ReplicaSnapshot[];
  primaryReachable: boolean;
  /** Replica lag above this (seconds) is not healthy (the replica-lag trigger's threshold). */
  thresholdSeconds: number;
  /** When the figures were read (epoch ms). */
  at: number;
}

export interface StepServices {
  completeness?(q: { month: string; campaigns: readonly string[] | null }): Promise<CompletenessReport>;
  /** The current incident's journal entries (empty when none is open). */
  journal?(): readonly TimelineEntry[];
  readTarget?: ReadTargetControl;
  replicas?(): ReplicaChoiceInput;
  /** The replay guard's evidence: task outcomes the events showed (the store's queues) as of their read; null: no events read. */
  taskOutcomes?(): TaskOutcomesAt | null;
  /** The replay guard's quiet period (config `replayQuietPeriodMs`). */
  replayQuietPeriodMs?: number;
  /** Exception class name -> failure class, as the config's rules say (dead letters' `lsos_exc_type`). */
  classify?(exc: string): FailureClass;
}

const services = new WeakMap<MitigationBackend, StepServices>();

export function attachStepServices(backend: MitigationBackend, s: StepServices): void {
  services.set(backend, { ...(services.get(backend) ?? {}), ...s });
}

export function stepServices(backend: MitigationBackend): StepServices {
  return services.get(backend) ?? {};
}

const READ_TARGET = /^[A-Za-z0-9_.:@-]{1,63}$/;

/** The flag on Redis db 0 (the flags client the LiveBackend uses). */
export function redisReadTarget(flags: Redis): ReadTargetControl {
  const key = flagKeys.readTarget;
  return {
    async get() {
      const v = await flags.get(key);
      return v !== null && READ_TARGET.test(v) ? v : v === null ? null : `(malformed: ${v.slice(0, 40)})`;
    },
    async set(target) {
      try {
        if (target === null) {
          await flags.del(key);
          return { ok: true, target: key, detail: `${key} deleted` };
        }
        if (!READ_TARGET.test(target)) return { ok: false, target: key, detail: `${key}: "${target.slice(0, 40)}" is not a replica name` };
        await flags.set(key, target);
        return { ok: true, target: key, detail: `${key} = ${target}` };
      } catch (e) {
        return { ok: false, target: key, detail: `${key}: ${e instanceof Error ? e.message : String(e)}` };
      }
    },
  };
}

/** The embedded model's read target (every result marked SIMULATED). */
export function simulationReadTarget(sim: LsosSimulation): ReadTargetControl {
  return {
    async get() {
      return sim.controlState().readTarget ?? null;
    },
    async set(target) {
      const r = sim.setReadTarget(target ?? 'primary');
      return { ok: r.ok, target: r.target, detail: `SIMULATED: ${r.detail}` };
    },
  };
}

/**
 * The step services a session needs, the same for the cockpit and `lsos-cockpit act`: the
 * incident's journal, the replicas as last seen, `lsos:db:read_target` (the model's in the
 * simulation, Redis db 0 live) and the completeness query when PostgreSQL is configured.
 */
export function attachSessionServices(
  session: { backend: MitigationBackend; flags: Redis | null },
  o: {
    simulation: LsosSimulation | null;
    journal: () => readonly TimelineEntry[];
    replicas: () => ReplicaChoiceInput;
    completeness?: StepServices['completeness'];
    taskOutcomes?: StepServices['taskOutcomes'];
  },
): void {
  const readTarget = o.simulation ? simulationReadTarget(o.simulation) : session.flags ? redisReadTarget(session.flags) : null;
  attachStepServices(session.backend, {
    journal: o.journal,
    replicas: o.replicas,
    ...(readTarget ? { readTarget } : {}),
    ...(o.completeness ? { completeness: o.completeness } : {}),
    ...(o.taskOutcomes ? { taskOutcomes: o.taskOutcomes } : {}),
  });
}
