// The runbook's thresholds and triggers, each described once, and the one breach rule.
//
// - THRESHOLD_SPECS: every threshold the triggers and the daily checklist judge by: its key in the
//   config file, how it is written and bounded, its default, and what it means. The Thresholds
//   type, the defaults, the config file's validation and the config's merge all derive from it.
// - RUNBOOK_TRIGGERS: every runbook trigger: its runbook section and wording, the threshold it
//   compares with, its unit, how the escalation matrix reads it and its short name on screen.
//   src/core/triggers.ts measures each one (the compiler insists every kind has a measurement).
// - The breach rule: strictly above the line breaches; once breaching, it holds until the figure
//   falls to clearRatio of the line (80% by default). Triggers, the checklist and the queue panel
//   all decide with it.

// ---- Thresholds -------------------------------------------------------------------------------

/** How a threshold is written in the config file: `duration` is seconds (a number or "15m"). */
export type ThresholdKind = 'duration' | 'ratio' | 'factor' | 'count';

export interface ThresholdSpec {
  /** Its key under `thresholds:` in the config file (`freshness.crawl` is `freshness: {crawl: …}`). */
  key: string;
  kind: ThresholdKind;
  min?: number;
  max?: number;
  /** Strictly above `min`. */
  exclusiveMin?: boolean;
  /** The built-in value (seconds for a duration). */
  default: number;
  /** What it means, in the runbook's words. */
  means: string;
}

/** Campaign freshness kinds (contract section 7): last crawl, rank check and review sync. */
export const FRESHNESS_KINDS = ['crawl', 'rank', 'reviews'] as const;
export type FreshnessKind = (typeof FRESHNESS_KINDS)[number];

const SPECS = {
  queueLagSeconds: {
    key: 'queueLag',
    kind: 'duration',
    min: 0,
    exclusiveMin: true,
    default: 15 * 60,
    means: 'Runbook 3: any queue lag > 15 minutes.',
  },
  deadLetterSpikeFactor: {
    key: 'deadLetterSpikeFactor',
    kind: 'factor',
    min: 0,
    exclusiveMin: true,
    default: 3,
    means: 'Runbook 3: dead-letter spike > 3x baseline.',
  },
  deadLetterBaselineFloorPerHour: {
    key: 'deadLetterBaselineFloorPerHour',
    kind: 'factor',
    min: 0,
    default: 1,
    means: 'A zero baseline would make any single dead letter an infinite spike: the baseline is at least this (per hour).',
  },
  reportFailureRatio: {
    key: 'reportFailureRatio',
    kind: 'ratio',
    min: 0,
    max: 1,
    default: 0.05,
    means: 'Runbook 4: monthly report failures exceed 5% in a 1-hour window.',
  },
  reportMinRuns: {
    key: 'reportMinRuns',
    kind: 'count',
    min: 0,
    default: 10,
    means: 'Below this many report runs in the window a failure ratio says nothing (1 failure of 3 is not "33%").',
  },
  serpFailureRate: {
    key: 'serpFailureRate',
    kind: 'ratio',
    min: 0,
    max: 1,
    default: 0.2,
    means: 'Runbook 5: SERP failure rate > threshold …',
  },
  serpMinCampaigns: {
    key: 'serpMinCampaigns',
    kind: 'count',
    min: 1,
    default: 2,
    means: '… across multiple campaigns: at least this many.',
  },
  replicaLagSeconds: {
    key: 'replicaLag',
    kind: 'duration',
    min: 0,
    exclusiveMin: true,
    default: 60,
    means: 'Runbook 6: replica lag breach.',
  },
  clearRatio: {
    key: 'clearRatio',
    kind: 'ratio',
    min: 0,
    max: 1,
    exclusiveMin: true,
    default: 0.8,
    means: 'Hysteresis: a firing trigger clears only when its figure falls to this fraction of the line (0.8 = 20% below it).',
  },
  failureRatio24h: {
    key: 'failureRatio24h',
    kind: 'ratio',
    min: 0,
    max: 1,
    default: 0.05,
    means: 'Runbook 2 (checklist): the previous 24 h failure ratio of a queue above this is a breach.',
  },
  failureRatioMinRuns: {
    key: 'failureRatioMinRuns',
    kind: 'count',
    min: 0,
    default: 20,
    means: 'Checklist: below this many finished tasks in the window a failure ratio is not judged.',
  },
  warnRatio: {
    key: 'warnRatio',
    kind: 'ratio',
    min: 0,
    max: 1,
    exclusiveMin: true,
    default: 0.8,
    means: 'Checklist: a figure above this fraction of its threshold is a warning.',
  },
  backupMaxAgeSeconds: {
    key: 'backupMaxAge',
    kind: 'duration',
    min: 0,
    exclusiveMin: true,
    // Daily backups plus a couple of hours of slack for a slow run.
    default: 26 * 3600,
    means: 'Runbook 2 (checklist): the last completed backup must be younger than this.',
  },
} as const satisfies Record<string, ThresholdSpec>;

export type ThresholdField = keyof typeof SPECS;

const FRESHNESS_DEFAULT: Record<FreshnessKind, number> = { crawl: 24 * 3600, rank: 24 * 3600, reviews: 48 * 3600 };

/** Every threshold, as the config and the checks use it. Durations in seconds. */
export type Thresholds = Record<ThresholdField, number> & {
  /** Checklist (contract section 7): an active campaign whose last crawl/rank/review is older than this is stale. */
  freshnessSeconds: Record<FreshnessKind, number>;
};

/** A threshold and where it lives in Thresholds. */
export type ThresholdEntry = ThresholdSpec & ({ field: ThresholdField } | { freshness: FreshnessKind });

/** Every threshold, in the order the config file documents them. */
export const THRESHOLD_SPECS: readonly ThresholdEntry[] = [
  ...(Object.entries(SPECS) as [ThresholdField, ThresholdSpec][]).map(([field, spec]) => ({ ...spec, field })),
  ...FRESHNESS_KINDS.map((kind) => ({
    key: `freshness.${kind}`,
    kind: 'duration' as const,
    min: 0,
    exclusiveMin: true,
    default: FRESHNESS_DEFAULT[kind],
    means: `Checklist: an active campaign whose last ${kind} is older than this is stale.`,
    freshness: kind,
  })),
];

export function thresholdValue(t: Thresholds, e: ThresholdEntry): number {
  return 'field' in e ? t[e.field] : t.freshnessSeconds[e.freshness];
}

export function setThreshold(t: Thresholds, e: ThresholdEntry, value: number): void {
  if ('field' in e) t[e.field] = value;
  else t.freshnessSeconds[e.freshness] = value;
}

/** A fresh copy of the defaults (the caller may change it). */
export function defaultThresholds(): Thresholds {
  const t = { freshnessSeconds: { ...FRESHNESS_DEFAULT } } as Thresholds;
  for (const e of THRESHOLD_SPECS) setThreshold(t, e, e.default);
  return t;
}

export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = defaultThresholds();

// ---- Runbook triggers -------------------------------------------------------------------------

/** What a trigger's figure is: seconds, a ratio, a multiple of a baseline, a count, a yes/no flag. */
export type TriggerUnit = 's' | 'ratio' | 'x' | 'count' | 'flag';

/**
 * How the escalation matrix (runbook 7) reads a firing trigger. `signal`: not a threshold but a
 * raised signal carrying its own severity (cross-tenant risk: SEV-1; src/core/signals.ts).
 */
export type MatrixReading = 'module-unavailable' | 'high-error-rate' | 'partial-degradation' | 'signal';

export interface TriggerSpec {
  /** The runbook section whose procedure answers it (a SEV-1 signal: 7, the escalation matrix). */
  section: 3 | 4 | 5 | 6 | 7;
  /** The runbook's wording of the trigger. */
  title: string;
  /** The trigger column of the escalation panel; the detail column says the rest. */
  short: string;
  unit: TriggerUnit;
  /** The threshold it compares with; null: any figure above 0 (a count, a flag). */
  threshold: ThresholdField | null;
  matrix: MatrixReading;
}

export const RUNBOOK_TRIGGERS = {
  'queue-lag': {
    section: 3,
    title: 'Queue lag > 15 minutes',
    short: 'lag',
    unit: 's',
    threshold: 'queueLagSeconds',
    matrix: 'partial-degradation',
  },
  'dead-letter-spike': {
    section: 3,
    title: 'Dead-letter spike > 3x baseline',
    short: 'DL spike',
    unit: 'x',
    threshold: 'deadLetterSpikeFactor',
    matrix: 'high-error-rate',
  },
  'report-failures': {
    section: 4,
    title: 'Monthly report failures > 5% in 1-hour window',
    short: 'failures',
    unit: 'ratio',
    threshold: 'reportFailureRatio',
    matrix: 'high-error-rate',
  },
  'serp-failures': {
    section: 5,
    title: 'SERP failure rate > threshold across multiple campaigns',
    short: 'SERP fails',
    unit: 'ratio',
    threshold: 'serpFailureRate',
    matrix: 'high-error-rate',
  },
  'replica-lag': {
    section: 6,
    title: 'Replica lag breach',
    short: 'lag',
    unit: 's',
    threshold: 'replicaLagSeconds',
    matrix: 'partial-degradation',
  },
  'failed-migrations': {
    section: 6,
    title: 'Failed migrations',
    short: 'migrations',
    unit: 'count',
    threshold: null,
    matrix: 'module-unavailable',
  },
  'primary-degradation': {
    section: 6,
    title: 'Primary degradation',
    short: 'degraded',
    unit: 'flag',
    threshold: null,
    matrix: 'module-unavailable',
  },
  // Signals, not thresholds (src/core/signals.ts): raised, never measured against a line.
  'cross-tenant-risk': {
    section: 7,
    title: 'Cross-tenant risk',
    short: 'cross-tenant',
    unit: 'flag',
    threshold: null,
    matrix: 'signal',
  },
  'data-corruption': {
    section: 6,
    title: 'Data corruption risk',
    short: 'corruption',
    unit: 'flag',
    threshold: null,
    matrix: 'signal',
  },
} as const satisfies Record<string, TriggerSpec>;

export type TriggerKind = keyof typeof RUNBOOK_TRIGGERS;

/** In the runbook's order (and the order triggers are measured in). */
export const TRIGGER_KINDS = Object.keys(RUNBOOK_TRIGGERS) as TriggerKind[];

export function triggerSpec(kind: TriggerKind): TriggerSpec {
  return RUNBOOK_TRIGGERS[kind];
}

/** The line a trigger's figure is compared with. */
export function triggerLine(kind: TriggerKind, t: Thresholds): number {
  const field = triggerSpec(kind).threshold;
  return field === null ? 0 : t[field];
}

// ---- The breach rule --------------------------------------------------------------------------

/** Strictly above the line is a breach: a figure exactly at the line is not. */
export function breaches(value: number, line: number): boolean {
  return value > line;
}

/** Where a breaching figure stops breaching: clearRatio of the line; a count or a flag at the line itself. */
export function clearLevel(line: number, clearRatio: number, unit: TriggerUnit): number {
  return unit === 'count' || unit === 'flag' ? line : line * clearRatio;
}

/**
 * The rule with hysteresis, one evaluation: not breaching, it starts only strictly above the line
 * (and when any extra condition holds, such as enough runs); breaching, it holds until the figure
 * falls to `clearAt`.
 */
export function stillBreaching(wasBreaching: boolean, value: number, line: number, clearAt: number, eligible = true): boolean {
  return wasBreaching ? breaches(value, clearAt) : eligible && breaches(value, line);
}

/** A figure against its line: over it, near it (above `nearRatio` of it), or clear. */
export type Standing = 'breach' | 'near' | 'ok';

export function standing(value: number, line: number, nearRatio: number): Standing {
  if (breaches(value, line)) return 'breach';
  if (breaches(value, line * nearRatio)) return 'near';
  return 'ok';
}

/**
 * Dead-letter growth as a multiple of its baseline (contract section 3): the baseline is at
 * least the floor, so an empty history does not make one dead letter an infinite spike. No
 * growth is no spike, whatever the baseline.
 */
export function deadLetterFactor(growthPerHour: number, baselinePerHour: number | null, floorPerHour: number): number {
  if (growthPerHour === 0) return 0;
  return growthPerHour / deadLetterBaseline(baselinePerHour, floorPerHour);
}

export function deadLetterBaseline(baselinePerHour: number | null, floorPerHour: number): number {
  return Math.max(baselinePerHour ?? 0, floorPerHour);
}
