// What bindings may ask of the running cockpit. The runtime (src/runtime/runtime.ts) implements
// it over the journal and the process; tests implement it with a recorder. Bindings
// (src/ui/controllers/) call these through `services.commands`; views never call them.
import type { Severity } from '../../core/escalation.js';
import type { PirField, PirFieldValues } from '../../core/incident.js';
import type { ExportChoice, ResolveNote } from '../../core/lifecycle.js';

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
  /**
   * `note`: resolving while triggers still fire or mitigations still hold (the operator was shown
   * them and said yes): recorded with the resolution.
   */
  setIncidentState(state: 'mitigated' | 'resolved', note?: ResolveNote): Promise<void>;
  /** Reopens the incident just resolved (within the reopen window); absent: this cockpit cannot. */
  reopenIncident?(reason: string): Promise<void>;
  /**
   * After a resolve, which incident a PIR export without an id means (src/core/lifecycle.ts):
   * the one just resolved, or a question when another opened since. Absent: the current one.
   */
  pirExportChoice?(): ExportChoice;
  /**
   * A milestone's real time, learned later (the incident started before it was detected): a new
   * entry that supersedes the old time; history is never edited. `at` is ISO 8601 (UTC if no offset).
   */
  correctMilestone(milestone: string, at: string, reason: string): Promise<void>;
  /** Writes the PIR markdown (of `incidentId`, default the current incident); resolves to the file written. */
  exportPir(incidentId?: string): Promise<string>;
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
