// Runbook triggers, exactly as the runbook words them, with hysteresis so a value hovering at
// the line does not flap. Pure: (previous trigger states, snapshot, thresholds) -> new states.
import type { RunbookSectionId } from './runbook.js';
import type { EpochMs, Snapshot } from './snapshot.js';

export type TriggerKind =
  'queue-lag' | 'dead-letter-spike' | 'report-failures' | 'serp-failures' | 'replica-lag' | 'failed-migrations' | 'primary-degradation';

export interface TriggerThresholds {
  /** Runbook 3: any queue lag > 15 minutes. */
  queueLagSeconds: number;
  /** Runbook 3: dead-letter spike > 3x baseline. */
  deadLetterSpikeFactor: number;
  /** A zero baseline would make any single dead letter an infinite spike: the baseline is at least this. */
  deadLetterBaselineFloorPerHour: number;
  /** Runbook 4: monthly report failures exceed 5% in a 1-hour window. */
  reportFailureRatio: number;
  /** Below this many runs in the window a ratio says nothing (1 failure of 3 is not "33%"). */
  reportMinRuns: number;
  /** Runbook 5: SERP failure rate > threshold ... */
  serpFailureRate: number;
  /** ... across multiple campaigns. */
  serpMinCampaigns: number;
  /** Runbook 6: replica lag breach. */
  replicaLagSeconds: number;
  /**
   * Hysteresis: a firing trigger clears only when its value falls to this fraction of the
   * threshold (0.8 = 20% below the line). Fires strictly above the threshold.
   */
  clearRatio: number;
}

export const DEFAULT_THRESHOLDS: TriggerThresholds = {
  queueLagSeconds: 15 * 60,
  deadLetterSpikeFactor: 3,
  deadLetterBaselineFloorPerHour: 1,
  reportFailureRatio: 0.05,
  reportMinRuns: 10,
  serpFailureRate: 0.2,
  serpMinCampaigns: 2,
  replicaLagSeconds: 60,
  clearRatio: 0.8,
};

export type TriggerUnit = 's' | 'ratio' | 'x' | 'count' | 'flag';

export interface TriggerState {
  /** Unique per kind and target, e.g. `queue-lag:crawl`. */
  key: string;
  kind: TriggerKind;
  section: RunbookSectionId;
  /** The runbook's wording of the trigger. */
  title: string;
  /** What it fired on: a queue, provider, replica, `primary`, `reporting`. */
  target: string;
  /** The LSOS module affected (crawl, rank, reviews, reporting, email, database, api, platform). */
  module: string;
  firing: boolean;
  /** The figure compared with the threshold. */
  value: number;
  threshold: number;
  /** While firing, the value must fall to this to clear. */
  clearAt: number;
  unit: TriggerUnit;
  /** One line saying what crossed the line, for the panel and the timeline. */
  detail: string;
  /** When the trigger last changed between firing and clear. */
  since: EpochMs;
  /** What the trigger saw, for the blast radius: queues, campaigns, replicas. */
  scope: { queues?: string[]; campaigns?: number; replicas?: string[]; providers?: string[] };
}

export interface TriggerChange {
  key: string;
  fired: boolean;
  trigger: TriggerState;
}

const QUEUE_MODULE: Record<string, string> = {
  crawl: 'crawl',
  rank: 'rank',
  reviews: 'reviews',
  reporting: 'reporting',
  'reporting.retry': 'reporting',
  email: 'email',
};

export function moduleOfQueue(queue: string): string {
  return QUEUE_MODULE[queue] ?? 'platform';
}

/** A measurement taken from the snapshot before hysteresis is applied. */
interface Measurement {
  key: string;
  kind: TriggerKind;
  section: RunbookSectionId;
  title: string;
  target: string;
  module: string;
  value: number;
  threshold: number;
  unit: TriggerUnit;
  /** Extra condition besides value > threshold (e.g. enough runs, several campaigns). */
  eligible: boolean;
  detail: string;
  scope: TriggerState['scope'];
}

export function formatSeconds(s: number): string {
  const v = Math.max(0, Math.round(s));
  if (v < 60) return `${v}s`;
  if (v < 3600) return `${Math.floor(v / 60)}m${String(v % 60).padStart(2, '0')}s`;
  const h = Math.floor(v / 3600);
  const m = Math.floor((v % 3600) / 60);
  return `${h}h${String(m).padStart(2, '0')}m`;
}

function pct(r: number): string {
  return `${(r * 100).toFixed(1)}%`;
}

function measure(snap: Snapshot, t: TriggerThresholds): Measurement[] {
  const out: Measurement[] = [];
  for (const q of snap.queues) {
    if (q.lagSeconds !== null) {
      out.push({
        key: `queue-lag:${q.name}`,
        kind: 'queue-lag',
        section: 3,
        title: 'Queue lag > 15 minutes',
        target: q.name,
        module: moduleOfQueue(q.name),
        value: q.lagSeconds,
        threshold: t.queueLagSeconds,
        unit: 's',
        eligible: true,
        detail: `${q.name} lag ${formatSeconds(q.lagSeconds)} (${q.lagMethod}) vs ${formatSeconds(t.queueLagSeconds)}, depth ${q.depth}`,
        scope: { queues: [q.name] },
      });
    }
    const baseline = Math.max(q.deadLetterBaselinePerHour ?? 0, t.deadLetterBaselineFloorPerHour);
    const factor = q.deadLetterGrowthPerHour / baseline;
    out.push({
      key: `dead-letter-spike:${q.name}`,
      kind: 'dead-letter-spike',
      section: 3,
      title: 'Dead-letter spike > 3x baseline',
      target: q.name,
      module: moduleOfQueue(q.name),
      value: factor,
      threshold: t.deadLetterSpikeFactor,
      unit: 'x',
      eligible: true,
      detail: `${q.name}.dead +${q.deadLetterGrowthPerHour.toFixed(1)}/h = ${factor.toFixed(1)}x baseline ${baseline.toFixed(1)}/h (${q.deadLetterBaselineSource ?? 'floor'})`,
      scope: { queues: [q.name] },
    });
  }
  const r = snap.reporting;
  const ratio = r.runs > 0 ? r.failures / r.runs : 0;
  out.push({
    key: 'report-failures:reporting',
    kind: 'report-failures',
    section: 4,
    title: 'Monthly report failures > 5% in 1-hour window',
    target: 'reporting',
    module: 'reporting',
    value: ratio,
    threshold: t.reportFailureRatio,
    unit: 'ratio',
    eligible: r.runs >= t.reportMinRuns,
    detail: `${r.failures}/${r.runs} report runs failed in ${r.windowMinutes}m = ${pct(ratio)} vs ${pct(t.reportFailureRatio)}`,
    scope: { queues: ['reporting'], campaigns: r.failedCampaigns.length },
  });
  for (const p of snap.providers) {
    const rate = p.requests > 0 ? p.failures / p.requests : 0;
    out.push({
      key: `serp-failures:${p.name}`,
      kind: 'serp-failures',
      section: 5,
      title: 'SERP failure rate > threshold across multiple campaigns',
      target: p.name,
      module: 'rank',
      value: rate,
      threshold: t.serpFailureRate,
      unit: 'ratio',
      eligible: p.campaignsAffected >= t.serpMinCampaigns,
      detail: `${p.name} SERP failures ${pct(rate)} vs ${pct(t.serpFailureRate)} across ${p.campaignsAffected}/${p.campaignsTotal} campaigns`,
      scope: { providers: [p.name], campaigns: p.campaignsAffected, queues: ['rank'] },
    });
  }
  for (const rep of snap.database.replicas) {
    // A paused replay is a breach in waiting: its lag only grows. It counts as a breach
    // once the lag passes the line, like any other replica.
    const lag = rep.lagSeconds ?? (rep.reachable ? 0 : Number.POSITIVE_INFINITY);
    out.push({
      key: `replica-lag:${rep.name}`,
      kind: 'replica-lag',
      section: 6,
      title: 'Replica lag breach',
      target: rep.name,
      module: 'database',
      value: lag,
      threshold: t.replicaLagSeconds,
      unit: 's',
      eligible: true,
      detail: rep.reachable
        ? `${rep.name} replay lag ${rep.lagSeconds === null ? 'unknown' : formatSeconds(rep.lagSeconds)}${rep.replayPaused ? ' (replay paused)' : ''} vs ${formatSeconds(t.replicaLagSeconds)}`
        : `${rep.name} unreachable`,
      scope: { replicas: [rep.name] },
    });
  }
  const db = snap.database;
  out.push({
    key: 'failed-migrations:primary',
    kind: 'failed-migrations',
    section: 6,
    title: 'Failed migrations',
    target: 'primary',
    module: 'database',
    value: db.failedMigrations,
    threshold: 0,
    unit: 'count',
    eligible: true,
    detail: `${db.failedMigrations} failed migration(s)`,
    scope: {},
  });
  const degraded = !db.primaryReachable || db.primaryDegraded !== null;
  out.push({
    key: 'primary-degradation:primary',
    kind: 'primary-degradation',
    section: 6,
    title: 'Primary degradation',
    target: 'primary',
    module: 'database',
    value: degraded ? 1 : 0,
    threshold: 0,
    unit: 'flag',
    eligible: true,
    detail: !db.primaryReachable ? 'primary unreachable' : `primary degraded: ${db.primaryDegraded ?? 'no'}`,
    scope: {},
  });
  return out;
}

/**
 * Applies the runbook triggers with hysteresis. A trigger fires when its value is strictly above
 * its threshold (and any extra condition holds); once firing it stays firing until the value
 * falls to `threshold * clearRatio` (flags and counts clear at 0). Returns every trigger that is
 * firing or has fired before (so cleared ones stay visible), and the changes of this evaluation.
 */
export function evaluateTriggers(
  prev: readonly TriggerState[],
  snap: Snapshot,
  thresholds: TriggerThresholds = DEFAULT_THRESHOLDS,
): { triggers: TriggerState[]; changes: TriggerChange[] } {
  const prevByKey = new Map(prev.map((p) => [p.key, p]));
  const seen = new Set<string>();
  const triggers: TriggerState[] = [];
  const changes: TriggerChange[] = [];
  for (const m of measure(snap, thresholds)) {
    seen.add(m.key);
    const before = prevByKey.get(m.key);
    const wasFiring = before?.firing ?? false;
    const clearAt = m.unit === 'flag' || m.unit === 'count' ? m.threshold : m.threshold * thresholds.clearRatio;
    // Fire strictly above the line; once firing, hold until the value falls to clearAt.
    const firing = wasFiring ? m.value > clearAt : m.eligible && m.value > m.threshold;
    if (!firing && !before) continue; // never fired: nothing to show
    const state: TriggerState = {
      key: m.key,
      kind: m.kind,
      section: m.section,
      title: m.title,
      target: m.target,
      module: m.module,
      firing,
      value: m.value,
      threshold: m.threshold,
      clearAt,
      unit: m.unit,
      detail: m.detail,
      since: firing === wasFiring && before ? before.since : snap.at,
      scope: m.scope,
    };
    triggers.push(state);
    if (firing !== wasFiring) changes.push({ key: m.key, fired: firing, trigger: state });
  }
  // A target that vanished from the snapshot (queue deleted, source lost) keeps its last state:
  // losing sight of a problem is not the problem clearing.
  for (const p of prev) if (!seen.has(p.key)) triggers.push(p);
  triggers.sort((a, b) => Number(b.firing) - Number(a.firing) || a.section - b.section || a.key.localeCompare(b.key));
  return { triggers, changes };
}

export function firingTriggers(triggers: readonly TriggerState[]): TriggerState[] {
  return triggers.filter((t) => t.firing);
}
