// Runs the integrity checks on one server through one read-only session with a statement timeout
// (createReadOnlyPool): each check's verdict with the figures it was judged on. A check that
// cannot run where it is (a table or the amcheck extension missing) is skipped with the reason; a
// SQL error or a timeout is an error (the check did not pass) and the next check still runs. A
// broken connection ends the run: the remaining checks are errors naming it.
import type pg from 'pg';
import { sanitize } from '../../core/sanitize.js';
import { checkOut, isSqlError } from '../../sources/postgres/pool.js';
import { describeExpectation, type AmcheckCheck, type IntegrityCheck, type SqlCheck } from './config.js';

export type IntegrityStatus = 'pass' | 'fail' | 'skipped' | 'error';

export interface IntegrityResult {
  name: string;
  status: IntegrityStatus;
  /** The expectation in words (`= 0`, `a = b in every row`). */
  expect: string;
  /** What the check was judged on: the value, the rows, the columns, indexes checked and failed. */
  figures: Record<string, unknown>;
  /** One line: why it passed, failed, was skipped or errored. */
  detail: string;
  durationMs: number;
}

export interface IntegrityRun {
  server: string;
  startedAt: number;
  finishedAt: number;
  results: IntegrityResult[];
  summary: Record<IntegrityStatus, number>;
}

type Session = Pick<pg.PoolClient, 'query'>;
type Row = Record<string, unknown>;

const SAMPLE_ROWS = 5;

/** A figure as JSON-safe data: numbers stay numbers, bigint text that fits becomes a number. */
export function figure(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'string') return /^-?\d{1,15}(\.\d+)?$/.test(v) ? Number(v) : sanitize(v, 200);
  if (v instanceof Date) return v.toISOString();
  return sanitize(JSON.stringify(v), 200);
}

const sampleRows = (rows: Row[]) =>
  rows.slice(0, SAMPLE_ROWS).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [sanitize(k, 63), figure(v)])));

const same = (a: unknown, b: unknown) => {
  const x = figure(a);
  const y = figure(b);
  return x === y || (x !== null && y !== null && String(x) === String(y));
};

/** The verdict of a SQL check on the rows it returned. Pure. */
export function judge(check: SqlCheck, rows: Row[], columns: string[]): Omit<IntegrityResult, 'durationMs'> {
  const e = check.expect;
  const base = { name: check.name, expect: describeExpectation(check) };
  const first = rows[0];
  const firstCol = columns[0];
  switch (e.kind) {
    case 'rows': {
      const ok = rows.length === e.value;
      return {
        ...base,
        status: ok ? 'pass' : 'fail',
        figures: { rows: rows.length, sample: sampleRows(rows) },
        detail: `${rows.length} row${rows.length === 1 ? '' : 's'}, expected ${e.value}`,
      };
    }
    case 'equals':
    case 'range': {
      if (!first || firstCol === undefined)
        return { ...base, status: 'fail', figures: { rows: 0 }, detail: 'no row returned: nothing to compare' };
      const value = figure(first[firstCol]);
      const figures = { value, column: firstCol, rows: rows.length };
      if (e.kind === 'equals') {
        const ok =
          typeof e.value === 'number' ? typeof value === 'number' && value === e.value : value !== null && String(value) === e.value;
        return {
          ...base,
          status: ok ? 'pass' : 'fail',
          figures,
          detail: `${firstCol} = ${JSON.stringify(value)}, expected ${JSON.stringify(e.value)}`,
        };
      }
      if (typeof value !== 'number')
        return { ...base, status: 'fail', figures, detail: `${firstCol} = ${JSON.stringify(value)} is not a number` };
      const ok = (e.min === null || value >= e.min) && (e.max === null || value <= e.max);
      return {
        ...base,
        status: ok ? 'pass' : 'fail',
        figures: { ...figures, min: e.min, max: e.max },
        detail: `${firstCol} = ${value}, expected ${describeExpectation(check)}`,
      };
    }
    case 'columnsEqual': {
      const missing = e.columns.filter((c) => !columns.includes(c));
      if (missing.length)
        return { ...base, status: 'error', figures: { columns }, detail: `the query returns no column ${missing.join(', ')}` };
      if (rows.length === 0) return { ...base, status: 'fail', figures: { rows: 0 }, detail: 'no row returned: nothing to compare' };
      const bad = rows.filter((r) => !e.columns.every((c) => same(r[c], r[e.columns[0] as string])));
      const values = Object.fromEntries(e.columns.map((c) => [c, figure(first?.[c])]));
      return {
        ...base,
        status: bad.length === 0 ? 'pass' : 'fail',
        figures: { ...values, rows: rows.length, mismatched: bad.length, ...(bad.length ? { sample: sampleRows(bad) } : {}) },
        detail:
          bad.length === 0
            ? `${e.columns.map((c) => `${c} ${JSON.stringify(values[c])}`).join(' = ')}${rows.length > 1 ? ` (${rows.length} rows)` : ''}`
            : `${bad.length} of ${rows.length} row${rows.length === 1 ? '' : 's'} differ: ${e.columns.map((c) => `${c} ${JSON.stringify(figure(bad[0]?.[c]))}`).join(' vs ')}`,
      };
    }
  }
}

class Broken extends Error {}

function errText(err: unknown): string {
  const e = err as Error & { code?: string };
  const msg = e instanceof Error ? (e.message.split('\n')[0] ?? e.name) : String(err);
  return sanitize(`${msg}${e?.code ? ` (SQLSTATE ${e.code})` : ''}`, 300);
}

async function query(session: Session, sql: string, params: unknown[] = []): Promise<pg.QueryResult<Row>> {
  try {
    return await session.query(sql, params);
  } catch (err) {
    if (!isSqlError(err) && !/statement timeout/i.test(String((err as Error)?.message))) throw new Broken(errText(err));
    throw err;
  }
}

async function missingRequirements(session: Session, c: SqlCheck): Promise<string[]> {
  const out: string[] = [];
  if (c.requires.tables.length) {
    const r = await query(session, 'select t, to_regclass(t) is not null as present from unnest($1::text[]) as t', [c.requires.tables]);
    for (const row of r.rows) if (row.present !== true) out.push(`table ${String(row.t)} does not exist`);
  }
  if (c.requires.extensions.length) {
    const r = await query(
      session,
      'select e, exists (select 1 from pg_extension where extname = e) as present from unnest($1::text[]) as e',
      [c.requires.extensions],
    );
    for (const row of r.rows) if (row.present !== true) out.push(`extension ${String(row.e)} is not installed`);
  }
  return out;
}

async function runSql(session: Session, c: SqlCheck): Promise<Omit<IntegrityResult, 'durationMs'>> {
  const missing = await missingRequirements(session, c);
  if (missing.length)
    return { name: c.name, status: 'skipped', expect: describeExpectation(c), figures: {}, detail: `skipped: ${missing.join('; ')}` };
  const r = await query(session, c.sql);
  return judge(
    c,
    r.rows,
    (r.fields ?? []).map((f) => f.name),
  );
}

// Valid, ready, permanent btree indexes of the given schemas (or the named ones), largest last.
const AMCHECK_INDEXES_SQL = `
select i.indexrelid::regclass::text as index, i.indexrelid as oid
  from pg_index i
  join pg_class c on c.oid = i.indexrelid
  join pg_am am on am.oid = c.relam and am.amname = 'btree'
  join pg_namespace n on n.oid = c.relnamespace
 where i.indisvalid and i.indisready and c.relpersistence <> 't'
   and (case when cardinality($2::text[]) > 0
             then i.indexrelid = any(array(select to_regclass(x)::oid from unnest($2::text[]) as x where to_regclass(x) is not null))
             else n.nspname = any($1::text[]) end)
 order by pg_relation_size(c.oid), 1
 limit $3`;

async function runAmcheck(session: Session, c: AmcheckCheck): Promise<Omit<IntegrityResult, 'durationMs'>> {
  const base = { name: c.name, expect: describeExpectation(c) };
  const ext = await query(session, "select extversion from pg_extension where extname = 'amcheck'");
  if (ext.rows.length === 0) {
    const db = await query(session, 'select current_database() as db');
    return {
      ...base,
      status: 'skipped',
      figures: { extension: null },
      detail: `skipped: extension amcheck is not installed in database ${sanitize(db.rows[0]?.db, 63)} (CREATE EXTENSION amcheck, as a superuser)`,
    };
  }
  const idx = await query(session, AMCHECK_INDEXES_SQL, [c.schemas, c.indexes, c.limit]);
  const failed: { index: string; error: string }[] = [];
  for (const row of idx.rows) {
    try {
      await query(session, 'select bt_index_check($1::oid::regclass, $2)', [row.oid, c.heapallindexed]);
    } catch (err) {
      if (err instanceof Broken) throw err;
      failed.push({ index: sanitize(row.index, 130), error: errText(err) });
    }
  }
  const names = idx.rows.map((r) => sanitize(r.index, 130));
  const notFound = c.indexes.filter((n) => !names.some((x) => x === n || x.endsWith(`.${n}`) || n.endsWith(`.${x}`)));
  const figures = {
    extension: figure(ext.rows[0]?.extversion),
    indexes: names.length,
    failed: failed.length,
    ...(failed.length ? { failures: failed.slice(0, 20) } : {}),
    ...(notFound.length ? { notFound } : {}),
  };
  if (names.length === 0)
    return {
      ...base,
      status: 'skipped',
      figures,
      detail: `skipped: no btree index found in ${c.indexes.length ? c.indexes.join(', ') : c.schemas.join(', ')}`,
    };
  const status = failed.length || notFound.length ? 'fail' : 'pass';
  const detail =
    status === 'pass'
      ? `${names.length} btree index${names.length === 1 ? '' : 'es'} checked, none corrupt`
      : [
          failed.length
            ? `${failed.length} of ${names.length} indexes failed: ${failed
                .slice(0, 3)
                .map((f) => `${f.index}: ${f.error}`)
                .join('; ')}`
            : '',
          notFound.length ? `not found: ${notFound.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; ');
  return { ...base, status, figures, detail };
}

export interface RunOptions {
  /** For the record: `host:port/db` (never credentials). */
  server: string;
  signal?: AbortSignal;
  onResult?: (r: IntegrityResult, index: number, total: number) => void;
  now?: () => number;
}

/** Runs every check in order on one session; never throws for a check, only reports. */
export async function runIntegrityChecks(session: Session, checks: readonly IntegrityCheck[], opts: RunOptions): Promise<IntegrityRun> {
  const now = opts.now ?? Date.now;
  const startedAt = now();
  const results: IntegrityResult[] = [];
  let broken: string | null = null;
  for (const [i, c] of checks.entries()) {
    const t0 = now();
    let r: Omit<IntegrityResult, 'durationMs'>;
    if (opts.signal?.aborted)
      r = { name: c.name, status: 'skipped', expect: describeExpectation(c), figures: {}, detail: 'skipped: stopped by the operator' };
    else if (broken !== null)
      r = { name: c.name, status: 'error', expect: describeExpectation(c), figures: {}, detail: `not run: the session broke (${broken})` };
    else {
      try {
        r = c.type === 'sql' ? await runSql(session, c) : await runAmcheck(session, c);
      } catch (err) {
        if (err instanceof Broken) broken = err.message;
        r = { name: c.name, status: 'error', expect: describeExpectation(c), figures: {}, detail: errText(err) };
      }
    }
    const res: IntegrityResult = { ...r, durationMs: Math.max(0, now() - t0) };
    results.push(res);
    opts.onResult?.(res, i, checks.length);
  }
  const summary: Record<IntegrityStatus, number> = { pass: 0, fail: 0, skipped: 0, error: 0 };
  for (const r of results) summary[r.status]++;
  return { server: opts.server, startedAt, finishedAt: now(), results, summary };
}

/** Runs on a pool (one session for the whole run, released afterwards, discarded if it broke). */
export async function runIntegrityOnPool(pool: pg.Pool, checks: readonly IntegrityCheck[], opts: RunOptions): Promise<IntegrityRun> {
  const client = await checkOut(pool);
  let run: IntegrityRun | null = null;
  try {
    run = await runIntegrityChecks(client, checks, opts);
    return run;
  } finally {
    const broke = run?.results.some((r) => r.detail.startsWith('not run: the session broke')) ?? true;
    client.release(broke ? true : undefined);
  }
}
