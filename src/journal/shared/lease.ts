// A lease in the shared Redis: `SET key owner NX PX ttl`, renewed while held (compare-and-extend),
// so exactly one cockpit of the environment does a job (records what the sources show, sends the
// pages) and another takes over within one ttl when that cockpit dies. The holder counts its lease
// as lost on its own clock before Redis lets it go (from the time the last renewal was sent), so
// two cockpits never both believe they hold it.
import type { Redis } from 'ioredis';
import { DEL_IF, PEXPIRE_IF } from './redis.js';

export interface LeaseOptions {
  ttlMs?: number;
  /** How often the holder renews (and a waiting cockpit tries to take it). */
  renewMs?: number;
  /** Counted as lost this long before the ttl runs out. */
  marginMs?: number;
  now?: () => number;
}

export type LeaseListener = (held: boolean) => void;

export class Lease {
  readonly ttlMs: number;
  readonly renewMs: number;
  private readonly marginMs: number;
  private readonly now: () => number;
  private validUntil = 0;
  private holder: string | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private busy = false;
  private wasHeld = false;
  private readonly listeners = new Set<LeaseListener>();
  /** Set while this cockpit should not compete (e.g. a viewer, or paging not configured). */
  private enabled = true;

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    /** This cockpit: the value the lease holds, `instance user@host`. */
    readonly owner: string,
    opts: LeaseOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? 5000;
    this.renewMs = opts.renewMs ?? 1000;
    this.marginMs = opts.marginMs ?? 500;
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.renewMs);
    this.timer.unref?.();
    void this.tick();
  }

  /** Stops competing; releases the lease when held (another cockpit takes it at once, not after the ttl). */
  async stop(release = true): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const had = this.held();
    this.validUntil = 0;
    this.changed();
    if (release && had) await this.redis.eval(DEL_IF, 1, this.key, this.owner).catch(() => undefined);
  }

  /** True while this cockpit holds the lease (by its own clock, with the margin). */
  held(): boolean {
    return this.enabled && this.now() < this.validUntil;
  }

  /** Who holds it, as last seen (`instance user@host`), null when nobody or not known. */
  holderName(): string | null {
    return this.held() ? this.owner : this.holder;
  }

  /** Called with true/false when this cockpit gains or loses the lease. Returns an unsubscribe. */
  onChange(listener: LeaseListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setEnabled(on: boolean): void {
    this.enabled = on;
    if (!on && this.held()) void this.stop(true).then(() => this.start());
    this.changed();
  }

  /** One try: renew when held, take it when free. Also run by the timer. */
  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const sent = this.now();
    try {
      if (!this.enabled) return;
      if (this.held()) {
        const ok = await this.redis.eval(PEXPIRE_IF, 1, this.key, this.owner, String(this.ttlMs));
        if (Number(ok) === 1) this.validUntil = sent + this.ttlMs - this.marginMs;
        else this.validUntil = 0; // someone else has it (it lapsed while Redis was away)
      } else {
        const ok = await this.redis.set(this.key, this.owner, 'PX', this.ttlMs, 'NX');
        if (ok === 'OK') {
          this.validUntil = sent + this.ttlMs - this.marginMs;
          this.holder = this.owner;
        } else {
          this.holder = await this.redis.get(this.key);
        }
      }
    } catch {
      // Redis away: a held lease runs out on its own clock; nothing else to do.
    } finally {
      this.busy = false;
      this.changed();
    }
  }

  private changed(): void {
    const h = this.held();
    if (h === this.wasHeld) return;
    this.wasHeld = h;
    if (!h && this.holder === this.owner) this.holder = null;
    for (const l of this.listeners) l(h);
  }
}
