import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/sources/sim/scenario.js';
import { LsosSimulation } from '../../src/sources/sim/simulation.js';
import { START, at, failureRate, provider, queue, sim } from './helpers.js';

describe('pauseTask / resumeTask', () => {
  it('stops emissions of the task: its queue drains and goes quiet, unlike an unpaused twin', () => {
    const paused = sim('healthy');
    const twin = sim('healthy');
    at(paused, 60);
    at(twin, 60);
    const r = paused.pauseTask('reviews.sync_reviews', null);
    expect(r).toMatchObject({ control: 'pauseTask', target: 'reviews.sync_reviews', ok: true, changed: true, after: 'indefinitely' });
    expect(paused.controlState().paused).toEqual([{ task: 'reviews.sync_reviews', until: null }]);
    const p = queue(at(paused, 200), 'reviews');
    const t = queue(at(twin, 200), 'reviews');
    expect(p).toMatchObject({ depth: 0, reserved: 0, drainPerMinute: 0 });
    expect(t.drainPerMinute).toBeGreaterThan(150);
    // Other tasks are unaffected.
    expect(queue(paused.snapshot(), 'crawl').drainPerMinute).toBeGreaterThan(400);

    expect(paused.resumeTask('reviews.sync_reviews')).toMatchObject({ ok: true, changed: true, after: 'running' });
    expect(queue(at(paused, 300), 'reviews').drainPerMinute).toBeGreaterThan(150);
  });

  it('a pause with an end lifts itself, and confirms the failure loop stops feeding the dead-letter queue', () => {
    const s = sim('default');
    at(s, 60);
    const r = s.pauseTask('reviews.sync_reviews', s.clock.now() + 120_000);
    expect(r.detail).toContain('for 2m');
    const d1 = queue(at(s, 100), 'reviews').deadLetters;
    const d2 = queue(at(s, 170), 'reviews').deadLetters;
    expect(d2 - d1).toBeLessThanOrEqual(2); // nothing new emitted, the loop has run dry
    expect(s.controlState().paused).toHaveLength(1);
    at(s, 200);
    expect(s.controlState().paused).toEqual([]);
    expect(queue(at(s, 260), 'reviews').deadLetters).toBeGreaterThan(d2 + 20);
  });

  it('refuses unknown tasks and pauses that end before they start', () => {
    const s = sim('healthy');
    expect(s.pauseTask('nope.task', null)).toMatchObject({ ok: false, changed: false });
    expect(s.pauseTask('crawl.fetch_page', s.clock.now() - 1).ok).toBe(false);
    expect(s.resumeTask('crawl.fetch_page')).toMatchObject({ ok: true, changed: false });
  });
});

describe('scaleWorkers', () => {
  it('drains a crawl backlog when replicas are increased after the pool lost workers', () => {
    const scaled = sim('queue-triage');
    const twin = sim('queue-triage');
    const before = queue(at(scaled, 300), 'crawl');
    at(twin, 300);
    const r = scaled.scaleWorkers('crawl', 12);
    expect(r).toMatchObject({ ok: true, changed: true, before: 1, after: 12 });
    expect(r.added).toHaveLength(11);
    expect(r.added[0]).toBe('celery@crawl-5');
    const snap = at(scaled, 600);
    const after = queue(snap, 'crawl');
    const unscaled = queue(at(twin, 600), 'crawl');
    expect(after.consumers).toBe(12);
    // 64 msg/s of capacity against 15 msg/s of surged arrivals.
    expect(after.depth).toBeLessThan(before.depth * 0.5);
    expect(unscaled.depth).toBeGreaterThan(before.depth);
    expect(after.lagSeconds!).toBeLessThan(before.lagSeconds!);
    expect(after.lagSeconds!).toBeLessThan(unscaled.lagSeconds! - 300);
    expect(after.drainPerMinute).toBeGreaterThan(3 * unscaled.drainPerMinute);
    for (const h of r.added) expect(snap.workers.find((w) => w.hostname === h)?.online).toBe(true);
    // The dead workers are still listed, offline.
    expect(snap.workers.filter((w) => w.hostname.startsWith('celery@crawl-') && !w.online)).toHaveLength(3);
  });

  it('scales down by shutting the newest workers, and refuses nonsense', () => {
    const s = sim('healthy');
    at(s, 30);
    const r = s.scaleWorkers('rank', 2);
    expect(r).toMatchObject({ ok: true, before: 4, after: 2, removed: ['celery@rank-4', 'celery@rank-3'] });
    expect(queue(at(s, 40), 'rank').consumers).toBe(2);
    expect(s.snapshot().workers.some((w) => w.hostname === 'celery@rank-4')).toBe(false);
    expect(s.scaleWorkers('nope', 2).ok).toBe(false);
    expect(s.scaleWorkers('rank', -1).ok).toBe(false);
    expect(s.scaleWorkers('rank', 2)).toMatchObject({ ok: true, changed: false });
  });
});

describe('provider controls', () => {
  it('quarantine + shift to fallback with reduced concurrency + conservative pacing cuts provider failures', () => {
    const mitigated = sim('serp-provider-degraded');
    const twin = sim('serp-provider-degraded');
    at(mitigated, 180);
    at(twin, 180);
    expect(mitigated.setProviderState('brightpool', 'quarantined')).toMatchObject({
      ok: true,
      changed: true,
      before: 'healthy',
      after: 'quarantined',
    });
    expect(mitigated.setActiveProvider('fallbackpool')).toMatchObject({ ok: true, before: 'brightpool', after: 'fallbackpool' });
    expect(mitigated.setProviderConcurrency('fallbackpool', 16)).toMatchObject({ ok: true, before: 24, after: 16 });
    expect(mitigated.setPacing('conservative')).toMatchObject({ ok: true, before: 'normal', after: 'conservative' });

    const m = at(mitigated, 180 + 16 * 60); // past the 15-minute provider window
    const t = at(twin, 180 + 16 * 60);
    const fallback = provider(m, 'fallbackpool');
    expect(fallback.active).toBe(true);
    expect(fallback.requests).toBeGreaterThan(1000);
    expect(failureRate(fallback)).toBeLessThan(0.03);
    expect(provider(m, 'brightpool')).toMatchObject({ state: 'quarantined', active: false, requests: 0 });
    expect(failureRate(provider(t, 'brightpool'))).toBeGreaterThan(0.3);
    expect(queue(m, 'rank').failuresByClass.provider).toBeLessThan(queue(t, 'rank').failuresByClass.provider / 2);
    expect(mitigated.controlState()).toMatchObject({ activeProvider: 'fallbackpool', pacing: 'conservative' });
  });

  it('no SERP traffic goes to a quarantined active pool: rank work waits in its queue', () => {
    const s = sim('healthy');
    at(s, 30);
    const r = s.setProviderState('brightpool', 'quarantined');
    expect(r.detail).toContain('active pool');
    const before = provider(at(s, 40), 'brightpool').requests;
    const snap = at(s, 160);
    expect(provider(snap, 'brightpool').requests).toBe(before); // nothing new in the window
    expect(queue(snap, 'rank').depth).toBeGreaterThan(800);
    expect(queue(snap, 'rank').reserved).toBe(0);
    expect(s.setActiveProvider('brightpool').ok).toBe(false);
    expect(s.setActiveProvider('nowhere').ok).toBe(false);
    expect(s.setProviderConcurrency('fallbackpool', -2).ok).toBe(false);
  });

  it('provider concurrency caps SERP requests in flight', () => {
    const s = sim('healthy');
    s.setProviderConcurrency('brightpool', 5);
    const snap = at(s, 120);
    expect(queue(snap, 'rank').reserved).toBeLessThanOrEqual(5);
    expect(queue(snap, 'rank').depth).toBeGreaterThan(100);
  });
});

describe('database controls', () => {
  it('freezeWrites clears blocked write queries, eases connection use and stops non-critical emissions', () => {
    const frozen = sim('primary-degraded');
    const twin = sim('primary-degraded');
    at(frozen, 180);
    at(twin, 180);
    expect(frozen.freezeWrites(true)).toMatchObject({ ok: true, changed: true, before: false, after: true });
    const f = at(frozen, 300);
    const t = at(twin, 300);
    expect(f.database.blocking).toEqual([]);
    expect(t.database.blocking.length).toBeGreaterThan(0);
    expect(f.database.connections).toBeLessThan(t.database.connections - 30);
    // crawl.fetch_page writes non-critical data: producers refuse it while frozen.
    expect(queue(at(frozen, 420), 'crawl').drainPerMinute).toBe(0);
    expect(frozen.controlState().writesFrozen).toBe(true);
    expect(frozen.freezeWrites(false)).toMatchObject({ changed: true, after: false });
  });

  it('setReadTarget moves reads; reading from the primary costs connections', () => {
    const s = sim('replica-stall');
    const twin = sim('replica-stall');
    at(s, 60);
    at(twin, 60);
    expect(s.setReadTarget('primary')).toMatchObject({ ok: true, before: 'replica-2', after: 'primary' });
    expect(s.controlState().readTarget).toBe('primary');
    expect(at(s, 180).database.connections).toBeGreaterThan(at(twin, 180).database.connections + 8);
    expect(s.setReadTarget('replica-1')).toMatchObject({ ok: true, after: 'replica-1' });
    expect(s.setReadTarget('replica-7').ok).toBe(false);
  });
});

describe('queue controls', () => {
  it('enqueue re-runs monthly reports in the isolated retry lane, where the chain stays', () => {
    const s = sim('healthy');
    at(s, 30);
    const runsBefore = s.snapshot().reporting.runs;
    const r = s.enqueue('reporting.aggregate_kpis', 'reporting.retry', 40);
    expect(r).toMatchObject({ ok: true, changed: true, before: 0, after: 40 });
    const snap = at(s, 150);
    const retry = queue(snap, 'reporting.retry');
    // 40 aggregates, then their render_html and render_pdf steps, all in the retry lane.
    expect(retry.drainPerMinute).toBeGreaterThan(40);
    expect(snap.reporting.runs).toBeGreaterThan(runsBefore + 40);
    expect(s.enqueue('nope', 'reporting', 1).ok).toBe(false);
    expect(s.enqueue('reporting.render_pdf', 'nope', 1).ok).toBe(false);
    expect(s.enqueue('reporting.render_pdf', 'reporting', 0).ok).toBe(false);
  });

  it('replayDeadLetters moves dead letters back to their queue, and after the fix they succeed', () => {
    const sc = parseScenario(
      'events:\n  - at: 5s\n    kind: parser-deploy\n    task: reviews.sync_reviews\n    failureProbability: 0.9\n    for: 2m\n',
      'rollback.yaml',
    );
    const s = new LsosSimulation(sc, { startAt: START });
    const dead = queue(at(s, 240), 'reviews').deadLetters;
    expect(dead).toBeGreaterThan(200);
    const breakdown = s.deadLetterBreakdown('reviews.dead');
    expect(breakdown[0]).toMatchObject({
      task: 'reviews.sync_reviews',
      exception: 'ReviewParseError',
      failureClass: 'parser',
      reason: 'max_retries',
    });
    const r = s.replayDeadLetters('reviews.dead', 100);
    expect(r).toMatchObject({ ok: true, moved: 100, before: dead, after: dead - 100 });
    expect(queue(s.snapshot(), 'reviews').depth).toBeGreaterThanOrEqual(100);
    const rest = s.replayDeadLetters('reviews', 100_000);
    expect(rest.moved).toBe(dead - 100);
    const later = queue(at(s, 300), 'reviews');
    // The parser is fixed: replays succeed (only the odd validation reject lands there again).
    expect(later.deadLetters).toBeLessThan(10);
    expect(s.replayDeadLetters('nope', 1)).toMatchObject({ ok: false, moved: 0 });
  });

  it('setConsuming and setWorkerConcurrency change what workers take', () => {
    const s = sim('healthy');
    at(s, 30);
    for (const h of ['celery@reviews-1', 'celery@reviews-2']) {
      expect(s.setConsuming(h, 'reviews', false)).toMatchObject({ ok: true, changed: true, before: true, after: false });
    }
    const snap = at(s, 90);
    expect(queue(snap, 'reviews').consumers).toBe(0);
    expect(queue(snap, 'reviews').depth).toBeGreaterThan(150);
    expect(s.setConsuming('celery@email-1', 'reviews', true).ok).toBe(true);
    expect(queue(at(s, 150), 'reviews').consumers).toBe(1);

    expect(s.setWorkerConcurrency('celery@crawl-1', 0)).toMatchObject({ ok: true, before: 8, after: 0 });
    const w = at(s, 200).workers.find((x) => x.hostname === 'celery@crawl-1')!;
    expect(w).toMatchObject({ concurrency: 0, active: 0, online: true });
    expect(s.setWorkerConcurrency('celery@nobody', 2).ok).toBe(false);
    expect(s.setConsuming('celery@crawl-1', 'nope', true).ok).toBe(false);
  });

  it('controls on a dead worker are refused', () => {
    const s = sim('default');
    at(s, 60);
    expect(s.setWorkerConcurrency('celery@crawl-1', 4)).toMatchObject({ ok: false });
    expect(s.setConsuming('celery@crawl-1', 'crawl', true).detail).toContain('offline');
  });
});
