// Integrity checks (runbook 6 step 4) on a real PostgreSQL primary and streaming replica: the
// validated YAML, each verdict with the figures it was judged on (compared with the server's own
// answer), amcheck where the extension exists and skipped with the reason where it does not, and
// every result recorded in the incident's timeline and its PIR (from the cockpit binding).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadOnlyPool } from '../../src/sources/postgres/pool.js';
import { createCockpitStore } from '../../src/ui/state/store.js';
import { createReportingServices } from '../../src/control/reporting/services.js';
import { testRegistry } from '../ui/fixtures.js';
import { createDispatcher } from '../../src/ui/registry/dispatcher.js';
import { renderPir } from '../../src/core/pir.js';
import { exampleIntegrityChecks, IntegrityConfigError, parseIntegrityChecks } from '../../src/control/integrity/config.js';
import { runIntegrityOnPool } from '../../src/control/integrity/run.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { requirePg, startReplicaPair, type PgReplicaPair } from '../support/pgReplica.js';
import { createLsosTables, DB, fillMonth } from '../runbook/lsosTables.js';

const ok = requirePg('integrity checks (PostgreSQL primary + replica)');

const CHECKS_YAML = `
integrity_checks:
  - name: orphan-rank-results
    sql: select count(*)::bigint as orphans from rank_results r left join campaigns c on c.id = r.campaign_id where c.id is null
    expect: { equals: 0 }
    requires: { tables: [rank_results, campaigns] }
  - name: pages-match-rank-results
    description: one crawled page per rank result in this fixture (row counts that must match)
    sql: select (select count(*) from crawl_pages)::bigint as pages, (select count(*) from rank_results)::bigint as ranks
    expect: { columnsEqual: [pages, ranks] }
  - name: campaigns-at-least
    sql: select count(*) from campaigns
    expect: { min: 1, max: 100 }
  - name: no-ownerless-active
    sql: select id from campaigns where active and owner_email is null
    expect: { rows: 0 }
  - name: reviews-table
    sql: select count(*) from review_results
    expect: { equals: 0 }
    requires: { table: review_results }
  - name: btree-indexes
    amcheck: { schema: public }
`;

describe('integrity check configuration', () => {
  it('takes the documented shape and the built-in examples', () => {
    const checks = parseIntegrityChecks(CHECKS_YAML);
    expect(checks.map((c) => c.name)).toEqual([
      'orphan-rank-results',
      'pages-match-rank-results',
      'campaigns-at-least',
      'no-ownerless-active',
      'reviews-table',
      'btree-indexes',
    ]);
    expect(exampleIntegrityChecks().length).toBeGreaterThanOrEqual(4);
  });

  it('names every problem with where it is', () => {
    const bad = `
integrity_checks:
  - name: Bad Name
    sql: select 1; delete from x
    expect: { equals: 0, rows: 1 }
  - name: ok-one
    sql: select 1
    expect: { columnsEqual: [a] }
    extra: 1
  - name: ok-one
    sql: select 1
    expect: { min: 5, max: 1 }
`;
    let err: IntegrityConfigError | null = null;
    try {
      parseIntegrityChecks(bad, 'checks.yaml');
    } catch (e) {
      err = e as IntegrityConfigError;
    }
    expect(err).toBeInstanceOf(IntegrityConfigError);
    const text = err?.problems.join('\n') ?? '';
    expect(text).toMatch(/integrity_checks\[0\]\.name/);
    expect(text).toMatch(/one statement only/);
    expect(text).toMatch(/exactly one of equals/);
    expect(text).toMatch(/integrity_checks\[1\] \(ok-one\)\.expect\.columnsEqual/);
    expect(text).toMatch(/unknown key "extra"/);
    expect(text).toMatch(/min 5 is above max 1/);
    expect(() => parseIntegrityChecks('integrity_checks: [{ name: x, sql: "select 1" }]')).toThrow(/expect is needed/);
    expect(() => parseIntegrityChecks(': : :')).toThrow(IntegrityConfigError);
  });
});

describe.runIf(ok)('integrity checks on a real primary and replica', () => {
  let pair: PgReplicaPair;
  let pool: pg.Pool;
  let stateDir: string;

  beforeAll(async () => {
    pair = await startReplicaPair();
    await createLsosTables(pair.primary);
    await pair.primary.query(`create extension amcheck`, [], DB);
    await pair.primary.query(`insert into campaigns (id, name, owner_email) values (1, 'one', 'a@x.test'), (2, 'two', 'b@x.test')`, [], DB);
    await fillMonth(pair.primary, 1, '2026-10');
    await fillMonth(pair.primary, 2, '2026-10');
    pool = createReadOnlyPool(pair.primary.url(DB), { statementTimeoutMs: 5000 });
    stateDir = mkdtempSync(join(tmpdir(), 'lsos-integrity-'));
  }, 180_000);

  afterAll(async () => {
    await pool?.end();
    await pair?.cleanup();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  const server = () => `127.0.0.1:${pair.primary.port}/${DB}`;

  it('passes on consistent data, amcheck included, and skips what is not there with the reason', async () => {
    const run = await runIntegrityOnPool(pool, parseIntegrityChecks(CHECKS_YAML), { server: server() });
    const by = Object.fromEntries(run.results.map((r) => [r.name, r]));
    expect(by['orphan-rank-results']).toMatchObject({ status: 'pass', figures: { value: 0 } });
    const [counts] = await pair.primary.query<{ pages: number; ranks: number; campaigns: number }>(
      'select (select count(*) from crawl_pages)::int as pages, (select count(*) from rank_results)::int as ranks, (select count(*) from campaigns)::int as campaigns',
      [],
      DB,
    );
    expect(by['pages-match-rank-results']).toMatchObject({
      status: 'pass',
      figures: { pages: counts?.pages, ranks: counts?.ranks, mismatched: 0 },
    });
    expect(by['campaigns-at-least']).toMatchObject({ status: 'pass', figures: { value: counts?.campaigns } });
    expect(by['no-ownerless-active']).toMatchObject({ status: 'pass', figures: { rows: 0 } });
    expect(by['reviews-table']?.status).toBe('skipped');
    expect(by['reviews-table']?.detail).toMatch(/table review_results does not exist/);
    const [idx] = await pair.primary.query<{ n: number }>(
      `select count(*)::int as n from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am a on a.oid = c.relam join pg_namespace n on n.oid = c.relnamespace where a.amname = 'btree' and n.nspname = 'public'`,
      [],
      DB,
    );
    expect(by['btree-indexes']).toMatchObject({ status: 'pass', figures: { indexes: idx?.n, failed: 0 } });
    expect(run.summary).toEqual({ pass: 5, fail: 0, skipped: 1, error: 0 });
  });

  it('skips amcheck with the reason in a database without the extension', async () => {
    const bare = createReadOnlyPool(pair.primary.url('postgres'), { statementTimeoutMs: 5000 });
    try {
      const run = await runIntegrityOnPool(
        bare,
        parseIntegrityChecks(CHECKS_YAML).filter((c) => c.name === 'btree-indexes'),
        { server: 'postgres' },
      );
      expect(run.results[0]?.status).toBe('skipped');
      expect(run.results[0]?.detail).toMatch(/extension amcheck is not installed in database postgres/);
    } finally {
      await bare.end();
    }
  });

  it('runs on the streaming replica too (read-only checks)', async () => {
    await pair.waitForCatchUp();
    const rp = createReadOnlyPool(pair.replica.url(DB), { statementTimeoutMs: 5000 });
    try {
      const run = await runIntegrityOnPool(rp, parseIntegrityChecks(CHECKS_YAML), { server: 'replica' });
      expect(run.summary.fail + run.summary.error).toBe(0);
      expect(run.results.find((r) => r.name === 'btree-indexes')?.status).toBe('pass');
    } finally {
      await rp.end();
    }
  });

  it('a failing check is recorded as failed with its figures, in the timeline and the PIR', async () => {
    // Break the data: orphaned rank results and a page with no rank result.
    await pair.primary.query(`insert into rank_results (campaign_id, checked_at) values (77, now()), (78, now()), (78, now())`, [], DB);
    const [truth] = await pair.primary.query<{ orphans: number; pages: number; ranks: number }>(
      `select (select count(*) from rank_results r left join campaigns c on c.id = r.campaign_id where c.id is null)::int as orphans,
              (select count(*) from crawl_pages)::int as pages, (select count(*) from rank_results)::int as ranks`,
      [],
      DB,
    );
    const recorder = new IncidentRecorder({ stateDir, operator: 'tester' });
    recorder.openIncident('primary degraded, service restored');
    const store = createCockpitStore({ session: { operator: 'tester' } });
    const svc = createReportingServices({
      databaseUrl: pair.primary.url(DB),
      statementTimeoutMs: 5000,
      checks: parseIntegrityChecks(CHECKS_YAML),
      recorder,
    });
    const dispatcher = createDispatcher({ store, bindings: testRegistry({ reporting: svc }) });
    store.getState().setUi({ focus: 'replicas' });
    try {
      const outcome = await dispatcher.attempt('integrity-checks');
      expect(outcome).toEqual({ status: 'prompted' });
    } finally {
      await svc.close();
    }
    const view = recorder.view();
    const entries = view?.entries.filter((e) => e.kind === 'integrity-check') ?? [];
    expect(entries).toHaveLength(6);
    const orphan = entries.find((e) => e.details.check === 'orphan-rank-results');
    expect(orphan?.details).toMatchObject({ status: 'fail', expect: '= 0', figures: { value: truth?.orphans } });
    expect(truth?.orphans).toBe(3);
    const match = entries.find((e) => e.details.check === 'pages-match-rank-results');
    expect(match?.details).toMatchObject({ status: 'fail', figures: { pages: truth?.pages, ranks: truth?.ranks, mismatched: 1 } });
    const overlay = store.getState().ui.overlay;
    expect(overlay?.kind === 'message' && overlay.body).toMatch(/FAIL +orphan-rank-results: orphans = 3, expected 0/);
    // The PIR lists every result under Actions taken.
    const pir = renderPir(view!);
    const section = pir.slice(pir.indexOf('## Actions taken'), pir.indexOf('## Escalations'));
    expect(section).toContain('### Integrity checks');
    expect(section).toMatch(/\| orphan-rank-results \| FAIL \| = 0 \| value=3/);
    expect(section).toMatch(
      new RegExp(`pages-match-rank-results \\| FAIL \\| pages = ranks in every row \\| pages=${truth?.pages}, ranks=${truth?.ranks}`),
    );
    expect(section).toMatch(/btree-indexes \| PASS/);
    expect(section).toMatch(/reviews-table \| SKIPPED/);
    recorder.close();
  });

  it('a statement timeout is an error for that check only; the next still runs', async () => {
    const fast = createReadOnlyPool(pair.primary.url(DB), { statementTimeoutMs: 200 });
    try {
      const checks = parseIntegrityChecks(`
integrity_checks:
  - { name: slow, sql: "select pg_sleep(2)::text, 1", expect: { rows: 1 } }
  - { name: after, sql: "select 1", expect: { equals: 1 } }
`);
      const run = await runIntegrityOnPool(fast, checks, { server: 's' });
      expect(run.results[0]).toMatchObject({ name: 'slow', status: 'error' });
      expect(run.results[0]?.detail).toMatch(/statement timeout/);
      expect(run.results[1]).toMatchObject({ name: 'after', status: 'pass' });
    } finally {
      await fast.end();
    }
  });
});
