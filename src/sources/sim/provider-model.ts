// SERP provider pools (contract section 6 flags: state, active pool, concurrency) and SERP results
// per provider and per campaign, for the runbook's provider/proxy incident trigger.

import type { EpochMs, ProviderSnapshot } from '../../core/snapshot.js';
import type { Prng } from './prng.js';
import { RollingCounter } from './rolling-counter.js';
import type { ProviderPoolSpec } from './scenario-types.js';

/** SERP results are judged over this window: short enough to see a shift take effect. */
export const PROVIDER_WINDOW_MS = 15 * 60_000;

export class ProviderPool {
  state: 'healthy' | 'quarantined';
  concurrency: number;
  /** Set by a provider-degrade perturbation while it lasts; null: the pool's own rate. */
  degradedFailureProbability: number | null = null;
  private readonly requests = new RollingCounter(PROVIDER_WINDOW_MS, 10_000);
  private readonly failures = new RollingCounter(PROVIDER_WINDOW_MS, 10_000);
  private readonly servedAt: Float64Array;
  private readonly failedAt: Float64Array;

  constructor(
    readonly spec: ProviderPoolSpec,
    campaigns: number,
  ) {
    this.state = spec.state;
    this.concurrency = spec.concurrency;
    this.servedAt = new Float64Array(campaigns).fill(-Infinity);
    this.failedAt = new Float64Array(campaigns).fill(-Infinity);
  }

  get name(): string {
    return this.spec.name;
  }

  /**
   * Chance that one SERP request fails with a provider error. Blocks and captchas come with
   * request pressure: conservative pacing halves them, and concurrency below the pool's usual
   * level lowers them (down to half at zero), above it raises them.
   */
  failureProbability(conservative: boolean): number {
    const base = this.degradedFailureProbability ?? this.spec.failureProbability;
    const pressure = 0.5 + 0.5 * Math.min(2, this.spec.concurrency > 0 ? this.concurrency / this.spec.concurrency : 1);
    return Math.min(1, base * pressure * (conservative ? 0.5 : 1));
  }

  /** Record `requests` SERP requests of which `failed` failed, spread over campaigns at random. */
  record(at: EpochMs, requests: number, failed: number, prng: Prng): void {
    if (requests <= 0) return;
    this.requests.add(at, requests);
    this.failures.add(at, failed);
    const n = this.servedAt.length;
    if (requests >= n * 4) this.servedAt.fill(at);
    else for (let i = 0; i < requests; i++) this.servedAt[prng.int(n)] = at;
    if (failed >= n * 4) this.failedAt.fill(at);
    else for (let i = 0; i < failed; i++) this.failedAt[prng.int(n)] = at;
  }

  snapshot(now: EpochMs, active: boolean): ProviderSnapshot {
    const since = now - PROVIDER_WINDOW_MS;
    let affected = 0;
    let total = 0;
    for (let i = 0; i < this.servedAt.length; i++) {
      if ((this.servedAt[i] ?? -Infinity) > since) total++;
      if ((this.failedAt[i] ?? -Infinity) > since) affected++;
    }
    return {
      name: this.name,
      state: this.state,
      active,
      requests: this.requests.sum(now),
      failures: this.failures.sum(now),
      campaignsAffected: affected,
      campaignsTotal: total,
    };
  }
}

export function campaignId(i: number): string {
  return `cmp-${String(i + 1).padStart(3, '0')}`;
}
