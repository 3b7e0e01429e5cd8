// The shared incident session: how one cockpit takes part in its LSOS environment's incident
// through the shared Redis (docs/shared-incident.md).
//
// - One open incident per environment, its id in KEYS.open (SET NX). A cockpit that starts, or
//   learns of an opening (the control stream, or a poll), joins it: it reads the incident's
//   stream and its recorder switches to it.
// - Ids are unique across cockpits: an id is handed out once (a counter per minute and one key per
//   id, SET NX). Without Redis a cockpit opens a local id (`INC-…-l` + 5 characters).
// - Replication: the recorder writes this cockpit's own chain to disk first (fsynced); the outbox
//   is that chain: what the stream does not hold yet is XADDed, in order, as soon as it is written
//   and again after any reconnect. Entries of other cockpits arrive by XREAD BLOCK and are copied
//   to disk and merged (log.ts).
// - After a reconnect the session reads the whole stream and offers back every entry it holds that
//   the stream lacks (a Redis restarted without persistence loses its streams): every cockpit
//   ends with the union.
// - Merge rule: an active incident that is not the environment's open one (opened while Redis was
//   unreachable, or in the instant two cockpits opened at once) is merged into the open one when
//   this cockpit learns of it; when none is open, it claims the open key itself and becomes the
//   shared incident. Either way the timeline records it (`incident-merged`).
// - Leases (lease.ts): the observer records what the sources show (triggers, suggestions, sources,
//   figures; one cockpit, so nothing is recorded three times); the paging sender sends the pages.
// - Presence: every cockpit heartbeats into a hash per incident (who, where, viewer or operator,
//   since, last seen); the observer records `responder-left` for one whose heartbeat lapsed.
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { incidentIdBase, isIncidentId, localIncidentId as pickLocalId } from '../../core/incident.js';
import type { IncidentView } from '../../core/incidentView.js';
import type { EpochMs } from '../../core/snapshot.js';
import type { TimelineEntry } from '../../core/timeline.js';
import { entryShapeProblem, formatUtc } from '../../core/timeline.js';
import type { IncidentRecorder, RecorderSharing } from '../recorder.js';
import { Lease } from './lease.js';
import type { SharedIncidentLog } from './log.js';
import type { EntryOrigin } from './origin.js';
import { originLabel, storedForm, entryRef } from './origin.js';
import { DEL_IF, KEYS, describeRedis, sharedClient, streamItems, xreadReply } from './redis.js';
import { isSharedIncident } from './storage.js';
import { compareText } from '../../domain/textOrder.js';

export type Access = 'operator' | 'viewer';

export interface SharedSessionOptions {
  /** The Redis every cockpit of the environment reaches (the db its URL names). */
  url: string;
  stateDir: string;
  origin: EntryOrigin;
  access: Access;
  /** Recorded in presence beside the access. */
  role?: string;
  /** This cockpit can send pages (live paging with a roster): it competes for the paging lease. */
  pages?: boolean;
  now?: () => EpochMs;
  heartbeatMs?: number;
  /** A cockpit whose heartbeat is older than this is gone. */
  staleMs?: number;
  leaseTtlMs?: number;
  /** XREAD BLOCK timeout (also how soon a change of incident is seen without a control event). */
  blockMs?: number;
  /** How long the read loop waits for Redis before looking again, when no 'ready' wakes it (100 ms). */
  downPollMs?: number;
}

/** One cockpit in the incident, as the presence hash says. */
export interface PresenceEntry {
  user: string;
  host: string;
  instance: string;
  access: Access;
  role: string;
  /** When it joined (ISO UTC). */
  since: string;
  /** Its last heartbeat (wall-clock ms). */
  lastSeen: EpochMs;
  self: boolean;
  /** No heartbeat for a while (staleMs / 3): shown as away. */
  away: boolean;
}

/** What the screen shows of sharing (the escalation panel's presence line, the status line). */
export interface SharedView {
  redis: 'connecting' | 'connected' | 'unreachable';
  /** Since when (wall-clock ms) in that state. */
  since: EpochMs;
  error: string | null;
  url: string;
  /** The environment's open incident as last read (null: none, or not known). */
  openIncident: string | null;
  /** The incident this cockpit shows, and whether it is the shared one. */
  incidentId: string | null;
  shared: boolean;
  presence: PresenceEntry[];
  commander: { user: string; host: string; since: string } | null;
  /** Who records what the sources show: `user@host`, or this cockpit. */
  observer: string | null;
  observing: boolean;
  /** Who sends the pages. */
  pagingSender: string | null;
  sending: boolean;
  /** This cockpit's entries not yet in the stream. */
  outbox: number;
  /** The last merge of incidents this cockpit made or saw, in words. */
  lastMerge: string | null;
  access: Access;
  origin: EntryOrigin;
}

export type SharedViewListener = (view: SharedView) => void;

/** The rule recorded with every merge (docs/shared-incident.md). */
export const MERGE_RULE =
  'one open incident per environment: an incident opened apart (shared Redis unreachable, or opened at the same instant) is merged into the open one; if none is open it becomes the open one';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref?.());
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A local id, unique without asking anyone: the minute, then `-l` and 5 random base-36 characters. */
export function localIncidentId(now: EpochMs, existing: Iterable<string> = []): string {
  return pickLocalId(now, existing, () => randomBytes(4).readUInt32BE(0) / 2 ** 32);
}

/** An entry from the stream, validated at the edge: its shape, and a chain of its own. */
export function parseStreamEntry(text: string | undefined): TimelineEntry | null {
  if (typeof text !== 'string' || text.length > 4 * 1024 * 1024) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (entryShapeProblem(v) !== null) return null;
  const e = v as TimelineEntry;
  return isIncidentId(e.incidentId) ? e : null;
}

export class SharedSession implements RecorderSharing {
  readonly origin: EntryOrigin;
  readonly access: Access;
  readonly observerLease: Lease;
  readonly pagingLease: Lease;
  private readonly cmd: Redis;
  private readonly reader: Redis;
  private readonly now: () => EpochMs;
  private readonly heartbeatMs: number;
  private readonly staleMs: number;
  private readonly blockMs: number;
  private readonly owner: string;
  private recorder: IncidentRecorder | null = null;
  private unsubscribe: Array<() => void> = [];
  private running = false;
  private up = false;
  private everUp = false;
  private stateSince: EpochMs;
  private lastError: string | null = null;
  private openId: string | null = null;
  private candidate: { id: string; at: EpochMs } | null = null;
  /** Ids opened while the shared Redis was unreachable (the claim says so on the timeline). */
  private readonly offline = new Set<string>();
  private reserving = false;
  /** Per incident: how many of this cockpit's own entries the stream holds. */
  private readonly published = new Map<string, number>();
  /** Incidents whose own entries may still need publishing (moved on from while Redis was away). */
  private readonly logs = new Map<string, SharedIncidentLog>();
  private publishing = false;
  private controlId = '$';
  private streamId = '$';
  private streamOf: string | null = null;
  private needsSync = true;
  private syncing: Promise<void> | null = null;
  private presence: PresenceEntry[] = [];
  private joinedAt = new Map<string, string>();
  private lastHeartbeat = 0;
  private lastMerge: string | null = null;
  private lastPublished = '';
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Wakes the read loop waiting for Redis: the connection is ready. */
  private wakeReadLoop: (() => void) | null = null;
  /** start() is waiting for the first sync. */
  private starting = false;
  private loop: Promise<void> | null = null;
  private readonly listeners = new Set<SharedViewListener>();
  private readonly observingListeners = new Set<() => void>();
  private readonly opts: SharedSessionOptions;
  private firstSync: Promise<void>;
  private firstSyncDone: () => void = () => {};

  constructor(opts: SharedSessionOptions) {
    this.opts = opts;
    this.origin = opts.origin;
    this.access = opts.access;
    this.now = opts.now ?? Date.now;
    this.heartbeatMs = opts.heartbeatMs ?? 1000;
    this.staleMs = opts.staleMs ?? 10_000;
    this.blockMs = opts.blockMs ?? 1000;
    this.stateSince = this.now();
    this.owner = `${opts.origin.instance} ${originLabel(opts.origin)}`;
    this.cmd = sharedClient(opts.url, `lsos-cockpit-shared-${opts.origin.instance}`);
    this.reader = sharedClient(opts.url, `lsos-cockpit-shared-read-${opts.origin.instance}`, { blocking: true });
    const ttl = opts.leaseTtlMs ?? 5000;
    const renew = Math.max(200, Math.floor(ttl / 5));
    this.observerLease = new Lease(this.cmd, KEYS.lease('observer'), this.owner, { ttlMs: ttl, renewMs: renew, now: this.now });
    this.pagingLease = new Lease(this.cmd, KEYS.lease('paging'), this.owner, { ttlMs: ttl, renewMs: renew, now: this.now });
    this.pagingLease.setEnabled(opts.pages === true);
    this.firstSync = new Promise((r) => (this.firstSyncDone = r));
    this.cmd.on('ready', () => {
      if (!this.up) {
        this.up = true;
        this.everUp = true;
        this.stateSince = this.now();
        this.lastError = null;
      }
      this.needsSync = true;
      // While start() waits for it (the first frame does), the first sync starts now, not at the
      // read loop's next look, up to 100 ms later (live start-up, issue 16). Later connections
      // keep the look's pace: two cockpits reconnecting at once then sync at the same instant, and
      // the merge of their incidents has a race that became three times as frequent (the winner
      // not listing the absorbed incident, test/shared/live/merge-rule.test.ts, 2 runs in 9 before).
      if (this.starting) this.wakeReadLoop?.();
      void this.observerLease.tick();
      void this.pagingLease.tick();
      this.emit();
    });
    const down = (err?: unknown) => {
      if (err !== undefined) this.lastError = errText(err);
      if (this.up || !this.everUp) {
        this.up = false;
        this.stateSince = this.now();
        this.emit();
      }
    };
    this.cmd.on('close', () => down());
    this.cmd.on('end', () => down());
    this.cmd.on('error', (err: unknown) => down(err));
    this.observerLease.onChange((held) => {
      this.emit();
      if (held) for (const l of this.observingListeners) l();
    });
    this.pagingLease.onChange(() => this.emit());
  }

  // ---- RecorderSharing ---------------------------------------------------------------------------

  beforeOpen(now: EpochMs): { join: string } | { id: string } {
    const current = this.recorder?.view() ?? null;
    if (this.up && this.openId !== null && this.openId !== current?.id) return { join: this.openId };
    const c = this.candidate;
    if (c && Math.abs(now - c.at) < 60_000 && !this.localExists(c.id)) {
      this.candidate = null;
      return { id: c.id };
    }
    const id = localIncidentId(now);
    if (!this.up) this.offline.add(id);
    return { id };
  }

  observing(): boolean {
    // Without the shared Redis every cockpit records for itself (a local incident, merged later).
    return !this.up || this.observerLease.held();
  }

  // ---- Lifecycle ---------------------------------------------------------------------------------

  /** The recorder this session feeds and follows (set before start). */
  attach(recorder: IncidentRecorder): void {
    this.recorder = recorder;
    let lastId: string | null = recorder.view()?.id ?? null;
    let lastState = recorder.view()?.state ?? null;
    this.unsubscribe.push(
      recorder.subscribe((view, entry) => {
        if (entry && entry.origin?.instance === this.origin.instance) void this.publish();
        const id = view?.id ?? null;
        if (id !== lastId || (view && view.state !== lastState)) {
          lastId = id;
          lastState = view?.state ?? null;
          this.onIncidentChanged(view);
        }
        this.emit();
      }),
    );
  }

  /**
   * Connects and takes part: waits (at most `waitMs`) for the first reading of the environment's
   * incident, so the first frame already shows the joined incident. Never throws: an unreachable
   * Redis is a state the screen shows, retried in the background.
   */
  async start(waitMs = 1500): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.cmd.connect().catch((err: unknown) => {
      this.lastError = errText(err);
      this.emit();
    });
    this.reader.connect().catch(() => undefined);
    this.observerLease.start();
    this.pagingLease.start();
    this.timer = setInterval(() => void this.tick(), Math.min(250, this.heartbeatMs));
    this.timer.unref?.();
    this.loop = this.readLoop();
    this.starting = true;
    try {
      await Promise.race([this.firstSync, sleep(waitMs)]);
    } finally {
      this.starting = false;
    }
    this.emit();
  }

  /** Records leaving, publishes what it can (1 s at most), gives the leases back, disconnects. */
  async stop(): Promise<void> {
    if (!this.running) return;
    const cur = this.recorder?.view();
    if (cur && this.recorder) this.recorder.recordLeft({ lastSeen: formatUtc(this.now()), why: 'quit' });
    await Promise.race([this.publish(), sleep(1000)]);
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const u of this.unsubscribe.splice(0)) u();
    const id = cur?.id;
    if (id && this.up) await this.cmd.hdel(KEYS.presence(id), this.origin.instance).catch(() => undefined);
    await Promise.allSettled([this.observerLease.stop(true), this.pagingLease.stop(true)]);
    this.reader.disconnect();
    await this.loop?.catch(() => undefined);
    await this.cmd.quit().catch(() => this.cmd.disconnect());
  }

  /** Called when this cockpit becomes the observer (it should record what its sources show now). */
  onObserving(listener: () => void): () => void {
    this.observingListeners.add(listener);
    return () => this.observingListeners.delete(listener);
  }

  onChange(listener: SharedViewListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  connected(): boolean {
    return this.up;
  }

  /**
   * Before an operator opens an incident by hand: learns whether one is open (joined instead), or
   * reserves an id for this cockpit. Resolves quickly whatever Redis does.
   */
  async prepareOpen(): Promise<void> {
    if (!this.up) return;
    await Promise.race([this.refreshOpen().then(() => (this.openId === null ? this.reserve(this.now()) : undefined)), sleep(1000)]);
  }

  view(): SharedView {
    const v = this.recorder?.view() ?? null;
    const label = (holder: string | null) =>
      holder === null ? null : holder === this.owner ? 'this cockpit' : holder.replace(/^\S+ /, '');
    const log = this.recorder?.sharedLog() ?? null;
    const outbox = log ? Math.max(0, log.ownEntries().length - (this.published.get(log.incidentId) ?? 0)) : 0;
    const c = v?.commander ?? null;
    return {
      redis: this.up ? 'connected' : this.everUp || this.lastError !== null ? 'unreachable' : 'connecting',
      since: this.stateSince,
      error: this.up ? null : this.lastError,
      url: describeRedis(this.opts.url),
      openIncident: this.openId,
      incidentId: v?.id ?? null,
      shared: v !== null && v.id === this.openId,
      presence: this.presence.map((p) => ({ ...p })),
      commander: c ? { user: c.user, host: c.host, since: c.since } : null,
      observer: label(this.observerLease.holderName()),
      observing: this.observing(),
      pagingSender: label(this.pagingLease.holderName()),
      sending: this.pagingLease.held(),
      outbox,
      lastMerge: this.lastMerge,
      access: this.access,
      origin: this.origin,
    };
  }

  // ---- Internals ---------------------------------------------------------------------------------

  private emit(): void {
    if (this.listeners.size === 0) return;
    const v = this.view();
    const key = JSON.stringify({ ...v, presence: v.presence.map((p) => ({ ...p, lastSeen: 0 })) });
    if (key === this.lastPublished) return;
    this.lastPublished = key;
    for (const l of this.listeners) l(v);
  }

  private localExists(id: string): boolean {
    return isSharedIncident(this.opts.stateDir, id);
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    if (this.up) {
      void this.publish();
      const now = this.now();
      if (now - this.lastHeartbeat >= this.heartbeatMs) {
        this.lastHeartbeat = now;
        await this.heartbeat().catch(() => undefined);
      }
      // The observer keeps an id ready, so a trigger opens the incident without waiting for Redis.
      if (this.observerLease.held() && (this.candidate === null || now - this.candidate.at > 50_000)) void this.reserve(now);
    }
    this.emit();
  }

  /** Reserves a unique id for an opening at `now` (a counter per minute, then SET NX on the id). */
  private async reserve(now: EpochMs): Promise<void> {
    if (this.reserving || !this.up) return;
    this.reserving = true;
    try {
      const base = incidentIdBase(now);
      for (let i = 0; i < 20; i++) {
        const n = await this.cmd.incr(KEYS.idCounter(base));
        await this.cmd.expire(KEYS.idCounter(base), 2 * 86_400);
        if (n > 9999) return;
        const id = n === 1 ? base : `${base}-${n}`;
        if (this.localExists(id)) continue;
        const ok = await this.cmd.set(KEYS.id(id), this.owner, 'EX', 30 * 86_400, 'NX');
        if (ok === 'OK') {
          this.candidate = { id, at: now };
          return;
        }
      }
    } catch (err) {
      this.lastError = errText(err);
    } finally {
      this.reserving = false;
    }
  }

  private async refreshOpen(): Promise<void> {
    const v = await this.cmd.get(KEYS.open);
    this.openId = v !== null && isIncidentId(v) ? v : null;
  }

  /** The reader: XREAD BLOCK on the control stream and the current incident's stream. Also runs every sync. */
  private async readLoop(): Promise<void> {
    while (this.running) {
      if (!this.up) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, this.opts.downPollMs ?? 100);
          timer.unref?.();
          function done(): void {
            clearTimeout(timer);
            resolve();
          }
          this.wakeReadLoop = done;
        });
        this.wakeReadLoop = null;
        continue;
      }
      if (this.needsSync) {
        await this.sync();
        continue;
      }
      const cur = this.recorder?.view()?.id ?? null;
      // The incident shown, once it is registered in the environment (joined, claimed, merged into),
      // also after it is resolved: PIR edits made elsewhere keep arriving.
      const follow = cur !== null && this.published.has(cur) ? cur : null;
      if (follow !== this.streamOf) {
        this.streamOf = follow;
        this.streamId = '$';
        if (follow) {
          this.needsSync = true;
          continue;
        }
      }
      const keys = follow ? [KEYS.control, KEYS.stream(follow)] : [KEYS.control];
      const ids = follow ? [this.controlId, this.streamId] : [this.controlId];
      let reply: unknown;
      try {
        reply = await this.reader.call('XREAD', 'COUNT', '5000', 'BLOCK', String(this.blockMs), 'STREAMS', ...keys, ...ids);
      } catch (err) {
        if (!this.running) return;
        this.lastError = errText(err);
        this.needsSync = true;
        await sleep(100);
        continue;
      }
      const byKey = xreadReply(reply);
      const control = byKey.get(KEYS.control) ?? [];
      if (control.length > 0) {
        this.controlId = control[control.length - 1]!.id;
        this.needsSync = true; // an incident opened, resolved or merged: read the open key again
      }
      if (follow) {
        const items = byKey.get(KEYS.stream(follow)) ?? [];
        if (items.length > 0) {
          this.streamId = items[items.length - 1]!.id;
          this.deliver(follow, items);
        }
      }
    }
  }

  private deliver(incidentId: string, items: Array<{ id: string; fields: Record<string, string> }>): void {
    const entries: TimelineEntry[] = [];
    for (const it of items) {
      const e = parseStreamEntry(it.fields.e);
      if (e && e.origin?.instance !== this.origin.instance) entries.push(e);
    }
    if (entries.length > 0 && this.recorder?.view()?.id === incidentId) this.recorder.ingest(incidentId, entries);
  }

  /** Reads a whole stream (in pages). */
  private async readStream(incidentId: string): Promise<{ entries: TimelineEntry[]; lastId: string; refs: Set<string> }> {
    const entries: TimelineEntry[] = [];
    const refs = new Set<string>();
    let from = '-';
    let lastId = '0-0';
    for (;;) {
      const reply = await this.cmd.call('XRANGE', KEYS.stream(incidentId), from, '+', 'COUNT', '5000');
      const items = streamItems(reply);
      for (const it of items) {
        const e = parseStreamEntry(it.fields.e);
        if (!e) continue;
        const ref = `${entryRef(e)} ${e.hash}`;
        if (refs.has(ref)) continue;
        refs.add(ref);
        entries.push(e);
      }
      if (items.length < 5000) {
        if (items.length > 0) lastId = items[items.length - 1]!.id;
        break;
      }
      lastId = items[items.length - 1]!.id;
      from = `(${lastId}`;
    }
    return { entries, lastId, refs };
  }

  /** Offers the stream every entry of `log` it lacks (this cockpit's and the copies), in merged order. */
  private async offerMissing(incidentId: string, log: SharedIncidentLog, refs: Set<string>): Promise<void> {
    // Counted now: what this cockpit appends while the XADDs are on the wire is the outbox's to send.
    const ownNow = log.ownEntries().length;
    const missing = log.storedEntries().filter((e) => !refs.has(`${entryRef(e)} ${e.hash}`));
    for (let i = 0; i < missing.length; i += 500) {
      const p = this.cmd.pipeline();
      for (const e of missing.slice(i, i + 500)) p.xadd(KEYS.stream(incidentId), '*', 'e', JSON.stringify(e));
      const res = await p.exec();
      if (!res || res.some(([err]) => err)) throw new Error('XADD failed');
    }
    this.published.set(incidentId, ownNow);
    if (log.ownEntries().length > ownNow) queueMicrotask(() => void this.publish());
  }

  /**
   * After (re)connecting and on every control event: which incident is open, and what the
   * recorder must do about it (join, merge into it, claim its own, catch up).
   */
  private async sync(): Promise<void> {
    if (this.syncing) return this.syncing;
    this.syncing = (async () => {
      try {
        this.needsSync = false;
        const last = streamItems(await this.cmd.call('XREVRANGE', KEYS.control, '+', '-', 'COUNT', '1'));
        if (this.controlId === '$') this.controlId = last[0]?.id ?? '0-0';
        await this.refreshOpen();
        await this.reconcile();
        this.firstSyncDone();
      } catch (err) {
        this.lastError = errText(err);
        this.needsSync = true;
        await sleep(200);
      } finally {
        this.syncing = null;
        this.emit();
      }
    })();
    return this.syncing;
  }

  private async reconcile(): Promise<void> {
    const rec = this.recorder;
    if (!rec) return;
    let cur = rec.view();
    // Shown here as active but not the open one: what the environment knows of it first (resolved
    // elsewhere while this cockpit was away?), so a stale copy is neither claimed nor merged.
    if (cur && cur.state !== 'resolved' && cur.id !== this.openId && rec.sharedLog()) {
      const known = await this.readStream(cur.id);
      const foreign = known.entries.filter((e) => e.origin?.instance !== this.origin.instance);
      if (foreign.length > 0) rec.ingest(cur.id, foreign);
      cur = rec.view();
    }
    const active = cur !== null && cur.state !== 'resolved' && !cur.mergedInto;
    if (this.openId !== null) {
      if (cur && cur.id === this.openId) {
        await this.catchUp(this.openId);
        // Resolved while this cockpit could not say so (Redis away): the environment has no open incident now.
        if (rec.view()?.state === 'resolved' && (await this.cmd.eval(DEL_IF, 1, KEYS.open, cur.id)) === 1) {
          this.openId = null;
          await this.cmd.xadd(KEYS.control, 'MAXLEN', '~', '1000', '*', 'type', 'resolved', 'id', cur.id, 'by', this.owner);
        }
        return;
      }
      if (cur && active && rec.sharedLog()) {
        await this.mergeInto(cur.id, this.openId);
        return;
      }
      await this.join(this.openId);
      return;
    }
    // No incident is open in the environment: an active one here becomes it (or re-registers it
    // after Redis lost the key); a resolved one stays as it is.
    if (cur && active && rec.sharedLog()) await this.claim(cur.id);
  }

  /** Reads the stream of the incident the recorder shows: entries missing here come in, entries missing there go out. */
  private async catchUp(incidentId: string): Promise<void> {
    const rec = this.recorder;
    const log = rec?.sharedLog();
    if (!rec || !log || log.incidentId !== incidentId) return;
    this.logs.set(incidentId, log);
    const s = await this.readStream(incidentId);
    const foreign = s.entries.filter((e) => e.origin?.instance !== this.origin.instance);
    if (foreign.length > 0) rec.ingest(incidentId, foreign);
    await this.offerMissing(incidentId, log, s.refs);
    this.streamOf = incidentId;
    this.streamId = s.lastId;
  }

  private async join(incidentId: string): Promise<void> {
    const rec = this.recorder;
    if (!rec) return;
    const s = await this.readStream(incidentId);
    rec.joinShared(
      incidentId,
      s.entries.filter((e) => e.origin?.instance !== this.origin.instance),
    );
    const log = rec.sharedLog();
    if (log) {
      this.logs.set(incidentId, log);
      await this.offerMissing(incidentId, log, s.refs);
    }
    this.streamOf = incidentId;
    this.streamId = s.lastId;
  }

  /** The environment has no open incident: this one becomes it (SET NX), or merges into whichever won. */
  private async claim(incidentId: string): Promise<void> {
    // Its entries are in the stream before anyone can hear of it: a cockpit joining at once reads them all.
    const own = this.recorder?.sharedLog();
    if (own && own.incidentId === incidentId) await this.offerMissing(incidentId, own, (await this.readStream(incidentId)).refs);
    const ok = await this.cmd.set(KEYS.open, incidentId, 'NX');
    if (ok !== 'OK') {
      await this.refreshOpen();
      if (this.openId !== null && this.openId !== incidentId) {
        await this.mergeInto(incidentId, this.openId);
        return;
      }
    }
    this.openId = incidentId;
    await this.cmd.set(KEYS.id(incidentId), this.owner, 'EX', 30 * 86_400, 'NX');
    const rec = this.recorder;
    const view = rec?.view();
    // Opened while the shared Redis was unreachable, published as the shared incident: the timeline says so.
    if (
      rec &&
      view &&
      this.offline.delete(incidentId) &&
      !view.entries.some((e) => e.kind === 'incident-merged' && e.details.into === incidentId)
    ) {
      rec.record('incident-merged', {
        from: incidentId,
        into: incidentId,
        rule: `opened while the shared Redis was unreachable; no incident was open when it returned, so this one became the environment's (${MERGE_RULE})`,
        entries: view.entries.length,
      });
    }
    await this.catchUp(incidentId);
    await this.cmd.xadd(KEYS.control, 'MAXLEN', '~', '1000', '*', 'type', 'opened', 'id', incidentId, 'by', this.owner);
  }

  /** The merge rule: the active incident `from` (this cockpit's) goes into the open incident `into`. */
  private async mergeInto(from: string, into: string): Promise<void> {
    const rec = this.recorder;
    const log = rec?.sharedLog();
    if (!rec || !log || log.incidentId !== from) return;
    const fromEntries = log.storedEntries().length + 1;
    rec.record('incident-merged', { from, into, rule: MERGE_RULE, entries: fromEntries });
    const moved = log.storedEntries();
    const s = await this.readStream(into);
    // Its entries go to the open incident's stream under their own id and chains.
    const p = this.cmd.pipeline();
    for (const e of moved) p.xadd(KEYS.stream(into), '*', 'e', JSON.stringify(e));
    await p.exec();
    // The merged incident is not followed or published any more: its entries live on in `into`.
    this.published.delete(from);
    this.logs.delete(from);
    rec.joinShared(into, [...s.entries.filter((e) => e.origin?.instance !== this.origin.instance), ...moved]);
    rec.record('incident-merged', { from, into, rule: MERGE_RULE, entries: moved.length });
    const intoLog = rec.sharedLog();
    if (intoLog) {
      this.logs.set(into, intoLog);
      const again = await this.readStream(into);
      await this.offerMissing(into, intoLog, again.refs);
      this.streamId = again.lastId;
    }
    this.streamOf = into;
    this.lastMerge = `${from} merged into ${into}`;
    await this.cmd.xadd(KEYS.control, 'MAXLEN', '~', '1000', '*', 'type', 'merged', 'from', from, 'into', into, 'by', this.owner);
  }

  /** The recorder moved to another incident, or its incident changed state. */
  private onIncidentChanged(view: IncidentView | null): void {
    if (!view || !this.up) return;
    if (view.state === 'resolved' && view.id === this.openId) {
      // Resolved (here or on another cockpit): the environment has no open incident any more.
      void (async () => {
        try {
          await this.publish(); // the resolution reaches the stream before anyone hears of it
          await this.cmd.eval(DEL_IF, 1, KEYS.open, view.id);
          await this.cmd.expire(KEYS.stream(view.id), 30 * 86_400);
          await this.cmd.xadd(KEYS.control, 'MAXLEN', '~', '1000', '*', 'type', 'resolved', 'id', view.id, 'by', this.owner);
        } catch {
          // retried by the next sync: a resolved open incident is dropped there
        }
        this.needsSync = true;
      })();
      return;
    }
    if (view.state !== 'resolved' && view.id !== this.openId && !view.mergedInto) this.needsSync = true; // opened or reopened here: claim
  }

  /** Publishes this cockpit's own entries the stream does not hold yet (the outbox), in order. */
  private async publish(): Promise<void> {
    if (this.publishing || !this.up) return;
    const log = this.recorder?.sharedLog();
    if (!log) return;
    this.logs.set(log.incidentId, log);
    this.publishing = true;
    let more = false;
    try {
      for (const [id, l] of [...this.logs]) {
        // Only incidents registered in the environment (the sync that registered them published
        // what was there); a local one waits for its claim or merge.
        const from = this.published.get(id);
        // A copy: the journal's own list grows while the XADDs are on the wire.
        const batch = l.ownEntries().slice(from ?? 0);
        if (from === undefined || batch.length === 0) continue;
        const p = this.cmd.pipeline();
        for (const e of batch) p.xadd(KEYS.stream(id), '*', 'e', JSON.stringify(storedForm(e)));
        const res = await p.exec();
        if (!res || res.some(([err]) => err)) break;
        this.published.set(id, from + batch.length);
        more ||= l.ownEntries().length > from + batch.length;
      }
    } catch (err) {
      this.lastError = errText(err);
    } finally {
      this.publishing = false;
    }
    // Appended while this batch was on the wire: sent now, not at the next tick.
    if (more) void this.publish();
  }

  /** Presence: this cockpit's heartbeat, everyone's list; the observer records who lapsed. */
  private async heartbeat(): Promise<void> {
    const v = this.recorder?.view();
    if (!v || v.id !== this.openId) {
      this.presence = [];
      return;
    }
    const key = KEYS.presence(v.id);
    const now = this.now();
    const since = this.joinedAt.get(v.id) ?? formatUtc(now);
    this.joinedAt.set(v.id, since);
    const me = {
      user: this.origin.user,
      host: this.origin.host,
      instance: this.origin.instance,
      access: this.access,
      role: this.opts.role ?? '',
      since,
      lastSeen: now,
    };
    await this.cmd.hset(key, this.origin.instance, JSON.stringify(me));
    await this.cmd.pexpire(key, Math.max(60_000, this.staleMs * 6));
    const all = (await this.cmd.hgetall(key)) as Record<string, string>;
    const list: PresenceEntry[] = [];
    for (const [instance, text] of Object.entries(all)) {
      let p: Partial<PresenceEntry>;
      try {
        p = JSON.parse(text) as Partial<PresenceEntry>;
      } catch {
        continue;
      }
      if (typeof p.user !== 'string' || typeof p.host !== 'string' || typeof p.lastSeen !== 'number') continue;
      const age = now - p.lastSeen;
      if (age > this.staleMs) {
        // Right after a reconnect everyone's heartbeat is old: give them one staleMs to come back.
        if (this.observerLease.held() && now - this.stateSince > this.staleMs) await this.lapsed(instance, p, v);
        continue;
      }
      list.push({
        user: p.user,
        host: p.host,
        instance,
        access: p.access === 'viewer' ? 'viewer' : 'operator',
        role: typeof p.role === 'string' ? p.role : '',
        since: typeof p.since === 'string' ? p.since : '',
        lastSeen: p.lastSeen,
        self: instance === this.origin.instance,
        away: age > Math.max(this.heartbeatMs * 3, this.staleMs / 3),
      });
    }
    this.presence = list.sort((a, b) => compareText(a.since, b.since) || compareText(a.instance, b.instance));
  }

  private async lapsed(instance: string, p: Partial<PresenceEntry>, v: IncidentView): Promise<void> {
    const removed = await this.cmd.hdel(KEYS.presence(v.id), instance);
    if (removed !== 1 || !this.recorder) return;
    const open = (v.sessions ?? []).some((s) => s.instance === instance && s.leftAt === null);
    if (!open) return;
    this.recorder.recordLeft({
      operator: p.user ?? '?',
      host: p.host ?? '?',
      instance,
      access: p.access === 'viewer' ? 'viewer' : 'operator',
      role: typeof p.role === 'string' ? p.role : '',
      lastSeen: formatUtc(p.lastSeen ?? this.now()),
      why: `presence lapsed (no heartbeat for ${Math.round(this.staleMs / 1000)} s)`,
    });
  }
}
