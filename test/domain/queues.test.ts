// LSOS's queues and modules (contract sections 1 and 3), in one place.
import { describe, expect, it } from 'vitest';
import {
  LSOS_MODULES,
  LSOS_QUEUES,
  PLATFORM,
  deadLetterQueueOf,
  isDeadLetterQueue,
  isLaneFor,
  isLsosModule,
  retryLaneOf,
  moduleOfQueue,
  workQueueOf,
} from '../../src/domain/queues.js';

describe('queues and modules', () => {
  it("the contract's queues, in its order", () => {
    expect(LSOS_QUEUES).toEqual(['crawl', 'rank', 'reviews', 'reporting', 'reporting.retry', 'email', 'celery']);
  });

  it('each queue belongs to its module; the retry lane to reporting; unrouted and unknown work to the platform', () => {
    expect(LSOS_QUEUES.map(moduleOfQueue)).toEqual(['crawl', 'rank', 'reviews', 'reporting', 'reporting', 'email', PLATFORM]);
    expect(moduleOfQueue('thumbnails')).toBe('platform');
    // Not fooled by names an object already has.
    expect(moduleOfQueue('constructor')).toBe('platform');
    expect(moduleOfQueue('toString')).toBe('platform');
  });

  it('every module a queue names has an owner to page', () => {
    for (const q of LSOS_QUEUES) {
      const m = moduleOfQueue(q);
      if (m !== PLATFORM) expect(isLsosModule(m), q).toBe(true);
    }
    expect(LSOS_MODULES).toContain('database');
    expect(LSOS_MODULES).toContain('api');
    expect(isLsosModule('platform')).toBe(false);
    expect(isLsosModule(3)).toBe(false);
  });

  it('dead letters of Q live in Q.dead (contract section 3)', () => {
    expect(deadLetterQueueOf('crawl')).toBe('crawl.dead');
    expect(deadLetterQueueOf('reporting.retry')).toBe('reporting.retry.dead');
    expect(isDeadLetterQueue('crawl.dead')).toBe(true);
    expect(isDeadLetterQueue('crawl')).toBe(false);
    expect(isDeadLetterQueue('deadlines')).toBe(false);
    expect(workQueueOf('reporting.retry.dead')).toBe('reporting.retry');
    expect(workQueueOf('crawl')).toBe('crawl');
  });

  it('Q.retry is the isolated retry lane of Q', () => {
    expect(isLaneFor('reporting', 'reporting')).toBe(true);
    expect(isLaneFor('reporting.retry', 'reporting')).toBe(true);
    expect(isLaneFor('email', 'reporting')).toBe(false);
    expect(retryLaneOf('reporting')).toBe('reporting.retry');
    expect(LSOS_QUEUES).toContain(retryLaneOf('reporting'));
  });
});
