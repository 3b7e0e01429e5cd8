// Durations in the config file: a number (in the key's unit) or a string with units.
export { parseDurationMs } from '../core/duration.js';
