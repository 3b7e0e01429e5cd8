import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/core/snapshot.js';
import { totalFailures } from '../../src/core/snapshot.js';
import { parseScenario } from '../../src/sources/sim/scenario.js';
import { LsosSimulation } from '../../src/sources/sim/simulation.js';
import { LOAD_SLACK_MS } from '../support/timing.js';
import { START, at, failureRate, provider, queue, sim } from './helpers.js';

const breachedLag = (s: Snapshot) => s.queues.filter((q) => (q.lagSeconds ?? 0) > 900);
const deadLetterSpikes = (s: Snapshot) =>
  s.queues.filter((q) => q.deadLetterBaselinePerHour !== null && q.deadLetterGrowthPerHour > 3 * q.deadLetterBaselinePerHour);

describe('determinism', () => {
  it('same seed and same steps give identical snapshots, however the time is fed', () => {
    const a = sim('default', 1234);
    const b = sim('default', 1234);
    const c = sim('default', 99);
    expect(a.snapshot()).toEqual(b.snapshot());
    for (let i = 0; i < 40; i++) {
      a.step(1000); // cut into 4 internal steps of 250 ms
      for (let k = 0; k < 4; k++) b.step(250);
      c.step(1000);
    }
    expect(a.snapshot()).toEqual(b.snapshot());
    a.scaleWorkers('crawl', 6);
    b.scaleWorkers('crawl', 6);
    a.step(90_000);
    b.advanceTo(b.startAt + 130_000);
    expect(a.snapshot()).toEqual(b.snapshot());
    expect(JSON.stringify(c.snapshot())).not.toEqual(JSON.stringify(a.snapshot()));
  });

  it('uses the scenario seed when none is given, and never the wall clock for time', () => {
    const s1 = new LsosSimulation(parseScenario('seed: 5\n', 'x.yaml'), { startAt: START });
    const s2 = new LsosSimulation(parseScenario('seed: 5\n', 'x.yaml'), { startAt: START });
    expect(s1.seed).toBe(5);
    s1.step(30_000);
    s2.step(30_000);
    expect(s1.snapshot()).toEqual(s2.snapshot());
    expect(s1.snapshot().at).toBe(START + 30_000);
    expect(s1.clock.now()).toBe(START + 30_000);
    expect(() => s1.step(-1)).toThrow(RangeError);
  });
});

describe('default scenario', () => {
  it('starts below the runbook triggers and breaches queue lag > 15 min and a dead-letter spike > 3x baseline by 60 s', () => {
    const s = sim('default');
    const t0 = s.snapshot();
    expect(t0.simulated).toBe(true);
    expect(t0.scenario).toBe('default');
    expect(breachedLag(t0)).toEqual([]);
    expect(deadLetterSpikes(t0)).toEqual([]);

    const t60 = at(s, 60);
    const lagging = breachedLag(t60);
    expect(lagging.map((q) => q.name)).toContain('crawl');
    const crawl = queue(t60, 'crawl');
    expect(crawl.lagMethod).toBe('stamped');
    expect(crawl.depth).toBeGreaterThan(45_000);
    expect(crawl.consumers).toBe(0);

    const spikes = deadLetterSpikes(t60);
    expect(spikes.map((q) => q.name)).toContain('reviews');
    const reviews = queue(t60, 'reviews');
    expect(reviews.deadLetterBaselineSource).toBe('7d');
    expect(reviews.deadLetters).toBeGreaterThan(t0.queues.find((q) => q.name === 'reviews')!.deadLetters);
    expect(reviews.topFailingTasks[0]).toMatchObject({ task: 'reviews.sync_reviews', failureClass: 'parser' });
    expect(reviews.failuresByClass.parser).toBeGreaterThan(reviews.failuresByClass.transient);
  });

  it('the dead crawl pool stops heartbeating and goes offline by Celery rule; the rest stay online', () => {
    const s = sim('default');
    const snap = at(s, 60);
    const crawlWorkers = snap.workers.filter((w) => w.hostname.startsWith('celery@crawl-'));
    expect(crawlWorkers).toHaveLength(4);
    for (const w of crawlWorkers) {
      expect(w.online).toBe(false);
      expect(w.lastHeartbeatAt).not.toBeNull();
      expect(w.lastHeartbeatAt!).toBeLessThanOrEqual(START + 20_000);
      // Beats every 2 s; the last one may have been due within the 250 ms step in which it died.
      expect(w.lastHeartbeatAt!).toBeGreaterThan(START + 20_000 - 2_000 - 250);
      expect(w.offlineSince).toBe(w.lastHeartbeatAt! + 4_000);
      expect(w.active).toBe(0);
    }
    for (const w of snap.workers.filter((x) => !x.hostname.startsWith('celery@crawl-'))) {
      expect(w.online).toBe(true);
      expect(snap.at - w.lastHeartbeatAt!).toBeLessThan(2_000 + 1);
    }
    // A minute after the death the drain window no longer holds any crawl completions.
    expect(queue(at(s, 85), 'crawl').drainPerMinute).toBe(0);
  });

  it('runs 10 simulated minutes quickly and keeps a lag trend sampled every 10 s (15 minutes of it at most)', () => {
    const s = sim('default');
    const t = performance.now();
    const snap = at(s, 600);
    expect(performance.now() - t).toBeLessThan(3_000 + LOAD_SLACK_MS);
    const crawl = queue(snap, 'crawl');
    expect(crawl.lagTrend.length).toBeGreaterThanOrEqual(60);
    expect(crawl.lagTrend.length).toBeLessThanOrEqual(61);
    expect(crawl.lagTrendEveryMs).toBe(10_000);
    for (let i = 1; i < crawl.lagTrend.length; i++) expect(crawl.lagTrend.at(i)!).toBeGreaterThan(crawl.lagTrend.at(i - 1)!);
    expect(crawl.lagTrend.at(-1)!).toBeGreaterThan(1400);
    // The 5-minute provider degradation shows up on the active pool.
    expect(failureRate(provider(snap, 'brightpool'))).toBeGreaterThan(0.15);
  });
});

describe('healthy scenario', () => {
  it('stays quiet for 30 simulated minutes', () => {
    const s = sim('healthy');
    for (let t = 0; t <= 1800; t += 30) {
      const snap = at(s, t);
      for (const q of snap.queues) {
        expect(q.lagSeconds ?? 0, `${q.name} lag at ${t}s`).toBeLessThan(60);
        expect(q.deadLetterBaselinePerHour, q.name).not.toBeNull();
        expect(q.deadLetterGrowthPerHour, `${q.name} dead-letter growth at ${t}s`).toBeLessThanOrEqual(3 * q.deadLetterBaselinePerHour!);
      }
      expect(snap.reporting.runs).toBeGreaterThan(0);
      expect(snap.reporting.failures / snap.reporting.runs).toBeLessThan(0.05);
      const active = snap.providers.find((p) => p.active)!;
      expect(failureRate(active)).toBeLessThan(0.05);
      expect(snap.workers.every((w) => w.online)).toBe(true);
      expect(snap.database.replicas.every((r) => (r.lagSeconds ?? 0) < 5 && !r.replayPaused)).toBe(true);
      expect(snap.database.blocking).toEqual([]);
      expect(snap.database.failedMigrations).toBe(0);
      expect(snap.database.primaryDegraded).toBeNull();
      expect(snap.database.connections).toBeLessThan(snap.database.maxConnections * 0.8);
      expect(snap.api.healthy).toBe(true);
      expect(snap.signals).toEqual([]);
    }
    // It is alive, not frozen: work flows through every busy queue.
    const end = s.snapshot();
    for (const name of ['crawl', 'rank', 'reviews', 'reporting', 'email'])
      expect(queue(end, name).drainPerMinute, name).toBeGreaterThan(10);
  });
});

describe('runbook section scenarios', () => {
  it('queue triage: crawl lag passes 15 min after workers die; reviews parser loop spikes dead letters', () => {
    const s = sim('queue-triage');
    const t5 = at(s, 300);
    expect(queue(t5, 'crawl').lagSeconds!).toBeLessThan(900);
    expect(queue(t5, 'crawl').consumers).toBe(1);
    const reviews = queue(t5, 'reviews');
    expect(reviews.deadLetterGrowthPerHour).toBeGreaterThan(3 * reviews.deadLetterBaselinePerHour!);
    expect(reviews.topFailingTasks[0]).toMatchObject({ task: 'reviews.sync_reviews', failureClass: 'parser' });
    const t10 = at(s, 600);
    expect(queue(t10, 'crawl').lagSeconds!).toBeGreaterThan(900);
    expect(queue(t10, 'crawl').depth).toBeGreaterThan(queue(t5, 'crawl').depth);
    expect(t10.workers.filter((w) => !w.online).map((w) => w.hostname)).toEqual(['celery@crawl-1', 'celery@crawl-2', 'celery@crawl-3']);
  });

  it('reporting: monthly report failures exceed 5% of runs in the 1-hour window', () => {
    const s = sim('reporting-failures');
    const early = at(s, 25);
    expect(early.reporting.failures / early.reporting.runs).toBeLessThan(0.05);
    const snap = at(s, 600);
    expect(snap.reporting.windowMinutes).toBe(60);
    expect(snap.reporting.runs).toBeGreaterThan(100);
    expect(snap.reporting.failures / snap.reporting.runs).toBeGreaterThan(0.05);
    expect(snap.reporting.failedCampaigns.length).toBeGreaterThan(5);
    const reporting = queue(snap, 'reporting');
    const pdf = reporting.topFailingTasks.find((t) => t.task === 'reporting.render_pdf');
    expect(pdf?.failureClass).toBe('unclassified');
    expect(reporting.failuresByClass.validation).toBeGreaterThan(0);
  });

  it('provider: SERP failure rate is high across many campaigns once brightpool degrades', () => {
    const s = sim('serp-provider-degraded');
    const before = at(s, 40);
    expect(failureRate(provider(before, 'brightpool'))).toBeLessThan(0.05);
    const snap = at(s, 240);
    const bright = provider(snap, 'brightpool');
    expect(bright.active).toBe(true);
    expect(failureRate(bright)).toBeGreaterThan(0.3);
    expect(bright.campaignsAffected).toBeGreaterThan(30);
    expect(bright.campaignsTotal).toBe(40);
    expect(provider(snap, 'fallbackpool').requests).toBe(0);
    const rank = queue(snap, 'rank');
    expect(rank.topFailingTasks[0]).toMatchObject({ task: 'rank.check_serp', failureClass: 'provider' });
    expect(rank.deadLetterGrowthPerHour).toBeGreaterThan(3 * rank.deadLetterBaselinePerHour!);
  });

  it('database: a stalled replica lags more every minute; a paused one says so, and catches up when resumed', () => {
    const s = sim('replica-stall');
    const replica = (snap: Snapshot, name: string) => snap.database.replicas.find((r) => r.name === name)!;
    const t20 = at(s, 20);
    expect(replica(t20, 'replica-2').lagSeconds!).toBeLessThan(2);
    const t2m = at(s, 120);
    expect(replica(t2m, 'replica-2').lagSeconds!).toBeGreaterThan(85);
    expect(replica(t2m, 'replica-2').replayPaused).toBe(false);
    const t5m = at(s, 300);
    expect(replica(t5m, 'replica-2').lagSeconds!).toBeGreaterThan(replica(t2m, 'replica-2').lagSeconds! + 170);
    expect(replica(t5m, 'replica-1').replayPaused).toBe(true);
    expect(replica(t5m, 'replica-1').lagSeconds!).toBeGreaterThan(55);
    const t16m = at(s, 960);
    expect(replica(t16m, 'replica-1').replayPaused).toBe(false);
    expect(replica(t16m, 'replica-1').lagSeconds!).toBeLessThan(2);
    expect(replica(t16m, 'replica-2').lagSeconds!).toBeGreaterThan(900);
  });

  it('database: failed migration, primary degradation with blocking queries and saturated connections, API 503', () => {
    const s = sim('primary-degraded');
    expect(at(s, 25).database.failedMigrations).toBe(1);
    const snap = at(s, 180);
    expect(snap.database.primaryDegraded).toMatch(/lock contention/);
    expect(snap.database.blocking.length).toBeGreaterThanOrEqual(4);
    expect(snap.database.blocking.every((b) => b.waitingSeconds > 0 && b.blockedPid !== b.blockingPid)).toBe(true);
    expect(snap.database.connections).toBeGreaterThan(snap.database.maxConnections * 0.9);
    expect(snap.api.healthy).toBe(false);
    expect(snap.api.detail).toContain('503');
    expect(queue(snap, 'rank').failuresByClass.transient).toBeGreaterThan(0);
    expect(at(s, 480).api.healthy).toBe(true);
  });

  it('full outage: the primary is unreachable, the API times out, writers fail', () => {
    const s = sim('full-outage');
    const snap = at(s, 120);
    expect(snap.database.primaryReachable).toBe(false);
    expect(snap.api).toMatchObject({ healthy: false, latencyMs: null });
    expect(snap.database.replicas.every((r) => r.lagSeconds! > 60)).toBe(true);
    expect(totalFailures(queue(snap, 'rank'))).toBeGreaterThan(100);
    const after = at(s, 700);
    expect(after.database.primaryReachable).toBe(true);
    expect(after.api.healthy).toBe(true);
  });

  it('cross-tenant risk: the signal is raised at its time and stays raised', () => {
    const s = sim('cross-tenant-risk');
    expect(at(s, 20).signals).toEqual([]);
    // Raised with its evidence: which campaigns' data crossed.
    expect(at(s, 40).signals).toEqual([
      expect.objectContaining({
        kind: 'cross-tenant-risk',
        severity: 'SEV-1',
        detail: 'report for cmp-017 rendered with cmp-023 KPIs',
        campaigns: ['cmp-017', 'cmp-023'],
        active: true,
      }),
    ]);
    expect(at(s, 600).signals.map((x) => x.active)).toEqual([true]);
    expect(s.appliedEvents().map((e) => e.kind)).toEqual(['cross-tenant-risk']);
  });
});

describe('queue lag methods and other model details', () => {
  it('an unstamped head message gives a first-seen lag: a lower bound, since the cockpit started', () => {
    const sc = parseScenario(
      'queues:\n  celery:\n    stampedShare: 0\n    backlog: { count: 3000, oldest: 40m }\nworkers:\n  default: { replicas: 0 }\n',
      'unstamped.yaml',
    );
    const s = new LsosSimulation(sc, { startAt: START });
    const snap = at(s, 90);
    const celery = queue(snap, 'celery');
    expect(celery.lagMethod).toBe('first-seen');
    expect(celery.lagSeconds).toBeCloseTo(90, 0);
    expect(celery.consumers).toBe(0);
    const stamped = new LsosSimulation(
      parseScenario(
        'queues:\n  celery:\n    stampedShare: 1\n    backlog: { count: 3000, oldest: 40m }\nworkers:\n  default: { replicas: 0 }\n',
        's.yaml',
      ),
      { startAt: START },
    );
    expect(queue(at(stamped, 90), 'celery')).toMatchObject({ lagMethod: 'stamped' });
    expect(queue(stamped.snapshot(), 'celery').lagSeconds).toBeCloseTo(40 * 60 + 90, 0);
  });

  it('an empty queue reports lag 0 with method empty, and a single worker can die by hostname', () => {
    const sc = parseScenario('events:\n  - at: 10s\n    kind: worker-dies\n    hostname: celery@email-1\n', 'w.yaml');
    const s = new LsosSimulation(sc, { startAt: START });
    const snap = at(s, 60);
    expect(queue(snap, 'reporting.retry')).toMatchObject({ depth: 0, lagSeconds: 0, lagMethod: 'empty' });
    expect(snap.workers.filter((w) => !w.online).map((w) => w.hostname)).toEqual(['celery@email-1']);
    expect(queue(snap, 'email').depth).toBeGreaterThan(0);
  });

  it('a surge raises arrivals while it lasts', () => {
    const sc = parseScenario(
      'events:\n  - at: 0s\n    kind: surge\n    task: reviews.sync_reviews\n    factor: 4\n    for: 2m\n',
      'surge.yaml',
    );
    const surged = new LsosSimulation(sc, { startAt: START });
    const normal = sim('healthy');
    const a = queue(at(surged, 100), 'reviews');
    const b = queue(at(normal, 100), 'reviews');
    expect(a.drainPerMinute + a.depth).toBeGreaterThan(2.5 * b.drainPerMinute);
    expect(queue(at(surged, 400), 'reviews').depth).toBeLessThan(50);
  });
});
