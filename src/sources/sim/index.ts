// Public surface of the embedded simulation.
export { LsosSimulation, STEP_MS, type SimulationOptions, type AppliedEvent } from './simulation.js';
export { SimulationSource, toPatch, type SimulationSourceOptions } from './source.js';
export { loadScenario, parseScenario, listScenarios, workerHostnames, ScenarioError } from './scenario.js';
export type * from './scenario-types.js';
export type * from './controls.js';
export { isOnline, heartbeatExpiresAt, HEARTBEAT_FREQ_S } from './heartbeat.js';
export { Prng } from './prng.js';
export type { DeadLetterBucket } from './queue-model.js';
