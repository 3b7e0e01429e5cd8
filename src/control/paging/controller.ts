// The paging controller: pages the matrix's people when the severity is decided, re-pages when
// nobody acknowledges, resolves the pages when the incident is resolved, and keeps the
// escalation panel's paging view in the store.
//
// The outbox is the journal. A page is first written (fsync'd) as an `intent` entry with state
// `pending`; only then is it sent. Each attempt ends in a `delivered` (with the HTTP status),
// `attempt-failed` (retried with exponential backoff) or `failed` (refused for good) entry.
// On start the controller folds the journal (core/paging.ts) and resumes every message that is
// still pending, so a page survives a restart of the cockpit.
//
// Exactly once, and the window that remains: a message is done only once `delivered` is in the
// journal. If the cockpit dies after the endpoint accepted a message but before `delivered` was
// written (or an attempt timed out after the endpoint had in fact taken it), the message is
// sent again after the restart: delivery is at-least-once at the HTTP level. Every message
// carries the incident's dedup key for its target (`INC-…:crawl-owner`), and PagerDuty (and any
// endpoint that honours `dedup_key`) folds a repeated trigger into the same alert, so the
// person is not paged twice. The generic payload also carries a `message_id` (and the
// `x-lsos-message-id` header) for receivers that want to drop exact repeats themselves.
//
// Other incidents: the recorder resumes only an open incident, and moves to a new incident
// when one opens. What an incident that is not the current one still owes (resolves not yet
// delivered when the cockpit exited, sends unfinished when the recorder moved on) is delivered
// by a side sender (side.ts) per such incident, with the same attempts, backoff and dedup keys,
// recorded into that incident's own journal. On start the controller looks for them among the
// journals written in the last 7 days (the 20 most recent).
import type { Clock } from '../../core/source.js';
import { systemClock } from '../../core/source.js';
import type { Severity } from '../../core/incident.js';
import { sanitize } from '../../core/sanitize.js';
import type { TimelineEntry } from '../../core/timeline.js';
import {
  PagingFolder,
  affectedModules,
  dedupKey,
  displayWebhook,
  endpointOf,
  isLsosModule,
  isoUtc,
  matrixTargets,
  nextRepageAt,
  pageSummary,
  pagesFor,
  pagingView,
  payloadFor,
  sendable,
  TICKET_TARGET,
  LSOS_MODULES,
  type EventAction,
  type MessageState,
  type PageEntryDetails,
  type PageMessage,
  type PageTarget,
  type PagingState,
  type PagingView,
  type Roster,
  type TargetState,
} from '../../core/paging.js';
import type { IncidentRecorder } from '../../journal/recorder.js';
import { AckListener, type AckRequest } from './callback.js';
import type { PagingConfig } from './config.js';
import { backoffMs, deliver, type FetchLike } from './http.js';
import { SideSender, hasUnfinishedPaging, type Outbox } from './side.js';
import { recentIncidentIds } from '../../journal/store.js';

export interface PagingTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface PagingDeps {
  /** Defaults to the global timers (looked up at call time, so fake timers work). */
  timers?: PagingTimers;
  fetch?: FetchLike;
  /** For the backoff jitter. */
  random?: () => number;
  /** Which other incidents' journals are looked at on start for unfinished paging. */
  resumeScan?: { windowMs: number; limit: number };
  /**
   * A shared incident (src/journal/shared): pages go out from the one cockpit holding this lease,
   * whatever the number of cockpits; the others fold the same journal and show the same view.
   * Absent: this cockpit sends (it is the only one).
   */
  lease?: SenderLease;
  /**
   * On a simulation: the wall clock, while `clock` is the simulation's. Journals then keep
   * wall-clock `at` with the simulated `simAt` (as the recorder writes them), and paging is
   * reckoned on the simulated time. Absent: `clock` is the wall clock.
   */
  wallClock?: Clock;
}

/** The paging sender's lease (src/journal/shared/lease.ts). */
export interface SenderLease {
  held(): boolean;
  onChange(listener: (held: boolean) => void): () => void;
}

/**
 * Where the controller shows what it does: the paging view on the escalation panel and a flash
 * line when something fails. The cockpit's store is one (this layer does not import the UI).
 */
export interface PagingScreen {
  getState(): {
    setPaging(paging: PagingView | null): void;
    flash(text: string, level?: 'info' | 'warn' | 'error'): void;
  };
}

/** Journals written in the last 7 days, the 20 most recent. */
export const DEFAULT_RESUME_SCAN = { windowMs: 7 * 24 * 60 * 60_000, limit: 20 };

/** Whom deciding a severity would page, said before it is decided (the severity dialog). */
export interface PagePreview {
  mode: 'live' | 'record-only';
  /** Who the decision pages, in the matrix's words with the roster's names (`security lead Dana Okafor`). */
  targets: string[];
  /** Named by the matrix for it but paged already in this incident: not paged again. */
  already: string[];
  /** What the matrix asks that the roster cannot route (a module with no owner, no module known). */
  unresolved: string[];
  /** Why nobody is paged (lowered, unchanged, no roster), else null. */
  none: string | null;
}

/** What the cockpit's paging bindings ask of paging (src/ui/controllers/paging.ts). */
export interface PagingCommands {
  /**
   * Exactly whom deciding `severity` now would page: the matrix's targets for it (the affected
   * modules of the incident, else `modules`) less those this incident already paged, with the
   * roster's names; the same rule onDecision pages by. Changes nothing.
   */
  wouldPage?(severity: Severity, modules?: readonly string[]): PagePreview;
  /** Records that `by` acknowledged `target` (or `all`); resolves to the acknowledged targets. */
  acknowledgePage(target: string, by: string): Promise<string[]>;
  /** The module whose owner the matrix pages at SEV-2, when the triggers do not say. */
  pickModule(module: string): Promise<void>;
  unacknowledgedTargets(): string[];
}

const globalTimers: PagingTimers = {
  setInterval: (fn, ms) => {
    const h = globalThis.setInterval(fn, ms);
    (h as { unref?: () => void }).unref?.();
    return h;
  },
  clearInterval: (h) => globalThis.clearInterval(h as ReturnType<typeof setInterval>),
};

/**
 * What the escalation panel shows while paging is off (no roster, or it could not start): PAGING
 * OFF with the reason, for as long as it lasts, whether an incident is open or not.
 */
export function pagingOffView(mode: PagingConfig['mode'], reason: string): PagingView {
  return pagingView(new PagingFolder('').state, { mode, repage: { 'SEV-1': 0, 'SEV-2': 0 }, disabled: reason });
}

export class PagingController implements PagingCommands {
  private folder: PagingFolder | null = null;
  /** Message ids on the wire (unique across incidents: they carry the incident id). */
  private readonly inflight = new Set<string>();
  /** Incidents other than the current one whose journals show paging unfinished. */
  private readonly sides = new Map<string, SideSender>();
  private readonly work = new Set<Promise<void>>();
  private abort = new AbortController();
  private sweepHandle: unknown = null;
  private listener: AckListener | null = null;
  private unsubscribe: (() => void) | null = null;
  private unsubscribeLease: (() => void) | null = null;
  private running = false;
  private readonly timers: PagingTimers;

  constructor(
    private readonly recorder: IncidentRecorder,
    private readonly store: PagingScreen | null,
    private readonly roster: Roster | null,
    private readonly config: PagingConfig,
    private readonly clock: Clock = systemClock,
    private readonly deps: PagingDeps = {},
  ) {
    this.timers = deps.timers ?? globalTimers;
  }

  // ---- Lifecycle ---------------------------------------------------------------------------------

  /**
   * Starts the callback listener (when configured), folds the current incident's journal,
   * resumes pending messages, completes paging for decisions the journal shows unanswered, and
   * starts the sweep (retries and re-pages). Rejects when the callback port cannot be bound.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    if (this.config.callback && this.roster) {
      this.listener = new AckListener((req) => this.onCallback(req), {
        host: this.config.callback.host,
        port: this.config.callback.port,
        token: this.config.callbackToken,
        recordOnly: this.config.mode === 'record-only',
      });
      try {
        await this.listener.start();
      } catch (err) {
        this.listener = null;
        this.running = false;
        throw new Error(
          `paging callback: cannot listen on ${this.config.callback.host}:${this.config.callback.port}: ${(err as Error).message}`,
        );
      }
    }
    this.rebuild();
    this.unsubscribe = this.recorder.subscribe((view, entry) => this.onEntry(view?.id ?? null, entry));
    this.unsubscribeLease =
      this.deps.lease?.onChange((held) => {
        if (held) {
          // Taking over: whatever the journal shows unfinished is this cockpit's to finish now.
          this.reconcile();
          this.sweep();
        } else {
          // Lost it: attempts on the wire are abandoned (their messages stay pending for the new sender).
          this.abort.abort();
          this.abort = new AbortController();
        }
        this.push();
      }) ?? null;
    this.scanOtherIncidents();
    this.reconcile();
    this.sweepHandle = this.timers.setInterval(() => this.sweep(), this.config.sweepMs);
    this.sweep();
    this.push();
  }

  /** Stops sending (in-flight attempts are abandoned, their messages stay pending in the journal). */
  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.unsubscribeLease?.();
    this.unsubscribeLease = null;
    if (this.sweepHandle !== null) this.timers.clearInterval(this.sweepHandle);
    this.sweepHandle = null;
    this.abort.abort();
    await Promise.allSettled([...this.work]);
    for (const id of [...this.sides.keys()]) this.dropSide(id);
    await this.listener?.stop();
    this.listener = null;
  }

  /** Resolves once no attempt is on the wire (tests). */
  async idle(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  /** `http://127.0.0.1:8787/ack` while the callback listener runs. */
  callbackUrl(): string | null {
    const a = this.listener?.address();
    if (!a) return null;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}/ack`;
  }

  state(): PagingState | null {
    return this.folder?.state ?? null;
  }

  /** Incidents (not the current one) whose unfinished paging is being delivered in the background. */
  backgroundIncidents(): string[] {
    return [...this.sides.keys()];
  }

  view(): PagingView | null {
    const st = this.folder?.state;
    // No roster: said on the panel from the start, not only once an incident opens.
    if (!st) return this.roster ? null : pagingOffView(this.config.mode, `no roster (${this.config.rosterFile}): the cockpit pages no one`);
    const a = this.listener?.address();
    return pagingView(st, {
      mode: this.config.mode,
      repage: this.config.repageMs,
      inflight: this.inflight,
      disabled: this.roster ? null : `no roster (${this.config.rosterFile}): the cockpit pages no one`,
      callback: a ? `${a.address}:${a.port}` : null,
    });
  }

  // ---- Operator commands ---------------------------------------------------------------------------

  async acknowledgePage(target: string, by: string): Promise<string[]> {
    const st = this.mustState();
    const who = sanitize(by, 100).trim() || this.recorder.operator;
    const wanted = target.trim();
    let ids: string[];
    if (wanted === '' || wanted === 'all') ids = this.unacknowledgedTargets();
    else {
      const t = [...st.targets.values()].find(
        (x) => x.target === wanted || dedupKey(st.incidentId, x.target) === wanted || x.role === wanted,
      );
      if (!t) throw new Error(`no page to ${sanitize(wanted, 60)} in ${st.incidentId}`);
      if (t.channel === 'ticket') throw new Error('a ticket is not acknowledged; it is resolved with the incident');
      if (t.ack) throw new Error(`${t.target} was already acknowledged by ${t.ack.by}`);
      ids = [t.target];
    }
    if (ids.length === 0) throw new Error('no unacknowledged page');
    this.recordAck(ids, who, 'cockpit');
    return ids;
  }

  wouldPage(severity: Severity, modules: readonly string[] = []): PagePreview {
    const mode = this.config.mode;
    const nobody = (none: string): PagePreview => ({ mode, targets: [], already: [], unresolved: [], none });
    if (!this.roster) return nobody(`no roster (${this.config.rosterFile}): the cockpit pages no one; page by hand`);
    const st = this.folder?.state ?? null;
    // Deciding with no incident open (or the last one resolved) opens a new one: nobody paged yet.
    const active = st && st.incidentState !== 'resolved' && this.recorder.isActive() ? st : null;
    const previous = active?.decided?.severity ?? null;
    const fromIncident = active ? affectedModules(active) : [];
    const r = pagesFor(previous, severity, fromIncident.length > 0 ? fromIncident : modules, this.roster);
    if (r.lowered) return nobody(`lowered from ${previous}: the matrix adds no one, nobody is paged`);
    if (r.unchanged) return nobody(`already ${severity}: nobody new is paged`);
    const name = (t: PageTarget) => (t.channel === 'ticket' ? 'a ticket (same-day remediation)' : `${t.role} ${sanitize(t.contact, 40)}`);
    const fresh = r.targets.filter((t) => !active?.targets.has(t.id));
    const already = r.targets.filter((t) => active?.targets.has(t.id));
    return {
      mode,
      targets: fresh.map(name),
      already: already.map(name),
      unresolved: r.unresolved,
      none: fresh.length === 0 ? (r.unresolved.length > 0 ? 'nobody the roster can route' : 'everyone it names was paged already') : null,
    };
  }

  async pickModule(module: string): Promise<void> {
    const m = module.trim().toLowerCase();
    if (!isLsosModule(m)) throw new Error(`not an LSOS module: ${sanitize(module, 40)} (one of ${LSOS_MODULES.join(', ')})`);
    const st = this.mustState();
    if (!this.roster) throw new Error('no roster: the cockpit pages no one');
    const sev = st.decided?.severity ?? null;
    const target = `${m}-owner`;
    this.record({
      event: 'module-picked',
      target,
      role: `${m} owner`,
      channel: 'operator',
      module: m,
      reason: `Affected module picked by the operator: ${m}${sev === 'SEV-2' ? '' : ` (its owner is paged at SEV-2; now ${sev ?? 'no severity decided'})`}`,
      ...(sev ? { severity: sev } : {}),
    });
    if (sev === 'SEV-2' && st.incidentState !== 'resolved' && !st.targets.has(target) && this.sends()) {
      const t = matrixTargets('SEV-2', [m], this.roster).targets.find((x) => x.id === target);
      if (t) this.intent('trigger', t, 'SEV-2', `SEV-2: page the module owner (${m}, picked by the operator)`, {});
    }
    this.sweep();
  }

  unacknowledgedTargets(): string[] {
    const st = this.folder?.state;
    if (!st) return [];
    return [...st.targets.values()].filter((t) => t.channel !== 'ticket' && !t.ack && t.resolvedAt === null).map((t) => t.target);
  }

  // ---- Reacting to the journal --------------------------------------------------------------------

  /**
   * Folds the current incident from the recorder. Attempts on the wire are not abandoned: each
   * records its result into whichever outbox holds its incident when it ends.
   */
  private rebuild(): void {
    const v = this.recorder.view();
    // The recorder writes this incident's journal now: one writer per file.
    if (v) this.dropSide(v.id);
    this.folder = v ? new PagingFolder(v.id).addAll(v.entries) : null;
  }

  private onEntry(incidentId: string | null, entry: TimelineEntry | null): void {
    if (!this.running) return;
    const previous = this.folder?.state.incidentId ?? null;
    if (incidentId === null) {
      this.folder = null;
    } else if (!this.folder || previous !== incidentId || entry === null) {
      this.rebuild();
      this.reconcileSoon();
    } else {
      this.folder.add(entry);
      // Reactions run after the recorder has told every listener about this entry: they append
      // entries of their own, and nested appends would reach other listeners out of order.
      // They are for this incident only: the recorder may have moved on by then.
      if (entry.kind === 'severity-decided') queueMicrotask(() => this.onDecision(incidentId, entry.seq));
      else if (entry.kind === 'page' && entry.details.event === 'module-picked' && entry.origin && this.deps.lease) {
        // Picked on another cockpit: the sender pages the module owner the decision now needs.
        queueMicrotask(() => this.reconcile());
      } else if (entry.kind === 'state-changed' && entry.details.to === 'resolved') {
        queueMicrotask(() => {
          const main = this.main();
          if (main && main.incidentId === incidentId) this.resolveAll(main);
        });
      }
    }
    // The recorder moved to another incident: what the previous one still owes is not dropped.
    if (previous !== null && previous !== incidentId) this.adopt(previous);
    this.push();
  }

  /** On start: other incidents (recently written journals) whose paging is unfinished. */
  private scanOtherIncidents(): void {
    if (!this.roster) return;
    const scan = this.deps.resumeScan ?? DEFAULT_RESUME_SCAN;
    let ids: string[];
    try {
      ids = recentIncidentIds(this.recorder.stateDir, Date.now() - scan.windowMs, scan.limit);
    } catch (err) {
      this.store?.getState().flash(`paging: cannot list journals (${sanitize((err as Error).message, 120)})`, 'error');
      return;
    }
    for (const id of ids) this.adopt(id);
  }

  /**
   * Gives an incident that is not the current one a side sender when its journal shows paging
   * unfinished: pending or retrying messages are delivered; a resolution whose resolves were
   * never decided gets them now (as resolveAll does for the current incident).
   */
  private adopt(incidentId: string): void {
    if (!this.running || !this.roster || this.sides.has(incidentId) || this.folder?.state.incidentId === incidentId) return;
    let side: SideSender | null;
    try {
      const wall = this.deps.wallClock;
      side = SideSender.open(this.recorder.stateDir, incidentId, {
        ...(wall ? { clock: wall, simClock: this.clock } : { clock: this.clock }),
        operator: this.recorder.operator,
      });
    } catch (err) {
      this.store
        ?.getState()
        .flash(`paging: cannot read ${incidentId} (${sanitize((err as Error).message, 120)}): its undelivered pages are not sent`, 'error');
      return;
    }
    if (!side) return;
    this.sides.set(incidentId, side);
    if (side.state.incidentState === 'resolved') this.resolveAll(side);
    this.sweepSides();
  }

  private dropSide(incidentId: string): void {
    const side = this.sides.get(incidentId);
    if (!side) return;
    this.sides.delete(incidentId);
    side.close();
  }

  private reconcileSoon(): void {
    queueMicrotask(() => this.reconcile());
  }

  /**
   * Completes what the journal shows unfinished (after a restart or a crash): decisions without
   * their paging (the latest decision is re-checked too: paging is idempotent per target), and
   * resolve events for a resolved incident.
   */
  /** This cockpit sends the pages: it holds the sender lease, or incidents are not shared. */
  private sends(): boolean {
    return !this.deps.lease || this.deps.lease.held();
  }
  private reconcile(): void {
    const st = this.folder?.state;
    if (!st || !this.running || !this.sends()) return;
    if (st.incidentState === 'resolved') {
      const main = this.main();
      if (main) this.resolveAll(main);
      return;
    }
    const latest = st.decisions[st.decisions.length - 1];
    for (const seq of st.decisions) {
      if (!st.handledDecisions.has(seq) || seq === latest) this.onDecision(st.incidentId, seq);
    }
  }

  private onDecision(incidentId: string, seq: number): void {
    const st = this.folder?.state;
    if (!st || !this.running || st.incidentId !== incidentId || st.incidentState === 'resolved' || !this.sends()) return;
    const entry = this.recorder.view()?.entries.find((e) => e.seq === seq && e.kind === 'severity-decided');
    if (!entry) return;
    const severity = entry.details.severity as Severity;
    const previous = (entry.details.previous ?? null) as Severity | null;
    const reason = typeof entry.details.reason === 'string' ? entry.details.reason : '';
    const handled = st.handledDecisions.has(seq);
    const base = { decisionSeq: seq, severity };
    if (!this.roster) {
      if (!handled)
        this.record({
          ...base,
          event: 'not-paged',
          target: 'nobody',
          role: 'nobody',
          channel: 'none',
          reason: `Severity ${previous ?? 'none'} → ${severity}: no roster loaded, the cockpit paged no one — page by hand (runbook section 7)`,
        });
      return;
    }
    const modules = affectedModules(st);
    const r = pagesFor(previous, severity, modules, this.roster);
    if (r.lowered || r.unchanged) {
      if (!handled) {
        const what = r.lowered ? `lowered ${previous} → ${severity}` : `kept at ${severity}`;
        this.record({
          ...base,
          event: 'not-paged',
          target: 'nobody',
          role: 'nobody',
          channel: 'none',
          reason: `Severity ${what}: the matrix adds no one, nobody paged (pages already sent stay open until acknowledged or resolved). Reason: ${reason}`,
        });
      }
      return;
    }
    const fresh = r.targets.filter((t) => !st.targets.has(t.id));
    for (const t of fresh) {
      const why = t.channel === 'ticket' ? `${severity}: ticket and same-day remediation` : `${severity}: matrix pages the ${t.role}`;
      this.intent('trigger', t, severity, `${why} — ${reason}`, { decisionSeq: seq });
    }
    if (!handled) {
      for (const u of r.unresolved) {
        const needs = u.startsWith('module owner');
        this.record({
          ...base,
          event: needs ? 'needs-module' : 'not-paged',
          target: 'module owner',
          role: 'module owner',
          channel: 'none',
          reason: `${severity}: ${u}${needs ? ' — press m on the escalation panel (:page-module)' : ''}`,
        });
      }
      if (fresh.length === 0 && r.unresolved.length === 0) {
        this.record({
          ...base,
          event: 'not-paged',
          target: 'nobody',
          role: 'nobody',
          channel: 'none',
          reason: `Severity ${previous ?? 'none'} → ${severity}: everyone the matrix adds was already paged`,
        });
      }
    }
    this.sweep();
  }

  /**
   * The incident is resolved: pending triggers are dropped, every target gets a resolve. For the
   * current incident (the main outbox) or another one (a side sender).
   */
  private resolveAll(ob: Outbox): void {
    const st = ob.state;
    if (!this.running || !this.sends()) return;
    for (const t of st.targets.values()) {
      if (t.resolvedAt !== null) continue;
      for (const id of t.messages) {
        const m = st.messages.get(id);
        if (m && (m.state === 'pending' || m.state === 'retrying')) {
          this.put(ob, {
            event: 'cancelled',
            target: t.target,
            role: t.role,
            channel: t.channel,
            severity: m.message.severity,
            messageId: id,
            dedupKey: m.message.dedupKey,
            reason: `${m.message.action} not yet delivered when the incident was resolved`,
          });
        }
      }
      this.intent('resolve', this.targetOf(t), t.severity, 'incident resolved', {}, ob);
    }
    if (ob instanceof SideSender) this.sweepSides();
    else this.sweep();
  }

  private onCallback(req: AckRequest): { ok: true; acknowledged: string[] } | { ok: false; status: number; error: string } {
    const st = this.folder?.state;
    if (!st) return { ok: false, status: 404, error: 'no incident' };
    let ids: string[];
    if ('dedupKey' in req) {
      const t = [...st.targets.values()].find((x) => dedupKey(st.incidentId, x.target) === req.dedupKey);
      if (!t || t.channel === 'ticket') return { ok: false, status: 404, error: 'unknown dedup_key' };
      ids = t.ack ? [] : [t.target];
    } else {
      if (req.incident !== st.incidentId) return { ok: false, status: 404, error: 'unknown incident' };
      ids = this.unacknowledgedTargets();
    }
    if (ids.length > 0) this.recordAck(ids, req.by, 'callback');
    return { ok: true, acknowledged: ids.map((id) => dedupKey(st.incidentId, id)) };
  }

  private recordAck(ids: string[], by: string, via: 'cockpit' | 'callback'): void {
    const st = this.mustState();
    this.record({
      event: 'acknowledged',
      target: ids.join(', '),
      role: ids.length === 1 ? (st.targets.get(ids[0] as string)?.role ?? '') : 'pages',
      channel: via,
      targets: ids,
      by,
      via,
      reason: `acknowledged by ${by} (${via === 'cockpit' ? 'by key in the cockpit' : 'callback'})`,
    });
    for (const id of ids) {
      const t = st.targets.get(id);
      if (!t) continue;
      // A re-page still waiting to go out is no longer needed.
      for (const mid of t.messages) {
        const m = st.messages.get(mid);
        if (m && m.message.action === 'trigger' && (m.state === 'pending' || m.state === 'retrying') && mid !== t.messages[0]) {
          this.record({
            event: 'cancelled',
            target: t.target,
            role: t.role,
            channel: t.channel,
            severity: m.message.severity,
            messageId: mid,
            dedupKey: m.message.dedupKey,
            reason: 're-page not needed: acknowledged',
          });
        }
      }
      // Tell the paging system, so it stops escalating (an ack from the callback came from it).
      // Only the sender does; an ack made on another cockpit is told by the sender's sweep.
      if (via === 'cockpit' && this.sends())
        this.intent('acknowledge', this.targetOf(t), t.severity, `acknowledged by ${by} in the cockpit`, {});
    }
    this.sweep();
  }

  // ---- The outbox ---------------------------------------------------------------------------------

  private targetOf(t: TargetState): PageTarget {
    return t.target === TICKET_TARGET.id ? TICKET_TARGET : { id: t.target, role: t.role, contact: t.contact, channel: t.channel };
  }

  /** Writes a message to the journal (pending, or recorded in record-only mode); the sweep sends it. */
  private intent(
    action: EventAction,
    t: PageTarget,
    severity: Severity,
    reason: string,
    extra: { decisionSeq?: number; repage?: boolean },
    outbox?: Outbox,
  ): MessageState | null {
    const ob = outbox ?? this.main();
    if (!ob) throw new Error('no incident: nobody to page');
    const st = ob.state;
    const dk = dedupKey(st.incidentId, t.id);
    const n = [...st.messages.values()].filter((m) => m.message.dedupKey === dk).length + 1;
    const modules = affectedModules(st);
    const message: PageMessage = {
      messageId: `${dk}#${n}`,
      dedupKey: dk,
      incidentId: st.incidentId,
      target: t.id,
      role: t.role,
      contact: t.contact,
      channel: t.channel,
      action,
      severity,
      summary: pageSummary(st.incidentId, severity, sanitize(reason, 400), modules),
      timestamp: isoUtc(this.clock.now()),
      reason: sanitize(reason, 400),
      modules,
    };
    const endpoint = this.roster ? endpointOf(this.roster, this.config.ticket, t.id) : null;
    const recordOnly = this.config.mode === 'record-only';
    this.put(ob, {
      event: 'intent',
      target: t.id,
      role: t.role,
      channel: t.channel,
      severity,
      reason: message.reason,
      messageId: message.messageId,
      dedupKey: dk,
      message,
      state: recordOnly ? 'recorded' : 'pending',
      ...(endpoint ? { endpoint: displayWebhook(endpoint.webhook) } : {}),
      ...(extra.decisionSeq !== undefined ? { decisionSeq: extra.decisionSeq } : {}),
      ...(extra.repage ? { repage: true } : {}),
    });
    if (!recordOnly && !endpoint) {
      const error =
        t.id === 'ticket'
          ? 'no ticket webhook configured (paging.ticket.webhook): open the ticket by hand'
          : `no endpoint for ${t.id} in the roster`;
      this.put(ob, {
        event: 'failed',
        target: t.id,
        role: t.role,
        channel: t.channel,
        severity,
        messageId: message.messageId,
        dedupKey: dk,
        attempt: 0,
        httpStatus: null,
        error,
        reason: error,
      });
    }
    return st.messages.get(message.messageId) ?? null;
  }

  /** Sends what is due, re-pages who is due. Runs on the sweep interval and after every change. */
  sweep(): void {
    if (!this.running || !this.roster || !this.sends()) return;
    this.sweepMain();
    this.sweepSides();
  }

  private sweepMain(): void {
    const st = this.folder?.state;
    if (!st || !this.running || !this.roster) return;
    const now = this.clock.now();
    // Acknowledged by key on another cockpit of a shared incident: the sender tells the paging system.
    for (const t of st.targets.values()) {
      if (t.ack?.via !== 'cockpit' || t.resolvedAt !== null || t.channel === 'ticket') continue;
      if (t.messages.some((id) => st.messages.get(id)?.message.action === 'acknowledge')) continue;
      this.intent('acknowledge', this.targetOf(t), t.severity, `acknowledged by ${t.ack.by} in a cockpit`, {});
    }
    // Re-pages: the latest trigger delivered, nobody acknowledged, the interval passed.
    for (const t of st.targets.values()) {
      const due = nextRepageAt(st, t, this.config.repageMs);
      if (due === null || due > now) continue;
      const sev = st.decided?.severity ?? t.severity;
      this.intent(
        'trigger',
        this.targetOf(t),
        sev,
        `re-page: not acknowledged ${Math.round((now - t.lastPagedAt) / 60_000)} min after the page (${sev} re-pages every ${Math.round(this.config.repageMs[sev === 'SEV-1' ? 'SEV-1' : 'SEV-2'] / 60_000)} min)`,
        { repage: true },
      );
    }
    if (this.config.mode === 'record-only') return;
    for (const m of sendable(st, now, this.inflight)) this.launch(st.incidentId, m);
  }

  /** Other incidents: only what their journals show unfinished is sent (no re-pages); done ones are let go. */
  private sweepSides(): void {
    if (!this.running || !this.roster || this.sides.size === 0) return;
    const now = this.clock.now();
    for (const side of [...this.sides.values()]) {
      const st = side.state;
      if (!hasUnfinishedPaging(st)) {
        if (![...st.messages.keys()].some((id) => this.inflight.has(id))) this.dropSide(side.incidentId);
        continue;
      }
      if (this.config.mode === 'record-only') continue;
      for (const m of sendable(st, now, this.inflight)) this.launch(side.incidentId, m);
    }
  }

  private launch(incidentId: string, m: MessageState): void {
    const p = this.attempt(incidentId, m).finally(() => this.work.delete(p));
    this.work.add(p);
  }

  /** The current incident's outbox (its entries go through the recorder). */
  private main(): Outbox | null {
    const f = this.folder;
    if (!f) return null;
    return { incidentId: f.state.incidentId, state: f.state, record: (d) => this.record(d) };
  }

  /** Whichever outbox holds an incident now: the current one, a side sender, or none. */
  private outbox(incidentId: string): Outbox | null {
    if (this.folder?.state.incidentId === incidentId) return this.main();
    return this.sides.get(incidentId) ?? null;
  }

  /** Records a page entry into an outbox; a side sender that cannot write is let go (its messages stay pending on disk). */
  private put(ob: Outbox, details: PageEntryDetails): void {
    if (!(ob instanceof SideSender)) return ob.record(details);
    if (ob.closed) return;
    try {
      ob.record(details);
    } catch (err) {
      this.dropSide(ob.incidentId);
      this.store?.getState().flash(`paging: could not record into ${ob.incidentId} (${sanitize((err as Error).message, 120)})`, 'error');
    }
  }

  private async attempt(incidentId: string, m: MessageState): Promise<void> {
    const roster = this.roster;
    const id = m.message.messageId;
    const endpoint = roster ? endpointOf(roster, this.config.ticket, m.message.target) : null;
    if (!endpoint) return;
    this.inflight.add(id);
    this.push();
    const signal = this.abort.signal;
    const body = payloadFor(m.message, endpoint, { source: this.config.source, callbackUrl: this.callbackUrl() });
    const res = await deliver(endpoint.webhook, body, {
      timeoutMs: this.config.requestTimeoutMs,
      signal,
      headers: { 'x-lsos-message-id': id },
      ...(this.deps.fetch ? { fetch: this.deps.fetch } : {}),
    });
    this.inflight.delete(id);
    // Stopped mid-attempt: nothing is recorded, the message stays pending in the journal and is
    // sent again by the next start. If the recorder moved to another incident meanwhile, the
    // result goes to the side sender that now holds this one.
    if (signal.aborted || !this.running) return;
    const ob = this.outbox(incidentId);
    if (!ob) return this.push();
    const cur = ob.state.messages.get(id);
    if (!cur || (cur.state !== 'pending' && cur.state !== 'retrying')) return this.push();
    const attempt = cur.attempts + 1;
    const common = {
      target: cur.message.target,
      role: cur.message.role,
      channel: cur.message.channel,
      severity: cur.message.severity,
      messageId: id,
      dedupKey: cur.message.dedupKey,
      attempt,
      endpoint: displayWebhook(endpoint.webhook),
    };
    if (res.kind === 'accepted') {
      this.put(ob, {
        ...common,
        event: 'delivered',
        state: 'delivered',
        httpStatus: res.status,
        reason: `${cur.message.action} delivered: HTTP ${res.status} (attempt ${attempt})`,
      });
    } else if (res.kind === 'permanent') {
      this.put(ob, {
        ...common,
        event: 'failed',
        state: 'failed',
        httpStatus: res.status,
        error: sanitize(res.error, 200),
        reason: `${cur.message.action} refused for good: ${sanitize(res.error, 200)} — check the roster's webhook and routing key`,
      });
    } else {
      const wait = backoffMs(attempt, this.config.retry, this.deps.random);
      const next = isoUtc(this.clock.now() + wait);
      this.put(ob, {
        ...common,
        event: 'attempt-failed',
        state: 'retrying',
        httpStatus: res.status,
        error: sanitize(res.error, 200),
        nextAttemptAt: next,
        reason: `${cur.message.action} attempt ${attempt} failed: ${sanitize(res.error, 200)}; retrying at ${next}`,
      });
    }
    this.sweep();
  }

  // ---- Internals ----------------------------------------------------------------------------------

  private record(details: PageEntryDetails): void {
    const st = this.folder?.state;
    const v = this.recorder.view();
    if (!st || !v || v.id !== st.incidentId) return;
    try {
      this.recorder.record('page', details);
    } catch (err) {
      this.store?.getState().flash(`paging: could not record (${sanitize((err as Error).message, 120)})`, 'error');
    }
  }

  private mustState(): PagingState {
    const st = this.folder?.state;
    if (!st) throw new Error('no incident: nobody to page');
    return st;
  }

  private push(): void {
    const set = this.store?.getState().setPaging;
    if (set) set(this.view());
  }
}
