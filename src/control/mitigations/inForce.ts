// "Mitigations in force", read from LSOS itself and checked, by a poller outside React, like a
// Source. Each check reads the system (control flags, read target, every worker's pool and
// queues: inForceSystem.ts) and lists:
// - what this incident's journal set (the one fold, src/core/inForce.ts), with drift where the
//   system no longer matches (a worker restarted with its old pool, a flag deleted by hand);
// - what else is in force on the system, with who set it, why and when from the records of every
//   incident and ops_audit_log (another cockpit, `act` from a shell, an earlier incident), or
//   from the flag itself, else marked as found with no record;
// - commands sent without a reply, unconfirmed, until the worker's later replies settle them
//   (recorded either way).
// Time-boxed pauses lapse on their own; the lapse is recorded in the timeline.
import type { IncidentRecorder } from '../../journal/recorder.js';
import type { ProvenanceRead } from '../audit/provenance.js';
import type { MitigationBackend } from './backend.js';
import {
  ConsumerBaseline,
  driftOf,
  foldInForce,
  fromRecorded,
  inForceOnSystem,
  readSystem,
  recordedAcross,
  ReplyWatch,
  type InForce,
  type Settlement,
  type SystemReading,
} from './inForceSystem.js';

export { driftOf, foldInForce, OUTSIDE, type InForce, type Settlement } from './inForceSystem.js';

export interface MitigationsState {
  backend: string;
  simulated: boolean;
  role: string;
  roleSource: string;
  inForce: InForce[];
  checkedAt: string | null;
  checkError: string | null;
  audit: { pending: number; error: string | null } | null;
  /** Why who-set-what could not be read from every record this time (ops_audit_log down); null when it was. */
  provenanceError?: string | null;
}

export interface CheckerOptions {
  recorder: IncidentRecorder;
  backend: MitigationBackend;
  /** Receives the state after each check (e.g. store.setState({ mitigations })). */
  publish: (state: Pick<MitigationsState, 'inForce' | 'checkedAt' | 'checkError' | 'provenanceError'>) => void;
  /** Records a lapse (through the executor's record path: journal + audit row). */
  recordLapse: (m: InForce) => void;
  /** Records that a command sent without a reply did (or did not) apply, from the worker's later reply. */
  recordSettled?: (s: Settlement) => void;
  /** The records of every incident and the audit table (who set what); absent: this incident's journal only. */
  provenance?: () => Promise<ProvenanceRead>;
  /** How long a worker that answers again may take to show a command it never replied to (default 15 s). */
  confirmWindowMs?: number;
  /**
   * How often the workers are asked (stats and active_queues, a broadcast each): at most this
   * often (default 15 s), and at every check while a command waits for a reply.
   */
  workersEveryMs?: number;
  now?: () => number;
}

/** Periodic check; never overlapping, never throwing. */
export class InForceChecker {
  private timer: NodeJS.Timeout | null = null;
  private inflight: Promise<InForce[]> | null = null;
  private readonly baseline = new ConsumerBaseline();
  private readonly watch: ReplyWatch;
  /** The last reading of the workers and when (they are not asked at every check). */
  private workersRead: { at: number; workers: SystemReading['workers']; workersError: string | null } | null = null;

  constructor(private readonly o: CheckerOptions) {
    this.watch = new ReplyWatch(o.confirmWindowMs ?? 15_000);
  }

  /** This incident's own record (what the screen shows before the first check). */
  current(): InForce[] {
    return foldInForce(this.o.recorder.view()?.entries ?? []);
  }

  /**
   * Checks now, asking the workers again; a check asked while one runs waits for it, then checks
   * again (fresh state). The periodic check (start) reuses a recent reading of the workers.
   */
  check(opts: { periodic?: boolean } = {}): Promise<InForce[]> {
    if (this.inflight) return this.inflight.then(() => this.check(opts));
    const p = this.doCheck(opts.periodic === true).finally(() => {
      this.inflight = null;
    });
    this.inflight = p;
    return p;
  }

  private async doCheck(periodic: boolean): Promise<InForce[]> {
    const now = (this.o.now ?? Date.now)();
    try {
      // Pauses past their end lapsed on their own (the flag's TTL): say so in the timeline.
      for (const m of this.current()) {
        if (m.kind === 'paused-task' && m.until && Date.parse(m.until) <= now) this.o.recordLapse(m);
      }
      const prov = this.o.provenance ? await this.o.provenance() : null;
      const simulated = this.o.backend.simulated;
      const recordedOf = () => {
        const mine = this.o.recorder.view()?.entries.filter((e) => e.kind === 'action') ?? [];
        return recordedAcross([...(prov?.journal ?? []), ...mine], prov?.audit ?? [], simulated);
      };
      let recorded = recordedOf();
      const silent = [...this.current(), ...recorded.map((r) => fromRecorded(r, 'system'))].filter((m) => m.noReply.length > 0);
      // The periodic check asks the workers (a broadcast each for stats and active_queues) at most
      // every workersEveryMs, and every time while a command waits for a reply.
      const reuse =
        periodic && silent.length === 0 && this.workersRead !== null && now - this.workersRead.at < (this.o.workersEveryMs ?? 15_000);
      const reading = await readSystem(this.o.backend, reuse ? this.workersRead! : undefined);
      if (!reuse) this.workersRead = { at: now, workers: reading.workers, workersError: reading.workersError };
      // Commands sent without a reply: settled by what the silent workers answer now.
      const settled = this.watch.settle(dedupe(silent), reading.workers, now);
      if (settled.length > 0) {
        for (const s of settled) this.o.recordSettled?.(s);
        recorded = recordedOf();
      }
      const at = new Date(now).toISOString();
      const checked: InForce[] = [];
      for (const m of this.current()) {
        let drift: string | null = null;
        // Unconfirmed: the system is expected not to show it yet; the watch settles it.
        if (m.unconfirmed === null) {
          try {
            drift = await driftOf(m, reading.flags, this.o.backend, reading.workers);
          } catch (e) {
            drift = `cannot check: ${e instanceof Error ? e.message : String(e)}`;
          }
        }
        checked.push({ ...m, drift, checkedAt: at });
      }
      const missing = this.baseline.observe(reading.workers ?? []);
      checked.push(...inForceOnSystem(reading, recorded, checked, missing, now, simulated));
      this.o.publish({ inForce: checked, checkedAt: at, checkError: null, provenanceError: prov?.error ?? null });
      return checked;
    } catch (e) {
      this.o.publish({ inForce: this.current(), checkedAt: null, checkError: e instanceof Error ? e.message : String(e) });
      return this.current();
    }
  }

  start(everyMs = 5000): void {
    if (this.timer) return;
    void this.check();
    // An interval tick while a check runs is skipped, never queued.
    this.timer = setInterval(() => void (this.inflight ?? this.check({ periodic: true })), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/** One row per recorded command (the same entry can come from this journal and the records). */
function dedupe(items: readonly InForce[]): InForce[] {
  const seen = new Set<string>();
  return items.filter((m) => {
    const k = `${m.setIn ?? ''}#${m.seq ?? ''}#${m.kind}:${m.target}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
