// LSOS's report-input tables (contract section 7) in a private database of a test cluster, and
// the truth about them read straight from the server, one plain query per campaign and day
// (deliberately not the cockpit's query).
import type { PgServer } from '../support/pgReplica.js';

export const DB = 'lsos_remaining';

export async function createLsosTables(primary: PgServer): Promise<void> {
  await primary.query(`create database ${DB}`);
  await primary.query(
    `create table campaigns (id bigint primary key, name text not null, active boolean not null default true, owner_email text,
       last_crawl_at timestamptz, last_rank_at timestamptz, last_review_at timestamptz);
     create table rank_results (id bigserial primary key, campaign_id bigint not null, checked_at timestamptz not null, keyword text, position int);
     create index on rank_results (campaign_id, checked_at);
     create table crawl_pages (id bigserial primary key, campaign_id bigint not null, fetched_at timestamptz not null, url text);
     create index on crawl_pages (campaign_id, fetched_at);`,
    [],
    DB,
  );
}

/** Every day of `month` (YYYY-MM) except `skip`, at noon UTC: one rank result / one crawled page each. */
export async function fillMonth(
  primary: PgServer,
  campaign: number,
  month: string,
  opts: { skipRank?: string[]; skipCrawl?: string[] } = {},
): Promise<void> {
  const first = `${month}-01`;
  await primary.query(
    `insert into rank_results (campaign_id, checked_at, keyword, position)
       select $1, d + interval '12 hours', 'kw', 1 from generate_series($2::date, ($2::date + interval '1 month' - interval '1 day')::date, interval '1 day') d
        where d::date::text <> all($3::text[])`,
    [campaign, first, opts.skipRank ?? []],
    DB,
  );
  await primary.query(
    `insert into crawl_pages (campaign_id, fetched_at, url)
       select $1, d + interval '12 hours', 'https://x/' from generate_series($2::date, ($2::date + interval '1 month' - interval '1 day')::date, interval '1 day') d
        where d::date::text <> all($3::text[])`,
    [campaign, first, opts.skipCrawl ?? []],
    DB,
  );
}

/** Per campaign, the days (of `days`) with no rank result and with no crawled page, asked one by one. */
export async function truthMissing(
  server: PgServer,
  campaign: number | string,
  days: readonly string[],
): Promise<{ rank: string[]; crawl: string[] }> {
  const c = await server.client(DB);
  try {
    const rank: string[] = [];
    const crawl: string[] = [];
    for (const day of days) {
      const from = `${day}T00:00:00Z`;
      const to = new Date(Date.parse(from) + 86_400_000).toISOString();
      const r = await c.query(
        'select exists (select 1 from rank_results where campaign_id = $1 and checked_at >= $2 and checked_at < $3) as x',
        [campaign, from, to],
      );
      const p = await c.query(
        'select exists (select 1 from crawl_pages where campaign_id = $1 and fetched_at >= $2 and fetched_at < $3) as x',
        [campaign, from, to],
      );
      if (!r.rows[0].x) rank.push(day);
      if (!p.rows[0].x) crawl.push(day);
    }
    return { rank, crawl };
  } finally {
    await c.end();
  }
}
