// Data completeness of a report month, read in ONE query whatever the number of campaigns: the
// month's days (generate_series) LEFT JOIN rank_results / crawl_pages aggregated per campaign and
// UTC day. Run it on a read-only pool with a statement timeout (createReadOnlyPool): no session of
// ours can write or hang behind a lock. Campaign ids are matched as text so any id type works,
// while the joins to rank_results / crawl_pages use the campaigns table's own id (its index).
import type pg from 'pg';
import {
  assessCompleteness,
  DEFAULT_HISTORY_DAYS,
  monthWindow,
  type CampaignPresence,
  type CompletenessReport,
} from '../../core/completeness.js';
import { sanitize } from '../../core/sanitize.js';
import type { EpochMs } from '../../core/snapshot.js';

type Queryable = Pick<pg.Pool | pg.PoolClient | pg.Client, 'query'>;

/** At most this many campaign ids per check (a bound on the parameter, not a query per id). */
export const MAX_CAMPAIGNS = 50_000;

// $1 text[] campaign ids (null: every active campaign), $2 first day, $3 last day (dates, UTC).
// Rows: one per campaign, with the days (within the window) that have rank results / pages.
export const COMPLETENESS_SQL = `
with days as (
  select d::date as day from generate_series($2::date, $3::date, interval '1 day') as d
),
c as (
  select id, id::text as cid, coalesce(name::text, '') as name, owner_email::text as owner
    from campaigns
   where case when $1::text[] is null then active else id::text = any($1::text[]) end
),
r as (
  select rr.campaign_id, (rr.checked_at at time zone 'UTC')::date as day
    from rank_results rr join c on c.id = rr.campaign_id
   where rr.checked_at >= ($2::date)::timestamp at time zone 'UTC'
     and rr.checked_at < ($3::date + 1)::timestamp at time zone 'UTC'
   group by 1, 2
),
p as (
  select cp.campaign_id, (cp.fetched_at at time zone 'UTC')::date as day
    from crawl_pages cp join c on c.id = cp.campaign_id
   where cp.fetched_at >= ($2::date)::timestamp at time zone 'UTC'
     and cp.fetched_at < ($3::date + 1)::timestamp at time zone 'UTC'
   group by 1, 2
)
select c.cid as id, c.name, c.owner,
       coalesce(array_agg(days.day::text order by days.day) filter (where r.day is not null), '{}') as rank_days,
       coalesce(array_agg(days.day::text order by days.day) filter (where p.day is not null), '{}') as crawl_days
  from c cross join days
  left join r on r.campaign_id = c.id and r.day = days.day
  left join p on p.campaign_id = c.id and p.day = days.day
 group by c.cid, c.name, c.owner
 order by c.cid`;

export interface CompletenessQuery {
  month: string;
  /** Campaign ids (as text); null or empty: every active campaign. */
  campaigns: readonly string[] | null;
  now: EpochMs;
  historyDays?: number;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const days = (v: unknown): string[] => (Array.isArray(v) ? v.filter((d): d is string => typeof d === 'string' && DAY.test(d)) : []);

/** Reads presence per campaign and day in one round trip and judges the month. */
export async function readCompleteness(db: Queryable, q: CompletenessQuery): Promise<CompletenessReport> {
  const historyDays = q.historyDays ?? DEFAULT_HISTORY_DAYS;
  const window = monthWindow(q.month, q.now, historyDays);
  const asked = q.campaigns && q.campaigns.length > 0 ? [...new Set(q.campaigns.map((c) => String(c)))] : null;
  if (asked && asked.length > MAX_CAMPAIGNS) throw new RangeError(`${asked.length} campaigns: at most ${MAX_CAMPAIGNS} per check`);
  if (window.through === null) return assessCompleteness(window, [], { now: q.now, historyDays, asked });
  const res = await db.query(COMPLETENESS_SQL, [asked, window.first, window.through]);
  const presence: CampaignPresence[] = (res.rows as Record<string, unknown>[]).map((r) => ({
    id: sanitize(r.id ?? '', 64),
    name: sanitize(r.name ?? '', 80),
    ownerEmail: r.owner === null || r.owner === undefined ? null : sanitize(r.owner, 120),
    rankDays: days(r.rank_days),
    crawlDays: days(r.crawl_days),
  }));
  return assessCompleteness(window, presence, { now: q.now, historyDays, asked });
}
