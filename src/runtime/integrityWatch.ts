// Integrity checks the cockpit runs by itself: those whose definition has a severity and `every:`
// (src/control/integrity/config.ts). Each run's failures raise signals, its passes withdraw them
// (src/control/integrity/signals.ts): in live mode a cross-tenant or data corruption risk reaches
// the cockpit, and opens an incident, without anyone asking. Runs never overlap; a run that cannot
// reach the database is said once on the status line and tried again at the next turn. The results
// themselves are not written to the timeline on every run: the signal's trigger entries are (and
// `:integrity-checks` records a full run when asked).
import type { IntegrityCheck } from '../control/integrity/config.js';
import type { IntegrityRun } from '../control/integrity/run.js';
import { checkSignalId, signalOfResult } from '../control/integrity/signals.js';
import { sanitize } from '../core/sanitize.js';
import type { CockpitStore } from '../ui/state/store.js';

export interface WatchedIntegrity {
  checks: readonly IntegrityCheck[];
  server: string;
  runOnly?(checks: readonly IntegrityCheck[], signal?: AbortSignal): Promise<IntegrityRun>;
}

export interface WatchTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const globalTimers: WatchTimers = {
  setTimeout: (fn, ms) => {
    const h = globalThis.setTimeout(fn, ms);
    (h as { unref?: () => void }).unref?.();
    return h;
  },
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** The checks run by themselves, and how often. */
export function watchedChecks(checks: readonly IntegrityCheck[]): { check: IntegrityCheck; everyMs: number }[] {
  return checks.flatMap((check) => (check.signal?.everyMs ? [{ check, everyMs: check.signal.everyMs }] : []));
}

export class IntegrityWatch {
  private readonly due = new Map<string, number>();
  private timer: unknown = null;
  private running: Promise<void> | null = null;
  private abort = new AbortController();
  private stopped = false;
  private lastError: string | null = null;

  constructor(
    private readonly integrity: WatchedIntegrity,
    private readonly store: CockpitStore,
    private readonly now: () => number = Date.now,
    private readonly timers: WatchTimers = globalTimers,
  ) {}

  /** Runs every watched check now, then each again when its `every:` has passed. */
  start(): void {
    if (watchedChecks(this.integrity.checks).length === 0 || !this.integrity.runOnly) return;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.abort.abort();
    await this.running?.catch(() => undefined);
  }

  /** Resolves once no run is in flight (tests). */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.running = this.tick().finally(() => {
        this.running = null;
        this.schedule(this.nextInMs());
      });
    }, ms);
  }

  private nextInMs(): number {
    const watched = watchedChecks(this.integrity.checks);
    const t = this.now();
    return Math.max(0, Math.min(...watched.map(({ check, everyMs }) => (this.due.get(check.name) ?? t) - t), 60_000 * 60));
  }

  private async tick(): Promise<void> {
    const t = this.now();
    const dueNow = watchedChecks(this.integrity.checks).filter(({ check }) => (this.due.get(check.name) ?? 0) <= t);
    if (dueNow.length === 0 || !this.integrity.runOnly) return;
    for (const { check, everyMs } of dueNow) this.due.set(check.name, t + everyMs);
    let run: IntegrityRun;
    try {
      run = await this.integrity.runOnly(
        dueNow.map((d) => d.check),
        this.abort.signal,
      );
    } catch (err) {
      const why = sanitize(err instanceof Error ? err.message : String(err), 200);
      if (why !== this.lastError) this.store.getState().flash(`integrity checks by themselves: could not run (${why})`, 'warn');
      this.lastError = why;
      return;
    }
    this.lastError = null;
    if (this.stopped) return;
    for (const r of run.results) {
      const check = this.integrity.checks.find((c) => c.name === r.name);
      if (!check) continue;
      const s = this.store.getState();
      const previous = s.raisedSignals.find((x) => x.id === checkSignalId(check)) ?? null;
      const at = s.snapshot.at || run.finishedAt;
      const sig = signalOfResult(check, r, run.server, at, previous);
      if (sig) s.raiseSignal(sig, at);
    }
  }
}
