// A side sender: the outbox of an incident that is not the recorder's current one (resolved
// before the cockpit restarted, or left when the recorder moved to another incident) while the
// journal still shows pages for it unfinished. It folds that incident's journal with the same
// PagingFolder and appends its page entries (attempts, deliveries, the resolves a resolution
// still owes) to that incident's own journal file, so the hash chain simply continues there.
//
// One writer per journal file: the controller drops the side sender (closing its file) as soon
// as the recorder makes that incident the current one again; the recorder then reopens the file
// and reads everything the side sender appended.
import type { Clock } from '../../core/source.js';
import { PagingFolder, type PageEntryDetails, type PagingState } from '../../core/paging.js';
import { IncidentJournal } from '../../journal/journal.js';

/** Where one incident's paging state lives and how its page entries are recorded. */
export interface Outbox {
  readonly incidentId: string;
  readonly state: PagingState;
  /** Appends a `page` entry to the incident's journal (durably) and folds it. */
  record(details: PageEntryDetails): void;
}

/** Messages still owed for the incident: pending or retrying, or a resolution without its resolves. */
export function hasUnfinishedPaging(st: PagingState): boolean {
  for (const m of st.messages.values()) if (m.state === 'pending' || m.state === 'retrying') return true;
  if (st.incidentState === 'resolved') for (const t of st.targets.values()) if (t.resolvedAt === null) return true;
  return false;
}

export class SideSender implements Outbox {
  readonly incidentId: string;
  private readonly folder: PagingFolder;
  private journal: IncidentJournal | null;

  private constructor(journal: IncidentJournal) {
    this.journal = journal;
    this.incidentId = journal.incidentId;
    this.folder = new PagingFolder(journal.incidentId).addAll(journal.entries());
  }

  /**
   * Reads an incident's journal and returns its side sender when its paging is unfinished,
   * else null (nothing is opened for writing then). Throws when the journal cannot be read.
   */
  static open(dir: string, incidentId: string, opts: { clock: Clock; simClock?: Clock; operator: string }): SideSender | null {
    const journal = IncidentJournal.open(dir, incidentId, {
      clock: opts.clock,
      operator: opts.operator,
      ...(opts.simClock ? { simClock: opts.simClock } : {}),
    });
    if (journal.entries().length === 0) return null;
    const side = new SideSender(journal);
    if (!hasUnfinishedPaging(side.state)) {
      side.close();
      return null;
    }
    return side;
  }

  get state(): PagingState {
    return this.folder.state;
  }

  get closed(): boolean {
    return this.journal === null;
  }

  record(details: PageEntryDetails): void {
    if (!this.journal) throw new Error(`${this.incidentId}: side sender closed`);
    const entry = this.journal.append('page', details); // returns only after fsync
    this.folder.add(entry);
  }

  close(): void {
    this.journal?.close();
    this.journal = null;
  }
}
