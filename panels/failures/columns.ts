// Failure classes' column sets (runbook 3, step 2): failures per class across queues and for the
// queue selected in the queue panel, and the top failing tasks with their class. Pure.
import { fitMiddle, formatCount } from '../../components/format.js';
import { tableAt, type Column, type Table } from '../../components/table.js';
import { sanitize } from '../../src/core/sanitize.js';
import { FAILURE_CLASSES, type FailureClass, type QueueSnapshot } from '../../src/core/snapshot.js';
import type { FailureTaskRow } from '../../src/ui/state/selectors.js';

export interface ClassRow {
  cls: FailureClass;
  all: number;
  /** For the selected queue; null when no queue is selected. */
  queue: number | null;
}

/** What the panel is drawn from: totals per class, the selected queue, the top failing tasks (filtered). */
export interface FailuresData {
  totals: Record<FailureClass, number>;
  queue: QueueSnapshot | null;
  tasks: readonly FailureTaskRow[];
}

/** One line per class; `unclassified` only when something is in it (the runbook names four classes). */
export function classRows(totals: Record<FailureClass, number>, queue: QueueSnapshot | null): ClassRow[] {
  return FAILURE_CLASSES.map((cls) => ({ cls, all: totals[cls], queue: queue ? queue.failuresByClass[cls] : null })).filter(
    (r) => r.cls !== 'unclassified' || r.all > 0,
  );
}

export const TASK_COLUMNS: readonly Column<FailureTaskRow>[] = [
  // Cut in the middle when narrow: tasks of one module share their start and differ at the end.
  { key: 'task', header: 'top failing task', grow: 3, minWidth: 8, text: (r, w) => fitMiddle(sanitize(r.task, 120), w) },
  {
    key: 'class',
    header: 'class',
    width: 10,
    text: (r) => r.failureClass,
    tone: (r) => (r.failureClass === 'unclassified' ? 'muted' : undefined),
  },
  { key: 'queue', header: 'queue', grow: 1, minWidth: 5, hideBelow: 44, text: (r) => sanitize(r.queue, 60) },
  { key: 'count', header: 'fails', width: 5, align: 'right', text: (r) => formatCount(r.count) },
];

/** The class table's columns; the last one is headed by the selected queue's name. */
export function classColumns(queueName: string | null): Column<ClassRow>[] {
  return [
    { key: 'cls', header: 'class (1h)', grow: 1, minWidth: 8, text: (r) => r.cls },
    {
      key: 'all',
      header: 'all',
      width: 6,
      align: 'right',
      text: (r) => formatCount(r.all),
      tone: (r) => (r.all === 0 ? 'muted' : undefined),
    },
    {
      key: 'queue',
      header: queueName === null ? '-' : sanitize(queueName, 40),
      width: 9,
      align: 'right',
      text: (r) => (r.queue === null ? '-' : formatCount(r.queue)),
      tone: (r) => (!r.queue ? 'muted' : undefined),
    },
  ];
}

/** How the two tables share the panel's inside: side by side when there is room, else classes above tasks. */
export interface FailuresSplit {
  sideBySide: boolean;
  classes: { width: number; height: number };
  tasks: { width: number; height: number };
}

export function failuresSplit(width: number, height: number, classCount: number): FailuresSplit {
  const sideBySide = width >= 64;
  const classWidth = sideBySide ? 28 : width;
  const classHeight = sideBySide ? height : Math.max(2, Math.min(classCount + 1, height - 3));
  return {
    sideBySide,
    classes: { width: classWidth, height: classHeight },
    tasks: { width: sideBySide ? width - classWidth - 1 : width, height: sideBySide ? height : Math.max(0, height - classHeight) },
  };
}

/** Both tables at the panel's inside width and height. */
export function failuresTables(
  data: FailuresData,
  width: number,
  height: number,
): { split: FailuresSplit; classes: Table<ClassRow>; tasks: Table<FailureTaskRow> } {
  const rows = classRows(data.totals, data.queue);
  const split = failuresSplit(width, height, rows.length);
  return {
    split,
    classes: tableAt(classColumns(data.queue?.name ?? null), rows, split.classes.width),
    tasks: tableAt(TASK_COLUMNS, data.tasks, split.tasks.width),
  };
}
