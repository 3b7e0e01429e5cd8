// Journal files read as they grow, for the readers that look every few seconds (the audit outbox,
// the in-force check's record of who set what). Journals only grow (the recorder and the shared
// chains append whole lines), so a later read parses only the bytes added since: parsing an
// incident's whole journal each time (a figures entry a minute, about 200 KB at 2,000 queues)
// took 175–190 ms of the main thread per read after an hour of incident (docs/performance.md,
// "Ninth session", "Eleventh session").
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TimelineEntry } from '../core/timeline.js';
import { parseEntryLines } from './shared/storage.js';

/** What a reader keeps of an entry read (null: nothing). By default: its `action` entries, whole. */
export type KeepEntry = (e: TimelineEntry) => TimelineEntry | null;

const actionsOnly: KeepEntry = (e) => (e.kind === 'action' ? e : null);

/** The bytes before the read position that must be unchanged for a read to go on from there. */
const TAIL_BYTES = 256;

function readFully(fd: number, buf: Buffer, position: number): number {
  let got = 0;
  while (got < buf.length) {
    const n = fs.readSync(fd, buf, got, buf.length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/**
 * The kept entries of the journal files read so far, by path. A file replaced (another inode),
 * shorter than what was read, or changed in the bytes just before where reading stopped is read
 * again whole. A line not yet ended (a write in progress, a torn tail) is left for a later read,
 * as a whole read leaves it out.
 */
export class JournalReads {
  private files = new Map<string, { dev: number; ino: number; bytes: number; tail: Buffer; kept: TimelineEntry[] }>();
  private seen = new Set<string>();
  private parsed = 0;

  constructor(private readonly keep: KeepEntry = actionsOnly) {}

  /**
   * The kept entries of `file`, in file order (the reader's own list: copy it to keep it). Throws
   * when the file cannot be read, or is not a regular file.
   */
  entries(file: string): TimelineEntry[] {
    this.seen.add(file);
    // Without waiting: opening a FIFO put there for reading would wait for a writer.
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) throw new Error(`${file}: not a regular file`);
      const before = this.files.get(file);
      const goesOn = before && before.dev === st.dev && before.ino === st.ino && st.size >= before.bytes && this.tailHolds(fd, before);
      const read = goesOn ? before : { dev: st.dev, ino: st.ino, bytes: 0, tail: Buffer.alloc(0), kept: [] as TimelineEntry[] };
      if (st.size > read.bytes) {
        const buf = Buffer.alloc(st.size - read.bytes);
        // '\n' never occurs inside a UTF-8 sequence: cutting there never splits a character.
        const end = buf.subarray(0, readFully(fd, buf, read.bytes)).lastIndexOf(0x0a) + 1;
        if (end > 0) {
          for (const e of parseEntryLines(buf.toString('utf8', 0, end), path.basename(file)).entries) {
            const k = this.keep(e);
            if (k !== null) read.kept.push(k);
          }
          read.bytes += end;
          this.parsed += end;
          // The bytes just read end the tail: no second read. A copy, so the chunk itself is let go.
          read.tail =
            end >= TAIL_BYTES
              ? Buffer.from(buf.subarray(end - TAIL_BYTES, end))
              : Buffer.concat([read.tail, buf.subarray(0, end)]).subarray(-TAIL_BYTES);
        }
      }
      this.files.set(file, read);
      return read.kept;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Forgets the files not read since the last call (an incident's journal removed). */
  prune(): void {
    for (const f of this.files.keys()) if (!this.seen.has(f)) this.files.delete(f);
    this.seen = new Set();
  }

  /** Bytes of journal parsed so far (what reading on instead of again saves shows here). */
  bytesParsed(): number {
    return this.parsed;
  }

  private tailHolds(fd: number, known: { bytes: number; tail: Buffer }): boolean {
    const now = Buffer.alloc(known.tail.length);
    return readFully(fd, now, known.bytes - known.tail.length) === now.length && now.equals(known.tail);
  }
}
