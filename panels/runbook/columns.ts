// The runbook pane's content, pure: the section and procedure for the selected trigger, and its
// steps with the ones the incident record has ticked as done.
import { tableAt, type Column, type Table } from '../../components/table.js';
import { impliedSeverity } from '../../src/core/escalation.js';
import { triggerSpec } from '../../src/domain/thresholds.js';
import { manualPart, stepsDoneOf, type StepEvidence } from '../../src/core/procedureMap.js';
import type { RunbookSection } from '../../src/core/runbook.js';
import { sanitize } from '../../src/core/sanitize.js';
import type { TriggerState } from '../../src/core/triggers.js';
import type { RunbookRow } from '../../src/ui/state/selectors.js';
import { glyphs } from '../../src/ui/state/theme.js';

/** What the pane is drawn from. */
export interface RunbookData {
  trigger: TriggerState | null;
  section: RunbookSection;
  /** The operator pinned `trigger` with r; false (or absent): it is the most serious firing trigger. */
  pinned?: boolean;
  /** The most serious firing trigger, and how many fire. */
  top?: TriggerState | null;
  firing?: number;
  /** The section's steps and their options (filtered). */
  rows: readonly RunbookRow[];
  /** Steps ticked as done, as `section.step`. */
  done: ReadonlySet<string>;
  /** An incident is open or mitigated (ticks go to its journal). */
  hasIncident: boolean;
}

/** A step only a person can do (src/core/procedureMap.ts) is marked manual: the operator ticks it. */
export function stepText(r: RunbookRow): string {
  const manual = r.option === null ? manualPart(r.section, r.step) : null;
  return manual === null ? r.text : `${r.text}  [manual: ${manual}]`;
}

export function stepColumns(done: ReadonlySet<string>, ascii: boolean): Column<RunbookRow>[] {
  const isDone = (r: RunbookRow) => done.has(`${r.section}.${r.step}`);
  const g = glyphs(ascii);
  return [
    // Option rows belong to their step: they show its tick only on the step line.
    {
      key: 'tick',
      header: '',
      width: 3,
      text: (r) => (r.option !== null ? '' : isDone(r) ? `[${g.tick}]` : '[ ]'),
      tone: (r) => (isDone(r) ? 'ok' : undefined),
    },
    { key: 'n', header: '', width: 4, text: (r) => (r.option === null ? `${r.section}.${r.step}` : '  -') },
    { key: 'text', header: '', grow: 1, minWidth: 10, text: stepText, tone: (r) => (isDone(r) && r.option === null ? 'muted' : undefined) },
  ];
}

/** A trigger as the escalation panel names it: its target and short name (`crawl lag`, `primary degraded`). */
export function triggerName(t: Pick<TriggerState, 'target' | 'kind'>): string {
  return `${sanitize(t.target, 40)} ${triggerSpec(t.kind).short}`;
}

/**
 * Which trigger the pane follows and how to switch: the most serious (the default), or the one the
 * operator pinned with r. The same words head presentation mode.
 */
export function followText(data: Pick<RunbookData, 'trigger' | 'pinned' | 'top' | 'firing'>, ascii = false): string {
  const { trigger } = data;
  if (!trigger) return 'nothing fires: the daily checklist';
  const sep = ascii ? '; ' : ' · ';
  if (data.pinned && data.top && data.top.key !== trigger.key) {
    return `pinned by r to ${triggerName(trigger)}${sep}most serious: ${triggerName(data.top)} ${impliedSeverity(data.top)}${sep}r on it follows it again`;
  }
  if (data.pinned) return `pinned by r to ${triggerName(trigger)}${sep}r on it again follows the most serious`;
  const firing = data.firing ?? 0;
  return `follows the most serious trigger${firing > 1 ? ` (1 of ${firing} firing)` : ''}${sep}r on a trigger row (panel 4) pins another`;
}

/** The lines above the steps and the title's `done` count. */
export function runbookHead(
  data: RunbookData,
  ascii = false,
): { section: string; forWhat: string; firing: boolean; follow: string; triggerLine: string; info: string } {
  const { trigger, section } = data;
  const doneCount = section.steps.filter((s) => data.done.has(`${section.id}.${s.n}`)).length;
  const steps = section.steps.length === 0 ? 'definitions, no steps' : `${doneCount}/${section.steps.length} done`;
  const evidence = trigger?.evidence?.filter((e) => e.trim() !== '') ?? [];
  return {
    section: `${ascii ? 'Section ' : '§'}${section.id} ${section.title}`,
    forWhat: `  ${trigger ? `${trigger.firing ? 'firing' : 'cleared'}: ${sanitize(trigger.detail, 200)}` : 'no trigger firing: daily checklist'}`,
    firing: trigger?.firing ?? false,
    follow: followText(data, ascii),
    // A signal's evidence (which campaigns' data crossed) where the section's trigger wording was.
    triggerLine: evidence.length > 0 ? `Evidence: ${sanitize(evidence.join('; '), 300)}` : `Trigger: ${section.trigger.join(' ')}`,
    info: `${steps}${data.hasIncident ? '' : ', no incident'}`,
  };
}

/** A section without steps (the escalation matrix) states definitions: shown as lines to read, never as checkboxes. */
export function definitionLines(section: RunbookSection): string[] {
  return section.steps.length === 0 ? (section.definitions ?? []) : [];
}

/**
 * The steps the pane ticks: the one rule the PIR uses too (src/core/procedureMap.ts stepsDoneOf),
 * the operator's ticks and the steps the cockpit ran.
 */
export function doneSteps(ticked: readonly string[], entries: readonly StepEvidence[]): ReadonlySet<string> {
  return stepsDoneOf(ticked, entries);
}

/** The step table at `width`. */
export function runbookTable(data: RunbookData, width: number, ascii: boolean): Table<RunbookRow> {
  return tableAt(stepColumns(data.done, ascii), data.rows, width);
}
