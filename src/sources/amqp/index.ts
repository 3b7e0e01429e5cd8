// The RabbitMQ Celery source (see README-section.md for what it costs the broker).
export { RabbitMqSource, type RabbitMqSourceOptions, type RabbitQueueSnapshot, type RabbitSourceStats } from './rabbitSource.js';
export { RabbitMqUnreachableError } from './session.js';
export type { DeadLetterDetail } from './deadLetters.js';
export type { QueueStatus } from './queueProbe.js';
