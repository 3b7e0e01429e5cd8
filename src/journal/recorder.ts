// The incident recorder: the one way anything gets into the timeline. Each call appends a
// durable (fsync'd) entry to the journal, folds it into the incident view and only then tells
// listeners, so the screen never shows an entry a crash could lose.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Clock } from '../core/source.js';
import { systemClock } from '../core/source.js';
import type { EpochMs } from '../core/snapshot.js';
import { escapeControls } from '../core/sanitize.js';
import type { CorrectiveAction, IncidentState, MilestoneName, PirFieldValues, Severity } from '../core/incident.js';
import {
  canTransition,
  isBlastRadius,
  isIncidentId,
  isMilestoneName,
  isPirTextField,
  isSeverity,
  localIncidentId,
  newIncidentId,
  validateCorrectiveAction,
} from '../core/incident.js';
import type { IncidentView } from '../core/incidentView.js';
import type { ResolveNote } from '../core/lifecycle.js';
import { IncidentFolder } from '../core/incidentView.js';
import type { EntryDetails, EntryKind, TimelineEntry, TriggerDetails } from '../core/timeline.js';
import { formatUtc, isUtcTimestamp, parseOperatorTime, parseUtc } from '../core/timeline.js';
import type { TriggerState } from '../core/triggers.js';
import { LONG_TEXT_MAX, SHORT_TEXT_MAX, overLimit } from '../domain/textLimits.js';
import { triggerId } from '../domain/triggerId.js';
import type { JournalHealth, JournalReport } from './journal.js';
import { IncidentJournal, JournalWriteError, defaultOperator, fsErrorText } from './journal.js';
import { compactFigures } from './compactFigures.js';
import { findOpenIncident, incidentIds, journalPath } from './store.js';
import type { IncidentLog, IngestResult } from './shared/log.js';
import { SharedIncidentLog } from './shared/log.js';
import type { EntryOrigin } from './shared/origin.js';
import { isSharedIncident } from './shared/storage.js';

/** [0, 1) from the OS random source (cockpits started together draw independently). */
const strongRandom = (): number => randomBytes(4).readUInt32BE(0) / 2 ** 32;

/** A request the recorder refuses (bad input, wrong state). The UI shows the message. */
export class IncidentError extends Error {
  override name = 'IncidentError';
}

export interface RecorderOptions {
  /** Where journals live (store.stateDir()). */
  stateDir: string;
  clock?: Clock;
  /** The OS user running the cockpit, by default. */
  operator?: string;
  /** This operator's role, recorded when they join an incident. */
  role?: string;
  /** Entries that may wait in memory while the journal cannot be written (default 10,000), and their bytes (16 MiB). */
  maxPending?: number;
  maxPendingBytes?: number;
  /**
   * A simulation's clock. Entries then carry wall-clock `at` (from `clock`) and simulated `simAt`;
   * milestones and their durations are reckoned in simulated time, as the simulation's data is.
   */
  simClock?: Clock;
  /** The incident is shared with other cockpits (src/journal/shared): one chain per cockpit, merged. */
  sharing?: RecorderSharing;
  /**
   * A live session: never resumes a practice incident found in the state directory, and the ids it
   * allocates on its own carry a random suffix (unique across state directories, core/incident.ts).
   */
  live?: boolean;
  /**
   * A command (`act`), not a cockpit: it takes up the open incident without recording that it did
   * (no `resumed`, no `responder-joined`), so it appends nothing to an incident it does not act in.
   */
  quiet?: boolean;
}

/** What a shared incident asks of the recorder's surroundings (src/journal/shared/session.ts provides it). */
export interface RecorderSharing {
  /** This cockpit: stamped on its entries (user, host, instance). */
  origin: EntryOrigin;
  /** How this cockpit is in the incident: `viewer` (--readonly, the war-room screen) or `operator`. */
  access: 'operator' | 'viewer';
  /**
   * Where an opening goes: `join` an open shared incident already known, open `id` (reserved for
   * this cockpit in the shared Redis, or a local id while Redis is unreachable).
   */
  beforeOpen(now: EpochMs): { join: string } | { id: string };
  /**
   * Whether this cockpit records what its sources show (triggers, suggestions, sources lost, the
   * figure series): one cockpit of the environment does (the observer lease), every cockpit does
   * while the shared Redis is unreachable. Opening an incident by trigger is an observation too.
   */
  observing(): boolean;
}

/** Entries kept in memory while the disk refuses them, by default. */
export const MAX_PENDING_ENTRIES = 10_000;

/**
 * What the screen says about writing the journal: the state directory as found at start-up, and
 * the current incident's journal (a fault, entries waiting in memory, entries refused).
 */
export interface RecorderHealth {
  stateDir: string;
  /** Why the state directory could not be written or read when checked (start-up, then each retry), e.g. "EACCES: permission denied"; null when fine. */
  stateDirProblem: string | null;
  /** The current incident's journal; null when no incident has been opened or resumed. */
  journal: (JournalHealth & { incidentId: string; path: string }) | null;
  /** Entries of incidents the cockpit has moved on from, still waiting in memory for their journal. */
  earlierPending: number;
}

export type HealthListener = (health: RecorderHealth) => void;

/**
 * Can the cockpit write its journals here? Creates the directory when missing, then writes,
 * fsyncs and removes a small probe file: a full disk, a read-only mount, an immutable or foreign
 * directory each fail here, at start, with the file system's own reason ("ENOSPC: no space left
 * on device"). Null when writable.
 */
export function stateDirProblem(dir: string): string | null {
  const probe = path.join(dir, `.write-probe-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  let fd: number | null = null;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fd = fs.openSync(probe, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
    // A page's worth: an empty file fits on a full tmpfs, a journal line does not.
    fs.writeSync(fd, Buffer.alloc(4096, 0x0a));
    fs.fsyncSync(fd);
    return null;
  } catch (err) {
    return fsErrorText(err);
  } finally {
    if (fd !== null) {
      try {
        fs.closeSync(fd);
      } catch {
        // nothing to do
      }
    }
    try {
      fs.unlinkSync(probe);
    } catch {
      // never created
    }
  }
}

export type RecorderListener = (view: IncidentView | null, entry: TimelineEntry | null) => void;

export const DEFAULT_ROLE = 'on-call engineer';

/** What the timeline keeps of a trigger evaluation (core/triggers.ts) when it fires or clears. */
export function triggerDetailsOf(t: TriggerState): TriggerDetails {
  // Names come from the broker and the database: kept as seen, but escaped (no raw control, bidi
  // or invisible character in the journal file; the raw name stays readable as \uXXXX).
  const d: TriggerDetails = {
    triggerKey: t.kind,
    title: escapeControls(t.title),
    section: String(t.section),
    target: escapeControls(t.target),
    value: Number.isFinite(t.value) ? t.value : null,
    threshold: Number.isFinite(t.threshold) ? t.threshold : null,
    unit: t.unit,
    module: t.module,
    detail: escapeControls(t.detail),
  };
  if (t.scope.queues) d.queues = t.scope.queues.map(escapeControls);
  if (t.scope.replicas) d.replicas = t.scope.replicas.map(escapeControls);
  if (t.scope.providers) d.providers = t.scope.providers.map(escapeControls);
  if (typeof t.scope.campaigns === 'number') d.campaignsAffected = t.scope.campaigns;
  if (t.scope.campaignIds && t.scope.campaignIds.length > 0) d.campaigns = t.scope.campaignIds.map(escapeControls);
  if (t.signal) {
    const s = t.signal;
    d.signal = {
      severity: s.severity,
      detail: escapeControls(s.detail),
      evidence: s.evidence.map(escapeControls),
      raisedBy: escapeControls(s.raisedBy),
    };
  }
  return d;
}

/** Text an operator typed is kept whole or refused whole, never cut (src/domain/textLimits.ts). */
function checkLength(text: string, max: number, what: string): void {
  const why = overLimit(text, max, what);
  if (why !== null) throw new IncidentError(why);
}

/** A trigger's evidence time when it is a real time not after `now`, else null. */
function evidenceTime(trigger: TriggerDetails, now: EpochMs): string | null {
  const at = trigger.evidenceAt;
  if (typeof at !== 'string' || !isUtcTimestamp(at)) return null;
  const ms = parseUtc(at);
  return ms !== null && ms <= now ? at : null;
}

/**
 * The recorder's fold of the current incident: every entry the recorder keeps passes through it,
 * so a figures entry is compacted here, once, for every holder (compactFigures.ts).
 */
class KeptFolder extends IncidentFolder {
  override add(e: TimelineEntry): void {
    compactFigures(e);
    super.add(e);
  }
}

/** A fold of `entries` (an incident resumed, joined, or folded again after a reorder). */
function keptFold(incidentId: string, entries: Iterable<TimelineEntry>): KeptFolder {
  const folder = new KeptFolder(incidentId);
  for (const e of entries) folder.add(e);
  return folder;
}

export class IncidentRecorder {
  readonly stateDir: string;
  readonly operator: string;
  readonly role: string;
  /** The incident's time: milestones, evidence, due dates (simulated time in a simulation). */
  private readonly clock: Clock;
  /** Wall-clock time: every entry's `at`. */
  private readonly wall: Clock;
  private readonly simClock: Clock | undefined;
  readonly sharing: RecorderSharing | null;
  /** A live session: ids it allocates on its own are unique across state directories. */
  private readonly live: boolean;
  private journal: IncidentLog | null = null;
  private folder: IncidentFolder | null = null;
  private cached: IncidentView | null = null;
  private resumed: JournalReport | null = null;
  private readonly listeners = new Set<RecorderListener>();
  private readonly healthListeners = new Set<HealthListener>();
  private readonly maxPending: number;
  private readonly maxPendingBytes: number | undefined;
  private dirProblem: string | null = null;
  private lastHealth = '';
  /** Journals the recorder moved on from (another incident opened) with entries still waiting. */
  private readonly earlier: IncidentLog[] = [];
  /** The journal generation the folder was built from. */
  private foldedGeneration = 0;

  /**
   * Resumes the open incident found in the state directory, if there is one. A state directory
   * that cannot be read or written is no reason to stop: the problem is kept for the screen
   * (healthy() / health()), entries wait in memory, and retry() writes them once it can.
   */
  constructor(opts: RecorderOptions) {
    this.stateDir = opts.stateDir;
    this.wall = opts.clock ?? systemClock;
    this.simClock = opts.simClock;
    this.clock = opts.simClock ?? this.wall;
    this.sharing = opts.sharing ?? null;
    this.live = opts.live === true;
    this.operator = opts.operator ?? defaultOperator();
    this.role = opts.role ?? DEFAULT_ROLE;
    this.maxPending = opts.maxPending ?? MAX_PENDING_ENTRIES;
    this.maxPendingBytes = opts.maxPendingBytes;
    this.dirProblem = stateDirProblem(this.stateDir);
    let open: ReturnType<typeof findOpenIncident> = null;
    try {
      open = findOpenIncident(this.stateDir, { live: opts.live === true });
    } catch (err) {
      this.dirProblem ??= `${fsErrorText(err)} (reading)`;
    }
    if (open) {
      if (opts.quiet) this.takeUp(open.id);
      else this.resume(open.id);
    }
    this.lastHealth = JSON.stringify(this.health());
  }

  // ---- Reading ---------------------------------------------------------------------------------

  /** The current incident (open, mitigated, or resolved and still being reviewed); null if none. */
  view(): IncidentView | null {
    if (this.folder && this.cached === null) this.cached = this.folder.view();
    return this.cached;
  }

  /** True while an incident is open or mitigated: triggers then add to it instead of opening one. */
  isActive(): boolean {
    const v = this.view();
    return v !== null && v.state !== 'resolved';
  }

  /** What the journal held when the cockpit resumed it (torn tail, chain break), else null. */
  resumeReport(): JournalReport | null {
    return this.resumed;
  }

  /** Verifies the current journal on disk (for the PIR footer). */
  verify(): JournalReport | null {
    return this.journal ? this.journal.verify() : null;
  }

  /**
   * Called after every append with the new view (an entry the disk refused is in the view too,
   * waiting in memory: health() says which). Returns an unsubscribe function.
   */
  subscribe(listener: RecorderListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called whenever health() changes (a fault starts or ends, entries start or stop waiting). */
  onHealth(listener: HealthListener): () => void {
    this.healthListeners.add(listener);
    return () => this.healthListeners.delete(listener);
  }

  health(): RecorderHealth {
    return {
      stateDir: this.stateDir,
      stateDirProblem: this.dirProblem,
      journal: this.journal ? { ...this.journal.health(), incidentId: this.journal.incidentId, path: this.journal.path } : null,
      earlierPending: this.earlier.reduce((n, j) => n + j.health().pending, 0),
    };
  }

  /** True when the state directory is writable and nothing waits in memory. */
  healthy(): boolean {
    const h = this.health();
    return (
      h.stateDirProblem === null && h.earlierPending === 0 && (h.journal === null || (h.journal.fault === null && h.journal.pending === 0))
    );
  }

  /** True when the entry with this seq (of the current incident) is on disk. */
  isDurable(seq: number): boolean {
    return this.journal?.isDurable(seq) ?? false;
  }

  /**
   * Tries the disk again: writes the entries waiting in memory (in order, the chain intact) and
   * checks the state directory again if it was unwritable. Returns true when all is written.
   */
  retry(): boolean {
    if (this.dirProblem !== null) this.dirProblem = stateDirProblem(this.stateDir);
    if (this.journal) this.journal.flush();
    for (const j of [...this.earlier]) {
      if (j.close() === 0) this.earlier.splice(this.earlier.indexOf(j), 1);
    }
    this.healthChanged();
    return this.healthy();
  }

  // ---- Incidents -------------------------------------------------------------------------------

  /**
   * Opens an incident by key. If one is already active it is returned as is: the cockpit tracks
   * one incident at a time.
   */
  openIncident(reason: string, opts: { severity?: Severity } = {}): IncidentView {
    checkLength(reason, SHORT_TEXT_MAX, 'a reason');
    if (!this.isActive()) {
      this.start({ reason: reason.trim() || 'opened by the operator', openedBy: 'operator' });
      if (opts.severity) this.decideSeverity(opts.severity, reason.trim() || 'set when opened');
    }
    return this.mustView();
  }

  /**
   * Switches to an existing incident's journal, e.g. to finish the PIR of a resolved one.
   * Records a `resumed` entry, and `responder-joined` if this operator is new to it.
   */
  resume(incidentId: string): IncidentView {
    if (!this.exists(incidentId)) {
      throw new IncidentError(`no incident ${incidentId} in ${this.stateDir}`);
    }
    this.closeJournal();
    // An incident moved on from with entries still waiting: continue that journal, not the file's tail.
    const waiting = this.earlier.findIndex((j) => j.incidentId === incidentId);
    const journal = waiting >= 0 ? this.earlier.splice(waiting, 1)[0]! : this.openLog(incidentId);
    const report = journal.openReport();
    if (waiting >= 0) report.entries = [...journal.entries()];
    this.journal = journal;
    this.foldedGeneration = journal.generation();
    this.folder = keptFold(incidentId, report.entries);
    this.cached = null;
    this.resumed = report;
    this.append('resumed', {
      entriesRead: report.entries.length,
      tornTail: report.tornTail,
      brokenAtSeq: report.brokenAtSeq,
      problems: report.problems.slice(0, 20),
    });
    this.join();
    return this.mustView();
  }

  /** Makes an incident current without recording anything (a command acting in it records its own entries). */
  private takeUp(incidentId: string): void {
    const log = this.openLog(incidentId);
    this.journal = log;
    this.foldedGeneration = log.generation();
    this.folder = keptFold(incidentId, log.entries());
    this.cached = null;
    this.resumed = log.openReport();
  }

  /**
   * Joins a shared incident another cockpit opened (its entries so far, e.g. read from the stream,
   * come in as `entries`): records `responder-joined` with how this cockpit is in it, never a
   * `resumed`. Returns the view.
   */
  joinShared(incidentId: string, entries: readonly TimelineEntry[] = []): IncidentView {
    if (!this.sharing) throw new IncidentError('this cockpit does not share incidents');
    if (!isIncidentId(incidentId)) throw new IncidentError(`not an incident id: ${incidentId}`);
    if (this.journal?.incidentId === incidentId) {
      this.ingest(incidentId, entries);
      return this.mustView();
    }
    this.closeJournal();
    const waiting = this.earlier.findIndex((j) => j.incidentId === incidentId);
    const log = waiting >= 0 ? this.earlier.splice(waiting, 1)[0]! : this.openLog(incidentId);
    if (log instanceof SharedIncidentLog && entries.length > 0) log.ingest(entries);
    this.journal = log;
    this.foldedGeneration = log.generation();
    this.folder = keptFold(incidentId, log.entries());
    this.cached = null;
    this.resumed = log.openReport();
    this.join();
    for (const l of this.listeners) l(this.view(), null);
    return this.mustView();
  }

  /**
   * Entries of the current shared incident from other cockpits: kept (copied to disk), merged and
   * shown. An entry that lands inside the timeline (it was made earlier than ones already shown)
   * makes the view fold again; listeners are then told with no entry. Returns what was added.
   */
  ingest(incidentId: string, entries: readonly TimelineEntry[]): IngestResult {
    const log = this.journal;
    if (!(log instanceof SharedIncidentLog) || log.incidentId !== incidentId || entries.length === 0 || !this.folder) {
      return { added: [], reordered: false, refused: [] };
    }
    const r = log.ingest(entries);
    if (r.added.length === 0) return r;
    if (r.reordered || log.generation() !== this.foldedGeneration) {
      this.foldedGeneration = log.generation();
      this.folder = keptFold(incidentId, log.entries());
      this.cached = null;
      const view = this.view();
      for (const l of this.listeners) l(view, null);
    } else {
      for (const e of r.added) {
        this.folder.add(e);
        this.cached = null;
        const view = this.view();
        for (const l of this.listeners) l(view, e);
      }
    }
    this.healthChanged();
    return r;
  }

  /** The current incident's log when it is shared (the replicator reads its own chain from it). */
  sharedLog(): SharedIncidentLog | null {
    return this.journal instanceof SharedIncidentLog ? this.journal : null;
  }

  /**
   * Takes command of the incident (src/journal/shared presence rules): recorded, shown on every
   * cockpit. The latest `commander` entry in the merged order holds.
   */
  takeCommand(): TimelineEntry {
    if (!this.sharing) throw new IncidentError('incident command is for shared incidents');
    const v = this.mustView();
    if (this.sharing.access === 'viewer') throw new IncidentError('a viewer (--readonly) cannot take command');
    const me = this.sharing.origin;
    const current = v.commander ?? null;
    if (current && current.user === me.user && current.host === me.host && current.instance === me.instance) {
      throw new IncidentError('you are already the incident commander');
    }
    return this.append('commander', {
      user: me.user,
      host: me.host,
      instance: me.instance,
      previous: current ? `${current.user}@${current.host}` : null,
      how: 'took',
    });
  }

  /**
   * Records that this cockpit leaves the shared incident (on quit), or that another one's
   * presence lapsed (`who`, seen by this cockpit). Never throws: leaving is best effort.
   */
  recordLeft(
    details: { lastSeen: string; why: string } & Partial<{
      operator: string;
      host: string;
      instance: string;
      access: 'operator' | 'viewer';
      role: string;
    }>,
  ): TimelineEntry | null {
    if (!this.sharing || !this.view()) return null;
    const me = this.sharing.origin;
    try {
      return this.append(
        'responder-left',
        {
          role: details.role ?? this.role,
          access: details.access ?? this.sharing.access,
          host: details.host ?? me.host,
          instance: details.instance ?? me.instance,
          lastSeen: details.lastSeen,
          why: details.why,
        },
        false,
        details.operator,
      );
    } catch {
      return null;
    }
  }

  private exists(incidentId: string): boolean {
    return (
      isIncidentId(incidentId) && (fs.existsSync(journalPath(this.stateDir, incidentId)) || isSharedIncident(this.stateDir, incidentId))
    );
  }

  private openLog(incidentId: string): IncidentLog {
    if (this.sharing) return SharedIncidentLog.open(this.stateDir, incidentId, { ...this.journalOptions(), origin: this.sharing.origin });
    return IncidentJournal.open(this.stateDir, incidentId, this.journalOptions());
  }

  private createLog(incidentId: string): IncidentLog {
    if (this.sharing) return SharedIncidentLog.create(this.stateDir, incidentId, { ...this.journalOptions(), origin: this.sharing.origin });
    return IncidentJournal.create(this.stateDir, incidentId, this.journalOptions());
  }

  private start(opened: EntryDetails<'incident-opened'>, trigger?: TriggerDetails): void {
    const now = this.clock.now();
    // A shared incident: join the one already open, or open the id reserved for this cockpit.
    const plan = this.sharing?.beforeOpen(this.wall.now()) ?? null;
    if (plan && 'join' in plan) {
      this.joinShared(plan.join);
      if (trigger && this.sharing?.observing()) this.onTriggerFired(trigger);
      return;
    }
    this.closeJournal();
    // A live id allocated here carries a random suffix (unique across state directories:
    // core/incident.ts); one taken between listing and creating is retried on EEXIST.
    for (let attempt = 0; ; attempt++) {
      let existing: string[];
      try {
        existing = incidentIds(this.stateDir);
      } catch {
        existing = []; // an unreadable directory: the id is checked again when the file is created
      }
      const id = plan && attempt === 0 ? plan.id : this.live ? localIncidentId(now, existing, strongRandom) : newIncidentId(now, existing);
      try {
        this.journal = this.createLog(id);
        this.foldedGeneration = 0;
        this.folder = keptFold(id, []);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw err;
      }
    }
    this.cached = null;
    this.resumed = null;
    this.append('incident-opened', opened);
    this.join();
    if (this.sharing) {
      const me = this.sharing.origin;
      this.append('commander', { user: me.user, host: me.host, instance: me.instance, previous: null, how: 'opened' });
    }
    if (trigger) this.append('trigger-fired', trigger);
    const at = formatUtc(now);
    // Started is the earliest evidence in the data (recorded on the trigger), detected is now.
    const evidenceAt = trigger ? evidenceTime(trigger, now) : null;
    this.append('milestone', {
      name: 'started',
      at: evidenceAt ?? at,
      source: trigger
        ? evidenceAt !== null
          ? `evidence: ${trigger.evidence ?? 'the trigger'} (${trigger.title} on ${trigger.target})`
          : `first trigger: ${trigger.title} on ${trigger.target} (no earlier evidence recorded)`
        : `declared by ${this.operator} (no earlier evidence recorded)`,
    });
    this.append('milestone', {
      name: 'detected',
      at,
      source: trigger ? `first trigger: ${trigger.title} on ${trigger.target}` : `declared by ${this.operator}: ${opened.reason}`,
    });
  }

  /**
   * A trigger firing later in the incident can show an earlier start (another pool died first):
   * started is corrected to it, as a superseding entry. An operator's own correction is kept.
   */
  private earlierStart(trigger: TriggerDetails): void {
    const v = this.mustView();
    const started = v.milestones.started;
    const ev = evidenceTime(trigger, this.clock.now());
    if (ev === null || !started || (parseUtc(ev) ?? Infinity) >= started.atMs) return;
    // Corrections from evidence carry a source; an operator's own do not, and win.
    const byOperator = v.milestoneHistory.some(
      (m) => m.name === 'started' && m.corrected && typeof v.entries.find((e) => e.seq === m.seq)?.details.source !== 'string',
    );
    if (byOperator) return;
    this.append('milestone-corrected', {
      name: 'started',
      at: ev,
      previousAt: started.at,
      reason: `earlier evidence: ${trigger.evidence ?? 'the trigger'} (${trigger.title} on ${trigger.target})`,
      supersedesSeq: started.seq,
      source: `evidence: ${trigger.evidence ?? 'the trigger'} (${trigger.title} on ${trigger.target})`,
    });
  }

  private join(): void {
    const v = this.mustView();
    if (this.sharing) {
      // Every cockpit that joins is recorded, with how it is in the incident (presence and the PIR's responders).
      const me = this.sharing.origin;
      const already = v.entries.some(
        (e) => e.kind === 'responder-joined' && e.origin?.instance === me.instance && e.incidentId === this.journal?.incidentId,
      );
      if (!already) this.append('responder-joined', { role: this.role, access: this.sharing.access, host: me.host, instance: me.instance });
      return;
    }
    const known = v.responders.find((r) => r.operator === this.operator);
    if (!known || !known.roles.includes(this.role)) this.append('responder-joined', { role: this.role });
  }

  /**
   * False when another cockpit of a shared incident records what the sources show (its triggers,
   * suggestions, sources lost and the figure series are recorded there, once).
   */
  observes(): boolean {
    return this.sharing === null || this.sharing.observing();
  }

  // ---- Recorded without anyone typing ----------------------------------------------------------

  /**
   * A runbook trigger fired. Opens an incident when none is active (stamping started and
   * detected); a trigger already firing in this incident is not recorded twice. Safe to call on
   * every evaluation, not only on the edge: a trigger still firing when the incident was resolved
   * opens a new incident only after it has cleared and fired again.
   */
  onTriggerFired(trigger: TriggerDetails): TimelineEntry[] {
    if (!this.observes()) return [];
    const key = triggerId(trigger.triggerKey, trigger.target);
    if (!this.isActive()) {
      if (this.view()?.activeTriggers.some((t) => t.key === key)) return [];
      this.start({ reason: trigger.title, openedBy: 'trigger', triggerKey: trigger.triggerKey }, trigger);
      return [...this.mustView().entries];
    }
    const firing = this.mustView().activeTriggers.some((t) => t.key === key);
    if (firing) return [];
    const entry = this.append('trigger-fired', trigger);
    this.earlierStart(trigger);
    return [entry];
  }

  /** A runbook trigger cleared; recorded only when it was firing in the current incident. */
  onTriggerCleared(trigger: TriggerDetails): TimelineEntry | null {
    if (!this.observes()) return null;
    const v = this.view();
    const key = triggerId(trigger.triggerKey, trigger.target);
    if (!v || !v.activeTriggers.some((t) => t.key === key)) return null;
    return this.append('trigger-cleared', trigger);
  }

  /** The escalation matrix suggests a severity; repeated identical suggestions are not recorded. */
  suggestSeverity(severity: Severity, reason: string, basis?: string): TimelineEntry | null {
    if (!this.observes()) return null;
    const v = this.activeView();
    if (!v) return null;
    const lastSuggestion = [...v.severityHistory].reverse().find((s) => s.kind === 'suggested');
    if (lastSuggestion && lastSuggestion.severity === severity) return null;
    return this.append('severity-suggested', basis === undefined ? { severity, reason } : { severity, reason, basis });
  }

  /** A data source went away; recorded once per outage, only during an active incident. */
  onSourceLost(source: string, error: string | null = null): TimelineEntry | null {
    if (!this.observes()) return null;
    const v = this.activeView();
    if (!v || v.sourcesDown.includes(source)) return null;
    return this.append('source-lost', { source, error: error === null ? null : escapeControls(error) });
  }

  /** A source reads from another server (a broker's new master after a failover); only during an active incident. */
  onSourceSwitched(source: string, role: string, to: string, from: string): TimelineEntry | null {
    if (!this.observes()) return null;
    if (!this.activeView()) return null;
    return this.append('source-switched', { source, role: escapeControls(role), to: escapeControls(to), from: escapeControls(from) });
  }

  onSourceRestored(source: string): TimelineEntry | null {
    if (!this.observes()) return null;
    const v = this.view();
    const outage = v?.sourceOutages.find((o) => o.source === source && o.restoredAt === null);
    if (!v || !outage) return null;
    const lost = parseUtc(outage.lostAt);
    // Both ends are wall-clock: the outage began at its entry's `at`.
    return this.append('source-restored', { source, downForMs: lost === null ? null : this.wall.now() - lost });
  }

  // ---- Operator decisions ----------------------------------------------------------------------

  decideSeverity(severity: Severity, reason: string): TimelineEntry {
    if (!isSeverity(severity)) throw new IncidentError(`not a severity: ${String(severity)}`);
    if (reason.trim() === '') throw new IncidentError('a severity change needs a reason');
    checkLength(reason.trim(), SHORT_TEXT_MAX, 'a reason');
    const v = this.mustView();
    const previous = v.severityDecided ? v.severity : null;
    // The decision is its own milestone (the PIR reads it from here); acknowledged is a page's.
    return this.append('severity-decided', { severity, previous, reason: reason.trim() });
  }

  /** The operator has seen it and is on it. Stamped once. */
  acknowledge(): TimelineEntry | null {
    const v = this.mustView();
    if (v.milestones.acknowledged) return null;
    return this.milestone('acknowledged', undefined, `acknowledged by ${this.operator}`);
  }

  /** Acknowledged is the first page acknowledgement (by key or by the paging system's callback). */
  private acknowledgedByPage(details: Record<string, unknown>): void {
    if (details.event !== 'acknowledged') return;
    const v = this.view();
    if (!v || v.milestones.acknowledged) return;
    const who = typeof details.by === 'string' ? details.by : '?';
    const target = typeof details.target === 'string' ? details.target : '?';
    const via = details.via === 'callback' ? 'the paging callback' : 'key in the cockpit';
    this.append('milestone', {
      name: 'acknowledged',
      at: formatUtc(this.clock.now()),
      source: `first page acknowledgement: ${target} acknowledged by ${who} (${via})`,
    });
  }

  /**
   * open → mitigated → resolved (and mitigated → open when a mitigation does not hold). Stamps the
   * mitigated / resolved milestone; resolving straight from open stamps mitigated too.
   */
  setState(to: IncidentState, reason: string, note?: ResolveNote): TimelineEntry[] {
    const v = this.mustView();
    if (!canTransition(v.state, to)) throw new IncidentError(`cannot go from ${v.state} to ${to}`);
    checkLength(reason.trim(), SHORT_TEXT_MAX, 'a reason');
    // Resolved while triggers still fired or mitigations still held: what was asked is recorded.
    const still =
      to === 'resolved' && note && (note.stillFiring.length > 0 || note.stillInForce.length > 0)
        ? { stillFiring: note.stillFiring.slice(0, 100), stillInForce: note.stillInForce.slice(0, 100) }
        : {};
    const out = [this.append('state-changed', { from: v.state, to, reason: reason.trim(), ...still })];
    const why = reason.trim();
    const source = `marked ${to} by ${this.operator}${why === '' || why.startsWith(`marked ${to}`) ? '' : `: ${why}`}`;
    if (to === 'mitigated') out.push(this.milestone('mitigated', undefined, source));
    if (to === 'resolved') {
      if (!this.mustView().milestones.mitigated)
        out.push(this.milestone('mitigated', undefined, `${source} (resolved straight from open)`));
      out.push(this.milestone('resolved', undefined, source));
    }
    return out;
  }

  /**
   * Reopens the resolved incident (a trigger fired again within the reopen window, and the
   * operator chose to reopen: src/core/lifecycle.ts): the same incident, recorded, never a new one.
   */
  reopen(reason: string): TimelineEntry {
    const v = this.mustView();
    if (v.state !== 'resolved') throw new IncidentError(`incident ${v.id} is ${v.state}: only a resolved incident is reopened`);
    const why = reason.trim() || 'reopened by the operator';
    checkLength(why, SHORT_TEXT_MAX, 'a reason');
    return this.append('state-changed', { from: 'resolved', to: 'open', reason: why, reopened: true });
  }

  /** Stamps a milestone now (or at a given time, e.g. the start when opened by hand). */
  milestone(name: MilestoneName, at?: EpochMs | string, source?: string): TimelineEntry {
    if (!isMilestoneName(name)) throw new IncidentError(`not a milestone: ${String(name)}`);
    this.mustView();
    const when = this.timeArg(at ?? this.clock.now());
    return this.append('milestone', source === undefined ? { name, at: when } : { name, at: when, source });
  }

  /**
   * The operator learned the real time of a milestone: a new entry supersedes the old time.
   * History is never edited.
   */
  correctMilestone(name: MilestoneName, at: EpochMs | string, reason: string): TimelineEntry {
    if (!isMilestoneName(name)) throw new IncidentError(`not a milestone: ${String(name)}`);
    if (reason.trim() === '') throw new IncidentError('a correction needs a reason');
    checkLength(reason.trim(), SHORT_TEXT_MAX, 'a reason');
    const v = this.mustView();
    const current = v.milestones[name];
    return this.append('milestone-corrected', {
      name,
      at: this.timeArg(at),
      previousAt: current?.at ?? null,
      reason: reason.trim(),
      supersedesSeq: current?.seq ?? null,
    });
  }

  note(text: string): TimelineEntry {
    if (text.trim() === '') throw new IncidentError('an empty note is not recorded');
    checkLength(text, LONG_TEXT_MAX, 'a note');
    this.mustView();
    return this.append('note', { text });
  }

  /** Ticks (or un-ticks) a runbook procedure step, e.g. section "3", step "2". */
  tickStep(section: string | number, step: string | number, text = '', done = true): TimelineEntry {
    const s = String(section).trim();
    const st = String(step).trim();
    if (s === '' || st === '') throw new IncidentError('a procedure step needs a section and a step');
    this.mustView();
    return this.append('procedure-step', { section: s, step: st, text, done });
  }

  // ---- The PIR editor --------------------------------------------------------------------------

  setPirField<F extends keyof PirFieldValues>(field: F, value: PirFieldValues[F]): TimelineEntry {
    if (isPirTextField(field)) {
      if (typeof value !== 'string') throw new IncidentError(`${field} must be text`);
      checkLength(value, LONG_TEXT_MAX, `the PIR's ${field}`);
    } else if (field === 'blastRadius') {
      if (!isBlastRadius(value)) throw new IncidentError('blast radius needs modules, queues, campaigns, replicas and notes');
      checkLength(value.notes, LONG_TEXT_MAX, "the blast radius's notes");
      for (const item of [...value.modules, ...value.queues, ...value.campaigns, ...value.replicas]) {
        checkLength(String(item), SHORT_TEXT_MAX, 'a blast radius entry');
      }
    } else if (field === 'correctiveActions') {
      return this.setCorrectiveActions(value as CorrectiveAction[]);
    } else {
      throw new IncidentError(`not a PIR field: ${String(field)}`);
    }
    this.mustView();
    return this.append('pir-field', { field, value });
  }

  /** Replaces the corrective actions table; every row needs action, owner and a real due date. */
  setCorrectiveActions(rows: readonly { action: string; owner: string; due: string }[]): TimelineEntry {
    const current = this.view()?.pir.correctiveActions ?? [];
    const today = formatUtc(this.clock.now()).slice(0, 10);
    const checked: CorrectiveAction[] = rows.map((row, i) => {
      for (const part of ['action', 'owner', 'due'] as const) {
        if (typeof row[part] === 'string') checkLength(row[part], SHORT_TEXT_MAX, `corrective action ${i + 1}'s ${part}`);
      }
      const r = validateCorrectiveAction(row);
      if (!r.ok) throw new IncidentError(`corrective action ${i + 1}: ${r.errors.join(', ')}`);
      // A new or changed row is due today or later (the clock's today: simulated time in a
      // simulation); rows already recorded stay as they are, even once their date has passed.
      const kept = current.some((c) => c.action === r.value.action && c.owner === r.value.owner && c.due === r.value.due);
      if (!kept && r.value.due < today) {
        throw new IncidentError(`corrective action ${i + 1}: due date ${r.value.due} is in the past (today is ${today})`);
      }
      return r.value;
    });
    this.mustView();
    return this.append('pir-field', { field: 'correctiveActions', value: checked });
  }

  addCorrectiveAction(row: { action: string; owner: string; due: string }): TimelineEntry {
    return this.setCorrectiveActions([...this.mustView().pir.correctiveActions, row]);
  }

  removeCorrectiveAction(index: number): TimelineEntry {
    const rows = this.mustView().pir.correctiveActions;
    if (!Number.isInteger(index) || index < 0 || index >= rows.length) throw new IncidentError(`no corrective action ${index + 1}`);
    return this.setCorrectiveActions(rows.filter((_, i) => i !== index));
  }

  // ---- Anything else (mitigation actions, pages: later issues) ---------------------------------

  /**
   * Records an entry of any kind into the current incident. An action's attempt (outcome
   * `attempted…`) is the promise that something now changes the system: it must be on disk before
   * that happens, so while the journal cannot be written it is refused (IncidentError) instead of
   * waiting in memory.
   */
  record<K extends EntryKind>(kind: K, details: EntryDetails<K>): TimelineEntry {
    this.mustView();
    const attempt = kind === 'action' && /^attempted\b/.test(String((details as Record<string, unknown>).outcome ?? ''));
    const entry = this.append(kind, details, attempt);
    if (kind === 'page') this.acknowledgedByPage(details);
    return entry;
  }

  /**
   * Closes the journal after a last try to write what waits. Entries still not written are copied
   * to a file in the temporary directory when possible: the result says how many and where.
   */
  close(): { unwritten: number; savedTo: string | null; error: string | null } {
    const j = this.journal;
    if (!j && this.earlier.length === 0) return { unwritten: 0, savedTo: null, error: null };
    this.journal = null;
    const left = [...this.earlier.splice(0), ...(j ? [j] : [])];
    const lines = left.flatMap((x) => (x.close() > 0 ? x.pendingLines() : []));
    if (lines.length === 0) return { unwritten: 0, savedTo: null, error: null };
    const error = left.map((x) => x.health().fault).find((f) => f !== null) ?? null;
    const file = path.join(os.tmpdir(), `lsos-cockpit-unwritten-${process.pid}-${Date.now()}.jsonl`);
    try {
      fs.writeFileSync(file, `${lines.join('\n')}\n`, { flag: 'wx', mode: 0o600 });
      return { unwritten: lines.length, savedTo: file, error: error ? `${error.code}: ${error.message}` : null };
    } catch {
      return { unwritten: lines.length, savedTo: null, error: error ? `${error.code}: ${error.message}` : null };
    }
  }

  // ---- Internals -------------------------------------------------------------------------------

  /**
   * Appends to the journal (on disk when it returns, or waiting in memory while the disk refuses
   * it), folds the entry and tells listeners. `durable`: refused rather than kept waiting.
   */
  private append<K extends EntryKind>(kind: K, details: EntryDetails<K>, durable = false, operator?: string): TimelineEntry {
    if (!this.journal || !this.folder) throw new IncidentError('no incident is open');
    let entry: TimelineEntry;
    try {
      entry = this.journal.append(kind, details, operator === undefined ? { durable } : { durable, operator });
    } catch (err) {
      this.healthChanged();
      if (err instanceof JournalWriteError) throw new IncidentError(err.message);
      throw err;
    }
    this.folder.add(entry);
    this.cached = null;
    const view = this.view();
    for (const l of this.listeners) l(view, entry);
    this.healthChanged();
    return entry;
  }

  private journalOptions() {
    return {
      clock: this.wall,
      ...(this.simClock ? { simClock: this.simClock } : {}),
      operator: this.operator,
      maxPending: this.maxPending,
      ...(this.maxPendingBytes === undefined ? {} : { maxPendingBytes: this.maxPendingBytes }),
    };
  }

  private healthChanged(): void {
    // Waiting entries re-chained after another writer's (journal.adoptOthers): fold them again.
    if (this.journal && this.folder && this.journal.generation() !== this.foldedGeneration) {
      this.foldedGeneration = this.journal.generation();
      this.folder = keptFold(this.journal.incidentId, this.journal.entries());
      this.cached = null;
      const view = this.view();
      for (const l of this.listeners) l(view, null);
    }
    const h = this.health();
    const key = JSON.stringify(h);
    if (key === this.lastHealth) return;
    this.lastHealth = key;
    for (const l of this.healthListeners) l(h);
  }

  private timeArg(at: EpochMs | string): string {
    if (typeof at === 'number') {
      if (!Number.isFinite(at)) throw new IncidentError('not a time');
      return formatUtc(at);
    }
    const iso = parseOperatorTime(at);
    if (iso === null) throw new IncidentError(`not an ISO 8601 time: ${at}`);
    return iso;
  }

  private activeView(): IncidentView | null {
    return this.isActive() ? this.view() : null;
  }

  private mustView(): IncidentView {
    const v = this.view();
    if (!v) throw new IncidentError('no incident is open');
    return v;
  }

  private closeJournal(): void {
    // Switching incidents: what still waits for the old journal is written now if it can be,
    // else it keeps waiting (retry() writes it) while the new journal starts.
    if (this.journal && this.journal.close() > 0) this.earlier.push(this.journal);
    this.journal = null;
  }
}
