// LSOS's queues and modules, as the LSOS contract fixes them (shared/docs/lsos-contract.md,
// sections 1 and 3). Every part of the cockpit that needs the queue list, a queue's module or a
// dead-letter queue's name takes it from here. Every name is a default the config can override.

/** Contract section 1: the work queues, in the contract's order. */
export const LSOS_QUEUES = ['crawl', 'rank', 'reviews', 'reporting', 'reporting.retry', 'email', 'celery'] as const;
export type LsosQueue = (typeof LSOS_QUEUES)[number];

/** The LSOS modules that have an owner to page (runbook 7); `api` is the public API. */
export const LSOS_MODULES = ['crawl', 'rank', 'reviews', 'reporting', 'email', 'database', 'api'] as const;
export type LsosModule = (typeof LSOS_MODULES)[number];

/** What is affected when no module owns it: unrouted work, a cross-tenant risk. */
export const PLATFORM = 'platform';

export function isLsosModule(v: unknown): v is LsosModule {
  return typeof v === 'string' && (LSOS_MODULES as readonly string[]).includes(v);
}

/** Contract section 1, "module" column: whose work a queue carries (`celery` is anything unrouted). */
const QUEUE_MODULE: Record<LsosQueue, LsosModule | typeof PLATFORM> = {
  crawl: 'crawl',
  rank: 'rank',
  reviews: 'reviews',
  reporting: 'reporting',
  'reporting.retry': 'reporting',
  email: 'email',
  celery: PLATFORM,
};

/** The module a queue's work belongs to; a queue the contract does not name belongs to the platform. */
export function moduleOfQueue(queue: string): LsosModule | typeof PLATFORM {
  return Object.hasOwn(QUEUE_MODULE, queue) ? QUEUE_MODULE[queue as LsosQueue] : PLATFORM;
}

/** Contract section 3: the dead letters of queue `Q` are in `Q.dead` (a RabbitMQ queue or a Redis list). */
const DEAD_SUFFIX = '.dead';

export function deadLetterQueueOf(queue: string): string {
  return `${queue}${DEAD_SUFFIX}`;
}

export function isDeadLetterQueue(name: string): boolean {
  return name.endsWith(DEAD_SUFFIX);
}

/** The work queue a dead-letter queue belongs to; any other name is returned as it is. */
export function workQueueOf(name: string): string {
  return isDeadLetterQueue(name) ? name.slice(0, -DEAD_SUFFIX.length) : name;
}

/** Contract section 1: `Q.retry` is the isolated retry lane of `Q` (it runs the same tasks). */
export function retryLaneOf(queue: string): string {
  return `${queue}.retry`;
}

/** A queue can run a task when it is the task's home queue or that queue's retry lane. */
export function isLaneFor(queue: string, home: string): boolean {
  return queue === home || queue === retryLaneOf(home);
}
