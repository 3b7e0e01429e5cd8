// Data completeness of a report month (runbook 4 step 1; contract section 7): a campaign's month
// is complete when every day of it has rank results and crawled pages. A gap older than the
// providers' history window (30 days) cannot be backfilled: it is irrecoverable, and its owner is
// told (runbook 4 step 5). Pure: the figures come from src/sources/postgres/completeness.ts.
import type { EpochMs } from './snapshot.js';
import { compareText } from '../domain/textOrder.js';

export const DEFAULT_HISTORY_DAYS = 30;

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const DAY_MS = 86_400_000;

/** `YYYY-MM`, or null when it is not a real month. */
export function parseMonth(text: string): { year: number; month: number } | null {
  const m = MONTH.exec(text.trim());
  return m ? { year: Number(m[1]), month: Number(m[2]) } : null;
}

/** `YYYY-MM-DD` of an epoch ms, in UTC (report days are UTC days). */
export function utcDay(ms: EpochMs): string {
  return new Date(ms).toISOString().slice(0, 10);
}

const dayStart = (day: string): EpochMs => Date.parse(`${day}T00:00:00.000Z`);

/** The report month a reporting incident is usually about: the previous UTC calendar month. */
export function previousMonth(now: EpochMs): string {
  const d = new Date(now);
  const y = d.getUTCMonth() === 0 ? d.getUTCFullYear() - 1 : d.getUTCFullYear();
  const m = d.getUTCMonth() === 0 ? 12 : d.getUTCMonth();
  return `${y}-${String(m).padStart(2, '0')}`;
}

export interface MonthWindow {
  month: string;
  /** First and last day of the month, `YYYY-MM-DD`. */
  first: string;
  last: string;
  /**
   * The last day that can be judged: the month's last day, or yesterday for the running month
   * (today's data is still arriving; later days have not happened). null: nothing to judge yet.
   */
  through: string | null;
  /** Days from `first` to `through`, in order. */
  days: string[];
  /** Days before this one (UTC) are older than the providers' history: irrecoverable. */
  historyCutoff: string;
}

/**
 * The days of `month` to check at `now`. A day is irrecoverable when it started before
 * now − historyDays: the providers no longer hold all of it, so a backfill cannot complete it.
 */
export function monthWindow(month: string, now: EpochMs, historyDays = DEFAULT_HISTORY_DAYS): MonthWindow {
  const p = parseMonth(month);
  if (!p) throw new RangeError(`month must be YYYY-MM, got "${month.slice(0, 20)}"`);
  if (!Number.isFinite(historyDays) || historyDays < 0) throw new RangeError('historyDays must be >= 0');
  const firstMs = Date.UTC(p.year, p.month - 1, 1);
  const lastMs = Date.UTC(p.year, p.month, 0);
  const yesterday = dayStart(utcDay(now)) - DAY_MS;
  const throughMs = Math.min(lastMs, yesterday);
  const days: string[] = [];
  for (let t = firstMs; t <= throughMs; t += DAY_MS) days.push(utcDay(t));
  // The first day still wholly inside the history window.
  // The first day that starts inside the history window (day starts rounded up).
  const edge = now - historyDays * DAY_MS;
  const cutoffMs = Math.ceil(edge / DAY_MS) * DAY_MS;
  return {
    month: `${p.year}-${String(p.month).padStart(2, '0')}`,
    first: utcDay(firstMs),
    last: utcDay(lastMs),
    through: throughMs >= firstMs ? utcDay(throughMs) : null,
    days,
    historyCutoff: utcDay(cutoffMs),
  };
}

export interface CampaignInfo {
  id: string;
  name: string;
  ownerEmail: string | null;
}

/** What the database holds for one campaign: the days (of the window) with at least one row. */
export interface CampaignPresence extends CampaignInfo {
  rankDays: readonly string[];
  crawlDays: readonly string[];
}

export interface MissingDay {
  day: string;
  /** No rank results that day. */
  rank: boolean;
  /** No crawled pages that day. */
  crawl: boolean;
  /** Older than the providers' history: cannot be backfilled. */
  irrecoverable: boolean;
}

export interface CampaignCompleteness extends CampaignInfo {
  missing: MissingDay[];
  /** Days of `missing` that are irrecoverable. */
  irrecoverableDays: string[];
  complete: boolean;
}

export interface CompletenessReport {
  window: MonthWindow;
  historyDays: number;
  checkedAt: EpochMs;
  /** Every campaign checked, those with gaps first (most irrecoverable days, then most missing). */
  campaigns: CampaignCompleteness[];
  /** Campaign ids asked for that the campaigns table does not have. */
  unknownCampaigns: string[];
  totals: { campaigns: number; incomplete: number; withIrrecoverable: number; missingDays: number; irrecoverableDays: number };
}

export function assessCompleteness(
  window: MonthWindow,
  presence: readonly CampaignPresence[],
  opts: { now: EpochMs; historyDays?: number; asked?: readonly string[] | null },
): CompletenessReport {
  const campaigns = presence.map((c): CampaignCompleteness => {
    const rank = new Set(c.rankDays);
    const crawl = new Set(c.crawlDays);
    const missing: MissingDay[] = [];
    for (const day of window.days) {
      const r = !rank.has(day);
      const w = !crawl.has(day);
      if (r || w) missing.push({ day, rank: r, crawl: w, irrecoverable: day < window.historyCutoff });
    }
    const irrecoverableDays = missing.filter((m) => m.irrecoverable).map((m) => m.day);
    return { id: c.id, name: c.name, ownerEmail: c.ownerEmail, missing, irrecoverableDays, complete: missing.length === 0 };
  });
  campaigns.sort(
    (a, b) => b.irrecoverableDays.length - a.irrecoverableDays.length || b.missing.length - a.missing.length || compareText(a.id, b.id),
  );
  const known = new Set(presence.map((c) => c.id));
  const unknownCampaigns = [...new Set((opts.asked ?? []).filter((id) => !known.has(id)))];
  return {
    window,
    historyDays: opts.historyDays ?? DEFAULT_HISTORY_DAYS,
    checkedAt: opts.now,
    campaigns,
    unknownCampaigns,
    totals: {
      campaigns: campaigns.length,
      incomplete: campaigns.filter((c) => !c.complete).length,
      withIrrecoverable: campaigns.filter((c) => c.irrecoverableDays.length > 0).length,
      missingDays: campaigns.reduce((n, c) => n + c.missing.length, 0),
      irrecoverableDays: campaigns.reduce((n, c) => n + c.irrecoverableDays.length, 0),
    },
  };
}

/** Consecutive days as ranges: `2026-10-03..05, 2026-10-09` (short, for panes and notes). */
export function formatDays(days: readonly string[]): string {
  const sorted = [...days].sort();
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && dayStart(sorted[j + 1] as string) - dayStart(sorted[j] as string) === DAY_MS) j++;
    const a = sorted[i] as string;
    const b = sorted[j] as string;
    parts.push(i === j ? a : `${a}..${b.slice(8)}`);
    i = j + 1;
  }
  return parts.join(', ');
}

/** The report as lines of text for the cockpit (a campaign per line, irrecoverable days marked `!`). */
export function completenessLines(r: CompletenessReport, maxCampaigns = 12): string[] {
  const t = r.totals;
  const w = r.window;
  const lines = [
    `${w.month}: days ${w.first}..${w.through ? w.through.slice(8) : '(none yet)'} checked; history window ${r.historyDays} d (before ${w.historyCutoff} irrecoverable)`,
    `${t.incomplete} of ${t.campaigns} campaigns incomplete, ${t.missingDays} missing days, ${t.irrecoverableDays} irrecoverable (${t.withIrrecoverable} campaigns)`,
  ];
  if (r.unknownCampaigns.length)
    lines.push(`not in campaigns: ${r.unknownCampaigns.slice(0, 10).join(', ')}${r.unknownCampaigns.length > 10 ? ' ...' : ''}`);
  const gaps = r.campaigns.filter((c) => !c.complete);
  for (const c of gaps.slice(0, maxCampaigns)) {
    const lost = c.irrecoverableDays.length ? ` ! irrecoverable ${formatDays(c.irrecoverableDays)}` : '';
    const rest = c.missing.filter((m) => !m.irrecoverable).map((m) => m.day);
    const recoverable = rest.length ? ` missing ${formatDays(rest)}` : '';
    lines.push(`${c.id} ${c.name} (${c.ownerEmail ?? 'no owner'}):${lost}${recoverable}`);
  }
  if (gaps.length > maxCampaigns) lines.push(`... and ${gaps.length - maxCampaigns} more campaigns with gaps`);
  return lines;
}
