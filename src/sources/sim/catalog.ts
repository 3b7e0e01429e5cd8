// The default LSOS topology (contract section 1): queues, tasks, worker pools, SERP provider
// pools and the database. A scenario only states what differs; these defaults are a healthy day.

import { FAILURE_CLASSES, type FailureClass } from '../../core/snapshot.js';
import { LSOS_QUEUES } from '../../domain/queues.js';
import { DEFAULT_EXCEPTIONS } from './failure-classes.js';
import type { DatabaseSpec, ProviderPoolSpec, QueueSpec, TaskSpec, WorkerPoolSpec } from './scenario-types.js';

function failure(p: Partial<Record<FailureClass, number>>): Record<FailureClass, number> {
  const out = {} as Record<FailureClass, number>;
  for (const c of FAILURE_CLASSES) out[c] = p[c] ?? 0;
  return out;
}

function exceptions(p: Partial<Record<FailureClass, string[]>> = {}): Record<FailureClass, string[]> {
  const out = {} as Record<FailureClass, string[]>;
  for (const c of FAILURE_CLASSES) out[c] = p[c] ?? [...DEFAULT_EXCEPTIONS[c]];
  return out;
}

export type TaskDefaults = Omit<TaskSpec, 'failure' | 'exceptions' | 'usesProvider' | 'paced' | 'writes' | 'then' | 'report'> &
  Partial<Pick<TaskSpec, 'usesProvider' | 'paced' | 'writes' | 'then' | 'report'>> & {
    failure?: Partial<Record<FailureClass, number>>;
    exceptions?: Partial<Record<FailureClass, string[]>>;
  };

/** A task spec with the defaults filled in. */
export function makeTask(d: TaskDefaults): TaskSpec {
  return {
    usesProvider: false,
    paced: false,
    writes: 'none',
    then: null,
    report: 'none',
    ...d,
    failure: failure(d.failure ?? {}),
    exceptions: exceptions(d.exceptions),
  };
}

export function defaultQueues(): QueueSpec[] {
  // Baselines sit a little above what the default failure rates dead-letter in a quiet hour.
  const baseline: Record<string, number> = {
    crawl: 20,
    rank: 4,
    reviews: 15,
    reporting: 6,
    'reporting.retry': 1,
    email: 2,
    celery: 2,
  };
  const stamped: Record<string, number> = { celery: 0.6 }; // unrouted legacy producers often lack the signal
  return LSOS_QUEUES.map((name) => ({
    name,
    stampedShare: stamped[name] ?? 1,
    deadLetterBaselinePerHour: baseline[name] ?? null,
    deadLetters: 0,
    backlog: null,
  }));
}

export function defaultTasks(): TaskSpec[] {
  return [
    makeTask({
      name: 'crawl.fetch_page',
      queue: 'crawl',
      ratePerMinute: 600,
      durationMs: 1500,
      maxRetries: 3,
      failure: { transient: 0.02, validation: 0.0003 },
      paced: true,
      writes: 'non-critical',
      exceptions: { transient: ['TimeoutError', 'ConnectionError', 'ReadTimeout'] },
    }),
    makeTask({
      name: 'rank.check_serp',
      queue: 'rank',
      ratePerMinute: 480,
      durationMs: 2000,
      maxRetries: 3,
      failure: { transient: 0.005 },
      usesProvider: true,
      paced: true,
      writes: 'critical',
      exceptions: { parser: ['SerpParseError'] },
    }),
    makeTask({
      name: 'reviews.sync_reviews',
      queue: 'reviews',
      ratePerMinute: 240,
      durationMs: 1200,
      maxRetries: 3,
      failure: { transient: 0.01, validation: 0.0006 },
      writes: 'non-critical',
      exceptions: { parser: ['ReviewParseError', 'JSONDecodeError'] },
    }),
    makeTask({
      name: 'reporting.aggregate_kpis',
      queue: 'reporting',
      ratePerMinute: 30,
      durationMs: 3000,
      maxRetries: 2,
      failure: { transient: 0.005, validation: 0.001 },
      writes: 'critical',
      then: 'reporting.render_html',
      report: 'step',
      exceptions: { validation: ['ValidationError', 'InvalidKpiPayload'] },
    }),
    makeTask({
      name: 'reporting.render_html',
      queue: 'reporting',
      ratePerMinute: 0,
      durationMs: 1500,
      maxRetries: 2,
      failure: { transient: 0.002 },
      then: 'reporting.render_pdf',
      report: 'step',
      exceptions: { unclassified: ['TemplateRenderError'] },
    }),
    makeTask({
      name: 'reporting.render_pdf',
      queue: 'reporting',
      ratePerMinute: 0,
      durationMs: 4000,
      maxRetries: 2,
      failure: { transient: 0.002 },
      then: 'email.deliver_report',
      report: 'final',
      exceptions: { unclassified: ['PdfRenderError'] },
    }),
    makeTask({
      name: 'email.deliver_report',
      queue: 'email',
      ratePerMinute: 0,
      durationMs: 600,
      maxRetries: 5,
      failure: { transient: 0.01 },
      exceptions: { transient: ['SMTPServerTimeout', 'ConnectionError'] },
    }),
    makeTask({ name: 'email.notify_owner', queue: 'email', ratePerMinute: 0, durationMs: 500, maxRetries: 5 }),
    makeTask({
      name: 'lsos.maintenance.cleanup',
      queue: 'celery',
      ratePerMinute: 6,
      durationMs: 2000,
      maxRetries: 1,
      failure: { transient: 0.01 },
      writes: 'non-critical',
    }),
  ];
}

export function defaultWorkerPools(): WorkerPoolSpec[] {
  return [
    { pool: 'crawl', queues: ['crawl'], replicas: 4, concurrency: 8 },
    { pool: 'rank', queues: ['rank'], replicas: 4, concurrency: 8 },
    { pool: 'reviews', queues: ['reviews'], replicas: 2, concurrency: 8 },
    { pool: 'reporting', queues: ['reporting'], replicas: 2, concurrency: 4 },
    { pool: 'reporting-retry', queues: ['reporting.retry'], replicas: 1, concurrency: 2 },
    { pool: 'email', queues: ['email'], replicas: 1, concurrency: 4 },
    { pool: 'default', queues: ['celery'], replicas: 1, concurrency: 2 },
  ];
}

export function defaultProviderPools(): { active: string; pools: ProviderPoolSpec[] } {
  return {
    active: 'brightpool',
    pools: [
      { name: 'brightpool', failureProbability: 0.01, concurrency: 40, state: 'healthy' },
      { name: 'fallbackpool', failureProbability: 0.02, concurrency: 24, state: 'healthy' },
    ],
  };
}

export function defaultDatabase(): DatabaseSpec {
  return {
    maxConnections: 200,
    baseConnections: 60,
    replicas: [
      { name: 'replica-1', lagSeconds: 0.2 },
      { name: 'replica-2', lagSeconds: 0.4 },
    ],
    readTarget: 'replica-1',
    lastBackupAgeMs: 6 * 3_600_000,
    failedMigrations: 0,
  };
}

export const DEFAULT_CAMPAIGNS = 40;
