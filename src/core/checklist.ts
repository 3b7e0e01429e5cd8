// The runbook's daily operations checklist (section 2), computed from one Snapshot: the same
// figures the panels show, graded ok / warn / breach, or unknown when a check could not run.
// Pure: no I/O, no clock (ages are measured against the snapshot's `at`).
import { formatDurationDetail } from '../domain/duration.js';
import { isDeadLetterQueue } from '../domain/queues.js';
import { FRESHNESS_KINDS, deadLetterBaseline, deadLetterFactor, standing, type Thresholds } from '../domain/thresholds.js';
import type { QueueSnapshot, Snapshot, StaleCampaign } from './snapshot.js';
import { totalFailures } from './snapshot.js';

export type CheckStatus = 'ok' | 'warn' | 'breach' | 'unknown';
export type CheckUnit = 's' | 'ms' | 'ratio' | 'x' | 'count';

export const CHECK_IDS = [
  'api-health',
  'worker-heartbeat',
  'queue-lag',
  'failure-ratio',
  'dead-letter-growth',
  'freshness',
  'backup',
  'wal-archiving',
  'replica-lag',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

/** Which kind of source a check needs. */
export type CheckArea = 'api' | 'broker' | 'database';

export const CHECK_AREA: Record<CheckId, CheckArea> = {
  'api-health': 'api',
  'worker-heartbeat': 'broker',
  'queue-lag': 'broker',
  'failure-ratio': 'broker',
  'dead-letter-growth': 'broker',
  freshness: 'database',
  backup: 'database',
  'wal-archiving': 'database',
  'replica-lag': 'database',
};

/** The checklist item (runbook 2, 1-based) each check belongs to. */
export const CHECK_ITEM: Record<CheckId, 1 | 2 | 3 | 4 | 5> = {
  'api-health': 1,
  'worker-heartbeat': 1,
  'queue-lag': 2,
  'failure-ratio': 3,
  'dead-letter-growth': 3,
  freshness: 4,
  backup: 5,
  'wal-archiving': 5,
  'replica-lag': 5,
};

export interface CheckResult {
  id: CheckId;
  item: 1 | 2 | 3 | 4 | 5;
  /** What was checked: a queue, a worker, a replica, a freshness kind, `api`, `primary`. */
  target: string;
  status: CheckStatus;
  /** The figure compared with the threshold; null when there is none. */
  value: number | null;
  unit: CheckUnit;
  /** Above this is a breach; null when the check is not a comparison. */
  threshold: number | null;
  /** Above this is a warning; null when the check does not warn on a figure. */
  warnAt: number | null;
  /** One line saying what was found. */
  detail: string;
  /** Freshness: the stalest campaigns. */
  campaigns?: StaleCampaign[];
  /** Failure ratio: the window the figures cover. */
  window?: '24h' | '1h';
}

/** The thresholds the checklist judges by (described in src/domain/thresholds.ts), and the API's answer time. */
export type ChecklistThresholds = Pick<
  Thresholds,
  | 'queueLagSeconds'
  | 'deadLetterSpikeFactor'
  | 'deadLetterBaselineFloorPerHour'
  | 'replicaLagSeconds'
  | 'failureRatio24h'
  | 'failureRatioMinRuns'
  | 'warnRatio'
  | 'backupMaxAgeSeconds'
> & {
  /** The API must answer within this (contract: 2 s). */
  apiTimeoutMs: number;
};

/** Whether the source for an area answered. */
export type AreaState = { state: 'ok' } | { state: 'unreachable'; error: string } | { state: 'not-configured'; hint: string };

export interface ChecklistInput {
  snapshot: Snapshot;
  thresholds: ChecklistThresholds;
  /** Configured queues: each gets its checks even when the broker does not report it. */
  queues: readonly string[];
  /** Configured replicas: each gets a check even when nothing was read about it. */
  replicas?: readonly string[];
  areas: Record<CheckArea, AreaState>;
  /** Run only these checks (default: all). */
  only?: readonly CheckId[];
}

export interface ChecklistResult {
  status: CheckStatus;
  exitCode: 0 | 1 | 2 | 3;
  summary: Record<CheckStatus, number>;
  checks: CheckResult[];
}

/** Monitoring-plugin exit codes (Nagios: OK 0, WARNING 1, CRITICAL 2, UNKNOWN 3). */
export const EXIT_CODE: Record<CheckStatus, 0 | 1 | 2 | 3> = { ok: 0, warn: 1, breach: 2, unknown: 3 };

/**
 * Overall status: breach > unknown > warn > ok. A known breach is certain and outranks
 * everything; a check that could not run may hide a breach, so it outranks a known warning.
 */
export function overallStatus(checks: readonly CheckResult[]): CheckStatus {
  const has = (s: CheckStatus) => checks.some((c) => c.status === s);
  if (has('breach')) return 'breach';
  if (has('unknown')) return 'unknown';
  if (has('warn')) return 'warn';
  return 'ok';
}

/** The breach rule of the triggers (src/domain/thresholds.ts): over the line a breach, near it (above warnRatio of it) a warning. */
function grade(value: number, threshold: number, warnRatio: number): CheckStatus {
  const s = standing(value, threshold, warnRatio);
  return s === 'near' ? 'warn' : s;
}

const pct = (r: number): string => `${(r * 100).toFixed(1)}%`;

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A check before its checklist item is attached. */
type Draft = Omit<CheckResult, 'item'>;

function couldNotRun(id: CheckId, target: string, unit: CheckUnit, threshold: number | null, why: string): Draft {
  return { id, target, status: 'unknown', value: null, unit, threshold, warnAt: null, detail: `could not run: ${why}` };
}

function areaProblem(a: AreaState): string | null {
  if (a.state === 'ok') return null;
  if (a.state === 'unreachable') return `source unreachable: ${a.error}`;
  return `not configured (${a.hint})`;
}

function apiChecks(input: ChecklistInput): Draft[] {
  const t = input.thresholds;
  const problem = areaProblem(input.areas.api);
  if (problem) return [couldNotRun('api-health', 'api', 'ms', t.apiTimeoutMs, problem)];
  const api = input.snapshot.api;
  if (api.checkedAt === null) return [couldNotRun('api-health', 'api', 'ms', t.apiTimeoutMs, 'not checked yet')];
  const warnAt = t.apiTimeoutMs * t.warnRatio;
  if (!api.healthy) {
    return [
      {
        id: 'api-health',
        target: 'api',
        status: 'breach',
        value: api.latencyMs,
        unit: 'ms',
        threshold: t.apiTimeoutMs,
        warnAt,
        detail: `unhealthy: ${api.detail}`,
      },
    ];
  }
  const latency = api.latencyMs ?? 0;
  const status = grade(latency, t.apiTimeoutMs, t.warnRatio);
  return [
    {
      id: 'api-health',
      target: 'api',
      status,
      value: api.latencyMs,
      unit: 'ms',
      threshold: t.apiTimeoutMs,
      warnAt,
      detail: `healthy in ${Math.round(latency)} ms${status === 'warn' ? ' (slow)' : ''}`,
    },
  ];
}

function workerChecks(input: ChecklistInput): Draft[] {
  const problem = areaProblem(input.areas.broker);
  if (problem) return [couldNotRun('worker-heartbeat', 'workers', 's', null, problem)];
  const s = input.snapshot;
  if (s.workers.length === 0) {
    return [
      {
        id: 'worker-heartbeat',
        target: 'workers',
        status: 'breach',
        value: 0,
        unit: 'count',
        threshold: null,
        warnAt: null,
        detail: 'no worker heartbeat seen',
      },
    ];
  }
  const anyOnline = s.workers.some((w) => w.online);
  return s.workers.map((w): Draft => {
    const age = w.lastHeartbeatAt === null ? null : Math.max(0, (s.at - w.lastHeartbeatAt) / 1000);
    const seen = age === null ? 'no heartbeat yet' : `last heartbeat ${formatDurationDetail(age)} ago`;
    if (w.online)
      return {
        id: 'worker-heartbeat',
        target: w.hostname,
        status: 'ok',
        value: age,
        unit: 's',
        threshold: null,
        warnAt: null,
        detail: `online, ${seen}`,
      };
    // One worker gone while others serve is a warning; every worker gone is an outage.
    return {
      id: 'worker-heartbeat',
      target: w.hostname,
      status: anyOnline ? 'warn' : 'breach',
      value: age,
      unit: 's',
      threshold: null,
      warnAt: null,
      detail: `offline${w.offlineSince !== null ? ` since ${iso(w.offlineSince)}` : ''}, ${seen}${anyOnline ? '' : '; no worker online'}`,
    };
  });
}

/** Configured queues first, in their order, then any other queue the broker reported (dead-letter queues are part of their queue). */
function queueNames(input: ChecklistInput): string[] {
  const names = [...input.queues];
  for (const q of input.snapshot.queues) if (!names.includes(q.name) && !isDeadLetterQueue(q.name)) names.push(q.name);
  return names;
}

const LAG_NOTE: Record<QueueSnapshot['lagMethod'], string> = {
  stamped: '',
  'first-seen': ' (lower bound: head message not stamped)',
  'drain-rate': ' (estimate: backlog / drain rate)',
  empty: ' (empty)',
  unknown: '',
};

function queueChecks(input: ChecklistInput): Draft[] {
  const t = input.thresholds;
  const problem = areaProblem(input.areas.broker);
  const out: Draft[] = [];
  for (const name of queueNames(input)) {
    if (problem) {
      out.push(couldNotRun('queue-lag', name, 's', t.queueLagSeconds, problem));
      out.push(couldNotRun('failure-ratio', name, 'ratio', t.failureRatio24h, problem));
      out.push(couldNotRun('dead-letter-growth', name, 'x', t.deadLetterSpikeFactor, problem));
      continue;
    }
    const q = input.snapshot.queues.find((x) => x.name === name);
    if (!q) {
      const why = 'queue not reported by the broker';
      out.push(couldNotRun('queue-lag', name, 's', t.queueLagSeconds, why));
      out.push(couldNotRun('failure-ratio', name, 'ratio', t.failureRatio24h, why));
      out.push(couldNotRun('dead-letter-growth', name, 'x', t.deadLetterSpikeFactor, why));
      continue;
    }
    out.push(queueLag(q, t), failureRatio(q, t), deadLetterGrowth(q, t));
  }
  return out;
}

function queueLag(q: QueueSnapshot, t: ChecklistThresholds): Draft {
  const warnAt = t.queueLagSeconds * t.warnRatio;
  if (q.lagSeconds === null)
    return couldNotRun('queue-lag', q.name, 's', t.queueLagSeconds, `lag could not be determined (depth ${q.depth})`);
  const status = grade(q.lagSeconds, t.queueLagSeconds, t.warnRatio);
  return {
    id: 'queue-lag',
    target: q.name,
    status,
    value: q.lagSeconds,
    unit: 's',
    threshold: t.queueLagSeconds,
    warnAt,
    detail: `lag ${formatDurationDetail(q.lagSeconds)}${LAG_NOTE[q.lagMethod]}, depth ${q.depth}, limit ${formatDurationDetail(t.queueLagSeconds)}`,
  };
}

function failureRatio(q: QueueSnapshot, t: ChecklistThresholds): Draft {
  const warnAt = t.failureRatio24h * t.warnRatio;
  let failures: number;
  let runs: number;
  let window: '24h' | '1h';
  if (q.last24h) {
    failures = q.last24h.failures;
    runs = q.last24h.failures + q.last24h.succeeded;
    window = '24h';
  } else {
    // No 24 h history from the source: failures over tasks finished in the same event window
    // (up to 1 hour), and the check says how long that window really was. Extrapolating the
    // drain rate to an hour against the failures actually seen gave 19/61560 for a 9% ratio.
    failures = totalFailures(q);
    runs = Math.max(q.finishedInWindow ?? Math.round(q.drainPerMinute * 60), failures);
    window = '1h';
  }
  const ratio = runs > 0 ? failures / runs : 0;
  const enough = runs >= t.failureRatioMinRuns;
  // Too few runs to judge is not a pass: it is unknown, and says why.
  const status = enough ? grade(ratio, t.failureRatio24h, t.warnRatio) : 'unknown';
  const seen = q.eventWindowSeconds;
  const windowNote =
    window === '24h'
      ? 'previous 24h'
      : seen !== undefined && seen < 3600
        ? `last ${formatDurationDetail(seen)} of events (no 24h history from the source)`
        : 'last 1h (no 24h history from the source)';
  return {
    id: 'failure-ratio',
    target: q.name,
    status,
    value: ratio,
    unit: 'ratio',
    threshold: t.failureRatio24h,
    warnAt,
    window,
    detail: `${failures}/${runs} failed = ${pct(ratio)}, ${windowNote}${enough ? '' : `; fewer than ${t.failureRatioMinRuns} runs, not judged`}`,
  };
}

function deadLetterGrowth(q: QueueSnapshot, t: ChecklistThresholds): Draft {
  const baseline = deadLetterBaseline(q.deadLetterBaselinePerHour, t.deadLetterBaselineFloorPerHour);
  const growth = q.last24h ? q.last24h.deadLettered / 24 : q.deadLetterGrowthPerHour;
  const factor = deadLetterFactor(growth, q.deadLetterBaselinePerHour, t.deadLetterBaselineFloorPerHour);
  const source = q.deadLetterBaselinePerHour === null ? 'floor' : (q.deadLetterBaselineSource ?? 'floor');
  return {
    id: 'dead-letter-growth',
    target: q.name,
    status: grade(factor, t.deadLetterSpikeFactor, t.warnRatio),
    value: factor,
    unit: 'x',
    threshold: t.deadLetterSpikeFactor,
    warnAt: t.deadLetterSpikeFactor * t.warnRatio,
    detail: `${q.name}.dead +${growth.toFixed(1)}/h${q.last24h ? ' over 24h' : ''} (${q.deadLetters} held) = ${factor.toFixed(1)}x baseline ${baseline.toFixed(1)}/h (${source})`,
  };
}

/** Why the primary's own figures cannot be judged now, or null when they can. */
function primaryProblem(input: ChecklistInput, part: 'freshness' | 'backup' | 'archiver'): string | null {
  const problem = areaProblem(input.areas.database);
  if (problem) return problem;
  const db = input.snapshot.database;
  if (!db.primaryReachable) return `primary unreachable${db.primaryError ? `: ${db.primaryError}` : ''}`;
  const err = db.partErrors?.[part];
  if (err) return err;
  return null;
}

function freshnessChecks(input: ChecklistInput): Draft[] {
  const problem = primaryProblem(input, 'freshness');
  const f = input.snapshot.database.freshness;
  const why = problem ?? (f === undefined ? 'no source reads campaign freshness' : f === null ? 'table campaigns not found' : null);
  if (why !== null || !f) return FRESHNESS_KINDS.map((k) => couldNotRun('freshness', k, 'count', 0, why ?? 'no data'));
  const out: Draft[] = [];
  for (const kind of FRESHNESS_KINDS) {
    const k = f.find((x) => x.kind === kind);
    if (!k) {
      out.push(couldNotRun('freshness', kind, 'count', 0, `no ${kind} freshness reported`));
      continue;
    }
    const limit = formatDurationDetail(k.thresholdSeconds);
    let status: CheckStatus = 'ok';
    let detail: string;
    if (k.activeCampaigns === 0) detail = 'no active campaigns';
    else if (k.staleCampaigns > 0) {
      status = 'breach';
      const worst = k.worst[0];
      const worstText = worst
        ? `; stalest ${worst.name || worst.id} (${worst.ageSeconds === null ? 'never' : formatDurationDetail(worst.ageSeconds)})`
        : '';
      detail = `${k.staleCampaigns} of ${k.activeCampaigns} active campaigns older than ${limit}${k.neverRun > 0 ? ` (${k.neverRun} never)` : ''}${worstText}`;
    } else {
      const oldest = k.oldestAgeSeconds ?? 0;
      if (standing(oldest, k.thresholdSeconds, input.thresholds.warnRatio) !== 'ok') status = 'warn';
      detail = `all ${k.activeCampaigns} active campaigns within ${limit}; oldest ${formatDurationDetail(oldest)}${status === 'warn' ? ' (near the limit)' : ''}`;
    }
    out.push({
      id: 'freshness',
      target: kind,
      status,
      value: k.staleCampaigns,
      unit: 'count',
      threshold: 0,
      warnAt: null,
      detail,
      campaigns: k.worst,
    });
  }
  return out;
}

function backupCheck(input: ChecklistInput): Draft[] {
  const t = input.thresholds;
  const problem = primaryProblem(input, 'backup');
  const b = input.snapshot.database.backup;
  const why = problem ?? (b === undefined ? 'no source reads backups' : b === null ? 'table ops_backups not found' : null);
  if (why !== null || !b) return [couldNotRun('backup', 'primary', 's', t.backupMaxAgeSeconds, why ?? 'no data')];
  const warnAt = t.backupMaxAgeSeconds * t.warnRatio;
  if (b.lastOkAt === null) {
    return [
      {
        id: 'backup',
        target: 'primary',
        status: 'breach',
        value: null,
        unit: 's',
        threshold: t.backupMaxAgeSeconds,
        warnAt,
        detail: `no completed backup in ops_backups${b.lastStatus ? ` (last run: ${b.lastStatus})` : ''}`,
      },
    ];
  }
  const age = Math.max(0, (input.snapshot.at - b.lastOkAt) / 1000);
  let status = grade(age, t.backupMaxAgeSeconds, t.warnRatio);
  const failedSince = b.lastFailedAt !== null && b.lastFailedAt > b.lastOkAt;
  if (failedSince && status === 'ok') status = 'warn';
  return [
    {
      id: 'backup',
      target: 'primary',
      status,
      value: age,
      unit: 's',
      threshold: t.backupMaxAgeSeconds,
      warnAt,
      detail: `last completed backup ${formatDurationDetail(age)} ago (${iso(b.lastOkAt)}), limit ${formatDurationDetail(t.backupMaxAgeSeconds)}${failedSince ? `; a later run failed at ${iso(b.lastFailedAt as number)} (${b.lastStatus ?? 'status unknown'})` : ''}`,
    },
  ];
}

function archivingCheck(input: ChecklistInput): Draft[] {
  const problem = primaryProblem(input, 'archiver');
  const a = input.snapshot.database.archiver;
  const why = problem ?? (a === undefined || a === null ? 'no source reads pg_stat_archiver' : null);
  if (why !== null || !a) return [couldNotRun('wal-archiving', 'primary', 's', null, why ?? 'no data')];
  const age = a.lastArchivedAt === null ? null : Math.max(0, (input.snapshot.at - a.lastArchivedAt) / 1000);
  const base = { id: 'wal-archiving' as const, target: 'primary', value: age, unit: 's' as const, threshold: null, warnAt: null };
  if (a.mode === 'off') return [{ ...base, status: 'ok', detail: 'archive_mode off: WAL archiving not in use' }];
  if (a.lastFailedAt !== null && (a.lastArchivedAt === null || a.lastFailedAt > a.lastArchivedAt)) {
    return [
      {
        ...base,
        status: 'breach',
        detail: `archiving failing: last failure ${iso(a.lastFailedAt)} (${a.lastFailedWal ?? '?'}), ${a.failedCount} failures; last archived ${a.lastArchivedAt === null ? 'never' : `${iso(a.lastArchivedAt)} (${a.lastArchivedWal ?? '?'})`}`,
      },
    ];
  }
  if (a.lastArchivedAt === null) return [{ ...base, status: 'ok', detail: 'nothing archived yet, no failures' }];
  return [
    {
      ...base,
      status: 'ok',
      detail: `last archived ${a.lastArchivedWal ?? '?'} ${formatDurationDetail(age ?? 0)} ago, ${a.archivedCount} archived, ${a.failedCount} failed`,
    },
  ];
}

function replicaChecks(input: ChecklistInput): Draft[] {
  const t = input.thresholds;
  const warnAt = t.replicaLagSeconds * t.warnRatio;
  const problem = areaProblem(input.areas.database);
  const expected = input.replicas ?? [];
  if (problem)
    return expected.length > 0
      ? expected.map((n) => couldNotRun('replica-lag', n, 's', t.replicaLagSeconds, problem))
      : [couldNotRun('replica-lag', 'replicas', 's', t.replicaLagSeconds, problem)];
  const reps = input.snapshot.database.replicas;
  const out: Draft[] = [];
  for (const name of expected) {
    if (!reps.some((r) => r.name === name))
      out.push(couldNotRun('replica-lag', name, 's', t.replicaLagSeconds, 'nothing read about this replica'));
  }
  for (const r of reps) {
    const limit = formatDurationDetail(t.replicaLagSeconds);
    const base = { id: 'replica-lag' as const, target: r.name, unit: 's' as const, threshold: t.replicaLagSeconds, warnAt };
    if (r.promoted) {
      out.push({ ...base, status: 'ok', value: null, detail: 'promoted: now the primary (no longer a replica, no replay lag)' });
      continue;
    }
    if (!r.reachable) {
      // As the replica-lag trigger counts it: a replica nobody can see is a breach, not a pause in monitoring.
      out.push({
        ...base,
        status: 'breach',
        value: null,
        detail: `unreachable and not streaming from the primary${r.error ? `: ${r.error}` : ''}`,
      });
      continue;
    }
    if (r.lagSeconds === null) {
      out.push(
        couldNotRun('replica-lag', r.name, 's', t.replicaLagSeconds, `lag could not be determined${r.error ? ` (${r.error})` : ''}`),
      );
      continue;
    }
    let status = grade(r.lagSeconds, t.replicaLagSeconds, t.warnRatio);
    const notes: string[] = [`seen from ${r.seenFrom}`];
    if (r.replayPaused) notes.push('replay paused');
    if (r.error) notes.push(r.error);
    // A paused replay or an unexpected state is a warning even while the lag is still small.
    if (status === 'ok' && (r.replayPaused || (r.error && r.reachable))) status = 'warn';
    out.push({
      ...base,
      status,
      value: r.lagSeconds,
      detail: `replay lag ${formatDurationDetail(r.lagSeconds)}, limit ${limit} (${notes.join('; ')})`,
    });
  }
  if (out.length === 0)
    out.push({
      id: 'replica-lag',
      target: 'replicas',
      status: 'ok',
      value: null,
      unit: 's',
      threshold: t.replicaLagSeconds,
      warnAt,
      detail: 'no replica configured or streaming',
    });
  return out;
}

/** The result with its checklist item, keys in one fixed order (stable JSON for scripts). */
function withItem(c: Draft): CheckResult {
  const out: CheckResult = {
    id: c.id,
    item: CHECK_ITEM[c.id],
    target: c.target,
    status: c.status,
    value: c.value,
    unit: c.unit,
    threshold: c.threshold,
    warnAt: c.warnAt,
    detail: c.detail,
  };
  if (c.window !== undefined) out.window = c.window;
  if (c.campaigns !== undefined) out.campaigns = c.campaigns;
  return out;
}

export function runChecklist(input: ChecklistInput): ChecklistResult {
  const only = input.only && input.only.length > 0 ? new Set(input.only) : null;
  const all: Draft[] = [
    ...apiChecks(input),
    ...workerChecks(input),
    ...queueChecks(input),
    ...freshnessChecks(input),
    ...backupCheck(input),
    ...archivingCheck(input),
    ...replicaChecks(input),
  ];
  const checks = all
    .filter((c) => only === null || only.has(c.id))
    .map(withItem)
    // In the checklist's order: item, then check id order, then as produced.
    .map((c, i) => ({ c, i }))
    .sort((a, b) => a.c.item - b.c.item || CHECK_IDS.indexOf(a.c.id) - CHECK_IDS.indexOf(b.c.id) || a.i - b.i)
    .map(({ c }) => c);
  const summary: Record<CheckStatus, number> = { ok: 0, warn: 0, breach: 0, unknown: 0 };
  for (const c of checks) summary[c.status] += 1;
  const status = overallStatus(checks);
  return { status, exitCode: EXIT_CODE[status], summary, checks };
}
