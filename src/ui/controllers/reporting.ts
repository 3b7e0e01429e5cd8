// Bindings for the runbook steps that read the database on demand: data completeness of the
// report month (runbook 4 step 1) and the integrity checks after a database incident (runbook 6
// step 4). Both are read-only against PostgreSQL; their results go into the open incident's
// timeline (integrity results as `integrity-check` entries, which the PIR lists under "Actions
// taken"). The reads are `services.reporting` (src/control/reporting/services.ts); without a
// PostgreSQL primary configured the bindings are disabled and say so.
import { randomUUID } from 'node:crypto';
import { completenessLines, parseMonth, previousMonth } from '../../core/completeness.js';
import { sanitize } from '../../core/sanitize.js';
import type { ReportingServices } from '../../control/reporting/services.js';
import { checkSignalId, signalOfResult } from '../../control/integrity/signals.js';
import type { IncidentRecorder } from '../../journal/recorder.js';
import type { Binding, BindingContext, BindingResult, CockpitServices } from '../registry/types.js';
import type { CockpitState } from '../state/store.js';

const NO_DATABASE = 'no PostgreSQL primary configured (DATABASE_URL)';

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

async function runCompleteness(svc: ReportingServices, now: number, { store, args }: BindingContext): Promise<BindingResult> {
  const s = store.getState();
  const asked = monthArg(args?.text, now);
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
  store.getState().setUi({
    overlay: {
      kind: 'message',
      title: `Data completeness ${report.window.month} (runbook 4.1)`,
      body: sanitize(lines.join('\n'), 4000).slice(0, 1000),
    },
  });
  return { prompted: true };
}

async function runIntegrity(svc: ReportingServices, { store }: BindingContext): Promise<BindingResult> {
  if (!svc.integrity) throw new Error('no integrity checks configured');
  const integrity = svc.integrity;
  const runId = randomUUID();
  store.getState().flash(`integrity checks: running ${integrity.checks.length} on ${integrity.server}…`);
  const run = await integrity.run();
  // A failed check whose definition carries a severity raises a signal: a trigger that opens an
  // incident at that severity (src/control/integrity/signals.ts); passing again withdraws it.
  // Raised first, so that the incident a signal opens records the results below.
  const raised: string[] = [];
  for (const r of run.results) {
    const check = integrity.checks.find((c) => c.name === r.name);
    if (!check) continue;
    const now = store.getState();
    const previous = now.raisedSignals.find((x) => x.id === checkSignalId(check)) ?? null;
    const sig = signalOfResult(check, r, run.server, now.snapshot.at || run.finishedAt, previous);
    if (!sig) continue;
    now.raiseSignal(sig, now.snapshot.at || run.finishedAt);
    if (sig.active) raised.push(`${sig.kind} ${sig.severity} (${check.name})`);
  }
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
    ...(raised.length > 0 ? [`SIGNAL raised: ${raised.join(', ')}`] : []),
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

export function bindings({ reporting, clock }: CockpitServices): Binding[] {
  // The `when` guards already refused without the services; this keeps the type honest.
  const services = (): ReportingServices => {
    if (!reporting) throw new Error(NO_DATABASE);
    return reporting;
  };
  return [
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
      when: () => (reporting ? null : NO_DATABASE),
      run: (ctx) => runCompleteness(services(), clock.now(), ctx),
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
      when: () => (!reporting ? NO_DATABASE : (reporting.integrity?.checks.length ?? 0) === 0 ? 'no integrity checks configured' : null),
      run: (ctx) => runIntegrity(services(), ctx),
    },
  ];
}
