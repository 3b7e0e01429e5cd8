// The compact series of key figures the journal keeps for the post-incident review: one
// `figures` entry a minute while an incident is active (and a few minutes of backfill from
// before it opened), read back for the PIR's charts and for each action's effect. Names are kept
// escaped (\uXXXX for control and invisible characters), as trigger names are. Pure.
import type { Snapshot } from '../snapshot.js';
import { escapeControls } from '../sanitize.js';
import { totalFailures } from '../snapshot.js';
import type { FiguresDetails, QueueFigures, TimelineEntry } from '../timeline.js';
import { isUtcTimestamp, parseUtc, formatUtc } from '../timeline.js';
import { compareText } from '../../domain/textOrder.js';

/** At most this many named campaigns per sample (the blast radius names them; the rest are counted). */
export const MAX_NAMED_CAMPAIGNS = 50;

/** One sample as read back from the journal, with its time as epoch ms. */
export interface FigureSample extends FiguresDetails {
  tMs: number;
  /** The entry it came from. */
  seq: number;
}

const round = (n: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/** The values by name as an object whose keys are in sorted order (code units, as canonicalJson sorts them). */
function inKeyOrder<V>(byName: ReadonlyMap<string, V>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const name of [...byName.keys()].sort(compareText)) out[name] = byName.get(name) as V;
  return out;
}

/**
 * The figures of one snapshot, as the journal keeps them (numbers rounded; names as the snapshot
 * has them). Every object's keys are in sorted order, queues and other names included: the entry's
 * hash (canonical JSON, keys sorted) is then one JSON.stringify instead of a sort at every level.
 * At 2,000 queues a sample is about 185 KB, hashed when written, when merged and at every read of
 * the journal (a PIR, the in-force check's reading of every incident): 1.2 ms instead of 7.4 ms a
 * hash. The hash is the same either way; only the line's key order differs.
 */
export function sampleFigures(snap: Snapshot): FiguresDetails {
  const byName = new Map<string, QueueFigures>();
  for (const q of snap.queues) {
    const workers = snap.workers.filter((w) => w.queues.includes(q.name));
    byName.set(escapeControls(q.name), {
      dead: q.deadLetters,
      depth: q.depth,
      dlBase: q.deadLetterBaselinePerHour === null ? null : round(q.deadLetterBaselinePerHour, 2),
      dlRate: round(q.deadLetterGrowthPerHour, 1),
      fail: totalFailures(q),
      lag: q.lagSeconds === null || !Number.isFinite(q.lagSeconds) ? null : round(q.lagSeconds, 1),
      workers: workers.filter((w) => w.online).length,
    });
  }
  const queues = inKeyOrder(byName);
  const replicaLags = new Map<string, number | null>();
  for (const r of snap.database.replicas) {
    replicaLags.set(escapeControls(r.name), r.lagSeconds === null || !Number.isFinite(r.lagSeconds) ? null : round(r.lagSeconds, 1));
  }
  const replicas = inKeyOrder(replicaLags);
  const byProvider = new Map<string, { campaigns: number; failRate: number }>();
  for (const p of snap.providers) {
    byProvider.set(escapeControls(p.name), {
      campaigns: p.campaignsAffected,
      failRate: p.requests > 0 ? round(p.failures / p.requests, 4) : 0,
    });
  }
  const providers = inKeyOrder(byProvider);
  const r = snap.reporting;
  // Keys in sorted order: providers, queues, replicas, reports, scenario, simulated, t.
  const d = {
    providers,
    queues,
    replicas,
    reports: { failedCampaigns: r.failedCampaigns.slice(0, MAX_NAMED_CAMPAIGNS).map(escapeControls), failures: r.failures, runs: r.runs },
  } as FiguresDetails;
  if (snap.simulated) {
    if (snap.scenario) d.scenario = escapeControls(snap.scenario);
    d.simulated = true;
  }
  d.t = formatUtc(snap.at);
  return d;
}

/**
 * A sample as the figure series keeps it in memory (90 of them): the queue figures as 7 numbers a
 * queue in one Float64Array, the queue names shared with the previous sample when unchanged. With
 * 500 queues a sample is 28 KB instead of about 80 KB of small objects. `unpackFigures` gives the
 * sample back exactly as `sampleFigures` made it (NaN stands for null, or for no `workers`).
 */
export interface PackedFigures {
  /** Everything but `queues`, as sampled. */
  rest: { t: string } & Record<string, unknown>;
  names: readonly string[];
  values: Float64Array;
}

const QUEUE_FIELDS = 7;
const orNaN = (v: number | null | undefined): number => (v === null || v === undefined ? Number.NaN : v);

export function packFigures(d: FiguresDetails, previous?: PackedFigures | null): PackedFigures {
  const { queues, ...rest } = d;
  const keys = Object.keys(queues);
  const same = previous && previous.names.length === keys.length && keys.every((k, i) => previous.names[i] === k);
  const names = same ? previous.names : keys;
  const values = new Float64Array(names.length * QUEUE_FIELDS);
  names.forEach((name, i) => {
    const q = queues[name] as QueueFigures;
    values.set([orNaN(q.lag), q.depth, q.dead, q.dlRate, orNaN(q.dlBase), q.fail, orNaN(q.workers)], i * QUEUE_FIELDS);
  });
  return { rest, names, values };
}

/**
 * The sample back as sampled. `only`: just that queue's figures (null: no queue's), for a reader
 * that needs one queue of many samples (a trigger's evidence: 90 whole samples of 2,000 queues
 * took 35–170 ms, at every trigger that fired).
 */
export function unpackFigures(p: PackedFigures, only?: string | null): FiguresDetails {
  const queues: Record<string, QueueFigures> = {};
  const v = p.values;
  // The one index wanted (-1: none), or null for every queue.
  const wanted = only === undefined ? null : only === null ? -1 : p.names.indexOf(only);
  p.names.forEach((name, i) => {
    if (wanted !== null && i !== wanted) return;
    const o = i * QUEUE_FIELDS;
    const lag = v[o] as number;
    const dlBase = v[o + 4] as number;
    const workers = v[o + 6] as number;
    // Key order as sampled (sorted: the hash's fast path, sampleFigures).
    queues[name] = {
      dead: v[o + 2] as number,
      depth: v[o + 1] as number,
      dlBase: Number.isNaN(dlBase) ? null : dlBase,
      dlRate: v[o + 3] as number,
      fail: v[o + 5] as number,
      lag: Number.isNaN(lag) ? null : lag,
      ...(Number.isNaN(workers) ? {} : { workers }),
    };
  });
  // Key order as sampled (sorted, queues among the rest): the journal line is the same text.
  const out: Record<string, unknown> = {};
  for (const k of [...Object.keys(p.rest), 'queues'].sort(compareText)) out[k] = k === 'queues' ? queues : p.rest[k];
  return out as unknown as FiguresDetails;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const num = (v: unknown): number => numOrNull(v) ?? 0;

/** The `figures` entries of a journal, validated, oldest sample first. Malformed ones are skipped. */
export function readFigureSeries(entries: readonly TimelineEntry[]): FigureSample[] {
  const out: FigureSample[] = [];
  const seen = new Set<number>();
  for (const e of entries) {
    if (e.kind !== 'figures') continue;
    const d = e.details;
    if (!isUtcTimestamp(d.t) || !isObj(d.queues)) continue;
    const tMs = parseUtc(d.t);
    if (tMs === null || seen.has(tMs)) continue;
    seen.add(tMs);
    const queues: Record<string, QueueFigures> = {};
    for (const [name, raw] of Object.entries(d.queues)) {
      if (!isObj(raw)) continue;
      queues[name] = {
        lag: numOrNull(raw.lag),
        depth: num(raw.depth),
        dead: num(raw.dead),
        dlRate: num(raw.dlRate),
        dlBase: numOrNull(raw.dlBase),
        fail: num(raw.fail),
        ...(typeof raw.workers === 'number' ? { workers: raw.workers } : {}),
      };
    }
    const replicas: Record<string, number | null> = {};
    if (isObj(d.replicas)) for (const [name, v] of Object.entries(d.replicas)) replicas[name] = numOrNull(v);
    const providers: Record<string, { failRate: number; campaigns: number }> = {};
    if (isObj(d.providers)) {
      for (const [name, v] of Object.entries(d.providers))
        if (isObj(v)) providers[name] = { failRate: num(v.failRate), campaigns: num(v.campaigns) };
    }
    const rep = isObj(d.reports) ? d.reports : {};
    out.push({
      t: d.t,
      tMs,
      seq: e.seq,
      queues,
      replicas,
      providers,
      reports: {
        runs: num(rep.runs),
        failures: num(rep.failures),
        failedCampaigns: Array.isArray(rep.failedCampaigns) ? rep.failedCampaigns.filter((c): c is string => typeof c === 'string') : [],
      },
      ...(d.simulated === true ? { simulated: true } : {}),
      ...(typeof d.scenario === 'string' ? { scenario: d.scenario } : {}),
    });
  }
  return out.sort((a, b) => a.tMs - b.tMs);
}

// ---- Which figure, and reading it -----------------------------------------------------------

export type FigureKind =
  'queue-lag' | 'queue-depth' | 'dead-letters' | 'dead-letter-rate' | 'replica-lag' | 'serp-failure-rate' | 'report-failure-ratio';

/** A figure of the series: what it is and on what (a queue, a replica, a provider, `reporting`). */
export interface FigureRef {
  kind: FigureKind;
  target: string;
}

export const FIGURE_LABELS: Record<FigureKind, { label: string; unit: 's' | 'count' | 'per-hour' | 'ratio' }> = {
  'queue-lag': { label: 'queue lag', unit: 's' },
  'queue-depth': { label: 'queue depth', unit: 'count' },
  'dead-letters': { label: 'dead letters', unit: 'count' },
  'dead-letter-rate': { label: 'dead-letter growth', unit: 'per-hour' },
  'replica-lag': { label: 'replica lag', unit: 's' },
  'serp-failure-rate': { label: 'SERP failure rate', unit: 'ratio' },
  'report-failure-ratio': { label: 'report failure ratio', unit: 'ratio' },
};

export function figureLabel(ref: FigureRef): string {
  return `${ref.target} ${FIGURE_LABELS[ref.kind].label}`;
}

/** The value of a figure in one sample; null when the sample does not have it. */
export function figureValue(s: FiguresDetails, ref: FigureRef): number | null {
  switch (ref.kind) {
    case 'queue-lag':
      return s.queues[ref.target]?.lag ?? null;
    case 'queue-depth':
      return s.queues[ref.target]?.depth ?? null;
    case 'dead-letters':
      return s.queues[ref.target]?.dead ?? null;
    case 'dead-letter-rate':
      return s.queues[ref.target]?.dlRate ?? null;
    case 'replica-lag':
      return ref.target in s.replicas ? (s.replicas[ref.target] ?? null) : null;
    case 'serp-failure-rate':
      return s.providers?.[ref.target]?.failRate ?? null;
    case 'report-failure-ratio': {
      const r = s.reports;
      return r && r.runs > 0 ? r.failures / r.runs : null;
    }
  }
}

/**
 * The sample nearest to `atMs` within `toleranceMs` (ties: the earlier one), else null. The series
 * is a minute apart, so one minute either side finds the sample of that minute.
 */
export function sampleNear(series: readonly FigureSample[], atMs: number, toleranceMs = 60_000): FigureSample | null {
  let best: FigureSample | null = null;
  for (const s of series) {
    const d = Math.abs(s.tMs - atMs);
    if (d > toleranceMs) continue;
    if (best === null || d < Math.abs(best.tMs - atMs)) best = s;
  }
  return best;
}

/** The latest sample at or before `atMs` (no older than `maxAgeMs`), else null: what was known at that time. */
export function sampleAtOrBefore(series: readonly FigureSample[], atMs: number, maxAgeMs = 120_000): FigureSample | null {
  let best: FigureSample | null = null;
  for (const s of series) if (s.tMs <= atMs && atMs - s.tMs <= maxAgeMs && (best === null || s.tMs > best.tMs)) best = s;
  return best;
}
