// The runbook's thresholds and triggers described once, and the one breach rule.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_THRESHOLDS,
  FRESHNESS_KINDS,
  RUNBOOK_TRIGGERS,
  THRESHOLD_SPECS,
  TRIGGER_KINDS,
  breaches,
  clearLevel,
  deadLetterBaseline,
  deadLetterFactor,
  defaultThresholds,
  setThreshold,
  standing,
  stillBreaching,
  thresholdValue,
  triggerLine,
} from '../../src/domain/thresholds.js';

describe('thresholds, described once', () => {
  it("the runbook's defaults", () => {
    expect(DEFAULT_THRESHOLDS).toMatchObject({
      queueLagSeconds: 900,
      deadLetterSpikeFactor: 3,
      deadLetterBaselineFloorPerHour: 1,
      reportFailureRatio: 0.05,
      reportMinRuns: 10,
      serpFailureRate: 0.2,
      serpMinCampaigns: 2,
      replicaLagSeconds: 60,
      clearRatio: 0.8,
      failureRatio24h: 0.05,
      failureRatioMinRuns: 20,
      warnRatio: 0.8,
      backupMaxAgeSeconds: 26 * 3600,
      freshnessSeconds: { crawl: 86400, rank: 86400, reviews: 172800 },
    });
  });

  it('every threshold has a config key of its own, a default within its bounds and words saying what it means', () => {
    const keys = THRESHOLD_SPECS.map((e) => e.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain('queueLag');
    expect(keys).toContain('freshness.reviews');
    for (const e of THRESHOLD_SPECS) {
      expect(e.means.length, e.key).toBeGreaterThan(10);
      if (e.min !== undefined) expect(e.exclusiveMin ? e.default > e.min : e.default >= e.min, e.key).toBe(true);
      if (e.max !== undefined) expect(e.default <= e.max, e.key).toBe(true);
      if (e.kind === 'count') expect(Number.isInteger(e.default), e.key).toBe(true);
      expect(thresholdValue(DEFAULT_THRESHOLDS, e), e.key).toBe(e.default);
    }
    expect(THRESHOLD_SPECS.filter((e) => 'freshness' in e).map((e) => e.key)).toEqual(FRESHNESS_KINDS.map((k) => `freshness.${k}`));
  });

  it('defaults come fresh: changing one copy leaves the next untouched', () => {
    const t = defaultThresholds();
    const lag = THRESHOLD_SPECS.find((e) => e.key === 'queueLag');
    const crawl = THRESHOLD_SPECS.find((e) => e.key === 'freshness.crawl');
    if (!lag || !crawl) throw new Error('missing spec');
    setThreshold(t, lag, 60);
    setThreshold(t, crawl, 3600);
    expect(t.queueLagSeconds).toBe(60);
    expect(t.freshnessSeconds.crawl).toBe(3600);
    expect(defaultThresholds().queueLagSeconds).toBe(900);
    expect(defaultThresholds().freshnessSeconds.crawl).toBe(86400);
    expect(DEFAULT_THRESHOLDS.freshnessSeconds.crawl).toBe(86400);
  });
});

describe('runbook triggers, described once', () => {
  it("each in the runbook's section and words, compared with a threshold that exists", () => {
    // The runbook's own, in its order (a trigger added later comes after them).
    expect(TRIGGER_KINDS.slice(0, 7)).toEqual([
      'queue-lag',
      'dead-letter-spike',
      'report-failures',
      'serp-failures',
      'replica-lag',
      'failed-migrations',
      'primary-degradation',
    ]);
    for (const kind of TRIGGER_KINDS) {
      const spec = RUNBOOK_TRIGGERS[kind];
      if (spec.threshold !== null)
        expect(
          THRESHOLD_SPECS.some((e) => 'field' in e && e.field === spec.threshold),
          kind,
        ).toBe(true);
      else expect(['count', 'flag'], kind).toContain(spec.unit);
    }
    expect(RUNBOOK_TRIGGERS['queue-lag']).toMatchObject({ section: 3, title: 'Queue lag > 15 minutes', unit: 's' });
    expect(triggerLine('queue-lag', DEFAULT_THRESHOLDS)).toBe(900);
    expect(triggerLine('primary-degradation', DEFAULT_THRESHOLDS)).toBe(0);
  });

  it('how the escalation matrix reads them', () => {
    const matrix = Object.fromEntries(TRIGGER_KINDS.map((k) => [k, RUNBOOK_TRIGGERS[k].matrix]));
    expect(matrix).toMatchObject({
      'queue-lag': 'partial-degradation',
      'dead-letter-spike': 'high-error-rate',
      'report-failures': 'high-error-rate',
      'serp-failures': 'high-error-rate',
      'replica-lag': 'partial-degradation',
      'failed-migrations': 'module-unavailable',
      'primary-degradation': 'module-unavailable',
    });
  });
});

describe('the breach rule', () => {
  it('strictly above the line breaches; at the line does not', () => {
    expect(breaches(900.001, 900)).toBe(true);
    expect(breaches(900, 900)).toBe(false);
    expect(breaches(899, 900)).toBe(false);
  });

  it('once breaching, it holds until the figure falls to 80% of the line (counts and flags: to the line)', () => {
    const clearAt = clearLevel(900, 0.8, 's');
    expect(clearAt).toBe(720);
    const run = (values: number[]) => {
      let on = false;
      return values.map((v) => (on = stillBreaching(on, v, 900, clearAt)));
    };
    expect(run([900, 901, 850, 721, 720, 850, 901])).toEqual([false, true, true, true, false, false, true]);
    expect(clearLevel(0, 0.8, 'count')).toBe(0);
    expect(clearLevel(0, 0.8, 'flag')).toBe(0);
    expect(stillBreaching(false, 5, 0, 0, false)).toBe(false); // not eligible (too few runs): never starts
    expect(stillBreaching(true, 5, 0, 0, false)).toBe(true); // but a breach in progress holds
  });

  it('standing on screen and in the checklist: over the line, near it, clear', () => {
    expect(standing(901, 900, 0.8)).toBe('breach');
    expect(standing(900, 900, 0.8)).toBe('near');
    expect(standing(721, 900, 0.8)).toBe('near');
    expect(standing(720, 900, 0.8)).toBe('ok');
  });

  it('dead-letter growth against a baseline that is at least the floor', () => {
    expect(deadLetterBaseline(null, 1)).toBe(1);
    expect(deadLetterBaseline(0.2, 1)).toBe(1);
    expect(deadLetterBaseline(5, 1)).toBe(5);
    expect(deadLetterFactor(15, 5, 1)).toBe(3);
    expect(deadLetterFactor(3.5, null, 1)).toBe(3.5);
    expect(deadLetterFactor(0, null, 0)).toBe(0); // no growth is no spike, even with no baseline at all
    expect(deadLetterFactor(2, null, 0)).toBe(Number.POSITIVE_INFINITY);
  });
});
