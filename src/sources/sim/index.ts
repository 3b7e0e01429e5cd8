// Public surface of the embedded simulation.
export { LsosSimulation, STEP_MS, type SimulationOptions, type AppliedEvent } from './simulation.js';
export { SimulationSource, toPatch, type SimulationSourceOptions } from './source.js';
export { loadScenario, parseScenario, listScenarios, workerHostnames, ScenarioError } from './scenario.js';
export type * from './scenario-types.js';
export type * from './controls.js';
export { isOnline, heartbeatExpiresAt, HEARTBEAT_FREQ_S, HEARTBEAT_EXPIRE_WINDOW } from './heartbeat.js';
export { classifyException } from './failure-classes.js';
export { parseDuration, formatDuration } from './duration.js';
export { Prng } from './prng.js';
export type { DeadLetterBucket } from './queue-model.js';
export { QUEUE_NAMES } from './catalog.js';
