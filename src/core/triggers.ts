// Runbook triggers, exactly as the runbook words them, with hysteresis so a value hovering at
// the line does not flap. Pure: (previous trigger states, snapshot, thresholds) -> new states.
//
// What each trigger is (section, wording, threshold, unit, how the matrix reads it) is
// src/domain/thresholds.ts; the breach rule too. This file measures each one from the snapshot.
// Adding a trigger: its entry in RUNBOOK_TRIGGERS (with its threshold in the same file) and its
// measurement in MEASURES below; nothing else.
import { formatDurationDetail } from '../domain/duration.js';
import { moduleOfQueue, PLATFORM } from '../domain/queues.js';
import {
  DEFAULT_THRESHOLDS,
  TRIGGER_KINDS,
  clearLevel,
  deadLetterBaseline,
  deadLetterFactor,
  stillBreaching,
  triggerLine,
  triggerSpec,
  type Thresholds,
  type TriggerKind,
  type TriggerUnit,
} from '../domain/thresholds.js';
import { parseTriggerId, triggerId } from '../domain/triggerId.js';
import { orderTriggers } from './escalation.js';
import type { Severity } from '../domain/severity.js';
import type { RunbookSectionId } from './runbook.js';
import type { TriggerScope, TriggerState } from './triggerState.js';
import { signalLine, type Signal, type SignalKind } from './signals.js';
import type { EpochMs, QueueSnapshot, Snapshot } from './snapshot.js';

export { DEFAULT_THRESHOLDS, type TriggerKind, type TriggerUnit };
/** The thresholds the triggers judge by: all of them (src/domain/thresholds.ts). */
export type TriggerThresholds = Thresholds;

export type { TriggerScope, TriggerState } from './triggerState.js';

export interface TriggerChange {
  key: string;
  fired: boolean;
  trigger: TriggerState;
}

/** What a measurement reads off the snapshot for one target; the rest comes from the trigger's spec. */
interface Reading {
  target: string;
  module: string;
  /** The figure compared with the threshold. */
  value: number;
  /** Extra condition besides value > threshold (e.g. enough runs, several campaigns). */
  eligible: boolean;
  detail: string;
  scope: TriggerScope;
  severity?: Severity;
  /** A runbook section other than the kind's (a SEV-1 signal is answered by section 7). */
  section?: RunbookSectionId;
  evidence?: string[];
  signal?: Signal;
}

/**
 * A trigger measured per queue, or over the whole snapshot. A queue measure gives its figure
 * first (null: no reading) and the whole reading (detail, scope) only when asked: at thousands of
 * queues almost none has ever fired, and their details were most of the triggers' cost. `read`
 * returns a reading exactly when `figure` returns a number, with that number as its value and
 * always eligible.
 */
type Measure =
  | { per: 'queue'; figure: (q: QueueSnapshot, t: Thresholds) => number | null; read: (q: QueueSnapshot, t: Thresholds) => Reading | null }
  | { per: 'snapshot'; read: (snap: Snapshot, t: Thresholds) => Reading[] };

/** Each raised signal of a kind (src/core/signals.ts): fires while active, at its own severity. */
function signalReadings(kind: SignalKind, module: string): Measure {
  return {
    per: 'snapshot',
    read: (snap) =>
      snap.signals
        .filter((sig) => sig.kind === kind)
        .map((sig) => ({
          target: sig.id,
          module,
          value: sig.active ? 1 : 0,
          eligible: true,
          detail: signalLine(sig),
          scope: { campaigns: sig.campaigns.length, campaignIds: [...sig.campaigns] },
          severity: sig.severity,
          // SEV-1 is answered by the escalation matrix first: immediate paging (runbook 7).
          ...(sig.severity === 'SEV-1' ? { section: 7 as const } : {}),
          evidence: [...sig.evidence],
          signal: sig,
        })),
  };
}

function pct(r: number): string {
  return `${(r * 100).toFixed(1)}%`;
}

/** How each trigger reads the snapshot. Every kind of RUNBOOK_TRIGGERS must have one. */
const MEASURES: Record<TriggerKind, Measure> = {
  'queue-lag': {
    per: 'queue',
    figure: (q) => q.lagSeconds,
    read: (q, t) =>
      q.lagSeconds === null
        ? null
        : {
            target: q.name,
            module: moduleOfQueue(q.name),
            value: q.lagSeconds,
            eligible: true,
            detail: `${q.name} lag ${formatDurationDetail(q.lagSeconds)} (${q.lagMethod}) vs ${formatDurationDetail(t.queueLagSeconds)}, depth ${q.depth}`,
            scope: { queues: [q.name] },
          },
  },
  'dead-letter-spike': {
    per: 'queue',
    figure: (q, t) => deadLetterFactor(q.deadLetterGrowthPerHour, q.deadLetterBaselinePerHour, t.deadLetterBaselineFloorPerHour),
    read: (q, t) => {
      const baseline = deadLetterBaseline(q.deadLetterBaselinePerHour, t.deadLetterBaselineFloorPerHour);
      const factor = deadLetterFactor(q.deadLetterGrowthPerHour, q.deadLetterBaselinePerHour, t.deadLetterBaselineFloorPerHour);
      return {
        target: q.name,
        module: moduleOfQueue(q.name),
        value: factor,
        eligible: true,
        detail: `${q.name}.dead +${q.deadLetterGrowthPerHour.toFixed(1)}/h = ${factor.toFixed(1)}x baseline ${baseline.toFixed(1)}/h (${q.deadLetterBaselineSource ?? 'floor'})`,
        scope: { queues: [q.name] },
      };
    },
  },
  'report-failures': {
    per: 'snapshot',
    read: (snap, t) => {
      const r = snap.reporting;
      const ratio = r.runs > 0 ? r.failures / r.runs : 0;
      return [
        {
          target: 'reporting',
          module: 'reporting',
          value: ratio,
          eligible: r.runs >= t.reportMinRuns,
          detail: `${r.failures}/${r.runs} report runs failed in ${r.windowMinutes}m = ${pct(ratio)} vs ${pct(t.reportFailureRatio)}`,
          scope: { queues: ['reporting'], campaigns: r.failedCampaigns.length },
        },
      ];
    },
  },
  'serp-failures': {
    per: 'snapshot',
    read: (snap, t) =>
      snap.providers.map((p) => {
        const rate = p.requests > 0 ? p.failures / p.requests : 0;
        return {
          target: p.name,
          module: 'rank',
          value: rate,
          eligible: p.campaignsAffected >= t.serpMinCampaigns,
          detail: `${p.name} SERP failures ${pct(rate)} vs ${pct(t.serpFailureRate)} across ${p.campaignsAffected}/${p.campaignsTotal} campaigns`,
          scope: { providers: [p.name], campaigns: p.campaignsAffected, queues: ['rank'] },
        };
      }),
  },
  'replica-lag': {
    per: 'snapshot',
    read: (snap, t) =>
      snap.database.replicas.map((rep) => ({
        target: rep.name,
        module: 'database',
        // A paused replay is a breach in waiting: its lag only grows. It counts as a breach
        // once the lag passes the line, like any other replica.
        value: rep.lagSeconds ?? (rep.reachable ? 0 : Number.POSITIVE_INFINITY),
        // A replica promoted to primary has no replay to lag.
        eligible: rep.promoted !== true,
        detail: rep.promoted
          ? `${rep.name} promoted: now the primary`
          : rep.reachable
            ? `${rep.name} replay lag ${rep.lagSeconds === null ? 'unknown' : formatDurationDetail(rep.lagSeconds)}${rep.replayPaused ? ' (replay paused)' : ''} vs ${formatDurationDetail(t.replicaLagSeconds)}`
            : `${rep.name} unreachable`,
        scope: { replicas: [rep.name] },
      })),
  },
  'failed-migrations': {
    per: 'snapshot',
    read: (snap) => [
      {
        target: 'primary',
        module: 'database',
        value: snap.database.failedMigrations,
        eligible: true,
        detail: `${snap.database.failedMigrations} failed migration(s)`,
        scope: {},
      },
    ],
  },
  'primary-degradation': {
    per: 'snapshot',
    read: (snap) => {
      const db = snap.database;
      const degraded = !db.primaryReachable || db.primaryDegraded !== null;
      return [
        {
          target: 'primary',
          module: 'database',
          value: degraded ? 1 : 0,
          eligible: true,
          detail: !db.primaryReachable ? 'primary unreachable' : `primary degraded: ${db.primaryDegraded ?? 'no'}`,
          scope: {},
          // The matrix's full service outage (runbook 7): the primary gone is SEV-1, not a degradation.
          ...(db.primaryReachable ? {} : { severity: 'SEV-1' as const }),
        },
      ];
    },
  },
  'cross-tenant-risk': signalReadings('cross-tenant-risk', PLATFORM),
  'data-corruption': signalReadings('data-corruption', 'database'),
};

const QUEUE_KINDS = TRIGGER_KINDS.filter((k) => MEASURES[k].per === 'queue');
const SNAPSHOT_KINDS = TRIGGER_KINDS.filter((k) => MEASURES[k].per === 'snapshot');

/**
 * Applies the runbook triggers with hysteresis (the breach rule of src/domain/thresholds.ts): a
 * trigger fires when its value is strictly above its threshold (and any extra condition holds);
 * once firing it stays firing until the value falls to `threshold * clearRatio` (flags and counts
 * clear at 0). Returns every trigger that is firing or has fired before (so cleared ones stay
 * visible), and the changes of this evaluation.
 */
export function evaluateTriggers(
  prev: readonly TriggerState[],
  snap: Snapshot,
  thresholds: Thresholds = DEFAULT_THRESHOLDS,
): { triggers: TriggerState[]; changes: TriggerChange[] } {
  const prevByKey = new Map(prev.map((p) => [p.key, p]));
  // The same states by kind, then target (a key is `kind:target`): a queue is looked up without
  // making its key, which only a queue with a state, or firing now, needs.
  const prevByTarget = new Map<string, Map<string, TriggerState>>();
  for (const [key, p] of prevByKey) {
    const id = parseTriggerId(key);
    if (!id) continue;
    let m = prevByTarget.get(id.kind);
    if (!m) prevByTarget.set(id.kind, (m = new Map()));
    m.set(id.target, p);
  }
  const seen = new Set<string>();
  const triggers: TriggerState[] = [];
  const changes: TriggerChange[] = [];
  const judge = (kind: TriggerKind, m: Reading, before: TriggerState | undefined, key: string): void => {
    const spec = triggerSpec(kind);
    seen.add(key);
    const wasFiring = before?.firing ?? false;
    const threshold = triggerLine(kind, thresholds);
    const clearAt = clearLevel(threshold, thresholds.clearRatio, spec.unit);
    const firing = stillBreaching(wasFiring, m.value, threshold, clearAt, m.eligible);
    if (!firing && !before) return; // never fired: nothing to show
    const state: TriggerState = {
      key,
      kind,
      section: m.section ?? spec.section,
      title: spec.title,
      target: m.target,
      module: m.module,
      firing,
      value: m.value,
      threshold,
      clearAt,
      unit: spec.unit,
      detail: m.detail,
      since: firing === wasFiring && before ? before.since : snap.at,
      scope: m.scope,
      ...(m.severity ? { severity: m.severity } : {}),
      ...(m.evidence ? { evidence: m.evidence } : {}),
      ...(m.signal ? { signal: m.signal } : {}),
    };
    triggers.push(state);
    if (firing !== wasFiring) changes.push({ key, fired: firing, trigger: state });
  };
  // Queue triggers queue by queue first, then the others in the runbook's order.
  const queueKinds = QUEUE_KINDS.map((kind) => {
    const threshold = triggerLine(kind, thresholds);
    return {
      kind,
      m: MEASURES[kind],
      prev: prevByTarget.get(kind),
      threshold,
      clearAt: clearLevel(threshold, thresholds.clearRatio, triggerSpec(kind).unit),
    };
  });
  for (let i = 0; i < snap.queues.length; i++) {
    const q = snap.queues[i] as QueueSnapshot;
    for (let j = 0; j < queueKinds.length; j++) {
      const k = queueKinds[j] as (typeof queueKinds)[number];
      if (k.m.per !== 'queue') continue;
      const value = k.m.figure(q, thresholds);
      if (value === null) continue;
      const before = k.prev?.get(q.name);
      // A queue with no state that does not breach now has nothing to show: its reading is not made.
      if (!before && !stillBreaching(false, value, k.threshold, k.clearAt, true)) continue;
      const reading = k.m.read(q, thresholds);
      if (reading) judge(k.kind, reading, before, triggerId(k.kind, reading.target));
    }
  }
  for (const kind of SNAPSHOT_KINDS) {
    const m = MEASURES[kind];
    if (m.per !== 'snapshot') continue;
    for (const reading of m.read(snap, thresholds)) {
      const key = triggerId(kind, reading.target);
      judge(kind, reading, prevByKey.get(key), key);
    }
  }
  // A target that vanished from the snapshot (queue deleted, source lost) keeps its last state:
  // losing sight of a problem is not the problem clearing.
  for (const p of prev) if (!seen.has(p.key)) triggers.push(p);
  // The most serious first: firing, then the severity each implies, then how far past its line
  // (src/core/escalation.ts orderTriggers).
  return { triggers: orderTriggers(triggers), changes };
}

export function firingTriggers(triggers: readonly TriggerState[]): TriggerState[] {
  return triggers.filter((t) => t.firing);
}
