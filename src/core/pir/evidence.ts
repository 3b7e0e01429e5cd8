// When did the problem start? The earliest evidence in the data at the moment a trigger fires,
// recorded on the trigger entry (`evidenceAt`) so the incident's "started" milestone is the real
// start and not the detection: for queue lag the enqueue time of the oldest message behind the
// breach (now − lag); for a dead pool its last heartbeat; for a spike or a failure rate the first
// minute of the recorded series above the baseline. Pure.
import type { Snapshot } from '../snapshot.js';
import type { FiguresDetails } from '../timeline.js';
import { formatDuration, formatUtc, parseUtc } from '../timeline.js';
import type { TriggerState } from '../triggers.js';

export interface Evidence {
  /** ISO UTC, never after the snapshot's time. */
  evidenceAt: string;
  evidence: string;
}

const hhmm = (ms: number): string => formatUtc(ms).slice(11, 16);

/**
 * Walks back from the newest sample while `above` holds and returns the oldest sample of that run
 * (the first minute of the breach as the series saw it), or null when the newest is not above.
 */
function firstOfRun(history: readonly FiguresDetails[], above: (s: FiguresDetails) => boolean): { tMs: number; earliest: boolean } | null {
  const series = history
    .map((s) => ({ s, tMs: parseUtc(s.t) }))
    .filter((x): x is { s: FiguresDetails; tMs: number } => x.tMs !== null)
    .sort((a, b) => a.tMs - b.tMs);
  let first: number | null = null;
  let i = series.length - 1;
  for (; i >= 0; i--) {
    const x = series[i];
    if (!x || !above(x.s)) break;
    first = x.tMs;
  }
  return first === null ? null : { tMs: first, earliest: i < 0 };
}

/** A dead pool: every worker consuming the queue is offline; its last heartbeat, else null. */
function deadPoolHeartbeat(snap: Snapshot, queue: string): number | null {
  const workers = snap.workers.filter((w) => w.queues.includes(queue));
  if (workers.length === 0 || workers.some((w) => w.online)) return null;
  const beats = workers.map((w) => w.lastHeartbeatAt).filter((t): t is number => t !== null && Number.isFinite(t));
  return beats.length === 0 ? null : Math.max(...beats);
}

function seriesEvidence(history: readonly FiguresDetails[], nowMs: number, above: (s: FiguresDetails) => boolean, what: string): Evidence {
  const run = firstOfRun(history, above);
  if (run === null || run.tMs > nowMs) {
    return { evidenceAt: formatUtc(nowMs), evidence: `${what}: no earlier minute above it in the recorded figures` };
  }
  const since = run.earliest ? ' (the oldest minute recorded: it may have started earlier)' : '';
  return {
    evidenceAt: formatUtc(run.tMs),
    evidence: `${what}: first minute above it in the recorded figures at ${hhmm(run.tMs)} UTC${since}`,
  };
}

/**
 * The earliest evidence for a trigger firing on `snap`. `history(queue)` gives the recent figure
 * series, oldest first, the current minute included or not, with only `queue`'s figures (null: no
 * queue's): asked for only by the triggers whose evidence is in the series, for the one queue they
 * need (at 2,000 queues a whole series is 90 samples of 2,000 queues, and triggers fire by the
 * dozen when a broker stalls).
 */
export function triggerEvidence(
  t: TriggerState,
  snap: Snapshot,
  history: (queue: string | null) => readonly FiguresDetails[],
): Evidence | null {
  const now = snap.at;
  if (!Number.isFinite(now)) return null;
  switch (t.kind) {
    case 'queue-lag': {
      const q = snap.queues.find((x) => x.name === t.target);
      const lag = q?.lagSeconds ?? (Number.isFinite(t.value) ? t.value : null);
      const candidates: Evidence[] = [];
      if (lag !== null && Number.isFinite(lag) && lag >= 0) {
        const method = q?.lagMethod ?? 'unknown';
        const how = method === 'stamped' ? 'exact' : method === 'first-seen' ? 'a lower bound: first seen by the cockpit' : method;
        candidates.push({
          evidenceAt: formatUtc(now - lag * 1000),
          evidence: `the oldest message waiting in ${t.target} was enqueued ${formatDuration(lag * 1000)} before the trigger fired (${how})`,
        });
      }
      const beat = deadPoolHeartbeat(snap, t.target);
      if (beat !== null && beat <= now) {
        candidates.push({
          evidenceAt: formatUtc(beat),
          evidence: `the last heartbeat of the workers consuming ${t.target} was at ${formatUtc(beat).slice(11, 19)} UTC (none online since)`,
        });
      }
      if (candidates.length === 0) return null;
      candidates.sort((a, b) => (parseUtc(a.evidenceAt) ?? 0) - (parseUtc(b.evidenceAt) ?? 0));
      const [first, ...rest] = candidates;
      if (!first) return null;
      return rest.length === 0
        ? first
        : { evidenceAt: first.evidenceAt, evidence: `${first.evidence}; also ${rest.map((r) => r.evidence).join('; ')}` };
    }
    case 'dead-letter-spike': {
      const queue = t.target;
      const q = snap.queues.find((x) => x.name === queue);
      const current = [...history(queue)];
      if (q) {
        current.push({
          t: formatUtc(now),
          queues: {
            [queue]: {
              lag: q.lagSeconds,
              depth: q.depth,
              dead: q.deadLetters,
              dlRate: q.deadLetterGrowthPerHour,
              dlBase: q.deadLetterBaselinePerHour,
              fail: 0,
            },
          },
          replicas: {},
        });
      }
      return seriesEvidence(
        current,
        now,
        (s) => {
          const f = s.queues[queue];
          return f !== undefined && f.dlRate > Math.max(f.dlBase ?? 0, 1);
        },
        `${queue} dead-letter growth above its baseline`,
      );
    }
    case 'replica-lag': {
      const r = snap.database.replicas.find((x) => x.name === t.target);
      const lag = r?.lagSeconds ?? null;
      if (lag === null || !Number.isFinite(lag) || lag < 0) return null;
      return {
        evidenceAt: formatUtc(now - lag * 1000),
        evidence: `${t.target} had replayed nothing newer than ${formatDuration(lag * 1000)} before the trigger fired`,
      };
    }
    case 'serp-failures':
      return seriesEvidence(
        history(null),
        now,
        (s) => (s.providers?.[t.target]?.failRate ?? 0) > t.threshold,
        `${t.target} SERP failure rate above ${Math.round(t.threshold * 100)}%`,
      );
    case 'report-failures':
      return seriesEvidence(
        history(null),
        now,
        (s) => (s.reports && s.reports.runs > 0 ? s.reports.failures / s.reports.runs : 0) > t.threshold,
        `report failures above ${Math.round(t.threshold * 100)}%`,
      );
    case 'failed-migrations':
    case 'primary-degradation':
    // A trigger added to src/domain/thresholds.ts without evidence of its own here: its firing.
    default:
      return { evidenceAt: formatUtc(now), evidence: 'no earlier evidence in the data: the trigger itself' };
  }
}
