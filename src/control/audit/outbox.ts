// The audit outbox. Every attempt and outcome is first an `action` entry in the incident journal
// (fsynced) carrying its audit record; the flusher copies those to `ops_audit_log` in journal
// order whenever PostgreSQL answers. With PostgreSQL down (it may be the incident) actions still
// work: the rows wait in the journal and reach the table, in order, when it returns. The
// background flusher backs off while PostgreSQL refuses (it may be the incident: slots full) and
// leaves the connection idle when nothing is waiting.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TimelineEntry } from '../../core/timeline.js';
import { JournalReads } from '../../journal/journalReads.js';
import { OWN_PREFIX, incidentDir, isSharedIncident } from '../../journal/shared/storage.js';
import { incidentIds, journalPath } from '../../journal/store.js';
import { auditRecordOf, type AuditRecord } from './chain.js';
import { AuditSetupError, type AuditTrail } from './trail.js';

/**
 * The audit row's journal_seq of an entry: its seq; in a shared incident (one chain per cockpit,
 * src/journal/shared) the chain's seq in a range of its own per cockpit instance
 * (1,000,000 x (1 + a hash of the instance mod 2,000) + seq), so (incident_id, journal_seq) stays
 * unique across the cockpits' rows and still fits the integer column.
 */
export function auditJournalSeq(e: Pick<TimelineEntry, 'seq' | 'origin'>): number {
  if (!e.origin) return e.seq;
  let h = 0x811c9dc5;
  for (const ch of e.origin.instance) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return 1_000_000 * (1 + (h % 2000)) + (e.seq % 1_000_000);
}

/**
 * The action entries of `stateDir`'s journal of an incident that this state directory writes: the
 * journal, or in a shared incident every `own-` chain written from here (never the copies of other
 * cockpits' entries: each cockpit writes its own rows).
 */
function ownActions(stateDir: string, id: string, reads: JournalReads): TimelineEntry[] {
  const journal = journalPath(stateDir, id);
  if (!isSharedIncident(stateDir, id)) return reads.entries(journal);
  const dir = incidentDir(stateDir, id);
  // A journal from before sharing, resumed by a sharing cockpit, is one of them.
  const out: TimelineEntry[] = fs.existsSync(journal) ? [...reads.entries(journal)] : [];
  for (const name of fs.readdirSync(dir)) {
    if (!name.startsWith(OWN_PREFIX) || !name.endsWith('.jsonl')) continue;
    out.push(...reads.entries(path.join(dir, name)).filter((e) => e.incidentId === id));
  }
  return out;
}

/**
 * Every audit record waiting in the journals of `stateDir`, oldest first. `reads`: what earlier
 * calls read (the outbox keeps one); without it every journal is read whole.
 */
export function journalAuditRecords(stateDir: string, reads: JournalReads = new JournalReads()): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const id of incidentIds(stateDir)) {
    let entries: TimelineEntry[];
    try {
      entries = ownActions(stateDir, id, reads);
    } catch {
      continue;
    }
    for (const e of entries) {
      const r = auditRecordOf(e.details, id, auditJournalSeq(e));
      if (r) out.push(r);
    }
  }
  reads.prune();
  // Journal order within an incident; across incidents by time (ties: incident, seq).
  return out.sort((a, b) =>
    a.at < b.at ? -1 : a.at > b.at ? 1 : a.incidentId < b.incidentId ? -1 : a.incidentId > b.incidentId ? 1 : a.journalSeq - b.journalSeq,
  );
}

export interface FlushResult {
  written: number;
  pending: number;
  error: string | null;
  /** When the background flusher tries again after a failure (epoch ms), null when it is not backing off. */
  retryAt?: number | null;
}

/** The background flusher's pace: every `everyMs` while PostgreSQL answers; after a failure it backs off. */
export const OUTBOX_BACKOFF = {
  /** Connection refused, slots full, timeouts: doubling from the flush interval up to this. */
  maxMs: 5 * 60_000,
  /** The table may not be created or written: nothing changes until an administrator acts. */
  setupMs: 30 * 60_000,
};

export class AuditOutbox {
  private running: Promise<FlushResult> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private everyMs = 5000;
  private failures = 0;
  /** Records known to be in the table: with nothing else waiting, a flush does not touch PostgreSQL. */
  private readonly known = new Set<string>();
  /** The journals as far as earlier flushes read them: each flush parses only what was added. */
  private readonly reads = new JournalReads();
  /**
   * The trail's connection on which the table last had them all (AuditTrail.session). When that
   * connection is gone (a failover: the promoted standby may lack commits the old primary had not
   * sent it), the next flush reads the table again and writes what is missing.
   */
  private checkedOn: number | null = null;
  last: FlushResult = { written: 0, pending: 0, error: null, retryAt: null };

  constructor(
    private readonly stateDir: string,
    private readonly trail: AuditTrail | null,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes what is waiting; never throws (the error is returned and kept in `last`). An explicit flush tries at once. */
  flush(): Promise<FlushResult> {
    if (this.running) return this.running.then(() => this.flush());
    this.running = this.doFlush().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async doFlush(): Promise<FlushResult> {
    const all = journalAuditRecords(this.stateDir, this.reads);
    if (!this.trail)
      return (this.last = { written: 0, pending: all.length, error: 'no PostgreSQL configured for ops_audit_log', retryAt: null });
    const key = (r: AuditRecord) => `${r.incidentId}#${r.journalSeq}`;
    // Nothing new since the table last had it all, on the connection still open: no query (the
    // connection stays idle).
    if (all.every((r) => this.known.has(key(r))) && (all.length === 0 || this.trail.session() === this.checkedOn)) {
      this.failures = 0;
      return (this.last = { written: 0, pending: 0, error: null, retryAt: null });
    }
    try {
      const present = await this.trail.present([...new Set(all.map((r) => r.incidentId))]);
      const readOn = this.trail.session();
      const waiting = all.filter((r) => !present.has(key(r)));
      const written = await this.trail.append(waiting);
      for (const r of all) this.known.add(key(r));
      // Read and written on one connection; else the next flush reads the table again.
      this.checkedOn = readOn !== null && this.trail.session() === readOn ? readOn : -1;
      this.failures = 0;
      return (this.last = { written, pending: waiting.length - written, error: null, retryAt: null });
    } catch (e) {
      this.failures++;
      const setup = e instanceof AuditSetupError;
      const wait = setup ? OUTBOX_BACKOFF.setupMs : Math.min(OUTBOX_BACKOFF.maxMs, this.everyMs * 2 ** (this.failures - 1));
      const message = e instanceof Error ? e.message : String(e);
      const pending = all.filter((r) => !this.known.has(key(r))).length;
      return (this.last = { written: 0, pending, error: message, retryAt: this.now() + wait });
    }
  }

  /**
   * Flushes in the background: every `everyMs` while PostgreSQL answers; after a failure, again
   * after 2×, 4×… that (at most 5 min), and after 30 min when the table may not be created or
   * written (the error stays in `last` for the screen meanwhile). Never a connection every 5 s to
   * a server that refuses it.
   */
  start(everyMs = 5000): void {
    if (this.timer) return;
    this.everyMs = everyMs;
    this.schedule(everyMs);
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      void this.flush().then((r) => {
        if (this.timer === null) return; // stopped meanwhile
        this.schedule(r.error && r.retryAt ? Math.max(this.everyMs, r.retryAt - this.now()) : this.everyMs);
      });
    }, ms);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
