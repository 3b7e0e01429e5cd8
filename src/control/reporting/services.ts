// The database reads runbook steps ask for on demand: data completeness of the report month
// (runbook 4 step 1) and the integrity checks after a database incident (runbook 6 step 4).
// Read-only, on a small pool of their own with a statement timeout. The cockpit
// (src/runtime/main.ts) and `lsos-cockpit act` create them and pass them in; the cockpit's
// bindings (src/ui/controllers/reporting.ts) only call them.
import pg from 'pg';
import { DEFAULT_HISTORY_DAYS, type CompletenessReport } from '../../core/completeness.js';
import type { IncidentRecorder } from '../../journal/recorder.js';
import { readCompleteness } from '../../sources/postgres/completeness.js';
import { hostList } from '../../sources/postgres/hosts.js';
import { createReadOnlyPool, serverLabel } from '../../sources/postgres/pool.js';
import type { IntegrityCheck } from '../integrity/config.js';
import { runIntegrityOnPool, type IntegrityRun } from '../integrity/run.js';

export interface ReportingServices {
  /** Completeness of a month for these campaigns (null: every active campaign). */
  completeness(q: { month: string; campaigns: readonly string[] | null }): Promise<CompletenessReport>;
  /** The configured integrity checks and where they run; null: none configured. */
  integrity: {
    checks: readonly IntegrityCheck[];
    server: string;
    run(signal?: AbortSignal): Promise<IntegrityRun>;
    /** Runs only these checks (those due in src/runtime/integrityWatch.ts). */
    runOnly?(checks: readonly IntegrityCheck[], signal?: AbortSignal): Promise<IntegrityRun>;
  } | null;
  /** Where results are recorded (the open incident). */
  recorder: IncidentRecorder;
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
  // The first host's URL names the database for a libpq host list too.
  const one = hostList(o.databaseUrl)?.urls[0] ?? o.databaseUrl;
  const db = new URL(one).pathname.replace(/^\//, '') || 'postgres';
  const server = `${serverLabel(o.databaseUrl)}/${db}`;
  return {
    recorder: o.recorder,
    completeness: (q) => readCompleteness(pool, { ...q, now: now(), historyDays: o.historyDays ?? DEFAULT_HISTORY_DAYS }),
    integrity: o.checks.length
      ? {
          checks: o.checks,
          server,
          run: (signal) => runIntegrityOnPool(pool, o.checks, { server, ...(signal ? { signal } : {}), now }),
          runOnly: (checks, signal) => runIntegrityOnPool(pool, checks, { server, ...(signal ? { signal } : {}), now }),
        }
      : null,
    close: () => pool.end(),
  };
}
