export { PostgresSource, type PostgresSourceOptions } from './source.js';
export { createReadOnlyPool, sessionUrl, serverLabel, APPLICATION_NAME } from './pool.js';
export { combineReplicas, primarySideLag } from './combine.js';
export { replicaSideLag, type ReplicaReading } from './replica.js';
