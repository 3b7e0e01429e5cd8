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
import type { EntryDetails, EntryKind, EntryOrigin, TimelineEntry } from '../core/timeline.js';
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
  /** The file's name in `dir` (default `<incident-id>.jsonl`): a shared incident keeps one chain per cockpit (src/journal/shared). */
  fileName?: string;
  /** Stamped on every entry (a shared incident's per-origin chain); none: the journal is the incident's only chain. */
  origin?: EntryOrigin;
  /** A simulation's clock: every entry then carries `simAt` beside its wall-clock `at` (from `clock`). */
  simClock?: Clock;
  /**
   * How many entries may wait in memory while the disk cannot be written (0, the default: none,
   * append throws instead), and their total size in bytes (default 16 MiB).
   */
  maxPending?: number;
  maxPendingBytes?: number;
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

export function fsyncDir(dir: string): void {
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

/** Why the journal could not be written: the file system's own error, and since when (wall clock). */
export interface JournalFault {
  /** The errno code (ENOSPC, EPERM, EACCES, EROFS, EIO, EDQUOT…), or 'ERROR' when there is none. */
  code: string;
  message: string;
  /** Wall-clock ms of the first failure of this fault. */
  since: number;
}

/** The journal's health as the screen shows it. */
export interface JournalHealth {
  /** null while everything appended is on disk. */
  fault: JournalFault | null;
  /** Entries sealed into the chain and folded, waiting in memory to be written. */
  pending: number;
  /** The first of them (they are always the last entries), null when none wait. */
  firstPendingSeq: number | null;
  /** How many entries may wait, and how many bytes. */
  limit: { entries: number; bytes: number };
  /** Entries refused because the waiting list was full: never sealed, never written. */
  refused: number;
}

/** An entry could not be written and may not wait (the waiting list is full, or it must be on disk first). */
export class JournalWriteError extends Error {
  override name = 'JournalWriteError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** Entries written in one write + fsync when catching up after a fault. */
const BATCH_BYTES = 64 * 1024;

function errCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && code !== '' ? code : 'ERROR';
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A file-system error as the screen says it: the code and the system's words, without the path
 * and syscall Node appends ("ENOSPC: no space left on device").
 */
export function fsErrorText(err: unknown): string {
  const code = errCode(err);
  const text = errText(err);
  if (code === 'ERROR') return text;
  const words = text.startsWith(`${code}: `) ? text.slice(code.length + 2).split(', ')[0] : text;
  return `${code}: ${words}`;
}

export interface AppendOptions {
  operator?: string;
  /**
   * The entry must be on disk before append returns (an action about to change the system): on a
   * fault it is not kept and append throws, even when other entries may wait in memory.
   */
  durable?: boolean;
}

export class IncidentJournal {
  readonly incidentId: string;
  readonly path: string;
  private readonly clock: Clock;
  private readonly operator: string;
  private readonly origin: EntryOrigin | undefined;
  private readonly simClock: Clock | undefined;
  private readonly found: JournalReport;
  private readonly list: TimelineEntry[];
  private fd: number | null = null;
  /** The file does not end with '\n' (a torn tail found on open): start the next entry on a new line. */
  private needsNewline: boolean;
  private exclusive: boolean;
  /** How many of `list` are on disk (written and fsynced); the rest wait in memory. */
  private durable: number;
  /** The file's size after the last confirmed write: bytes past it are a failed write's, cut off before the next. */
  private durableSize: number;
  private fault: JournalFault | null = null;
  private pendingBytes = 0;
  private refused = 0;
  /** Bytes of a batch whose write or fsync failed and that may be in the file past durableSize. */
  private inFlight = 0;
  /** Counts re-chainings of waiting entries after another writer appended (see adoptOthers). */
  private generationCount = 0;
  private readonly maxPending: number;
  private readonly maxPendingBytes: number;

  private constructor(dir: string, incidentId: string, opts: JournalOptions, exclusive: boolean) {
    this.incidentId = incidentId;
    this.path = path.join(dir, opts.fileName ?? journalFileName(incidentId));
    this.clock = opts.clock ?? systemClock;
    this.origin = opts.origin;
    this.simClock = opts.simClock;
    this.operator = opts.operator ?? defaultOperator();
    this.exclusive = exclusive;
    this.maxPending = Math.max(0, Math.floor(opts.maxPending ?? 0));
    this.maxPendingBytes = Math.max(0, Math.floor(opts.maxPendingBytes ?? 16 * 1024 * 1024));
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
    this.durable = this.list.length;
    this.durableSize = Buffer.byteLength(text);
    this.needsNewline = text !== '' && !text.endsWith('\n');
  }

  /**
   * The journal of an incident, existing or not. Reading only: the file (and the directory) are
   * created by the first append.
   */
  static open(dir: string, incidentId: string, opts: JournalOptions = {}): IncidentJournal {
    return new IncidentJournal(dir, incidentId, opts, false);
  }

  /**
   * A new incident's journal; fails with EEXIST if the id is taken (two cockpits, one minute).
   * When the file cannot be created (disk full, directory not writable) and entries may wait in
   * memory (`maxPending`), the journal is returned faulted and the file is created with its first
   * write; otherwise the error is thrown.
   */
  static create(dir: string, incidentId: string, opts: JournalOptions = {}): IncidentJournal {
    const journal = new IncidentJournal(dir, incidentId, opts, true);
    try {
      journal.openFile();
    } catch (err) {
      if (errCode(err) === 'EEXIST' || journal.maxPending === 0) throw err;
      journal.noteFault(err);
    }
    return journal;
  }

  /** What was found on disk when the journal was opened. */
  openReport(): JournalReport {
    return { ...this.found, entries: [...this.found.entries], problems: [...this.found.problems] };
  }

  /** Every entry of the chain, those waiting in memory included (they are the last ones). */
  entries(): readonly TimelineEntry[] {
    return this.list;
  }

  lastHash(): string {
    return this.list[this.list.length - 1]?.hash ?? GENESIS_HASH;
  }

  /** True when the entry with this seq is on disk. */
  isDurable(seq: number): boolean {
    const last = this.list[this.durable - 1];
    return last !== undefined && seq <= last.seq;
  }

  health(): JournalHealth {
    const pending = this.list.length - this.durable;
    return {
      fault: this.fault ? { ...this.fault } : null,
      pending,
      firstPendingSeq: pending > 0 ? (this.list[this.durable]?.seq ?? null) : null,
      limit: { entries: this.maxPending, bytes: this.maxPendingBytes },
      refused: this.refused,
    };
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
   * Appends one entry. Normally it returns only once the entry is on disk (write + fsync), so
   * whatever is shown survives a crash. When the disk fails (full, read-only, not permitted) and
   * the journal was given room to wait (`maxPending`), the entry is sealed into the chain, kept in
   * memory and returned; `isDurable()` and `health()` say so, and the waiting entries are written
   * in order by the next append or `flush()` that finds the disk writable again. Throws a
   * JournalWriteError when the entry can neither be written nor wait.
   */
  append<K extends EntryKind>(kind: K, details: EntryDetails<K>, opts: string | AppendOptions = {}): TimelineEntry {
    const o: AppendOptions = typeof opts === 'string' ? { operator: opts } : opts;
    const prev = this.list[this.list.length - 1] ?? null;
    const entry = sealEntry(prev, {
      at: formatUtc(this.clock.now()),
      operator: o.operator ?? this.operator,
      kind,
      incidentId: this.incidentId,
      details: details as Record<string, unknown>,
      ...(this.origin ? { origin: this.origin } : {}),
      ...(this.simClock ? { simAt: formatUtc(this.simClock.now()) } : {}),
    });
    const bytes = Buffer.byteLength(JSON.stringify(entry)) + 1;
    this.list.push(entry);
    this.pendingBytes += bytes;
    if (this.flush()) return entry;
    const waiting = this.list.length - this.durable; // this one included
    if (!o.durable && waiting <= this.maxPending && this.pendingBytes <= this.maxPendingBytes) {
      return entry; // in the chain, waiting in memory until the disk takes it
    }
    // Not kept: it never reached the disk (what a failed write left was cut off again).
    this.list.pop();
    this.pendingBytes -= bytes;
    const why = this.fault ? `${this.fault.code}: ${this.fault.message}` : 'unknown error';
    const code = this.fault?.code ?? 'ERROR';
    if (o.durable) {
      throw new JournalWriteError(`journal ${this.path} cannot be written (${why}): not done, its record must be on disk first`, code);
    }
    this.refused++;
    throw new JournalWriteError(
      this.maxPending === 0
        ? `journal ${this.path} cannot be written (${why})`
        : `journal ${this.path} cannot be written (${why}) and ${waiting - 1} entries already wait in memory (the most it keeps): this ${kind} entry was not recorded`,
      code,
    );
  }

  /**
   * Writes the entries waiting in memory, in order, in batches (write + fsync each). Returns true
   * when nothing waits any more. A batch that fails is cut off the file (ftruncate to the last
   * confirmed size) and written again next time, so no torn line is left and the chain continues.
   */
  flush(): boolean {
    if (this.durable >= this.list.length) {
      this.fault = null;
      return true;
    }
    try {
      const fd = this.openFile();
      this.cutFailedWrite(fd);
      if (fs.fstatSync(fd).size > this.durableSize) this.adoptOthers(fd);
      while (this.durable < this.list.length) {
        const lines: string[] = [];
        let size = 0;
        let n = 0;
        for (let i = this.durable; i < this.list.length && (n === 0 || size < BATCH_BYTES); i++, n++) {
          const line = `${JSON.stringify(this.list[i])}\n`;
          lines.push(line);
          size += Buffer.byteLength(line);
        }
        const buf = Buffer.from(`${this.needsNewline ? '\n' : ''}${lines.join('')}`, 'utf8');
        this.inFlight = buf.length;
        let off = 0;
        while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
        fs.fsyncSync(fd);
        this.inFlight = 0;
        this.needsNewline = false;
        this.durable += n;
        this.durableSize += buf.length;
        this.pendingBytes = Math.max(0, this.pendingBytes - size);
      }
      if (this.durable >= this.list.length) this.pendingBytes = 0;
      this.fault = null;
      return true;
    } catch (err) {
      this.noteFault(err);
      if (this.fd !== null) {
        this.cutFailedWrite(this.fd);
        // After a failed fsync the page cache cannot be trusted: reopen and rewrite from the last
        // confirmed size next time, so what is written is written again and fsynced.
        try {
          fs.closeSync(this.fd);
        } catch {
          // already unusable
        }
        this.fd = null;
      }
      return false;
    }
  }

  /**
   * Cuts what our own failed write left past the last confirmed size (at most that batch's bytes;
   * never anything before it, never more than we wrote).
   */
  private cutFailedWrite(fd: number): void {
    if (this.inFlight === 0) return;
    let size: number;
    try {
      size = fs.fstatSync(fd).size;
    } catch {
      return;
    }
    if (size <= this.durableSize) {
      this.inFlight = 0;
      return;
    }
    if (size > this.durableSize + this.inFlight) return; // someone else appended too: adoptOthers
    try {
      fs.ftruncateSync(fd, this.durableSize);
      this.inFlight = 0;
    } catch {
      // Cannot cut it: keep it (the reader reports the torn line) and start on a fresh line.
      this.durableSize = size;
      this.inFlight = 0;
      this.needsNewline = !this.endsWithNewline(fd);
    }
  }

  /**
   * Another writer appended to this file while entries waited here (the paging side sender of an
   * incident the recorder moved on from). Its entries are read and kept; the waiting entries are
   * chained after them (new seq and hash, same time, operator, kind and details), so the file
   * stays one intact chain. generation() changes, so a holder of the old seqs can fold again.
   */
  private adoptOthers(fd: number): void {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(size);
    let off = 0;
    while (off < size) {
      const n = fs.readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    const text = buf.subarray(0, off).toString('utf8');
    const onDisk = parseJournal(text, this.incidentId).entries;
    const waiting = this.list.slice(this.durable);
    const chain: TimelineEntry[] = [...onDisk];
    for (const e of waiting) {
      chain.push(
        sealEntry(chain[chain.length - 1] ?? null, {
          at: e.at,
          operator: e.operator,
          kind: e.kind,
          incidentId: e.incidentId,
          details: e.details,
          ...(e.origin ? { origin: e.origin } : {}),
          ...(e.simAt !== undefined ? { simAt: e.simAt } : {}),
        }),
      );
    }
    this.list.splice(0, this.list.length, ...chain);
    this.durable = onDisk.length;
    this.durableSize = off;
    this.inFlight = 0;
    this.needsNewline = text !== '' && !text.endsWith('\n');
    this.generationCount++;
  }

  /** Changes when waiting entries were re-chained after another writer's (their seqs changed). */
  generation(): number {
    return this.generationCount;
  }

  private noteFault(err: unknown): void {
    const code = errCode(err);
    const message = errText(err);
    this.fault = this.fault && this.fault.code === code ? { ...this.fault, message } : { code, message, since: Date.now() };
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

  /** Closes the file after one last try to write what waits; returns how many entries are still not written. */
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
    return this.list.length - this.durable;
  }

  /** The entries still waiting in memory, as journal lines (for a last-resort copy elsewhere). */
  pendingLines(): string[] {
    return this.list.slice(this.durable).map((e) => JSON.stringify(e));
  }
}
