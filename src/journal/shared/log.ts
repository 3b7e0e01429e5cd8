// One shared incident as the recorder writes and reads it: this cockpit's own chain (an
// IncidentJournal on its own file, fsynced before anything is shown), the copies of other
// cockpits' entries, and the merged view over both (merge.ts). The recorder folds the merged
// view; generation() changes whenever the view was renumbered (an entry landed inside it), so the
// recorder folds again instead of adding.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Clock } from '../../core/source.js';
import type { EntryDetails, EntryKind, EntryOrigin, TimelineEntry } from '../../core/timeline.js';
import type { AppendOptions, JournalHealth, JournalReport } from '../journal.js';
import { IncidentJournal, journalFileName } from '../journal.js';
import type { MergeReport, Refusal } from './merge.js';
import { MergedTimeline } from './merge.js';
import { chainKey, storedForm } from './origin.js';
import {
  CopyFile,
  foreignChainProblems,
  incidentDir,
  isSharedIncident,
  ownFileName,
  readIncidentFiles,
  readMergedIncident,
} from './storage.js';

/**
 * What the recorder needs of an incident's journal: IncidentJournal (one chain, one file) and
 * SharedIncidentLog (one chain per cockpit, merged) both are one.
 */
export interface IncidentLog {
  readonly incidentId: string;
  readonly path: string;
  append<K extends EntryKind>(kind: K, details: EntryDetails<K>, opts?: string | AppendOptions): TimelineEntry;
  entries(): readonly TimelineEntry[];
  openReport(): JournalReport;
  verify(): JournalReport;
  health(): JournalHealth;
  isDurable(seq: number): boolean;
  flush(): boolean;
  close(): number;
  pendingLines(): string[];
  generation(): number;
}

export interface SharedLogOptions {
  /** This cockpit: stamped on its entries, names its files. */
  origin: EntryOrigin;
  /** Wall clock of `at`. */
  clock?: Clock;
  /** A simulation's clock, for `simAt`. */
  simClock?: Clock;
  operator?: string;
  maxPending?: number;
  maxPendingBytes?: number;
}

export interface IngestResult {
  /** View entries added, in merged order. */
  added: TimelineEntry[];
  /** The view was renumbered: fold it again. */
  reordered: boolean;
  refused: Array<{ entry: TimelineEntry; why: Refusal }>;
}

export class SharedIncidentLog implements IncidentLog {
  readonly incidentId: string;
  /** The incident's directory. */
  readonly path: string;
  readonly origin: EntryOrigin;
  private readonly own: IncidentJournal;
  private readonly copies: CopyFile;
  private readonly merged: MergedTimeline;
  private readonly found: MergeReport;
  private readonly ownChain: string;
  private gen = 0;

  private constructor(
    private readonly stateDir: string,
    incidentId: string,
    opts: SharedLogOptions,
    create: boolean,
  ) {
    this.incidentId = incidentId;
    this.origin = opts.origin;
    this.path = incidentDir(stateDir, incidentId);
    this.ownChain = chainKey({ incidentId, origin: opts.origin });
    const files = create ? null : readIncidentFiles(stateDir, incidentId);
    this.merged = MergedTimeline.fromEntries(files?.entries ?? [], { tornTail: files?.tornTail ?? false, problems: files?.problems ?? [] });
    this.found = this.merged.report(foreignChainProblems(incidentId, this.merged.entries()));
    const jopts = {
      fileName: ownFileName(opts.origin.instance),
      origin: opts.origin,
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.simClock ? { simClock: opts.simClock } : {}),
      ...(opts.operator !== undefined ? { operator: opts.operator } : {}),
      ...(opts.maxPending !== undefined ? { maxPending: opts.maxPending } : {}),
      ...(opts.maxPendingBytes !== undefined ? { maxPendingBytes: opts.maxPendingBytes } : {}),
    };
    this.own = create ? IncidentJournal.create(this.path, incidentId, jopts) : IncidentJournal.open(this.path, incidentId, jopts);
    this.copies = new CopyFile(this.path, opts.origin.instance);
  }

  /** An existing (or joined) shared incident: everything on disk for it is read and merged. */
  static open(stateDir: string, incidentId: string, opts: SharedLogOptions): SharedIncidentLog {
    return new SharedIncidentLog(stateDir, incidentId, opts, false);
  }

  /** A new incident: fails with EEXIST when anything of that id is already in the state directory. */
  static create(stateDir: string, incidentId: string, opts: SharedLogOptions): SharedIncidentLog {
    if (isSharedIncident(stateDir, incidentId) || fs.existsSync(path.join(stateDir, journalFileName(incidentId)))) {
      const err = new Error(`incident ${incidentId} already exists in ${stateDir}`) as NodeJS.ErrnoException;
      err.code = 'EEXIST';
      throw err;
    }
    return new SharedIncidentLog(stateDir, incidentId, opts, true);
  }

  append<K extends EntryKind>(kind: K, details: EntryDetails<K>, opts: string | AppendOptions = {}): TimelineEntry {
    const raw = this.own.append(kind, details, opts);
    const r = this.merged.offer([raw]);
    if (r.reordered) this.gen++;
    return r.added.find((e) => e.hash === raw.hash) ?? raw;
  }

  /**
   * Entries from other cockpits (the stream, or a local incident being merged in): copied to
   * disk (one fsync per batch), then merged. This cockpit's own chain never comes in this way.
   */
  ingest(raws: readonly TimelineEntry[]): IngestResult {
    const fresh = raws.filter((e) => chainKey(e) !== this.ownChain && !this.merged.has(e));
    if (fresh.length === 0) return { added: [], reordered: false, refused: [] };
    const r = this.merged.offer(fresh);
    const taken = new Set(r.added.map((e) => e.hash));
    const toCopy = fresh.filter((e) => taken.has(e.hash));
    if (toCopy.length > 0) this.copies.append(toCopy);
    if (r.reordered) this.gen++;
    return r;
  }

  /** The merged view. */
  entries(): readonly TimelineEntry[] {
    return this.merged.entries();
  }

  /** This cockpit's own chain, in its seq order (the outbox replicates these). */
  ownEntries(): readonly TimelineEntry[] {
    return this.own.entries();
  }

  /** Every entry in its stored form (what is offered back to a stream that lost it). */
  storedEntries(): TimelineEntry[] {
    return this.merged.entries().map(storedForm);
  }

  has(e: TimelineEntry): boolean {
    return this.merged.has(e);
  }

  /** Entries of other cockpits that arrived ahead of a gap in their chain. */
  waiting(): number {
    return this.merged.waiting();
  }

  openReport(): JournalReport {
    return { ...this.found, entries: [...this.merged.entries()], problems: [...this.found.problems] };
  }

  /** Reads everything back from disk and checks every chain (the PIR footer's verdict). */
  verify(): MergeReport {
    return (
      readMergedIncident(this.stateDir, this.incidentId) ?? {
        ok: true,
        entries: [],
        brokenAtSeq: null,
        tornTail: false,
        problems: [],
        lastHash: this.merged.report().lastHash,
        chains: [],
      }
    );
  }

  health(): JournalHealth {
    return this.own.health();
  }

  /** A place in the merged view is durable when its own entry is on disk (others' are durable where they came from). */
  isDurable(seq: number): boolean {
    const e = this.merged.entries()[seq - 1];
    if (!e) return false;
    return chainKey(e) === this.ownChain ? this.own.isDurable(e.originSeq ?? e.seq) : true;
  }

  flush(): boolean {
    const a = this.own.flush();
    const b = this.copies.flush();
    return a && b;
  }

  close(): number {
    this.copies.close();
    return this.own.close();
  }

  pendingLines(): string[] {
    return this.own.pendingLines();
  }

  generation(): number {
    return this.gen + this.own.generation();
  }
}
