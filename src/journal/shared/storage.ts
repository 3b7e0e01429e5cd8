// A shared incident on disk: one directory per incident in the state directory, holding this
// cockpit's own chain and the copies it received of every other cockpit's entries. Every file has
// exactly one writer (the cockpit instance its name carries), so two cockpits on one state
// directory never append to the same file.
//
//   <stateDir>/<incident-id>/own-<instance>.jsonl    this cockpit's entries (fsynced before shown)
//   <stateDir>/<incident-id>/copy-<instance>.jsonl   entries of other origins it received (fsynced per batch)
//   <stateDir>/<incident-id>.jsonl                   a journal written before incidents were shared (read as it is)
//
// Reading an incident unions every file, counts an entry read twice once, checks each origin's
// chain and merges them (merge.ts): any cockpit's directory alone gives the whole incident.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isIncidentId } from '../../core/incident.js';
import type { TimelineEntry } from '../../core/timeline.js';
import { entryShapeProblem, isKnownKind } from '../../core/timeline.js';
import { fsyncDir, journalFileName } from '../journal.js';
import type { MergeReport } from './merge.js';
import { MergedTimeline } from './merge.js';
import { storedForm } from './origin.js';

export const OWN_PREFIX = 'own-';
export const COPY_PREFIX = 'copy-';

/** The directory of a shared incident (the id is checked: it names a directory). */
export function incidentDir(stateDir: string, incidentId: string): string {
  journalFileName(incidentId); // throws on anything that is not an incident id
  return path.join(stateDir, incidentId);
}

export function ownFileName(instance: string): string {
  return `${OWN_PREFIX}${instance}.jsonl`;
}

export function copyFileName(instance: string): string {
  return `${COPY_PREFIX}${instance}.jsonl`;
}

/** True when the incident has a shared directory in `stateDir`. */
export function isSharedIncident(stateDir: string, incidentId: string): boolean {
  try {
    return fs.statSync(incidentDir(stateDir, incidentId)).isDirectory();
  } catch {
    return false;
  }
}

/** Ids of the shared incidents (directories named as incident ids). */
export function sharedIncidentIds(stateDir: string): string[] {
  let names: fs.Dirent[];
  try {
    names = fs.readdirSync(stateDir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.filter((d) => d.isDirectory() && isIncidentId(d.name)).map((d) => d.name);
}

export interface ParsedLines {
  entries: TimelineEntry[];
  tornTail: boolean;
  problems: string[];
}

/** Entry lines of one file, shape-checked (chains are checked after the merge: a copy file holds many). */
export function parseEntryLines(text: string, label: string): ParsedLines {
  const problems: string[] = [];
  const entries: TimelineEntry[] = [];
  let tornTail = false;
  const endsClean = text === '' || text.endsWith('\n');
  const lines = text.split('\n');
  if (endsClean) lines.pop();
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let parsed: unknown;
    let problem: string | null;
    try {
      parsed = JSON.parse(line);
      problem = entryShapeProblem(parsed);
    } catch {
      problem = 'not JSON';
    }
    if (problem !== null) {
      if (i === lines.length - 1 && !endsClean) {
        tornTail = true;
        problems.push(`${label} line ${i + 1}: torn last line (a crash mid-write?) left out`);
      } else problems.push(`${label} line ${i + 1}: unreadable, skipped (${problem})`);
      return;
    }
    const e = parsed as TimelineEntry;
    if (!isKnownKind(e.kind)) problems.push(`${label} seq ${e.seq}: unknown kind "${String(e.kind)}" (shown as is)`);
    entries.push(e);
  });
  return { entries, tornTail, problems };
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * The chain files of a shared incident's directory, in the order an incident is read (their names
 * sorted); null when there is no such directory.
 */
export function sharedChainFiles(stateDir: string, incidentId: string): string[] | null {
  let names: string[];
  try {
    names = fs.readdirSync(incidentDir(stateDir, incidentId));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw err;
    return null;
  }
  return names.filter((n) => n.endsWith('.jsonl')).sort();
}

/** Every entry of an incident in `stateDir` (legacy file and shared directory); null when neither exists. */
export function readIncidentFiles(stateDir: string, incidentId: string): ParsedLines | null {
  const out: ParsedLines = { entries: [], tornTail: false, problems: [] };
  let found = false;
  const legacy = readText(path.join(stateDir, journalFileName(incidentId)));
  if (legacy !== null) {
    found = true;
    const p = parseEntryLines(legacy, journalFileName(incidentId));
    out.entries.push(...p.entries);
    out.tornTail ||= p.tornTail;
    out.problems.push(...p.problems);
  }
  const dir = incidentDir(stateDir, incidentId);
  const names = sharedChainFiles(stateDir, incidentId);
  if (names !== null) found = true;
  for (const name of names ?? []) {
    const text = readText(path.join(dir, name));
    if (text === null) continue;
    const p = parseEntryLines(text, `${incidentId}/${name}`);
    out.entries.push(...p.entries);
    // A torn copy line is this cockpit's own crash mid-copy: the entry is its origin's and comes again.
    if (name.startsWith(OWN_PREFIX) || !name.startsWith(COPY_PREFIX)) out.tornTail ||= p.tornTail;
    out.problems.push(...p.problems.filter((x) => name.startsWith(OWN_PREFIX) || !/torn last line/.test(x)));
  }
  return found ? out : null;
}

/**
 * Chains of another incident id belong here only when this incident recorded absorbing it
 * (an `incident-merged` entry naming it as `from`).
 */
export function foreignChainProblems(incidentId: string, entries: readonly TimelineEntry[]): string[] {
  const absorbed = new Set<string>();
  for (const e of entries) {
    if (
      e.kind === 'incident-merged' &&
      e.incidentId === incidentId &&
      e.details.into === incidentId &&
      typeof e.details.from === 'string'
    ) {
      absorbed.add(e.details.from);
    }
  }
  const strays = new Set<string>();
  for (const e of entries) if (e.incidentId !== incidentId && !absorbed.has(e.incidentId)) strays.add(e.incidentId);
  return [...strays].sort().map((id) => `entries of ${id} are in ${incidentId} without a record of merging it`);
}

/** The merged incident as read from disk (lenient: nothing readable dropped); null when there is none. */
export function readMergedIncident(stateDir: string, incidentId: string): MergeReport | null {
  const files = readIncidentFiles(stateDir, incidentId);
  if (files === null) return null;
  const merged = MergedTimeline.fromEntries(files.entries, { tornTail: files.tornTail, problems: files.problems });
  return merged.report(foreignChainProblems(incidentId, merged.entries()));
}

/**
 * The copies this cockpit keeps of other cockpits' entries: appended in batches, one write and
 * one fsync per batch. A batch the disk refuses waits in memory and is written first next time
 * (the entries are in the merged view already; they also stay in the stream and in their origin's
 * own journal).
 */
export class CopyFile {
  readonly path: string;
  private fd: number | null = null;
  private waiting: TimelineEntry[] = [];
  private lastError: string | null = null;

  constructor(
    readonly dir: string,
    instance: string,
  ) {
    this.path = path.join(dir, copyFileName(instance));
  }

  /** Appends entries (their stored form); false when the disk refused them (they wait). */
  append(entries: readonly TimelineEntry[]): boolean {
    this.waiting.push(...entries.map(storedForm));
    return this.flush();
  }

  flush(): boolean {
    if (this.waiting.length === 0) return true;
    try {
      if (this.fd === null) {
        fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
        const existed = fs.existsSync(this.path);
        this.fd = fs.openSync(this.path, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
        if (!existed) fsyncDir(this.dir);
      }
      const buf = Buffer.from(this.waiting.map((e) => `${JSON.stringify(e)}\n`).join(''), 'utf8');
      let off = 0;
      while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
      fs.fsyncSync(this.fd);
      this.waiting = [];
      this.lastError = null;
      return true;
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      if (this.fd !== null) {
        try {
          fs.closeSync(this.fd);
        } catch {
          // unusable anyway
        }
        this.fd = null;
      }
      return false;
    }
  }

  pending(): number {
    return this.waiting.length;
  }

  error(): string | null {
    return this.lastError;
  }

  close(): number {
    this.flush();
    if (this.fd !== null) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // nothing more to do
      }
      this.fd = null;
    }
    return this.waiting.length;
  }
}
