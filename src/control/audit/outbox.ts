// The audit outbox. Every attempt and outcome is first an `action` entry in the incident journal
// (fsynced) carrying its audit record; the flusher copies those to `ops_audit_log` in journal
// order whenever PostgreSQL answers. With PostgreSQL down (it may be the incident) actions still
// work: the rows wait in the journal and reach the table, in order, when it returns.
import { readJournalFile } from '../../journal/journal.js';
import { incidentIds, journalPath } from '../../journal/store.js';
import { auditRecordOf, type AuditRecord } from './chain.js';
import type { AuditTrail } from './trail.js';

/** Every audit record waiting in the journals of `stateDir`, oldest first. */
export function journalAuditRecords(stateDir: string): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const id of incidentIds(stateDir)) {
    let report;
    try {
      report = readJournalFile(journalPath(stateDir, id), id);
    } catch {
      continue;
    }
    for (const e of report.entries) {
      if (e.kind !== 'action') continue;
      const r = auditRecordOf(e.details, id, e.seq);
      if (r) out.push(r);
    }
  }
  // Journal order within an incident; across incidents by time (ties: incident, seq).
  return out.sort((a, b) =>
    a.at < b.at ? -1 : a.at > b.at ? 1 : a.incidentId < b.incidentId ? -1 : a.incidentId > b.incidentId ? 1 : a.journalSeq - b.journalSeq,
  );
}

export interface FlushResult {
  written: number;
  pending: number;
  error: string | null;
}

export class AuditOutbox {
  private running: Promise<FlushResult> | null = null;
  private timer: NodeJS.Timeout | null = null;
  last: FlushResult = { written: 0, pending: 0, error: null };

  constructor(
    private readonly stateDir: string,
    private readonly trail: AuditTrail | null,
  ) {}

  /** Writes what is waiting; never throws (the error is returned and kept in `last`). */
  flush(): Promise<FlushResult> {
    if (this.running) return this.running.then(() => this.flush());
    this.running = this.doFlush().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async doFlush(): Promise<FlushResult> {
    const all = journalAuditRecords(this.stateDir);
    if (!this.trail) return (this.last = { written: 0, pending: all.length, error: 'no PostgreSQL configured for ops_audit_log' });
    try {
      const present = await this.trail.present([...new Set(all.map((r) => r.incidentId))]);
      const waiting = all.filter((r) => !present.has(`${r.incidentId}#${r.journalSeq}`));
      const written = await this.trail.append(waiting);
      return (this.last = { written, pending: waiting.length - written, error: null });
    } catch (e) {
      const present = all.length;
      return (this.last = { written: 0, pending: present, error: e instanceof Error ? e.message : String(e) });
    }
  }

  /** Retries in the background every `everyMs` until stopped. */
  start(everyMs = 5000): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
