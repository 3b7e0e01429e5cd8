// Queue lag's column set (runbook 3): one dense line per queue. Pure: store data in, columns and
// rows at a width out.
import { formatCount, formatDuration, formatLag, formatRate } from '../../components/format.js';
import { bucketMax, sparklineFrom0 } from '../../components/trend.js';
import { charCount, tableAt, type Column, type Table } from '../../components/table.js';
import { escapeControls, hasControls, sanitize } from '../../src/core/sanitize.js';
import type { QueueSnapshot } from '../../src/core/snapshot.js';
import { lagTrendPeak, lagTrendValues, sameLagTrend } from '../../src/core/lagTrend.js';
import type { TriggerThresholds } from '../../src/core/triggers.js';
import { breaches, deadLetterFactor, standing } from '../../src/domain/thresholds.js';
import type { firingQueues } from '../../src/ui/state/selectors.js';
import type { Tone } from '../../src/ui/state/theme.js';

/** What the queue table is drawn from: the queues (filtered), which of them fire, the thresholds. */
export interface QueuesData {
  rows: readonly QueueSnapshot[];
  firing: ReturnType<typeof firingQueues>;
  thresholds: TriggerThresholds;
  /** The sparklines' common scale top in seconds (queuesTable: the lag line or the highest peak shown). */
  trendTop?: number;
}

/** The sparklines' scale: from 0 to the runbook's lag line, or to the highest lag in any row's trend when higher. */
export function trendTop(rows: readonly QueueSnapshot[], t: TriggerThresholds): number {
  // Index loops: every sample of every queue on every reading (60,000 at 2,000 queues), and a
  // for-of made an iterator result per sample wherever V8 had not optimised this (a third of all
  // the allocation at 2,000 queues in a sampling profile).
  let top = t.queueLagSeconds;
  for (let i = 0; i < rows.length; i++) top = lagTrendPeak((rows[i] as QueueSnapshot).lagTrend, top);
  return top;
}

/** The time the sparklines cover, when the source samples on a clock (`15m`); null when not known. */
export function trendSpan(rows: readonly QueueSnapshot[]): string | null {
  let ms = 0;
  for (let i = 0; i < rows.length; i++) {
    const q = rows[i] as QueueSnapshot;
    if (q.lagTrendEveryMs) ms = Math.max(ms, q.lagTrendEveryMs * q.lagTrend.length);
  }
  return ms > 0 ? formatDuration(Math.round(ms / 1000)) : null;
}

/**
 * The trend column's header at `width`: the window and the scale every row's bars share, e.g.
 * `lag, last 15m, scale 0-23m`, shorter as the column narrows (`lag 15m 0-23m`, `0-23m`).
 */
export function trendHeader(rows: readonly QueueSnapshot[], top: number, width = Infinity): string {
  const span = trendSpan(rows);
  const scale = `0-${formatDuration(top)}`;
  const forms = span
    ? [`lag, last ${span}, scale ${scale}`, `lag last ${span}, ${scale}`, `last ${span} ${scale}`, `${span} ${scale}`, scale]
    : [`lag trend, scale ${scale}`, `lag trend, ${scale}`, `trend ${scale}`, scale];
  return forms.find((f) => f.length <= width) ?? scale;
}

/** Dead-letter growth as a multiple of its baseline, as the trigger computes it. */
export function queueDeadLetterFactor(q: QueueSnapshot, t: TriggerThresholds): number {
  return deadLetterFactor(q.deadLetterGrowthPerHour, q.deadLetterBaselinePerHour, t.deadLetterBaselineFloorPerHour);
}

/**
 * The lag by the one breach rule: over the runbook line (or its trigger still fires, holding until
 * the clear line), near it (above the clear line), unknown (muted).
 */
export function lagTone(q: QueueSnapshot, data: Omit<QueuesData, 'rows'>): Tone | undefined {
  const t = data.thresholds;
  if (q.lagSeconds === null || q.lagMethod === 'unknown') return 'muted';
  if (data.firing.lag.has(q.name)) return 'breach';
  const s = standing(q.lagSeconds, t.queueLagSeconds, t.clearRatio);
  return s === 'breach' ? 'breach' : s === 'near' ? 'warn' : undefined;
}

/** Dead letters growing over the spike factor (or their trigger fires). */
export function deadLetterTone(q: QueueSnapshot, data: Omit<QueuesData, 'rows'>): Tone | undefined {
  return data.firing.deadLetters.has(q.name) || breaches(queueDeadLetterFactor(q, data.thresholds), data.thresholds.deadLetterSpikeFactor)
    ? 'breach'
    : undefined;
}

/** Two readings of a queue that the table shows alike (the fields its columns read). */
export function sameQueueRow(a: QueueSnapshot, b: QueueSnapshot): boolean {
  return (
    a === b ||
    (a.name === b.name &&
      a.depth === b.depth &&
      a.reserved === b.reserved &&
      a.lagSeconds === b.lagSeconds &&
      a.lagMethod === b.lagMethod &&
      a.deadLetters === b.deadLetters &&
      a.deadLetterGrowthPerHour === b.deadLetterGrowthPerHour &&
      a.deadLetterBaselinePerHour === b.deadLetterBaselinePerHour &&
      a.deadLetterBaselineSource === b.deadLetterBaselineSource &&
      a.drainPerMinute === b.drainPerMinute &&
      sameLagTrend(a.lagTrend, b.lagTrend))
  );
}

export function sameQueueRows(a: readonly QueueSnapshot[], b: readonly QueueSnapshot[]): boolean {
  return a === b || (a.length === b.length && a.every((q, i) => sameQueueRow(q, b[i] as QueueSnapshot)));
}

export function queueColumns(data: Omit<QueuesData, 'rows'>, ascii: boolean, rows?: readonly QueueSnapshot[]): Column<QueueSnapshot>[] {
  // The scale reads every sample of every row: only when the trend column is drawn (at 120
  // columns the queue panel is too narrow for it, and 2,000 queues are 60,000 samples a reading).
  let topMemo = data.trendTop;
  const top = () => (topMemo ??= rows ? trendTop(rows, data.thresholds) : data.thresholds.queueLagSeconds);
  const lag = (q: QueueSnapshot) => lagTone(q, data);
  const dl = (q: QueueSnapshot) => deadLetterTone(q, data);
  const mark = (q: QueueSnapshot): Tone | undefined =>
    lag(q) === 'breach' || dl(q) === 'breach' ? 'breach' : lag(q) === 'warn' ? 'warn' : undefined;
  return [
    // ! over the runbook line, ~ near it: readable without colour.
    { key: 'mark', header: ' ', width: 1, text: (q) => (mark(q) === 'breach' ? '!' : mark(q) === 'warn' ? '~' : ' '), tone: mark },
    // As wide as the longest name (up to 24): `reporting` and `reporting.retry` never both read `reporti…`.
    // A name with control bytes is shown escaped (crawl\u001B…), never stripped to look like another.
    {
      key: 'name',
      header: 'queue',
      fit: 24,
      minWidth: 15,
      text: (q) => queueNameText(q.name),
      widest: nameColumnWidest,
    },
    { key: 'depth', header: 'depth', width: 5, align: 'right', text: (q) => formatCount(q.depth) },
    { key: 'reserved', header: 'rsvd', width: 5, align: 'right', hideBelow: 42, text: (q) => formatCount(q.reserved) },
    { key: 'lag', header: 'lag', width: 6, align: 'right', text: (q) => formatLag(q.lagSeconds, q.lagMethod), tone: lag },
    // Dead letters growing over the spike factor carry the `!` too: at 80 columns, where dl/h and
    // vs bl are hidden, a `!` row with a short lag still says why (`dead 3!`).
    {
      key: 'dead',
      header: 'dead',
      width: 6,
      align: 'right',
      text: (q) => `${formatCount(q.deadLetters)}${dl(q) === 'breach' ? '!' : ''}`,
      tone: dl,
    },
    { key: 'growth', header: 'dl/h', fit: 9, align: 'right', text: (q) => formatRate(q.deadLetterGrowthPerHour), tone: dl },
    {
      key: 'factor',
      header: 'vs bl',
      fit: 8,
      align: 'right',
      hideBelow: 52,
      // `?` when there is no baseline yet (the floor is used).
      text: (q) => factorText(queueDeadLetterFactor(q, data.thresholds), q.deadLetterBaselineSource === null),
      widest: (rows) => factorColumnWidest(rows, data.thresholds),
      tone: dl,
    },
    // Tasks finished per minute from this queue (Celery events, over the window they cover).
    { key: 'drain', header: 'drain/m', fit: 8, align: 'right', hideBelow: 72, text: (q) => formatDrain(q.drainPerMinute) },
    {
      key: 'trend',
      get header() {
        return trendHeader(rows ?? [], top());
      },
      headerAt: (w) => trendHeader(rows ?? [], top(), w),
      grow: 1,
      minWidth: 10,
      hideBelow: 60,
      // One scale for every row, written in the header (from 0 to the runbook's lag line, or the
      // highest peak shown): a bar's height means the same on every row. The whole window in the
      // cells there are (each cell the peak of its stretch); the row's own peak written beside it.
      text: (q, w) => {
        const values = lagTrendValues(q.lagTrend);
        const label = values.length ? ` ${formatDuration(lagTrendPeak(q.lagTrend, 0))}` : '';
        const cells = Math.max(0, w - label.length);
        return sparklineFrom0(bucketMax(values, cells), cells, top(), ascii) + label;
      },
      tone: lag,
    },
  ];
}

/** Each queue name's text as drawn, by name: the table reads every queue's name on every reading to fit the column. */
const nameTexts = new Map<string, string>();

/** A queue's name as drawn: control bytes shown escaped (crawl\u001B…), never stripped; at most 80 characters. */
export function queueNameText(name: string): string {
  let text = nameTexts.get(name);
  if (text === undefined) {
    text = sanitize(hasControls(name) ? escapeControls(name) : name, 80);
    // Bounded: far more than the 10,000 queues watched (a store of names that keeps changing starts
    // again), and an outlandishly long name is not kept.
    if (name.length > 256) return text;
    if (nameTexts.size >= 50_000) nameTexts.clear();
    nameTexts.set(name, text);
  }
  return text;
}

/** The dead-letter factor's cell: `2.5x`, `0.0x?` without a baseline yet. */
export function factorText(factor: number, noBaseline: boolean): string {
  return `${factor.toFixed(1)}x${noBaseline ? '?' : ''}`;
}

/**
 * The factor column's widest cell among `rows`, a text made only where a row's factor differs
 * from the row before (most queues show the same `0.0x?`: a text per row per reading at 2,000
 * queues was the largest allocation of the table).
 */
export function factorColumnWidest(rows: readonly QueueSnapshot[], t: TriggerThresholds): number {
  let widest = 0;
  let lastFactor = NaN;
  let lastNoBaseline = false;
  let lastWidth = 0;
  for (let i = 0; i < rows.length; i++) {
    const q = rows[i] as QueueSnapshot;
    const factor = queueDeadLetterFactor(q, t);
    const noBaseline = q.deadLetterBaselineSource === null;
    if (factor !== lastFactor || noBaseline !== lastNoBaseline) {
      lastFactor = factor;
      lastNoBaseline = noBaseline;
      lastWidth = factorText(factor, noBaseline).length;
    }
    if (lastWidth > widest) widest = lastWidth;
  }
  return widest;
}

/** The names last measured (the same strings, in order) and their widest text. */
let measured: { names: string[]; widest: number } = { names: [], widest: 0 };

/**
 * The widest name's text among `rows`. Every reading brings new queue objects but (nearly always)
 * the same names, the same strings in the same order: checking that is a pointer compare per row,
 * where measuring is a lookup and a character count per row.
 */
export function nameColumnWidest(rows: readonly QueueSnapshot[]): number {
  const m = measured;
  let same = m.names.length === rows.length;
  for (let i = 0; same && i < rows.length; i++) same = (rows[i] as QueueSnapshot).name === m.names[i];
  if (same) return m.widest;
  const names = new Array<string>(rows.length);
  let widest = 0;
  for (let i = 0; i < rows.length; i++) {
    const name = (rows[i] as QueueSnapshot).name;
    names[i] = name;
    widest = Math.max(widest, charCount(queueNameText(name)));
  }
  measured = { names, widest };
  return widest;
}

/** A drain rate per minute: whole tasks from 10 up, one decimal below. */
export function formatDrain(perMinute: number): string {
  if (!Number.isFinite(perMinute) || perMinute <= 0) return '0';
  return perMinute >= 10 ? formatCount(perMinute) : perMinute.toFixed(1);
}

/** The queue table at `width`. */
export function queuesTable(data: QueuesData, width: number, ascii: boolean): Table<QueueSnapshot> {
  return tableAt(queueColumns(data, ascii, data.rows), data.rows, width);
}
