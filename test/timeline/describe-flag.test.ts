// Review finding 14: a flag or signal trigger has no figure against a threshold; its timeline
// line says it was raised, with its evidence, never `yes, threshold no`.
import { describe, expect, it } from 'vitest';
import { describeEntry, formatUtc, sealEntry } from '../../src/core/timeline.js';
import { T0 } from './helpers.js';

const entry = (kind: 'trigger-fired' | 'trigger-cleared', details: Record<string, unknown>) =>
  sealEntry(null, { at: formatUtc(T0), operator: 'root', kind, incidentId: 'INC-20261206-1253', details });

const crossTenant = {
  triggerKey: 'cross-tenant-risk',
  title: 'Cross-tenant risk',
  section: '7',
  target: 'cmp-017+cmp-023',
  value: 1,
  threshold: 0,
  unit: 'flag',
  signal: {
    severity: 'SEV-1',
    detail: 'report for cmp-017 rendered with cmp-023 KPIs',
    evidence: ['report for cmp-017 rendered with cmp-023 KPIs'],
  },
};

describe('a flag trigger on the timeline', () => {
  it('is raised with its evidence', () => {
    const text = describeEntry(entry('trigger-fired', crossTenant));
    expect(text).toBe('Cross-tenant risk raised on cmp-017+cmp-023 (runbook §7): report for cmp-017 rendered with cmp-023 KPIs');
    expect(text).not.toMatch(/threshold|yes/);
  });

  it('prefers the recorded detail, and clears without figures', () => {
    expect(describeEntry(entry('trigger-fired', { ...crossTenant, detail: 'report mixed; campaigns cmp-017, cmp-023' }))).toBe(
      'Cross-tenant risk raised on cmp-017+cmp-023 (runbook §7): report mixed; campaigns cmp-017, cmp-023',
    );
    expect(describeEntry(entry('trigger-cleared', { ...crossTenant, value: 0 }))).toBe(
      'Cross-tenant risk cleared on cmp-017+cmp-023 (runbook §7)',
    );
  });

  it('leaves figure triggers as they were', () => {
    const text = describeEntry(
      entry('trigger-fired', { title: 'Queue lag > 15 min', target: 'rank', value: 1260, threshold: 900, unit: 's' }),
    );
    expect(text).toMatch(/^Queue lag > 15 min fired on rank: 1260 s \(21m 00s\), threshold 900 s/);
  });
});
