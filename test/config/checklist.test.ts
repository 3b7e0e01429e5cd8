// The daily checklist's pure logic (src/core/checklist.ts) on hand-built snapshots: grading at,
// below and above each line, what "could not run" means, and the exit-code precedence. The
// figures against real servers are in test/live/postgres-check.test.ts.
import { describe, expect, it } from 'vitest';
import {
  EXIT_CODE,
  overallStatus,
  runChecklist,
  type AreaState,
  type CheckArea,
  type CheckResult,
  type ChecklistInput,
  type ChecklistThresholds,
} from '../../src/core/checklist.js';
import type { DatabaseSnapshot, Snapshot } from '../../src/core/snapshot.js';
import { queue, snap } from '../core/helpers.js';

const AT = 1_700_000_000_000;
const T: ChecklistThresholds = {
  queueLagSeconds: 900,
  deadLetterSpikeFactor: 3,
  deadLetterBaselineFloorPerHour: 1,
  replicaLagSeconds: 60,
  failureRatio24h: 0.05,
  failureRatioMinRuns: 20,
  warnRatio: 0.8,
  backupMaxAgeSeconds: 26 * 3600,
  apiTimeoutMs: 2000,
};
const OK: AreaState = { state: 'ok' };
const allOk: Record<CheckArea, AreaState> = { api: OK, broker: OK, database: OK };

function healthyDb(over: Partial<DatabaseSnapshot> = {}): DatabaseSnapshot {
  return {
    primaryReachable: true,
    connections: 5,
    maxConnections: 100,
    blocking: [],
    failedMigrations: 0,
    primaryDegraded: null,
    replicas: [{ name: 'r1', lagSeconds: 0, replayPaused: false, seenFrom: 'both', reachable: true }],
    lastBackupAt: AT - 3600_000,
    archiver: {
      mode: 'on',
      archivedCount: 10,
      lastArchivedWal: 'W1',
      lastArchivedAt: AT - 60_000,
      failedCount: 0,
      lastFailedWal: null,
      lastFailedAt: null,
    },
    backup: { lastOkAt: AT - 3600_000, lastFinishedAt: AT - 3600_000, lastStatus: 'ok', lastFailedAt: null },
    freshness: (['crawl', 'rank', 'reviews'] as const).map((kind) => ({
      kind,
      thresholdSeconds: kind === 'reviews' ? 172800 : 86400,
      activeCampaigns: 4,
      staleCampaigns: 0,
      neverRun: 0,
      oldestAgeSeconds: 3600,
      worst: [],
    })),
    partErrors: {},
    ...over,
  };
}

function healthy(over: Partial<Snapshot> = {}): Snapshot {
  return snap(
    {
      queues: [queue('crawl', { drainPerMinute: 10 }), queue('rank', { drainPerMinute: 10 })],
      api: { healthy: true, latencyMs: 40, detail: 'ok', checkedAt: AT },
      database: healthyDb(),
      ...over,
    },
    AT,
  );
}

function run(s: Snapshot, over: Partial<ChecklistInput> = {}) {
  return runChecklist({ snapshot: s, thresholds: T, queues: ['crawl', 'rank'], replicas: ['r1'], areas: allOk, ...over });
}

const find = (checks: CheckResult[], id: string, target?: string) =>
  checks.filter((c) => c.id === id && (target === undefined || c.target === target));

describe('overall status and exit codes (monitoring-plugin convention)', () => {
  const c = (status: CheckResult['status']): CheckResult => ({
    id: 'queue-lag',
    item: 2,
    target: 'q',
    status,
    value: 0,
    unit: 's',
    threshold: 1,
    warnAt: null,
    detail: '',
  });
  it('breach > unknown > warn > ok', () => {
    expect(overallStatus([c('ok'), c('warn'), c('unknown'), c('breach')])).toBe('breach');
    expect(overallStatus([c('ok'), c('warn'), c('unknown')])).toBe('unknown');
    expect(overallStatus([c('ok'), c('warn')])).toBe('warn');
    expect(overallStatus([c('ok')])).toBe('ok');
    expect(EXIT_CODE).toEqual({ ok: 0, warn: 1, breach: 2, unknown: 3 });
  });

  it('a healthy snapshot: every check ok, exit 0, in the checklist order', () => {
    const r = run(healthy());
    expect(r.checks.filter((x) => x.status !== 'ok')).toEqual([]);
    expect(r).toMatchObject({ status: 'ok', exitCode: 0 });
    expect(r.checks.map((x) => x.item)).toEqual([...r.checks.map((x) => x.item)].sort());
    expect(r.summary.ok).toBe(r.checks.length);
    expect(r.checks.map((x) => `${x.id}:${x.target}`)).toEqual([
      'api-health:api',
      'worker-heartbeat:w1@crawl',
      'queue-lag:crawl',
      'queue-lag:rank',
      'failure-ratio:crawl',
      'failure-ratio:rank',
      'dead-letter-growth:crawl',
      'dead-letter-growth:rank',
      'freshness:crawl',
      'freshness:rank',
      'freshness:reviews',
      'backup:primary',
      'wal-archiving:primary',
      'replica-lag:r1',
    ]);
  });
});

describe('grading at, below and above the line', () => {
  it('queue lag: at the threshold is a warning, above it a breach, at 80% ok', () => {
    const at = (lag: number) =>
      find(run(healthy({ queues: [queue('crawl', { lagSeconds: lag, lagMethod: 'stamped' })] })).checks, 'queue-lag', 'crawl')[0];
    expect(at(720)?.status).toBe('ok');
    expect(at(720.5)?.status).toBe('warn');
    expect(at(900)?.status).toBe('warn');
    expect(at(900.5)).toMatchObject({ status: 'breach', value: 900.5, threshold: 900, warnAt: 720, unit: 's' });
  });

  it('queue lag: unknown lag could not run; an unstamped head says lower bound', () => {
    expect(
      find(
        run(healthy({ queues: [queue('crawl', { lagSeconds: null, lagMethod: 'unknown', depth: 3 })] })).checks,
        'queue-lag',
        'crawl',
      )[0],
    ).toMatchObject({ status: 'unknown', detail: 'could not run: lag could not be determined (depth 3)' });
    expect(
      find(run(healthy({ queues: [queue('crawl', { lagSeconds: 1000, lagMethod: 'first-seen' })] })).checks, 'queue-lag', 'crawl')[0]
        ?.detail,
    ).toContain('lower bound');
  });

  it('a configured queue the broker did not report could not run; an extra reported queue is checked too', () => {
    const r = run(healthy({ queues: [queue('crawl'), queue('surprise', { lagSeconds: 2000 }), queue('crawl.dead')] }));
    expect(find(r.checks, 'queue-lag', 'rank')[0]).toMatchObject({
      status: 'unknown',
      detail: 'could not run: queue not reported by the broker',
    });
    expect(find(r.checks, 'queue-lag', 'surprise')[0]?.status).toBe('breach');
    expect(find(r.checks, 'queue-lag', 'crawl.dead')).toEqual([]);
  });

  it('failure ratio: the 24h figures when the source has them, else the 1h window, said so; too few runs not judged', () => {
    const with24 = run(healthy({ queues: [queue('crawl', { last24h: { failures: 6, succeeded: 94, deadLettered: 0 } })] }));
    expect(find(with24.checks, 'failure-ratio', 'crawl')[0]).toMatchObject({
      status: 'breach',
      value: 0.06,
      window: '24h',
      detail: '6/100 failed = 6.0%, previous 24h',
    });
    const oneHour = run(
      healthy({
        queues: [
          queue('crawl', { drainPerMinute: 1, failuresByClass: { transient: 2, validation: 1, provider: 0, parser: 0, unclassified: 0 } }),
        ],
      }),
    );
    expect(find(oneHour.checks, 'failure-ratio', 'crawl')[0]).toMatchObject({ status: 'warn', value: 0.05, window: '1h' });
    expect(find(oneHour.checks, 'failure-ratio', 'crawl')[0]?.detail).toBe('3/60 failed = 5.0%, last 1h (no 24h history from the source)');
    const few = run(healthy({ queues: [queue('crawl', { last24h: { failures: 5, succeeded: 5, deadLettered: 0 } })] }));
    // Too few runs is not judged, and not judged is not OK.
    expect(find(few.checks, 'failure-ratio', 'crawl')[0]).toMatchObject({ status: 'unknown', value: 0.5 });
  });

  it('failure ratio without 24h history: failures over the tasks finished in the same event window, and how long it was', () => {
    // 5 s of events: 9 of 100 finished tasks failed for good. The drain rate extrapolated to an
    // hour (1,200/min) must not be the denominator.
    const r = run(
      healthy({
        queues: [
          queue('reviews', {
            drainPerMinute: 1200,
            finishedInWindow: 100,
            eventWindowSeconds: 5,
            failuresByClass: { transient: 0, validation: 0, provider: 0, parser: 9, unclassified: 0 },
          }),
        ],
      }),
    );
    const c = find(r.checks, 'failure-ratio', 'reviews')[0];
    expect(c).toMatchObject({ value: 0.09, window: '1h', status: 'breach' });
    expect(c?.detail).toMatch(/^9\/100 failed = 9\.0%, last 5s of events/);
  });

  it('dead-letter growth against its baseline (floored), 24h growth when known', () => {
    const r = run(healthy({ queues: [queue('crawl', { deadLetterGrowthPerHour: 7, deadLetterBaselinePerHour: 2, deadLetters: 40 })] }));
    expect(find(r.checks, 'dead-letter-growth', 'crawl')[0]).toMatchObject({ status: 'breach', value: 3.5, unit: 'x', threshold: 3 });
    const floored = run(healthy({ queues: [queue('crawl', { deadLetterGrowthPerHour: 2.5, deadLetterBaselinePerHour: 0.1 })] }));
    expect(find(floored.checks, 'dead-letter-growth', 'crawl')[0]).toMatchObject({ status: 'warn', value: 2.5 });
    const day = run(
      healthy({
        queues: [
          queue('crawl', {
            deadLetterGrowthPerHour: 50,
            deadLetterBaselinePerHour: 2,
            last24h: { failures: 0, succeeded: 100, deadLettered: 24 },
          }),
        ],
      }),
    );
    expect(find(day.checks, 'dead-letter-growth', 'crawl')[0]).toMatchObject({ status: 'ok', value: 0.5 });
  });

  it('API: unhealthy is a breach, slow is a warning, not checked could not run', () => {
    const api = (a: Snapshot['api']) => find(run(healthy({ api: a })).checks, 'api-health')[0];
    expect(api({ healthy: false, latencyMs: null, detail: 'connection refused', checkedAt: AT })).toMatchObject({
      status: 'breach',
      detail: 'unhealthy: connection refused',
    });
    expect(api({ healthy: true, latencyMs: 1700, detail: 'ok', checkedAt: AT })).toMatchObject({
      status: 'warn',
      value: 1700,
      threshold: 2000,
    });
    expect(api({ healthy: true, latencyMs: null, detail: 'not checked', checkedAt: null })?.status).toBe('unknown');
  });

  it('workers: none seen is a breach, one offline among online a warning, all offline a breach', () => {
    const w = (hostname: string, online: boolean) => ({
      hostname,
      queues: ['crawl'],
      concurrency: 2,
      active: 0,
      lastHeartbeatAt: AT - 5000,
      online,
      offlineSince: online ? null : AT - 1000,
    });
    expect(find(run(healthy({ workers: [] })).checks, 'worker-heartbeat')).toMatchObject([
      { status: 'breach', target: 'workers', detail: 'no worker heartbeat seen' },
    ]);
    const mixed = find(run(healthy({ workers: [w('a', true), w('b', false)] })).checks, 'worker-heartbeat');
    expect(mixed.map((c) => [c.target, c.status, c.value])).toEqual([
      ['a', 'ok', 5],
      ['b', 'warn', 5],
    ]);
    expect(find(run(healthy({ workers: [w('a', false), w('b', false)] })).checks, 'worker-heartbeat').map((c) => c.status)).toEqual([
      'breach',
      'breach',
    ]);
  });

  it('freshness: a stale active campaign is a breach, the oldest near the limit a warning, no table could not run', () => {
    const db = healthyDb();
    const fresh = db.freshness ?? [];
    const stale = run(
      healthy({
        database: {
          ...db,
          freshness: [
            { ...fresh[0]!, staleCampaigns: 2, neverRun: 1, worst: [{ id: '7', name: 'Acme', ageSeconds: null }] },
            fresh[1]!,
            { ...fresh[2]!, oldestAgeSeconds: 150_000 },
          ],
        },
      }),
    );
    expect(find(stale.checks, 'freshness', 'crawl')[0]).toMatchObject({
      status: 'breach',
      value: 2,
      threshold: 0,
      campaigns: [{ id: '7', name: 'Acme', ageSeconds: null }],
    });
    expect(find(stale.checks, 'freshness', 'crawl')[0]?.detail).toBe(
      '2 of 4 active campaigns older than 24h00m (1 never); stalest Acme (never)',
    );
    expect(find(stale.checks, 'freshness', 'reviews')[0]?.status).toBe('warn');
    const none = run(healthy({ database: { ...db, freshness: null } }));
    expect(find(none.checks, 'freshness').map((c) => [c.status, c.detail])).toEqual(
      Array(3).fill(['unknown', 'could not run: table campaigns not found']),
    );
    const errored = run(healthy({ database: { ...db, partErrors: { freshness: 'canceling statement due to statement timeout' } } }));
    expect(find(errored.checks, 'freshness', 'rank')[0]?.detail).toBe('could not run: canceling statement due to statement timeout');
  });

  it('backup: too old is a breach, a later failed run a warning, none at all a breach', () => {
    const db = healthyDb();
    const b = (backup: DatabaseSnapshot['backup']) => find(run(healthy({ database: { ...db, backup } })).checks, 'backup')[0];
    expect(b({ lastOkAt: AT - 27 * 3600_000, lastFinishedAt: null, lastStatus: 'ok', lastFailedAt: null })).toMatchObject({
      status: 'breach',
      value: 27 * 3600,
    });
    expect(b({ lastOkAt: AT - 3600_000, lastFinishedAt: AT - 600_000, lastStatus: 'failed', lastFailedAt: AT - 600_000 })?.status).toBe(
      'warn',
    );
    expect(b({ lastOkAt: null, lastFinishedAt: AT, lastStatus: 'failed', lastFailedAt: AT })).toMatchObject({
      status: 'breach',
      detail: 'no completed backup in ops_backups (last run: failed)',
    });
    expect(b(null)?.status).toBe('unknown');
  });

  it('WAL archiving: failing since the last success is a breach; archive_mode off is fine', () => {
    const db = healthyDb();
    const a = (archiver: DatabaseSnapshot['archiver']) => find(run(healthy({ database: { ...db, archiver } })).checks, 'wal-archiving')[0];
    const base = db.archiver!;
    expect(a({ ...base, failedCount: 3, lastFailedWal: 'W2', lastFailedAt: AT - 1000 })?.status).toBe('breach');
    expect(a({ ...base, failedCount: 3, lastFailedWal: 'W0', lastFailedAt: AT - 3600_000 })?.status).toBe('ok');
    expect(a({ ...base, mode: 'off' })?.detail).toBe('archive_mode off: WAL archiving not in use');
  });

  it('replicas: above the line a breach, paused a warning, unreachable a breach, unread could not run', () => {
    const db = healthyDb();
    const r = (replicas: DatabaseSnapshot['replicas'], expected = ['r1']) =>
      find(run(healthy({ database: { ...db, replicas } }), { replicas: expected }).checks, 'replica-lag');
    expect(r([{ name: 'r1', lagSeconds: 61, replayPaused: false, seenFrom: 'both', reachable: true }])[0]).toMatchObject({
      status: 'breach',
      value: 61,
      threshold: 60,
      warnAt: 48,
    });
    expect(r([{ name: 'r1', lagSeconds: 60, replayPaused: false, seenFrom: 'both', reachable: true }])[0]?.status).toBe('warn');
    expect(r([{ name: 'r1', lagSeconds: 2, replayPaused: true, seenFrom: 'both', reachable: true }])[0]).toMatchObject({
      status: 'warn',
      detail: 'replay lag 2s, limit 1m00s (seen from both; replay paused)',
    });
    expect(
      r([
        {
          name: 'r1',
          lagSeconds: null,
          replayPaused: false,
          seenFrom: 'replica',
          reachable: false,
          error: 'replica h:5433 unreachable: refused',
        },
      ])[0],
    ).toMatchObject({ status: 'breach', value: null });
    expect(r([])[0]).toMatchObject({ target: 'r1', status: 'unknown', detail: 'could not run: nothing read about this replica' });
    expect(r([], [])[0]).toMatchObject({ target: 'replicas', status: 'ok' });
    // Promoted to primary: no longer a replica, no lag to judge.
    expect(r([{ name: 'r1', lagSeconds: null, replayPaused: false, seenFrom: 'replica', reachable: true, promoted: true }])).toEqual([
      expect.objectContaining({
        target: 'r1',
        status: 'ok',
        value: null,
        detail: 'promoted: now the primary (no longer a replica, no replay lag)',
      }),
    ]);
  });
});

describe('checks that could not run', () => {
  it('an area without a configured source: unknown with the hint, exit 3', () => {
    const r = run(healthy(), { areas: { api: { state: 'not-configured', hint: 'set LSOS_API_URL' }, broker: OK, database: OK } });
    expect(find(r.checks, 'api-health')[0]).toMatchObject({
      status: 'unknown',
      detail: 'could not run: not configured (set LSOS_API_URL)',
    });
    expect(r).toMatchObject({ status: 'unknown', exitCode: 3 });
  });

  it('an unreachable broker: every queue and worker check unknown; a breach elsewhere still wins (exit 2)', () => {
    const broker: AreaState = { state: 'unreachable', error: 'redis: connect ECONNREFUSED' };
    const r = run(healthy({ api: { healthy: false, latencyMs: null, detail: 'HTTP 500', checkedAt: AT } }), {
      areas: { api: OK, broker, database: OK },
    });
    const brokerChecks = r.checks.filter((c) => ['worker-heartbeat', 'queue-lag', 'failure-ratio', 'dead-letter-growth'].includes(c.id));
    expect(brokerChecks).toHaveLength(7);
    expect(new Set(brokerChecks.map((c) => c.detail))).toEqual(new Set(['could not run: source unreachable: redis: connect ECONNREFUSED']));
    expect(r).toMatchObject({ status: 'breach', exitCode: 2 });
    expect(r.summary).toMatchObject({ breach: 1, unknown: 7 });
  });

  it('the primary unreachable: its checks could not run, the replicas are still judged', () => {
    const db = healthyDb({ primaryReachable: false, primaryError: 'connect ECONNREFUSED 127.0.0.1:5432' });
    const r = run(healthy({ database: db }));
    for (const id of ['freshness', 'backup', 'wal-archiving']) {
      for (const c of find(r.checks, id))
        expect(c).toMatchObject({ status: 'unknown', detail: 'could not run: primary unreachable: connect ECONNREFUSED 127.0.0.1:5432' });
    }
    expect(find(r.checks, 'replica-lag', 'r1')[0]?.status).toBe('ok');
    expect(r.exitCode).toBe(3);
  });

  it('--only runs just the named checks', () => {
    const r = run(healthy({ api: { healthy: false, latencyMs: null, detail: 'x', checkedAt: AT } }), { only: ['replica-lag', 'backup'] });
    expect(r.checks.map((c) => c.id)).toEqual(['backup', 'replica-lag']);
    expect(r.exitCode).toBe(0);
  });
});
