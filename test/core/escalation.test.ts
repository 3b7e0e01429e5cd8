import { describe, expect, it } from 'vitest';
import { compareSeverity, suggestSeverity, whoToPage } from '../../src/core/escalation.js';
import { DEFAULT_THRESHOLDS, evaluateTriggers } from '../../src/core/triggers.js';
import type { Snapshot } from '../../src/core/snapshot.js';
import { queue, snap } from './helpers.js';

function suggest(s: Snapshot) {
  return suggestSeverity(s, evaluateTriggers([], s, DEFAULT_THRESHOLDS).triggers);
}

describe('escalation matrix suggestion', () => {
  it('SEV-1 for a full outage: API down; pages on-call engineer + security lead', () => {
    const r = suggest(snap({ api: { healthy: false, latencyMs: null, detail: 'HTTP 503', checkedAt: 1 } }));
    expect(r.severity).toBe('SEV-1');
    expect(r.reason).toContain('full service outage');
    expect(r.reason).toContain('HTTP 503');
    expect(r.page).toEqual(['on-call engineer', 'security lead']);
  });
  it('SEV-1 when every worker is offline, or the primary is unreachable', () => {
    const base = snap();
    expect(suggest({ ...base, workers: base.workers.map((w) => ({ ...w, online: false })) }).severity).toBe('SEV-1');
    expect(suggest({ ...base, database: { ...base.database, primaryReachable: false } }).severity).toBe('SEV-1');
  });
  it('SEV-1 for cross-tenant risk (a raised signal), with its evidence in the reason', () => {
    const signal = {
      id: 'sim:1',
      kind: 'cross-tenant-risk' as const,
      severity: 'SEV-1' as const,
      detail: 'report for cmp-017 rendered with cmp-023 KPIs',
      campaigns: ['cmp-017', 'cmp-023'],
      evidence: ['report for cmp-017 rendered with cmp-023 KPIs'],
      raisedBy: 'the security tool',
      raisedAt: 1,
      active: true,
    };
    const r = suggest(snap({ signals: [signal] }));
    expect(r.severity).toBe('SEV-1');
    expect(r.reason).toContain('cross-tenant');
    expect(r.reason).toContain('campaigns cmp-017, cmp-023');
    expect(r.page).toEqual(['on-call engineer', 'security lead']);
    // Withdrawn: the trigger clears and the matrix no longer says SEV-1 for it.
    const s = snap({ signals: [signal] });
    const fired = evaluateTriggers([], s, DEFAULT_THRESHOLDS).triggers;
    const cleared = evaluateTriggers(fired, { ...s, signals: [{ ...signal, active: false }] }, DEFAULT_THRESHOLDS).triggers;
    expect(cleared.find((t) => t.kind === 'cross-tenant-risk')?.firing).toBe(false);
    expect(suggestSeverity(s, cleared).severity).not.toBe('SEV-1');
  });
  it('SEV-2 for a major module unavailable: pages primary on-call and the module owner', () => {
    const s = snap({
      queues: [queue('reviews', { depth: 40, consumers: null })],
      workers: [
        { hostname: 'w1', queues: ['crawl'], concurrency: 4, active: 0, lastHeartbeatAt: 1, online: true, offlineSince: null },
        { hostname: 'w2', queues: ['reviews'], concurrency: 4, active: 0, lastHeartbeatAt: 1, online: false, offlineSince: 1 },
      ],
    });
    const r = suggest(s);
    expect(r.severity).toBe('SEV-2');
    expect(r.reason).toContain('reviews unavailable');
    expect(r.page).toEqual(['primary on-call', 'reviews owner']);
  });
  it('SEV-2 for high error rates (report failures)', () => {
    const r = suggest(snap({ reporting: { runs: 100, failures: 12, windowMinutes: 60, failedCampaigns: [] } }));
    expect(r.severity).toBe('SEV-2');
    expect(r.reason).toContain('high error rates');
    expect(r.page).toEqual(['primary on-call', 'reporting owner']);
  });
  it('SEV-3 for partial degradation (queue lag only): a ticket, no page', () => {
    const r = suggest(snap({ queues: [queue('crawl', { lagSeconds: 1200, depth: 10 })] }));
    expect(r.severity).toBe('SEV-3');
    expect(r.page).toEqual([]);
    expect(r.ticket).toBe(true);
  });
  it('no suggestion when nothing fires', () => {
    expect(suggest(snap({ queues: [queue('crawl')] })).severity).toBeNull();
  });
  it('orders severities and resolves module owners', () => {
    expect(compareSeverity('SEV-1', 'SEV-3')).toBeLessThan(0);
    expect(whoToPage('SEV-2', ['rank', 'database'])).toEqual(['primary on-call', 'rank owner', 'database owner']);
  });
});

describe('a module is unavailable only when that is known', () => {
  const worker = (queues: string[], online = true) => ({
    hostname: `w-${queues.join('-') || 'unknown'}`,
    queues,
    concurrency: 4,
    active: 0,
    lastHeartbeatAt: 1,
    online,
    offlineSince: online ? null : 1,
  });
  it('workers seen only through events (queues unknown) do not make every busy queue "unavailable"', () => {
    const s = snap({ queues: [queue('crawl', { depth: 500, consumers: null })], workers: [worker([])] });
    expect(suggest(s).severity).toBeNull();
  });
  it("the broker's consumer count decides where it is known", () => {
    expect(suggest(snap({ queues: [queue('crawl', { depth: 500, consumers: 0 })], workers: [worker([])] })).severity).toBe('SEV-2');
    expect(suggest(snap({ queues: [queue('crawl', { depth: 500, consumers: 3 })], workers: [worker(['reviews'])] })).severity).toBeNull();
  });
  it('else the known workers: none online for the queue is unavailable', () => {
    const s = snap({ queues: [queue('crawl', { depth: 500, consumers: null })], workers: [worker(['crawl'], false), worker(['rank'])] });
    expect(suggest(s).reason).toContain('crawl unavailable');
  });
});
