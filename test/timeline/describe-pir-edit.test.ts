// Review finding 8: a PIR blast radius edit reads as words on the timeline, not as raw JSON.
import { describe, expect, it } from 'vitest';
import { describeEntry, formatUtc, sealEntry } from '../../src/core/timeline.js';
import { T0 } from './helpers.js';

const edit = (value: unknown) =>
  sealEntry(null, {
    at: formatUtc(T0),
    operator: 'root',
    kind: 'pir-field',
    incidentId: 'INC-20261206-1247',
    details: { field: 'blastRadius', value },
  });

describe('a PIR blast radius edit on the timeline', () => {
  it('names each part in words', () => {
    const text = describeEntry(
      edit({ modules: ['rank freshness'], queues: ['rank', 'crawl'], campaigns: [], replicas: [], notes: 'stale for an hour' }),
    );
    expect(text).toBe('PIR blast radius: modules rank freshness; queues rank, crawl; notes "stale for an hour"');
    expect(text).not.toMatch(/[{}[\]]/);
  });

  it('says cleared when nothing is left', () => {
    expect(describeEntry(edit({ modules: [], queues: [], campaigns: [], replicas: [], notes: '' }))).toBe('PIR blast radius: cleared');
  });
});
