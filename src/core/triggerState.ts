// The shape of one evaluated runbook trigger, apart from src/core/triggers.ts (which measures
// them) so the escalation rules can read triggers while triggers.ts uses their ordering.
import type { Severity } from '../domain/severity.js';
import type { TriggerKind, TriggerUnit } from '../domain/thresholds.js';
import type { EpochMs } from '../domain/time.js';
import type { RunbookSectionId } from './runbook.js';
import type { Signal } from './signals.js';

/** What the trigger saw, for the blast radius: queues, campaigns, replicas, provider pools. */
export interface TriggerScope {
  queues?: string[];
  campaigns?: number;
  /** The campaigns by id, when the trigger names them (a signal's evidence). */
  campaignIds?: string[];
  replicas?: string[];
  providers?: string[];
}

/** One runbook trigger on one target, as last evaluated. */
export interface TriggerState {
  /** Its id, `kind:target` (src/domain/triggerId.ts), e.g. `queue-lag:crawl`. */
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
  scope: TriggerScope;
  /**
   * The severity it implies when it says so itself (a signal's; the primary unreachable is a full
   * outage, SEV-1); absent: the matrix's reading of its kind (src/core/escalation.ts impliedSeverity).
   */
  severity?: Severity;
  /** A signal's evidence, a line each (which campaigns' data crossed, a failing check's rows). */
  evidence?: string[];
  /** The signal this trigger judges (src/core/signals.ts); absent for a threshold. */
  signal?: Signal;
}
