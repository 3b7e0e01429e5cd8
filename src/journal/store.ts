// Where incident journals live and which incidents exist: one `<incident-id>.jsonl` per incident
// under the XDG state directory.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EpochMs } from '../core/snapshot.js';
import type { IncidentState, Severity } from '../core/incident.js';
import { isIncidentId, newIncidentId as pickIncidentId } from '../core/incident.js';
import type { IncidentView } from '../core/incidentView.js';
import { foldIncident } from '../core/incidentView.js';
import type { JournalReport } from './journal.js';
import { journalFileName, readJournalFile } from './journal.js';
import { isSharedIncident, readMergedIncident, sharedIncidentIds } from './shared/storage.js';
import { compareText } from '../domain/textOrder.js';

const APP_DIR = 'lsos-cockpit';

/**
 * `override` (config key or --state-dir) wins; else `$XDG_STATE_HOME/lsos-cockpit`; else
 * `~/.local/state/lsos-cockpit`. The XDG spec says a relative XDG_STATE_HOME is to be ignored.
 */
export function stateDir(env: NodeJS.ProcessEnv | Record<string, string | undefined>, override?: string | null): string {
  if (override !== undefined && override !== null && override.trim() !== '') return path.resolve(override);
  const xdg = env.XDG_STATE_HOME;
  if (xdg !== undefined && xdg !== '' && path.isAbsolute(xdg)) return path.join(xdg, APP_DIR);
  const home = env.HOME !== undefined && env.HOME !== '' ? env.HOME : os.homedir();
  return path.join(home, '.local', 'state', APP_DIR);
}

export function journalPath(dir: string, incidentId: string): string {
  return path.join(dir, journalFileName(incidentId));
}

export interface IncidentSummary {
  id: string;
  state: IncidentState;
  /** Highest severity reached (decided, else suggested). */
  severity: Severity | null;
  /** Effective start (after corrections), else when it was opened. */
  start: string | null;
  /** When the cockpit opened it; orders the list and picks `latest`. */
  openedAt: string | null;
  entries: number;
  /** Journal read back cleanly (chain intact, nothing torn or unreadable). */
  verified: boolean;
  brokenAtSeq: number | null;
  path: string;
  /** A practice incident on the embedded simulation (its triggers or figures say so). */
  simulation: boolean;
  /** Merged into another incident (src/journal/shared): never resumed, its entries live on there. */
  mergedInto: string | null;
}

export interface LoadedIncident {
  view: IncidentView;
  report: JournalReport;
  path: string;
}

/** Reads one incident from its journal; null when there is no such journal. */
export function loadIncident(dir: string, incidentId: string): LoadedIncident | null {
  const file = journalPath(dir, incidentId);
  // A shared incident: every cockpit's chain in its directory (and a journal from before), merged.
  if (isSharedIncident(dir, incidentId)) {
    const merged = readMergedIncident(dir, incidentId);
    if (merged === null) return null;
    return { view: foldIncident(merged.entries, incidentId), report: merged, path: path.join(dir, incidentId) };
  }
  let report: JournalReport;
  try {
    report = readJournalFile(file, incidentId);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return { view: foldIncident(report.entries, incidentId), report, path: file };
}

/** Ids of every journal in the directory (files that are not `<incident-id>.jsonl` are ignored). */
export function incidentIds(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const ids = names
    .filter((n) => n.endsWith('.jsonl'))
    .map((n) => n.slice(0, -'.jsonl'.length))
    .filter(isIncidentId);
  for (const id of sharedIncidentIds(dir)) if (!ids.includes(id)) ids.push(id);
  return ids;
}

/** A practice incident: recorded on the embedded simulation (its triggers, figures or actions say so). */
export function isSimulationIncident(view: IncidentView): boolean {
  return view.entries.some(
    (e) =>
      e.simAt !== undefined ||
      ((e.kind === 'trigger-fired' || e.kind === 'figures') && e.details.simulated === true) ||
      (e.kind === 'incident-opened' && e.details.simulation === true),
  );
}

function summarise(loaded: LoadedIncident): IncidentSummary {
  const { view, report } = loaded;
  return {
    id: view.id,
    state: view.state,
    severity: view.highestSeverity,
    start: view.milestones.started?.at ?? view.openedAt,
    openedAt: view.openedAt ?? view.entries[0]?.at ?? null,
    entries: view.entries.length,
    verified: report.ok,
    brokenAtSeq: report.brokenAtSeq,
    path: loaded.path,
    simulation: isSimulationIncident(view),
    mergedInto: view.mergedInto ?? null,
  };
}

/** Every incident in the directory, in the order they were opened (id breaks ties). */
export function listIncidents(dir: string): IncidentSummary[] {
  const out: IncidentSummary[] = [];
  for (const id of incidentIds(dir)) {
    const loaded = loadIncident(dir, id);
    if (loaded) out.push(summarise(loaded));
  }
  return out.sort((a, b) => compareText(a.openedAt ?? '', b.openedAt ?? '') || compareText(a.id, b.id));
}

/** `latest` means the incident opened last; anything else must be an existing id. */
export function resolveIncidentRef(dir: string, ref: string): string | null {
  if (ref === 'latest') {
    const all = listIncidents(dir);
    return all[all.length - 1]?.id ?? null;
  }
  if (!isIncidentId(ref)) return null;
  return fs.existsSync(journalPath(dir, ref)) || isSharedIncident(dir, ref) ? ref : null;
}

/**
 * The incident to resume after a restart: the most recent one not yet resolved. Never one merged
 * into another; a live session never resumes a practice incident (`live: true`).
 */
export function findOpenIncident(dir: string, opts: { live?: boolean } = {}): IncidentSummary | null {
  const open = listIncidents(dir).filter((i) => i.state !== 'resolved' && i.mergedInto === null && !(opts.live && i.simulation));
  return open[open.length - 1] ?? null;
}

/** An id for an incident opened at `at` that no journal in `dir` uses yet. */
export function newIncidentId(at: EpochMs, existing: Iterable<string>): string {
  return pickIncidentId(at, existing);
}

/**
 * Ids of the journals written to most recently: modified at or after `sinceMs` (wall-clock
 * epoch ms, compared with the file's mtime, i.e. its last append), newest first, at most
 * `limit`. Reads no journal: a cheap, bounded pre-selection (the paging controller uses it to
 * find recently resolved incidents whose pages are not yet delivered).
 */
export function recentIncidentIds(dir: string, sinceMs: EpochMs, limit: number): string[] {
  const out: { id: string; mtime: number }[] = [];
  for (const id of incidentIds(dir)) {
    try {
      // A shared incident's directory changes when a file is added; its own chain's file on each append.
      const mtime = isSharedIncident(dir, id) ? newestMtime(path.join(dir, id)) : fs.statSync(journalPath(dir, id)).mtimeMs;
      if (mtime >= sinceMs) out.push({ id, mtime });
    } catch {
      // gone meanwhile
    }
  }
  return out
    .sort((a, b) => b.mtime - a.mtime || compareText(b.id, a.id))
    .slice(0, Math.max(0, limit))
    .map((x) => x.id);
}

function newestMtime(dir: string): number {
  let newest = fs.statSync(dir).mtimeMs;
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith('.jsonl')) continue;
    try {
      newest = Math.max(newest, fs.statSync(path.join(dir, name)).mtimeMs);
    } catch {
      // gone meanwhile
    }
  }
  return newest;
}
