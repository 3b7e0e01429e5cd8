// One incident's journal: an append-only JSONL file, one hash-chained entry per line, each
// fsync'd before append() returns, so whatever the cockpit has shown survives a crash.
// Files are never rewritten: a torn last line stays where it is and the next entry starts on a
// fresh line after it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Clock } from '../core/source.js';
import { systemClock } from '../core/source.js';
import { isIncidentId } from '../core/incident.js';
import type { EntryDetails, EntryKind, TimelineEntry } from '../core/timeline.js';
import { GENESIS_HASH, entryShapeProblem, formatUtc, isKnownKind, sealEntry, verifyChain } from '../core/timeline.js';

export interface JournalReport {
  /** Chain intact, no torn tail, no unreadable line. */
  ok: boolean;
  /** Every entry that could be read, in file order. */
  entries: TimelineEntry[];
  /** First sequence number where the hash chain breaks; null when intact. */
  brokenAtSeq: number | null;
  /** The last line was cut short (a crash mid-write); it was left out. */
  tornTail: boolean;
  problems: string[];
  /** Hash of the last readable entry (GENESIS_HASH when none). */
  lastHash: string;
}

export interface JournalOptions {
  clock?: Clock;
  /** Who is recorded as the operator when append() is not told; defaults to the OS user. */
  operator?: string;
}

/** The OS user running the cockpit; os.userInfo() throws when the uid has no passwd entry. */
export function defaultOperator(env: NodeJS.ProcessEnv = process.env): string {
  try {
    const name = os.userInfo().username;
    if (name !== '') return name;
  } catch {
    // fall through to the environment
  }
  return env.USER ?? env.LOGNAME ?? env.USERNAME ?? 'unknown';
}

export function journalFileName(incidentId: string): string {
  if (!isIncidentId(incidentId)) throw new Error(`not an incident id: ${JSON.stringify(incidentId)}`);
  return `${incidentId}.jsonl`;
}

/**
 * Parses a journal's bytes. Validation at the edge: a line that is not an entry is reported and
 * skipped, the rest stays readable; the chain is then checked over what could be read.
 */
export function parseJournal(text: string, incidentId?: string): JournalReport {
  const problems: string[] = [];
  const entries: TimelineEntry[] = [];
  let tornTail = false;
  const lines = text.split('\n');
  // After a final '\n' split() yields one empty string: that is not a line.
  const endsClean = text === '' || text.endsWith('\n');
  if (endsClean) lines.pop();
  lines.forEach((line, i) => {
    const lineNo = i + 1;
    const isLast = i === lines.length - 1;
    if (line.trim() === '') return; // a blank separator left by torn-write recovery
    let parsed: unknown;
    let problem: string | null;
    try {
      parsed = JSON.parse(line);
      problem = entryShapeProblem(parsed);
    } catch {
      problem = 'not JSON';
    }
    if (problem !== null) {
      if (isLast && !endsClean) {
        tornTail = true;
        problems.push(`line ${lineNo}: torn last line (${Buffer.byteLength(line)} bytes, a crash mid-write?) left out`);
      } else {
        problems.push(`line ${lineNo}: unreadable, skipped (${problem})`);
      }
      return;
    }
    const entry = parsed as TimelineEntry;
    if (!isKnownKind(entry.kind)) problems.push(`seq ${entry.seq}: unknown kind "${String(entry.kind)}" (shown as is)`);
    entries.push(entry);
  });
  const chain = verifyChain(entries, incidentId);
  problems.push(...chain.problems);
  const last = entries[entries.length - 1];
  return {
    ok: problems.length === 0,
    entries,
    brokenAtSeq: chain.brokenAtSeq,
    tornTail,
    problems,
    lastHash: last ? last.hash : GENESIS_HASH,
  };
}

/** Reads a journal file without opening it for writing. */
export function readJournalFile(file: string, incidentId?: string): JournalReport {
  return parseJournal(fs.readFileSync(file, 'utf8'), incidentId);
}

function fsyncDir(dir: string): void {
  // Makes a new file's directory entry durable too. Not every platform can open a directory.
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

const { O_RDWR, O_APPEND, O_CREAT, O_EXCL } = fs.constants;

export class IncidentJournal {
  readonly incidentId: string;
  readonly path: string;
  private readonly clock: Clock;
  private readonly operator: string;
  private readonly found: JournalReport;
  private readonly list: TimelineEntry[];
  private fd: number | null = null;
  /** The file does not end with '\n' (torn tail, or a failed write): start the next entry on a new line. */
  private needsNewline: boolean;
  /** After a failed fsync the page cache cannot be trusted: refuse further appends. */
  private failure: Error | null = null;
  private exclusive: boolean;

  private constructor(dir: string, incidentId: string, opts: JournalOptions, exclusive: boolean) {
    this.incidentId = incidentId;
    this.path = path.join(dir, journalFileName(incidentId));
    this.clock = opts.clock ?? systemClock;
    this.operator = opts.operator ?? defaultOperator();
    this.exclusive = exclusive;
    let text = '';
    if (!exclusive) {
      try {
        text = fs.readFileSync(this.path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    this.found = parseJournal(text, incidentId);
    this.list = [...this.found.entries];
    this.needsNewline = text !== '' && !text.endsWith('\n');
  }

  /**
   * The journal of an incident, existing or not. Reading only: the file (and the directory) are
   * created by the first append.
   */
  static open(dir: string, incidentId: string, opts: JournalOptions = {}): IncidentJournal {
    return new IncidentJournal(dir, incidentId, opts, false);
  }

  /** A new incident's journal; fails with EEXIST if the id is taken (two cockpits, one minute). */
  static create(dir: string, incidentId: string, opts: JournalOptions = {}): IncidentJournal {
    const journal = new IncidentJournal(dir, incidentId, opts, true);
    journal.openFile();
    return journal;
  }

  /** What was found on disk when the journal was opened. */
  openReport(): JournalReport {
    return { ...this.found, entries: [...this.found.entries], problems: [...this.found.problems] };
  }

  entries(): readonly TimelineEntry[] {
    return this.list;
  }

  lastHash(): string {
    return this.list[this.list.length - 1]?.hash ?? GENESIS_HASH;
  }

  private openFile(): number {
    if (this.fd !== null) return this.fd;
    const dir = path.dirname(this.path);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const existed = !this.exclusive && fs.existsSync(this.path);
    const flags = O_RDWR | O_APPEND | O_CREAT | (this.exclusive ? O_EXCL : 0);
    this.fd = fs.openSync(this.path, flags, 0o600);
    this.exclusive = false;
    if (!existed) fsyncDir(dir);
    return this.fd;
  }

  /**
   * Appends one entry and returns it only once it is on disk (write + fsync). Callers show only
   * what this returned, so nothing shown can be lost by a crash.
   */
  append<K extends EntryKind>(kind: K, details: EntryDetails<K>, operator?: string): TimelineEntry {
    if (this.failure) throw new Error(`journal ${this.path} is unusable after a failed write: ${this.failure.message}`);
    const prev = this.list[this.list.length - 1] ?? null;
    const entry = sealEntry(prev, {
      at: formatUtc(this.clock.now()),
      operator: operator ?? this.operator,
      kind,
      incidentId: this.incidentId,
      details: details as Record<string, unknown>,
    });
    const line = `${this.needsNewline ? '\n' : ''}${JSON.stringify(entry)}\n`;
    const fd = this.openFile();
    const buf = Buffer.from(line, 'utf8');
    try {
      let off = 0;
      while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      // Part of the line may be on disk: the next entry must start on a fresh line.
      this.needsNewline = !this.endsWithNewline(fd);
      throw err;
    }
    try {
      fs.fsyncSync(fd);
    } catch (err) {
      this.failure = err as Error;
      throw err;
    }
    this.needsNewline = false;
    this.list.push(entry);
    return entry;
  }

  private endsWithNewline(fd: number): boolean {
    try {
      const size = fs.fstatSync(fd).size;
      if (size === 0) return true;
      const b = Buffer.alloc(1);
      fs.readSync(fd, b, 0, 1, size - 1);
      return b[0] === 0x0a;
    } catch {
      return false;
    }
  }

  /** Reads the file back from disk and checks it: what an export puts in the PIR footer. */
  verify(): JournalReport {
    try {
      return readJournalFile(this.path, this.incidentId);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && this.list.length === 0) return parseJournal('', this.incidentId);
      throw err;
    }
  }

  close(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }
}
