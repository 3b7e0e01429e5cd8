// The post-incident review of a journal, as markdown and as a file: shared by the `pir export`
// command and the cockpit's export key.
import * as path from 'node:path';
import { renderPir, strictProblems } from '../core/pir.js';
import type { JournalReport } from './journal.js';
import { writeOutputFile } from './safeWrite.js';
import { loadIncident, resolveIncidentRef } from './store.js';

export interface PirExport {
  incidentId: string;
  markdown: string;
  /** Required sections still empty (what --strict reports). */
  problems: string[];
  /** What the journal said when read back: the footer's verdict. */
  journal: JournalReport;
}

/** Renders the PIR of `ref` (an incident id or `latest`); null when there is no such incident. */
export function buildPir(dir: string, ref: string): PirExport | null {
  const id = resolveIncidentRef(dir, ref);
  if (id === null) return null;
  const loaded = loadIncident(dir, id);
  if (loaded === null) return null;
  return {
    incidentId: id,
    markdown: renderPir(loaded.view, loaded.report),
    problems: strictProblems(loaded.view, loaded.report),
    journal: loaded.report,
  };
}

/** The cockpit's export key writes here unless told otherwise: next to the journal. */
export function defaultPirPath(dir: string, incidentId: string): string {
  return path.join(dir, `${incidentId}.pir.md`);
}

/**
 * Atomically onto a regular or new file (a reader never sees half a PIR); in place onto a FIFO or
 * character device; refused onto anything else. Never replaces what is not a regular file.
 */
export function writePirFile(file: string, markdown: string): void {
  writeOutputFile(file, markdown);
}

/** For the cockpit key: export an incident's PIR to a file and say where it went. */
export function exportPirToFile(dir: string, incidentId: string, file?: string): (PirExport & { path: string }) | null {
  const pir = buildPir(dir, incidentId);
  if (pir === null) return null;
  const out = file ?? defaultPirPath(dir, pir.incidentId);
  writePirFile(out, pir.markdown);
  return { ...pir, path: out };
}
