// Data completeness (runbook 4 step 1) on a real PostgreSQL primary and streaming replica: a month
// with missing days reported day by day (UTC days), gaps older than the providers' 30-day history
// marked irrecoverable, thousands of campaigns in one query, and the statement timeout holding.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPLETENESS_SQL, readCompleteness } from '../../src/sources/postgres/completeness.js';
import { createReadOnlyPool } from '../../src/sources/postgres/pool.js';
import { monthWindow } from '../../src/core/completeness.js';
import { createDispatcher } from '../../src/ui/registry/dispatcher.js';
import { createReportingServices } from '../../src/control/reporting/services.js';
import { testRegistry } from '../ui/fixtures.js';
import { createCockpitStore } from '../../src/ui/state/store.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requirePg, startReplicaPair, type PgReplicaPair } from '../support/pgReplica.js';
import { LOAD_SLACK_MS } from '../support/timing.js';
import { createLsosTables, DB, fillMonth, truthMissing } from '../runbook/lsosTables.js';

const ok = requirePg('completeness (PostgreSQL primary + replica)');
// The report month October 2026, judged on 20 November 12:00 UTC: days before 22 October are
// older than 30 days (irrecoverable); 22–31 October can still be backfilled.
const MONTH = '2026-10';
const NOW = Date.parse('2026-11-20T12:00:00Z');

describe.runIf(ok)('data completeness on a real primary and replica', () => {
  let pair: PgReplicaPair;
  let primaryPool: pg.Pool;
  let replicaPool: pg.Pool;

  beforeAll(async () => {
    pair = await startReplicaPair();
    await createLsosTables(pair.primary);
    await pair.primary.query(
      `insert into campaigns (id, name, owner_email) values (1, 'full', 'a@x.test'), (2, 'gappy', 'b@x.test'), (3, 'empty', 'c@x.test');
       insert into campaigns (id, name, active, owner_email) values (4, 'inactive', false, 'd@x.test')`,
      [],
      DB,
    );
    await fillMonth(pair.primary, 1, MONTH);
    await fillMonth(pair.primary, 2, MONTH, {
      skipRank: ['2026-10-05', '2026-10-06', '2026-10-08'],
      skipCrawl: ['2026-10-06', '2026-10-25'],
    });
    // UTC days: 01:00 on the 8th at +02:00 is the 7th in UTC, so the 8th still lacks rank results.
    await pair.primary.query(`insert into rank_results (campaign_id, checked_at) values (2, '2026-10-08T01:00:00+02:00')`, [], DB);
    // Outside the month on both sides: must not count.
    await pair.primary.query(
      `insert into rank_results (campaign_id, checked_at) values (3, '2026-09-30T23:59:59Z'), (3, '2026-11-01T00:00:00Z')`,
      [],
      DB,
    );
    // Ceilings, not behaviour (the statement-timeout test below has its own 300 ms pool): the
    // 3,000-campaign query takes seconds on a busy machine.
    primaryPool = createReadOnlyPool(pair.primary.url(DB), { statementTimeoutMs: 30_000 });
    replicaPool = createReadOnlyPool(pair.replica.url(DB), { statementTimeoutMs: 30_000 });
    await pair.waitForCatchUp();
  }, 180_000);

  afterAll(async () => {
    await primaryPool?.end();
    await replicaPool?.end();
    await pair?.cleanup();
  });

  it('reports each missing day per campaign as the server holds it, irrecoverable before the history window', async () => {
    const r = await readCompleteness(primaryPool, { month: MONTH, campaigns: ['1', '2', '3', '99'], now: NOW });
    const w = monthWindow(MONTH, NOW);
    expect(w.days).toHaveLength(31);
    expect(w.historyCutoff).toBe('2026-10-22');
    expect(r.unknownCampaigns).toEqual(['99']);
    for (const id of ['1', '2', '3']) {
      const c = r.campaigns.find((x) => x.id === id);
      expect(c, `campaign ${id}`).toBeDefined();
      const truth = await truthMissing(pair.primary, Number(id), w.days);
      expect(c?.missing.filter((m) => m.rank).map((m) => m.day)).toEqual(truth.rank);
      expect(c?.missing.filter((m) => m.crawl).map((m) => m.day)).toEqual(truth.crawl);
      const missingAny = [...new Set([...truth.rank, ...truth.crawl])].sort();
      expect(c?.missing.map((m) => m.day)).toEqual(missingAny);
      expect(c?.irrecoverableDays).toEqual(missingAny.filter((d) => d < '2026-10-22'));
      expect(c?.complete).toBe(missingAny.length === 0);
    }
    const gappy = r.campaigns.find((c) => c.id === '2');
    // The gaps seeded, day by day: 5, 6 (both kinds on the 6th) and 8 (the UTC edge) are lost; the 25th is not.
    expect(gappy?.missing).toEqual([
      { day: '2026-10-05', rank: true, crawl: false, irrecoverable: true },
      { day: '2026-10-06', rank: true, crawl: true, irrecoverable: true },
      { day: '2026-10-08', rank: true, crawl: false, irrecoverable: true },
      { day: '2026-10-25', rank: false, crawl: true, irrecoverable: false },
    ]);
    expect(gappy?.ownerEmail).toBe('b@x.test');
    expect(r.campaigns.find((c) => c.id === '3')?.missing).toHaveLength(31);
    expect(r.totals).toMatchObject({ campaigns: 3, incomplete: 2, withIrrecoverable: 2 });
  });

  it('with no campaign list checks every active campaign (not the inactive one)', async () => {
    const r = await readCompleteness(primaryPool, { month: MONTH, campaigns: null, now: NOW });
    const active = await pair.primary.query<{ id: string }>('select id::text as id from campaigns where active order by id', [], DB);
    expect(r.campaigns.map((c) => c.id).sort()).toEqual(active.map((a) => a.id));
  });

  it('the running month is judged only up to yesterday', async () => {
    const now = Date.parse('2026-10-10T08:00:00Z');
    const r = await readCompleteness(primaryPool, { month: MONTH, campaigns: ['3'], now });
    expect(r.window.through).toBe('2026-10-09');
    expect(r.campaigns[0]?.missing.map((m) => m.day)).toEqual(monthWindow(MONTH, now).days);
    expect(r.campaigns[0]?.irrecoverableDays).toEqual([]);
  });

  it('reads the same from the streaming replica', async () => {
    const a = await readCompleteness(primaryPool, { month: MONTH, campaigns: null, now: NOW });
    const b = await readCompleteness(replicaPool, { month: MONTH, campaigns: null, now: NOW });
    expect(b.campaigns).toEqual(a.campaigns);
  });

  it('thousands of campaigns are one query', async () => {
    await pair.primary.query(
      `insert into campaigns (id, name, owner_email) select g, 'bulk ' || g, 'bulk' || (g % 50) || '@x.test' from generate_series(1000, 3999) g;
       insert into rank_results (campaign_id, checked_at) select g, d + interval '6 hours' from generate_series(1000, 3999) g, generate_series('2026-10-01'::date, '2026-10-31'::date, interval '1 day') d where (g + extract(day from d)::int) % 7 <> 0;
       insert into crawl_pages (campaign_id, fetched_at) select g, d + interval '6 hours' from generate_series(1000, 3999) g, generate_series('2026-10-01'::date, '2026-10-31'::date, interval '1 day') d`,
      [],
      DB,
    );
    const ids = Array.from({ length: 3000 }, (_, i) => String(1000 + i));
    const queries: string[] = [];
    const counting = {
      query: (sql: string, params?: unknown[]) => (queries.push(sql), primaryPool.query(sql, params)),
    } as unknown as pg.Pool;
    const t0 = Date.now();
    const r = await readCompleteness(counting, { month: MONTH, campaigns: ids, now: NOW });
    const took = Date.now() - t0;
    expect(queries).toEqual([COMPLETENESS_SQL]);
    expect(r.campaigns).toHaveLength(3000);
    // Truth from the server: days without rank results per campaign, counted there.
    const [truth] = await pair.primary.query<{ n: number }>(
      `select count(*)::int as n from generate_series(1000, 3999) g, generate_series('2026-10-01'::date, '2026-10-31'::date, interval '1 day') d
        where not exists (select 1 from rank_results r where r.campaign_id = g and r.checked_at >= d and r.checked_at < d + interval '1 day')`,
      [],
      DB,
    );
    expect(r.totals.missingDays).toBe(truth?.n);
    expect(took).toBeLessThan(10_000);
  });

  it('a lock on rank_results cannot hang the check: the statement timeout ends it', async () => {
    const fast = createReadOnlyPool(pair.primary.url(DB), { statementTimeoutMs: 300 });
    const locker = await pair.primary.client(DB);
    try {
      await locker.query('begin');
      await locker.query('lock table rank_results in access exclusive mode');
      const t0 = Date.now();
      await expect(readCompleteness(fast, { month: MONTH, campaigns: ['2'], now: NOW })).rejects.toThrow(/statement timeout/);
      expect(Date.now() - t0).toBeLessThan(300 + LOAD_SLACK_MS); // its statement timeout, not the lock's holder
    } finally {
      await locker.query('rollback').catch(() => undefined);
      await locker.end();
      await fast.end();
    }
  });

  it('the cockpit binding shows campaign, owner and missing days, and records the check in the timeline', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'lsos-completeness-'));
    const recorder = new IncidentRecorder({ stateDir, operator: 'tester' });
    recorder.openIncident('report failures');
    const store = createCockpitStore({ session: { operator: 'tester' } });
    const svc = createReportingServices({
      databaseUrl: pair.primary.url(DB),
      statementTimeoutMs: 30_000,
      checks: [],
      recorder,
      now: () => NOW,
    });
    store.getState().setUi({ focus: 'failures' });
    try {
      const dispatcher = createDispatcher({ store, bindings: testRegistry({ reporting: svc }) });
      expect(await dispatcher.attempt('completeness', { args: { text: `${MONTH} 2,3` } })).toEqual({ status: 'prompted' });
      const o = store.getState().ui.overlay;
      const body = o?.kind === 'message' ? o.body : '';
      expect(body).toContain('2 gappy (b@x.test): ! irrecoverable 2026-10-05..06, 2026-10-08 missing 2026-10-25');
      expect(body).toMatch(/3 empty \(c@x\.test\): ! irrecoverable 2026-10-01\.\.21 missing 2026-10-22\.\.31/);
      const e = recorder.view()?.entries.filter((x) => x.kind === 'action' && x.details.action === 'check-completeness') ?? [];
      expect(e).toHaveLength(1);
      expect(e[0]?.details).toMatchObject({ target: MONTH, section: '4.1', historyCutoff: '2026-10-22' });
    } finally {
      await svc.close();
      recorder.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('the session is read-only', async () => {
    await expect(primaryPool.query('delete from rank_results')).rejects.toThrow(/read-only transaction/);
  });
});
