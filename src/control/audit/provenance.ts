// Who set a mitigation, why, when and in which incident: the action records the in-force reader
// joins to what it finds on the system. Two places hold them: the incident journals of this state
// directory (every incident, earlier ones too, rows the outbox has not written yet included), and
// `ops_audit_log`, where every cockpit and every `act` on any host ends up. Read only.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TimelineEntry } from '../../core/timeline.js';
import { MergedTimeline } from '../../journal/shared/merge.js';
import { JournalReads } from '../../journal/journalReads.js';
import { incidentDir, isSharedIncident, sharedChainFiles } from '../../journal/shared/storage.js';
import { incidentIds, journalPath } from '../../journal/store.js';
import type { AuditRecord } from './chain.js';
import { AuditSetupError, type AuditTrail } from './trail.js';

export interface ProvenanceRead {
  /** Action entries of the journals here, each with its incident id and seq, in file order. */
  journal: TimelineEntry[];
  /** Rows of ops_audit_log, oldest first (empty without a PostgreSQL). */
  audit: AuditRecord[];
  /** Why the audit table could not be read this time (the journals still were); null when it was. */
  error: string | null;
}

export interface ProvenanceOptions {
  stateDir: string;
  /** The audit table (the outbox's own connection); null: none configured. */
  trail: AuditTrail | null;
  /** How many recent rows of ops_audit_log are kept (default 2,000); after the first read only new rows are read. */
  limit?: number;
  /** How often a read is asked for (the checker's 5 s): a failed one is not tried again sooner than 2x, 4x… that. */
  everyMs?: number;
  now?: () => number;
}

/** How far apart reads of a table that refuses get (as the outbox's writes: the server may be the incident). */
export const PROVENANCE_BACKOFF = { maxMs: 5 * 60_000, setupMs: 30 * 60_000 };

/** An action entry that can put a mitigation in force or take it out (it names an in-force kind). */
function isInForceAction(e: TimelineEntry): boolean {
  if (e.kind !== 'action') return false;
  const f = e.details.inForce;
  return typeof f === 'object' && f !== null;
}

const NO_DETAILS: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/**
 * What is kept of an entry read: an in-force action whole; any other entry without its details
 * (ordering a shared incident needs only its chain, seq, time and hashes, and a 2,000-queue
 * `figures` entry is 300 KB of objects).
 */
function keptForm(e: TimelineEntry): TimelineEntry {
  return isInForceAction(e) ? e : { ...e, details: NO_DETAILS };
}

/**
 * Reads the action records of a state directory and the audit table. A journal is read again only
 * when its file changed (size or mtime); a shared incident when one of its chains did. An incident
 * seen growing (the open one) is then read on from where the last read stopped, so each check
 * reads only what was appended, not the whole incident again (at 2,000 queues a journal grows by
 * about 185 KB a minute: 12 MB after an hour, 190 ms to read whole).
 */
export class ProvenanceReader {
  private readonly cache = new Map<string, { sig: string; entries: TimelineEntry[] }>();
  /** The files of the incidents seen growing, read on from where they stopped (the others once, whole). */
  private readonly reads = new JournalReads(keptForm);
  private readonly grown = new Set<string>();
  /** Bytes parsed by the one-off whole reads. */
  private parsedWhole = 0;
  /** The rows read so far (oldest first, at most `limit` kept) and the last id seen. */
  private audit: AuditRecord[] = [];
  private lastId = 0;
  private failures = 0;
  private retryAt = 0;
  private lastError: string | null = null;

  constructor(private readonly o: ProvenanceOptions) {}

  /** Bytes of journal parsed so far (what the incremental read saves shows here). */
  bytesParsed(): number {
    return this.parsedWhole + this.reads.bytesParsed();
  }

  /**
   * An incident's files in the order an incident is read (store.ts, shared/storage.ts): its
   * journal, then a shared incident's chains by name.
   */
  private filesOf(id: string): { files: string[]; shared: boolean } {
    const legacy = journalPath(this.o.stateDir, id);
    const chains = isSharedIncident(this.o.stateDir, id) ? sharedChainFiles(this.o.stateDir, id) : null;
    if (chains === null) return { files: [legacy], shared: false };
    const dir = incidentDir(this.o.stateDir, id);
    return { files: [legacy, ...chains.map((n) => path.join(dir, n))], shared: true };
  }

  /** The files' names, sizes and mtimes: unchanged, the incident's entries are too. */
  private static sig(files: readonly string[]): string {
    return files
      .map((f) => {
        try {
          const st = fs.statSync(f);
          return `${f}:${st.size}:${st.mtimeMs}`;
        } catch {
          return `${f}:-`;
        }
      })
      .join('|');
  }

  journalEntries(): TimelineEntry[] {
    const out: TimelineEntry[] = [];
    let ids: string[];
    try {
      ids = incidentIds(this.o.stateDir);
    } catch {
      return out; // an unreadable directory: the recorder reports it
    }
    for (const id of ids) {
      let files: string[];
      let shared: boolean;
      try {
        ({ files, shared } = this.filesOf(id));
      } catch {
        continue; // unreadable incident directory: skipped here, reported where it is resumed or exported
      }
      const sig = ProvenanceReader.sig(files);
      const hit = this.cache.get(id);
      if (hit && hit.sig === sig) {
        out.push(...hit.entries);
        continue;
      }
      if (hit) this.grown.add(id);
      // Kept across reads only for an incident seen growing: one reader per incident read once would hold every past incident.
      const reads = this.grown.has(id) ? this.reads : new JournalReads(keptForm);
      let read: TimelineEntry[] = [];
      for (const f of files) {
        let kept: TimelineEntry[];
        try {
          kept = reads.entries(f);
        } catch {
          continue; // missing (a shared incident without a journal from before), or not a file
        }
        read = read.concat(kept); // a copy (the reader's list grows), and not push(...): 100,000 entries overflow the stack
      }
      if (reads !== this.reads) this.parsedWhole += reads.bytesParsed();
      // A shared incident in its merged order and numbering (the in-force check names entries by
      // seq), as reading it whole gives: the chains' links are checked, not each entry's hash.
      const ordered = shared ? MergedTimeline.fromEntries(read, { hashesChecked: true }).entries() : read;
      const entries = ordered.filter(isInForceAction);
      this.cache.set(id, { sig, entries });
      out.push(...entries);
    }
    return out;
  }

  /**
   * The journals, and the audit rows: only the new ones since the last read. While the table
   * refuses (connection refused, slots full: the server may be the incident) it is asked again
   * after 2x, 4x… the interval (at most 5 min), after 30 min when this role may not read it; the
   * rows read before are used meanwhile, and the error is said.
   */
  async read(): Promise<ProvenanceRead> {
    const journal = this.journalEntries();
    const trail = this.o.trail;
    if (!trail) return { journal, audit: [], error: null };
    const now = (this.o.now ?? Date.now)();
    if (now < this.retryAt) return { journal, audit: this.audit, error: this.lastError };
    const limit = this.o.limit ?? 2000;
    try {
      const r = await trail.recentRecords({ limit, afterId: this.lastId });
      this.audit = [...this.audit, ...r.records].slice(-limit);
      this.lastId = r.lastId;
      this.failures = 0;
      this.lastError = null;
      return { journal, audit: this.audit, error: null };
    } catch (e) {
      this.failures++;
      const every = this.o.everyMs ?? 5000;
      const wait =
        e instanceof AuditSetupError ? PROVENANCE_BACKOFF.setupMs : Math.min(PROVENANCE_BACKOFF.maxMs, every * 2 ** this.failures);
      this.retryAt = now + wait;
      this.lastError = `ops_audit_log not read: ${e instanceof Error ? e.message : String(e)}`;
      return { journal, audit: this.audit, error: this.lastError };
    }
  }
}
