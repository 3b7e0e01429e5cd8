// Small hand-built inputs for the column-set tests: known figures, no store, no Ink.
import { emptyFailures, type QueueSnapshot, type ReplicaSnapshot } from '../../src/core/snapshot.js';
import type { LaidOutColumn } from '../../components/table.js';
import { headerCells, rowCells } from '../../components/table.js';

/** 2024-06-01 14:00:00Z */
export const T0 = Date.UTC(2024, 5, 1, 14, 0, 0);

export function queue(name: string, partial: Partial<QueueSnapshot> = {}): QueueSnapshot {
  return {
    name,
    depth: 0,
    reserved: 0,
    consumers: 2,
    lagSeconds: 0,
    lagMethod: 'empty',
    deadLetters: 0,
    deadLetterGrowthPerHour: 0,
    deadLetterBaselinePerHour: 1,
    deadLetterBaselineSource: '7d',
    failuresByClass: emptyFailures(),
    topFailingTasks: [],
    drainPerMinute: 10,
    unreadable: 0,
    lagTrend: [],
    ...partial,
  };
}

export function replica(name: string, partial: Partial<ReplicaSnapshot> = {}): ReplicaSnapshot {
  return { name, lagSeconds: 0, replayPaused: false, seenFrom: 'replica', reachable: true, ...partial };
}

/** The visible columns' keys and widths, and the total a row takes (cells and one-space gaps). */
export function shape<R>(columns: readonly LaidOutColumn<R>[]): { keys: string[]; widths: number[]; total: number } {
  return {
    keys: columns.map((c) => c.column.key),
    widths: columns.map((c) => c.width),
    total: columns.reduce((n, c) => n + c.width, 0) + Math.max(0, columns.length - 1),
  };
}

/** One row's cells by column key: text and tone. */
export function cells<R>(columns: readonly LaidOutColumn<R>[], row: R): Record<string, { text: string; tone: string | undefined }> {
  return Object.fromEntries(rowCells(columns, row).map((c) => [c.key, { text: c.text, tone: c.tone }]));
}

/** The header line as text. */
export function header<R>(columns: readonly LaidOutColumn<R>[]): string {
  return headerCells(columns)
    .map((c) => c.text)
    .join(' ');
}
