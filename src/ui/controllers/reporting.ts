// Registry actions for the runbook steps that read the database on demand: data completeness of
// the report month (runbook 4 step 1) and the integrity checks after a database incident
// (runbook 6 step 4). Both are read-only against PostgreSQL (read-only sessions with a statement
// timeout); their results go into the open incident's timeline (integrity results as
// `integrity-check` entries, which the PIR lists under "Actions taken"). The services are
// attached per store by the composition root (attachReporting), like the mitigation controller.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { readCompleteness } from '../../sources/postgres/completeness.js';
import { createReadOnlyPool, serverLabel } from '../../sources/postgres/pool.js';
import { completenessLines, DEFAULT_HISTORY_DAYS, parseMonth, previousMonth, type CompletenessReport } from '../../core/completeness.js';
import { sanitize } from '../../core/sanitize.js';
import type { IntegrityCheck } from '../../control/integrity/config.js';
import { runIntegrityOnPool, type IntegrityRun } from '../../control/integrity/run.js';
import type { IncidentRecorder } from '../../journal/recorder.js';
import type { Action, ActionContext, ActionResult } from '../registry/registry.js';
import type { CockpitState, CockpitStore } from '../state/store.js';

export interface ReportingServices {
  /** Completeness of a month for these campaigns (null: every active campaign). */
  completeness(q: { month: string; campaigns: readonly string[] | null }): Promise<CompletenessReport>;
  /** The configured integrity checks and where they run; null: none configured. */
  integrity: { checks: readonly IntegrityCheck[]; server: string; run(signal?: AbortSignal): Promise<IntegrityRun> } | null;
  /** Where results are recorded (the open incident). */
  recorder: IncidentRecorder;
}

const attached = new WeakMap<CockpitStore, ReportingServices>();

export function attachReporting(store: CockpitStore, services: ReportingServices): () => void {
  attached.set(store, services);
  store.setState({ reportingTools: { server: services.integrity?.server ?? '', integrityChecks: services.integrity?.checks.length ?? 0 } });
  return () => {
    attached.delete(store);
    store.setState({ reportingTools: null });
  };
}

export interface ReportingServicesOptions {
  /** The PostgreSQL primary (DATABASE_URL). */
  databaseUrl: string;
  statementTimeoutMs: number;
  historyDays?: number;
  checks: readonly IntegrityCheck[];
  recorder: IncidentRecorder;
  now?: () => number;
}

/** Live services on their own small read-only pool (closed by the returned close()). */
export function createReportingServices(o: ReportingServicesOptions): ReportingServices & { close(): Promise<void> } {
  const pool: pg.Pool = createReadOnlyPool(o.databaseUrl, { statementTimeoutMs: o.statementTimeoutMs, max: 1 });
  const now = o.now ?? Date.now;
  const db = new URL(o.databaseUrl).pathname.replace(/^\//, '') || 'postgres';
  const server = `${serverLabel(o.databaseUrl)}/${db}`;
  return {
    recorder: o.recorder,
    completeness: (q) => readCompleteness(pool, { ...q, now: now(), historyDays: o.historyDays ?? DEFAULT_HISTORY_DAYS }),
    integrity: o.checks.length
      ? { checks: o.checks, server, run: (signal) => runIntegrityOnPool(pool, o.checks, { server, ...(signal ? { signal } : {}), now }) }
      : null,
    close: () => pool.end(),
  };
}

function services(s: CockpitStore): ReportingServices | undefined {
  return attached.get(s);
}

/** The report month from `:completeness 2026-10 [c1,c2]`, else the previous month. */
function monthArg(text: string | undefined, now: number): { month: string; campaigns: string[] | null } {
  const words = (text ?? '').trim().split(/\s+/).filter(Boolean);
  const month = words.find((w) => parseMonth(w)) ?? previousMonth(now);
  const list = words
    .filter((w) => !parseMonth(w))
    .flatMap((w) => w.split(','))
    .map((c) => c.trim())
    .filter((c) => /^[A-Za-z0-9_.:@-]{1,64}$/.test(c));
  return { month, campaigns: list.length ? list : null };
}

/** Records into the open incident (never into a read-only session, never opening one for a read). */
function recordable(s: CockpitState, recorder: IncidentRecorder): boolean {
  return !s.session.readonly && recorder.isActive();
}

async function runCompleteness({ store, args }: ActionContext): Promise<ActionResult> {
  const svc = services(store);
  if (!svc) throw new Error('no database in this session');
  const s = store.getState();
  const asked = monthArg(args?.text, Date.now());
  // The campaigns the reporting incident touches; all active ones when the trigger named none.
  const campaigns = asked.campaigns ?? (s.snapshot.reporting.failedCampaigns.length ? s.snapshot.reporting.failedCampaigns : null);
  store.getState().flash(`completeness of ${asked.month}: reading…`);
  const report = await svc.completeness({ month: asked.month, campaigns });
  const lines = completenessLines(report, 10);
  if (recordable(s, svc.recorder)) {
    svc.recorder.record('action', {
      action: 'check-completeness',
      target: report.window.month,
      outcome: `${report.totals.incomplete} of ${report.totals.campaigns} campaigns incomplete, ${report.totals.irrecoverableDays} irrecoverable days`,
      section: '4.1',
      campaigns: report.campaigns
        .filter((c) => !c.complete)
        .slice(0, 200)
        .map((c) => ({ id: c.id, owner: c.ownerEmail, missing: c.missing.map((m) => m.day), irrecoverable: c.irrecoverableDays })),
      historyCutoff: report.window.historyCutoff,
    });
  }
  store
    .getState()
    .setUi({
      overlay: {
        kind: 'message',
        title: `Data completeness ${report.window.month} (runbook 4.1)`,
        body: sanitize(lines.join('\n'), 4000).slice(0, 1000),
      },
    });
  return { prompted: true };
}

async function runIntegrity({ store }: ActionContext): Promise<ActionResult> {
  const svc = services(store);
  if (!svc?.integrity) throw new Error('no integrity checks configured');
  const integrity = svc.integrity;
  const runId = randomUUID();
  store.getState().flash(`integrity checks: running ${integrity.checks.length} on ${integrity.server}…`);
  const run = await integrity.run();
  const s = store.getState();
  const record = recordable(s, svc.recorder);
  if (record) {
    for (const r of run.results) {
      svc.recorder.record('integrity-check', {
        check: r.name,
        status: r.status,
        expect: r.expect,
        figures: r.figures,
        detail: r.detail,
        server: run.server,
        runId,
        durationMs: r.durationMs,
      });
    }
  }
  const sum = run.summary;
  const body = [
    `${integrity.server}: ${sum.pass} passed, ${sum.fail} failed, ${sum.error} errors, ${sum.skipped} skipped${record ? ' (recorded in the timeline)' : ' (no incident open: not recorded)'}`,
    ...run.results.map((r) => `${r.status.toUpperCase().padEnd(7)} ${r.name}: ${r.detail}`),
  ].join('\n');
  store
    .getState()
    .setUi({ overlay: { kind: 'message', title: 'Integrity checks (runbook 6.4)', body: sanitize(body, 4000).slice(0, 1000) } });
  store
    .getState()
    .flash(
      `integrity checks: ${sum.fail + sum.error ? `${sum.fail + sum.error} FAILED` : 'all passed'}`,
      sum.fail + sum.error ? 'error' : 'info',
    );
  return { prompted: true };
}

export const REPORTING_ACTIONS: Action[] = [
  {
    id: 'completeness',
    keys: [],
    title: 'Data completeness (runbook 4.1)',
    description:
      "Which days of the report month lack rank results or crawled pages, per campaign and owner; days older than the providers' history are marked irrecoverable. :completeness [YYYY-MM] [campaign,...] (default: the previous month, the failing campaigns).",
    aliases: ['data-completeness'],
    panels: ['failures', 'escalation'],
    mutates: false,
    dangerous: false,
    group: 'runbook',
    when: (s) => (s.reportingTools ? null : 'no PostgreSQL primary configured (DATABASE_URL)'),
    run: runCompleteness,
  },
  {
    id: 'integrity-checks',
    keys: [],
    title: 'Integrity checks (runbook 6.4)',
    description:
      'Runs the configured read-only integrity checks on the primary; each result, pass or fail with its figures, goes into the timeline and the PIR.',
    aliases: ['integrity'],
    panels: ['replicas', 'escalation'],
    mutates: false,
    dangerous: false,
    group: 'runbook',
    when: (s) =>
      !s.reportingTools
        ? 'no PostgreSQL primary configured (DATABASE_URL)'
        : s.reportingTools.integrityChecks === 0
          ? 'no integrity checks configured'
          : null,
    run: runIntegrity,
  },
];
