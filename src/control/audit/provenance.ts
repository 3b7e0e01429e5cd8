// Who set a mitigation, why, when and in which incident: the action records the in-force reader
// joins to what it finds on the system. Two places hold them: the incident journals of this state
// directory (every incident, earlier ones too, rows the outbox has not written yet included), and
// `ops_audit_log`, where every cockpit and every `act` on any host ends up. Read only.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TimelineEntry } from '../../core/timeline.js';
import { readJournalFile } from '../../journal/journal.js';
import { incidentIds, journalPath, loadIncident } from '../../journal/store.js';
import { incidentDir, isSharedIncident } from '../../journal/shared/storage.js';
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

/** Action entries that can put a mitigation in force or take it out (they name an in-force kind). */
function inForceActions(entries: readonly TimelineEntry[]): TimelineEntry[] {
  return entries.filter((e) => {
    if (e.kind !== 'action') return false;
    const f = e.details.inForce;
    return typeof f === 'object' && f !== null;
  });
}

/**
 * Reads the action records of a state directory and the audit table. A journal is read again only
 * when its file changed (size or mtime); a shared incident when one of its chains did.
 */
export class ProvenanceReader {
  private readonly cache = new Map<string, { sig: string; entries: TimelineEntry[] }>();
  /** The rows read so far (oldest first, at most `limit` kept) and the last id seen. */
  private audit: AuditRecord[] = [];
  private lastId = 0;
  private failures = 0;
  private retryAt = 0;
  private lastError: string | null = null;

  constructor(private readonly o: ProvenanceOptions) {}

  /** A shared incident's chains: their names, sizes and mtimes. */
  private sharedSig(id: string): string | null {
    try {
      const dir = incidentDir(this.o.stateDir, id);
      return fs
        .readdirSync(dir)
        .sort()
        .map((n) => {
          const st = fs.statSync(path.join(dir, n));
          return `${n}:${st.size}:${st.mtimeMs}`;
        })
        .join('|');
    } catch {
      return null;
    }
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
      const file = journalPath(this.o.stateDir, id);
      const shared = isSharedIncident(this.o.stateDir, id);
      let sig: string | null;
      try {
        if (shared) sig = this.sharedSig(id);
        else {
          const st = fs.statSync(file);
          sig = `${st.size}:${st.mtimeMs}`;
        }
      } catch {
        sig = null;
      }
      const hit = this.cache.get(id);
      if (sig !== null && hit && hit.sig === sig) {
        out.push(...hit.entries);
        continue;
      }
      try {
        const entries = inForceActions(
          shared ? (loadIncident(this.o.stateDir, id)?.view.entries ?? []) : readJournalFile(file, id).entries,
        );
        if (sig !== null) this.cache.set(id, { sig, entries });
        out.push(...entries);
      } catch {
        // unreadable journal: skipped here, reported where it is resumed or exported
      }
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
