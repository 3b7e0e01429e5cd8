// The figure series for the post-incident review: one compact sample of the key figures a minute
// (snapshot time, so simulated time on the simulation), buffered all the time and written to the
// incident's journal while an incident is active (and for a while after it is resolved, so the
// last actions' effects can be judged). When an incident opens, the buffered minutes before it are
// written too, so the charts show how it began. It also gives each trigger, as it fires, the
// earliest evidence of its problem in the data (core/pir/evidence.ts).
import { packFigures, sampleFigures, unpackFigures, type PackedFigures } from '../core/pir/figures.js';
import { triggerEvidence } from '../core/pir/evidence.js';
import { escapeControls } from '../core/sanitize.js';
import type { Snapshot } from '../core/snapshot.js';
import type { TriggerDetails } from '../core/timeline.js';
import { parseUtc } from '../core/timeline.js';
import type { TriggerState } from '../core/triggers.js';
import type { IncidentRecorder } from '../journal/recorder.js';

export interface FigureSeriesOptions {
  /** One sample per this much snapshot time. */
  intervalMs?: number;
  /** Samples kept in memory (the backfill written when an incident opens comes from these). */
  keep?: number;
  /** Minutes before the incident opened written as backfill. */
  backfillMs?: number;
  /** Keep recording this long after the incident is resolved (for the effect of late actions). */
  afterResolvedMs?: number;
}

const MINUTE = 60_000;

export class FigureSeries {
  private readonly intervalMs: number;
  private readonly keep: number;
  private readonly backfillMs: number;
  private readonly afterResolvedMs: number;
  /**
   * Packed (core/pir/figures.ts): 90 samples of 500 queues are 2.5 MB instead of 7 MB. Each with its
   * time (ms), parsed once: flush runs on every store update and reads them all.
   */
  private readonly buffer: { figures: PackedFigures; t: number | null }[] = [];
  private lastBucket: number | null = null;
  /** Incident id -> time (ms) of the newest sample already in its journal. */
  private written = new Map<string, number>();

  constructor(
    private readonly recorder: IncidentRecorder,
    opts: FigureSeriesOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? MINUTE;
    this.keep = opts.keep ?? 90;
    this.backfillMs = opts.backfillMs ?? 30 * MINUTE;
    this.afterResolvedMs = opts.afterResolvedMs ?? 20 * MINUTE;
  }

  /** Every new snapshot: samples it once per interval and writes what the journal lacks. */
  observe(snap: Snapshot): void {
    if (!Number.isFinite(snap.at) || snap.at <= 0) return;
    const bucket = Math.floor(snap.at / this.intervalMs);
    if (this.lastBucket === null || bucket > this.lastBucket) {
      this.lastBucket = bucket;
      const figures = packFigures(sampleFigures(snap), this.buffer[this.buffer.length - 1]?.figures);
      this.buffer.push({ figures, t: parseUtc(figures.rest.t) });
      if (this.buffer.length > this.keep) this.buffer.splice(0, this.buffer.length - this.keep);
    }
    this.flush(snap.at);
  }

  /** A trigger's details with the earliest evidence of its problem (and whether it is simulated). */
  withEvidence(details: TriggerDetails, trigger: TriggerState, snap: Snapshot): TriggerDetails {
    try {
      const ev = triggerEvidence(trigger, snap, (queue) => this.buffer.map((b) => unpackFigures(b.figures, queue)));
      const out: TriggerDetails = ev ? { ...details, evidenceAt: ev.evidenceAt, evidence: escapeControls(ev.evidence) } : { ...details };
      if (snap.simulated) out.simulated = true;
      return out;
    } catch {
      return details; // evidence is a help for the review, never a reason to lose the trigger
    }
  }

  private flush(nowMs: number): void {
    const v = this.recorder.view();
    // A shared incident keeps one figure series: the observing cockpit's.
    if (!v || !this.recorder.observes()) return;
    // In the data's time (simulated time in a simulation): entries' `at` is wall-clock.
    const opened = v.milestones.detected?.atMs ?? (v.openedAt === null ? null : parseUtc(v.openedAt));
    const resolved = v.milestones.resolved?.atMs ?? null;
    if (v.state === 'resolved' && (resolved === null || nowMs - resolved > this.afterResolvedMs)) return;
    let last = this.written.get(v.id);
    if (last === undefined) {
      // After a restart, the journal says how far it got.
      last = Number.NEGATIVE_INFINITY;
      for (const e of v.entries) {
        if (e.kind !== 'figures') continue;
        const t = typeof e.details.t === 'string' ? parseUtc(e.details.t) : null;
        if (t !== null && t > last) last = t;
      }
    }
    const from = opened === null ? Number.NEGATIVE_INFINITY : opened - this.backfillMs;
    for (const { figures: s, t } of this.buffer) {
      if (t === null || t <= last || t < from) continue;
      try {
        this.recorder.record('figures', unpackFigures(s));
      } catch {
        return; // a journal that cannot be written is reported by the entries that matter
      }
      last = t;
    }
    this.written.set(v.id, last);
  }
}
