// The PIR's charts: the main figures over the incident (a queue's lag, its dead-letter growth, a
// replica's lag, a provider's failure rate…, one chart per figure a trigger fired on), with the
// actions marked. Rendered as a Mermaid `xychart-beta` (GitHub draws it) with the actions as a
// bar series, or as plain text for readers without Mermaid (--ascii-charts). Pure.
import { formatUtc } from '../timeline.js';
import type { ActionRun } from './actions.js';
import type { FigureKind, FigureRef, FigureSample } from './figures.js';
import { FIGURE_LABELS, figureValue } from './figures.js';

export interface ChartPoint {
  /** `HH:MM` (UTC), or `DD HH:MM` when the series spans more than a day. */
  label: string;
  tMs: number;
  /** In the chart's unit; null: not recorded in that minute. */
  value: number | null;
}

export interface ChartMark {
  /** The action's label (A1…), at the point it falls on. */
  action: string;
  index: number;
  at: string;
  text: string;
}

export interface Chart {
  figure: FigureRef;
  title: string;
  /** The y axis unit in words: minutes, seconds, per hour, %. */
  unit: string;
  points: ChartPoint[];
  marks: ChartMark[];
}

/** Trigger kinds and the figure their chart draws. */
const FIGURE_OF_TRIGGER: Record<string, FigureKind> = {
  'queue-lag': 'queue-lag',
  'dead-letter-spike': 'dead-letter-rate',
  'replica-lag': 'replica-lag',
  'serp-failures': 'serp-failure-rate',
  'report-failures': 'report-failure-ratio',
};

/** The unit a figure is drawn in, and the conversion from the series' own unit. */
function scaleOf(kind: FigureKind, max: number): { unit: string; scale: (v: number) => number } {
  switch (FIGURE_LABELS[kind].unit) {
    case 's':
      return max >= 180 ? { unit: 'minutes', scale: (v) => v / 60 } : { unit: 'seconds', scale: (v) => v };
    case 'ratio':
      return { unit: '%', scale: (v) => v * 100 };
    case 'per-hour':
      return { unit: 'per hour', scale: (v) => v };
    default:
      return { unit: 'count', scale: (v) => v };
  }
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** At most this many points per chart: longer series are bucketed (the worst value of each bucket). */
export const MAX_POINTS = 60;

/** Names from outside go into a quoted Mermaid title: keep only what cannot end or escape the string. */
export function chartSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9 ._:/()%-]/g, '').slice(0, 80) || '?';
}

export function buildCharts(figures: readonly FigureRef[], series: readonly FigureSample[], actions: readonly ActionRun[]): Chart[] {
  if (series.length === 0) return [];
  const first = series[0]?.tMs ?? 0;
  const last = series[series.length - 1]?.tMs ?? 0;
  const long = last - first > 24 * 3_600_000;
  const label = (ms: number): string => {
    const iso = formatUtc(ms);
    return long ? `${iso.slice(8, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);
  };
  const stride = Math.max(1, Math.ceil(series.length / MAX_POINTS));
  const buckets: FigureSample[][] = [];
  for (let i = 0; i < series.length; i += stride) buckets.push(series.slice(i, i + stride));
  const charts: Chart[] = [];
  for (const figure of figures) {
    const raw = buckets.map((b) => {
      const values = b.map((s) => figureValue(s, figure)).filter((v): v is number => v !== null);
      return { tMs: b[0]?.tMs ?? 0, value: values.length === 0 ? null : Math.max(...values) };
    });
    if (raw.every((p) => p.value === null)) continue;
    const max = Math.max(...raw.map((p) => p.value ?? 0));
    const { unit, scale } = scaleOf(figure.kind, max);
    const points = raw.map((p) => ({ label: label(p.tMs), tMs: p.tMs, value: p.value === null ? null : round1(scale(p.value)) }));
    const marks: ChartMark[] = [];
    for (const a of actions) {
      if (a.outcome === 'refused' || a.atMs < first || a.atMs > last + 60_000) continue;
      // The bucket the action falls in: the last point at or before it.
      let index = 0;
      for (let i = 0; i < points.length; i++) if ((points[i]?.tMs ?? 0) <= a.atMs) index = i;
      marks.push({ action: a.label, index, at: a.at, text: `${a.action}${a.target === '' ? '' : ` on ${a.target}`} by ${a.operator}` });
    }
    const label0 = FIGURE_LABELS[figure.kind].label;
    charts.push({ figure, title: `${figure.target} ${label0} (${unit})`, unit, points, marks });
  }
  return charts;
}

/** Which figures to chart: one per figure a trigger fired on, in the order they fired. */
export function chartedFigures(triggers: readonly { triggerKey: string; target: string }[]): FigureRef[] {
  const out: FigureRef[] = [];
  for (const t of triggers) {
    const kind = FIGURE_OF_TRIGGER[t.triggerKey];
    if (!kind) continue;
    const target = kind === 'report-failure-ratio' ? 'reporting' : t.target;
    if (!out.some((f) => f.kind === kind && f.target === target)) out.push({ kind, target });
  }
  return out.slice(0, 8);
}

/** Values as Mermaid wants them: numbers only; a minute not recorded repeats the last known value. */
function filled(points: readonly ChartPoint[]): number[] {
  let last = 0;
  const firstKnown = points.find((p) => p.value !== null)?.value ?? 0;
  last = firstKnown;
  return points.map((p) => {
    if (p.value !== null) last = p.value;
    return last;
  });
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const mag = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (v <= m * mag) return round1(m * mag);
  return round1(10 * mag);
}

/** A Mermaid `xychart-beta`: the figure as a line; the actions as bars reaching the top. */
export function mermaidChart(c: Chart): string {
  const values = filled(c.points);
  const top = niceMax(Math.max(...values) * 1.1);
  const lines = [
    'xychart-beta',
    `  title "${chartSafe(c.title)}"`,
    `  x-axis [${c.points.map((p) => `"${chartSafe(p.label)}"`).join(', ')}]`,
    `  y-axis "${chartSafe(c.unit)}" 0 --> ${top}`,
  ];
  if (c.marks.length > 0) {
    const bars = c.points.map((_, i) => (c.marks.some((m) => m.index === i) ? top : 0));
    lines.push(`  bar [${bars.join(', ')}]`);
  }
  lines.push(`  line [${values.join(', ')}]`);
  return lines.join('\n');
}

/** The same chart in plain text: 8 rows of `*`, the actions as `^` under the axis with their labels. */
export function asciiChart(c: Chart): string {
  const values = c.points.map((p) => p.value);
  const known = values.filter((v): v is number => v !== null);
  const top = niceMax(Math.max(0, ...known));
  const height = 8;
  const width = c.points.length;
  const yLabel = (v: number): string => String(round1(v)).padStart(7);
  const out: string[] = [`${chartSafe(c.title)}, ${c.points[0]?.label ?? ''} to ${c.points[width - 1]?.label ?? ''} UTC`];
  for (let row = height; row >= 1; row--) {
    const lo = (top * (row - 1)) / height;
    const cells = values.map((v) => (v !== null && v > lo ? '*' : ' ')).join('');
    const label = row === height ? yLabel(top) : row === 1 ? yLabel(0) : ' '.repeat(7);
    out.push(`${label} |${cells}`.trimEnd());
  }
  out.push(`${' '.repeat(7)} +${'-'.repeat(width)}`);
  const marksRow = Array.from({ length: width }, (_, i) => (c.marks.some((m) => m.index === i) ? '^' : ' ')).join('');
  if (c.marks.length > 0) out.push(`${' '.repeat(9)}${marksRow}`.trimEnd());
  const first = c.points[0]?.label ?? '';
  const lastLabel = c.points[width - 1]?.label ?? '';
  out.push(`${' '.repeat(9)}${first}${' '.repeat(Math.max(1, width - first.length - lastLabel.length))}${lastLabel}`);
  // Inside a code fence: names from outside keep only characters that cannot close it.
  for (const m of c.marks) out.push(`${' '.repeat(9)}^ ${m.action} ${c.points[m.index]?.label ?? ''} ${chartSafe(m.text)}`);
  return out.join('\n');
}
