// What actions may ask of the running cockpit. The runtime implements it over the journal, the
// sources and the process; tests implement it with a recorder. Actions (src/app/actions.ts) are
// data that call these; views never call them directly.
import type { Severity } from '../core/escalation.js';

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
  /** Writes the PIR markdown; resolves to the file written. */
  exportPir(): Promise<string>;
}
