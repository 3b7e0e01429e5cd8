// Polling lives outside React: one scheduler per source. A read never overlaps the previous one
// (the next is scheduled only after it settles), a failure backs off exponentially up to a cap,
// and each settled read becomes exactly one store update. The source's slices of the snapshot
// are declared to the store when the scheduler is made: a patch outside them is refused and the
// source shows as failed, with why.
import type { Clock, SnapshotPatch, Source } from '../core/source.js';
import { sanitize } from '../core/sanitize.js';
import type { CockpitStore } from '../ui/state/store.js';

export interface SchedulerOptions {
  intervalMs: number;
  /** First retry delay after a failure; doubles per consecutive failure. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** A read taking longer than this is aborted and counts as a failure. */
  timeoutMs?: number;
  clock: Clock;
  /** Called after every settled read (tests). */
  onSettled?: (ok: boolean) => void;
}

export class SourceScheduler {
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private failures = 0;
  private inFlight: Promise<void> | null = null;
  private controller: AbortController | null = null;
  /** A first read started by prefetch(), applied by the next tick(). */
  private prefetched: { controller: AbortController; read: Promise<SnapshotPatch> } | null = null;

  constructor(
    private readonly source: Source,
    private readonly store: CockpitStore,
    private readonly opts: SchedulerOptions,
  ) {
    store.getState().declareSource(source.name, source.owns);
  }

  /** Consecutive failures so far (0 when the source is healthy). */
  get consecutiveFailures(): number {
    return this.failures;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /**
   * Starts a read now whose result the next tick() applies: nothing reaches the store before, so
   * whoever subscribes to it until then sees that reading arrive. Live start-up (issue 16): the
   * sources' first reads are on the wire while the rest of the cockpit is set up, instead of after.
   */
  prefetch(): void {
    if (this.inFlight || this.prefetched || !this.stopped) return;
    const controller = new AbortController();
    const read = this.source.read(controller.signal);
    read.catch(() => undefined); // its failure is the tick's to report
    this.prefetched = { controller, read };
  }

  /** Runs one read now unless one is already in flight. Resolves when it settles. */
  tick(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    this.inFlight = this.readOnce().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.controller?.abort();
    this.prefetched?.controller.abort();
    this.prefetched = null;
    await this.inFlight?.catch(() => undefined);
  }

  /** The delay before the next read: the interval when healthy, else the backoff. */
  nextDelay(): number {
    if (this.failures === 0) return this.opts.intervalMs;
    const base = this.opts.backoffMs ?? Math.max(250, this.opts.intervalMs);
    const cap = this.opts.maxBackoffMs ?? 30_000;
    return Math.min(cap, base * 2 ** (this.failures - 1));
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick().then(() => this.schedule(this.nextDelay()));
    }, delay);
    this.timer.unref?.();
  }

  /** Only called through tick(), which never lets two run at once. */
  private async readOnce(): Promise<void> {
    const pre = this.prefetched;
    this.prefetched = null;
    const controller = pre?.controller ?? new AbortController();
    this.controller = controller;
    const timeout = this.opts.timeoutMs
      ? setTimeout(() => controller.abort(new Error(`no answer within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs)
      : null;
    let ok = false;
    try {
      const patch = await raceAbort(pre?.read ?? this.source.read(controller.signal), controller.signal);
      const problem = this.source.unreachableIn?.(patch) ?? null;
      this.failures = problem === null ? 0 : this.failures + 1;
      const endpoint = this.source.endpoint?.() ?? null;
      this.store
        .getState()
        .ingest(
          this.source.name,
          patch,
          this.opts.clock.now(),
          problem === null ? null : sanitize(problem, 200),
          endpoint && { role: sanitize(endpoint.role, 20), address: sanitize(endpoint.address, 80) },
        );
      ok = problem === null;
    } catch (err) {
      this.failures += 1;
      const message = err instanceof Error ? err.message : String(err);
      this.store.getState().sourceFailed(this.source.name, sanitize(message, 200), this.opts.clock.now());
    } finally {
      if (timeout) clearTimeout(timeout);
      this.controller = null;
      this.opts.onSettled?.(ok);
    }
  }
}

/** A source that ignores its abort signal must still not stall the scheduler. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
