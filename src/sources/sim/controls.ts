// What a mitigation control did to the model, so the caller can show it and record it in the
// incident timeline. Controls never throw for an operator mistake (unknown task, bad number):
// they answer ok: false with the reason.

import type { EpochMs } from '../../core/snapshot.js';

export type ControlName =
  | 'pauseTask'
  | 'resumeTask'
  | 'setProviderState'
  | 'setActiveProvider'
  | 'setProviderConcurrency'
  | 'setPacing'
  | 'freezeWrites'
  | 'setWorkerConcurrency'
  | 'setConsuming'
  | 'scaleWorkers'
  | 'setReadTarget'
  | 'enqueue'
  | 'replayDeadLetters'
  | 'deployFix';

export type ControlValue = string | number | boolean | null;

export interface ControlResult {
  control: ControlName;
  /** What it acted on: a task, pool, hostname, queue or replica. */
  target: string;
  ok: boolean;
  /** False when the model was already in the asked state (or ok is false). */
  changed: boolean;
  before: ControlValue;
  after: ControlValue;
  /** One line for the operator. */
  detail: string;
  /** Simulated time it took effect. */
  at: EpochMs;
}

export interface ScaleResult extends ControlResult {
  added: string[];
  removed: string[];
}

export interface ReplayResult extends ControlResult {
  /** Dead letters moved from `Q.dead` back to `Q`. */
  moved: number;
}

export type PacingProfile = 'normal' | 'conservative';

/** Current values of the control flags (contract section 6) and of Celery-side settings. */
export interface ControlState {
  paused: { task: string; until: EpochMs | null }[];
  providers: { pool: string; state: 'healthy' | 'quarantined'; concurrency: number }[];
  activeProvider: string;
  pacing: PacingProfile;
  writesFrozen: boolean;
  readTarget: string;
}
