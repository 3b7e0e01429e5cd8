// Monthly report runs: reporting.aggregate_kpis -> render_html -> render_pdf (then
// email.deliver_report). A run fails when one of its steps is dead-lettered and succeeds when the
// final step does; the runbook's trigger is the failure share over a 1-hour window.

import type { EpochMs, ReportingSnapshot } from '../../core/snapshot.js';
import type { Prng } from './prng.js';
import { campaignId } from './provider-model.js';
import { RollingCounter } from './rolling-counter.js';

export const REPORT_WINDOW_MS = 60 * 60_000;

export class ReportingModel {
  private readonly succeeded = new RollingCounter(REPORT_WINDOW_MS, 10_000);
  private readonly failed = new RollingCounter(REPORT_WINDOW_MS, 10_000);
  private readonly failedAt: Float64Array;

  constructor(campaigns: number) {
    this.failedAt = new Float64Array(campaigns).fill(-Infinity);
  }

  runsSucceeded(at: EpochMs, n: number): void {
    this.succeeded.add(at, n);
  }

  /** Runs failed; which campaigns is not tracked per message, so they are drawn at random. */
  runsFailed(at: EpochMs, n: number, prng: Prng): void {
    if (n <= 0) return;
    this.failed.add(at, n);
    for (let i = 0; i < Math.min(n, this.failedAt.length * 4); i++) this.failedAt[prng.int(this.failedAt.length)] = at;
  }

  snapshot(now: EpochMs): ReportingSnapshot {
    const failures = this.failed.sum(now);
    const failedCampaigns: string[] = [];
    this.failedAt.forEach((t, i) => {
      if (t > now - REPORT_WINDOW_MS) failedCampaigns.push(campaignId(i));
    });
    return {
      runs: this.succeeded.sum(now) + failures,
      failures,
      windowMinutes: REPORT_WINDOW_MS / 60_000,
      failedCampaigns,
    };
  }
}
