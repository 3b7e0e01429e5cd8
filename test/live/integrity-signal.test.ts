// In live mode a signal that is not a threshold comes from an integrity check whose definition has
// a severity (issue 14 item 1): a report whose KPIs belong to another campaign. On a private
// database of the shared PostgreSQL, through the cockpit's own binding (`:integrity-checks`) with
// the store, the runtime and the recorder as main composes them: the failing check raises a
// cross-tenant risk, which opens a SEV-1-suggested incident naming whose data crossed, with the
// check's results recorded in it; once the data is put right the next run withdraws the signal
// and its trigger clears.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIntegrityChecks } from '../../src/control/integrity/config.js';
import { createReportingServices } from '../../src/control/reporting/services.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { IntegrityWatch } from '../../src/runtime/integrityWatch.js';
import { CockpitRuntime } from '../../src/runtime/runtime.js';
import { createDispatcher } from '../../src/ui/registry/dispatcher.js';
import { runbookFocus } from '../../src/ui/state/selectors.js';
import { createCockpitStore } from '../../src/ui/state/store.js';
import { requireServer, runId } from '../celery/harness.js';
import { waitFor } from '../support/waitFor.js';
import { testRegistry } from '../ui/fixtures.js';

const ADMIN = 'postgres://postgres@127.0.0.1:5432/test';
const DB = `lsos_signal_${runId()}`;
const ok = await requireServer('PostgreSQL', async () => {
  const c = new pg.Client(ADMIN);
  await c.connect();
  await c.end();
});

const CHECKS = parseIntegrityChecks(`
integrity_checks:
  - name: report-kpis-own-campaign
    description: a report shows only its own campaign's KPIs
    sql: select r.campaign_id as report_campaign, k.campaign_id as kpis_campaign from reports r join report_kpis k on k.report_id = r.id where k.campaign_id <> r.campaign_id order by r.id
    expect: { rows: 0 }
    severity: SEV-1
    signal: cross-tenant-risk
  - name: reports-exist
    sql: select count(*) from reports
    expect: { min: 1 }
`);

describe.runIf(ok)('an integrity check with a severity raises a signal', () => {
  let admin: pg.Client;
  let db: pg.Client;
  let dir = '';

  beforeAll(async () => {
    admin = new pg.Client(ADMIN);
    await admin.connect();
    await admin.query(`drop database if exists ${DB}`);
    await admin.query(`create database ${DB}`);
    db = new pg.Client(`postgres://postgres@127.0.0.1:5432/${DB}`);
    await db.connect();
    await db.query(`create table reports (id int primary key, campaign_id text not null)`);
    await db.query(`create table report_kpis (report_id int references reports(id), campaign_id text not null, kpi text, value numeric)`);
    await db.query(`insert into reports values (1, 'cmp-017'), (2, 'cmp-023')`);
    // cmp-017's report was rendered with cmp-023's KPIs.
    await db.query(`insert into report_kpis values (1, 'cmp-023', 'visibility', 41.2), (2, 'cmp-023', 'visibility', 41.2)`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-integrity-signal-'));
  });

  afterAll(async () => {
    await db?.end();
    await admin?.query(`drop database if exists ${DB}`);
    await admin?.end();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fails: a SEV-1-suggested incident with whose data crossed; fixed: the next run withdraws it', async () => {
    const store = createCockpitStore({ session: { operator: 'tester' } });
    const recorder = new IncidentRecorder({ stateDir: dir, operator: 'tester' });
    const runtime = new CockpitRuntime(store, recorder, { quit() {}, repaint() {} });
    const svc = createReportingServices({
      databaseUrl: `postgres://postgres@127.0.0.1:5432/${DB}`,
      statementTimeoutMs: 5000,
      checks: CHECKS,
      recorder,
    });
    const dispatcher = createDispatcher({ store, bindings: testRegistry({ reporting: svc, commands: runtime }) });
    store.getState().setUi({ focus: 'replicas' });
    try {
      expect(recorder.view()).toBeNull();
      expect(await dispatcher.attempt('integrity-checks')).toEqual({ status: 'prompted' });
      const view = recorder.view();
      expect(view?.state).toBe('open');
      expect(view?.entries.find((e) => e.kind === 'trigger-fired')?.details).toMatchObject({
        triggerKey: 'cross-tenant-risk',
        target: 'check report-kpis-own-campaign',
        section: '7',
        campaigns: ['cmp-017', 'cmp-023'],
      });
      expect(view?.entries.find((e) => e.kind === 'severity-suggested')?.details).toMatchObject({ severity: 'SEV-1' });
      // The results are in the incident the signal opened.
      expect(view?.entries.filter((e) => e.kind === 'integrity-check').map((e) => [e.details.check, e.details.status])).toEqual([
        ['report-kpis-own-campaign', 'fail'],
        ['reports-exist', 'pass'],
      ]);
      const focus = runbookFocus(store.getState());
      expect(focus.section.id).toBe(7);
      expect(focus.trigger?.evidence).toEqual(['report_campaign=cmp-017 kpis_campaign=cmp-023']);
      const overlay = store.getState().ui.overlay;
      expect(overlay?.kind === 'message' && overlay.body).toContain('SIGNAL raised: cross-tenant-risk SEV-1 (report-kpis-own-campaign)');

      // Put right: the next run withdraws the signal, its trigger clears.
      await db.query(`update report_kpis set campaign_id = 'cmp-017' where report_id = 1`);
      expect(await dispatcher.attempt('integrity-checks')).toEqual({ status: 'prompted' });
      expect(store.getState().triggers.find((t) => t.kind === 'cross-tenant-risk')?.firing).toBe(false);
      expect(recorder.view()?.entries.some((e) => e.kind === 'trigger-cleared' && e.details.triggerKey === 'cross-tenant-risk')).toBe(true);
    } finally {
      await svc.close();
      runtime.dispose();
      recorder.close();
    }
  });

  it('with every: the cockpit runs it by itself: the signal arrives without anyone asking, and goes when the data is right', async () => {
    await db.query(`update report_kpis set campaign_id = 'cmp-023' where report_id = 1`);
    const checks = parseIntegrityChecks(
      `
integrity_checks:
  - name: report-kpis-own-campaign
    sql: select r.campaign_id as report_campaign, k.campaign_id as kpis_campaign from reports r join report_kpis k on k.report_id = r.id where k.campaign_id <> r.campaign_id order by r.id
    expect: { rows: 0 }
    severity: SEV-1
    signal: cross-tenant-risk
    every: 1s
  - name: not-watched
    sql: select 1
    expect: { rows: 0 }
`,
      'checks.yaml',
      { minEveryMs: 1000 },
    );
    expect(checks[0]?.signal).toEqual({ severity: 'SEV-1', kind: 'cross-tenant-risk', everyMs: 1000 });
    expect(() =>
      parseIntegrityChecks('integrity_checks:\n  - { name: x, sql: select 1, expect: { rows: 0 }, severity: SEV-2, every: 5s }\n'),
    ).toThrow(/every: a duration of at least 30s/);
    const stateDir = fs.mkdtempSync(path.join(dir, 'watch-'));
    const store = createCockpitStore({ session: { operator: 'tester' } });
    const recorder = new IncidentRecorder({ stateDir, operator: 'tester' });
    const runtime = new CockpitRuntime(store, recorder, { quit() {}, repaint() {} });
    const svc = createReportingServices({
      databaseUrl: `postgres://postgres@127.0.0.1:5432/${DB}`,
      statementTimeoutMs: 5000,
      checks,
      recorder,
    });
    const watch = new IntegrityWatch(svc.integrity!, store);
    try {
      watch.start();
      await waitFor(() => recorder.view()?.state === 'open', { what: 'the incident the watched check opens' });
      expect(store.getState().suggestion.severity).toBe('SEV-1');
      expect(store.getState().triggers[0]).toMatchObject({
        kind: 'cross-tenant-risk',
        firing: true,
        target: 'check report-kpis-own-campaign',
      });
      // Only the watched check ran: nothing about the other one.
      expect(recorder.view()?.entries.some((e) => JSON.stringify(e.details).includes('not-watched'))).toBe(false);
      await db.query(`update report_kpis set campaign_id = 'cmp-017' where report_id = 1`);
      await waitFor(() => store.getState().triggers.find((t) => t.kind === 'cross-tenant-risk')?.firing === false, {
        what: 'the signal withdrawn by the next run',
      });
    } finally {
      await watch.stop();
      await svc.close();
      runtime.dispose();
      recorder.close();
    }
  });
});
