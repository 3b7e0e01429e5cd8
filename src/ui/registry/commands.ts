// What actions may ask of the running cockpit. The runtime implements it over the journal, the
// sources and the process; tests implement it with a recorder. Actions (src/ui/registry/registry.ts) are
// data that call these; views never call them directly.
import type { Severity } from '../../core/escalation.js';
import type { PirField, PirFieldValues } from '../../core/incident.js';

/** A corrective action row as typed; the recorder validates it (due: a real YYYY-MM-DD date). */
export interface CorrectiveActionInput {
  action: string;
  owner: string;
  due: string;
}

export interface CockpitCommands {
  quit(): void;
  /** Repaint the whole screen (Ctrl-L). */
  repaint(): void;
  openIncident(reason: string): Promise<void>;
  addNote(text: string): Promise<void>;
  decideSeverity(severity: Severity, reason: string): Promise<void>;
  /** Tick (or untick) a runbook procedure step as done. */
  tickStep(section: number, step: number): Promise<void>;
  setIncidentState(state: 'mitigated' | 'resolved'): Promise<void>;
  /**
   * A milestone's real time, learned later (the incident started before it was detected): a new
   * entry that supersedes the old time; history is never edited. `at` is ISO 8601 (UTC if no offset).
   */
  correctMilestone(milestone: string, at: string, reason: string): Promise<void>;
  /** Writes the PIR markdown; resolves to the file written. */
  exportPir(): Promise<string>;
  /**
   * Records one PIR field: a text field, the blast radius, or the whole corrective actions table.
   * Rejects (IncidentError) what the recorder refuses, e.g. a due date that is not a real date.
   */
  setPirField<F extends PirField>(field: F, value: PirFieldValues[F]): Promise<void>;
  /** Appends a corrective action row (validated by the recorder). */
  addCorrectiveAction(row: CorrectiveActionInput): Promise<void>;
  /** Removes corrective action row `index` (0-based). */
  removeCorrectiveAction(index: number): Promise<void>;
}
