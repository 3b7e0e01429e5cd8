// Integrity checks (runbook 6 step 4): a configured list of read-only checks, each SQL with an
// expected result, run after service is restored. The YAML shape, validated at the edge (every
// problem named with where it is), and the example checks the cockpit ships.
//
//   integrity_checks:
//     - name: report-rows-match          # [a-z0-9._-], unique
//       description: every KPI row has its report row   # optional
//       sql: select (select count(*) from report_kpis) as kpis, (select count(*) from reports) as reports
//       expect: { columnsEqual: [kpis, reports] }      # in every row these columns are equal
//     - name: orphan-rank-results
//       sql: select count(*) from rank_results r left join campaigns c on c.id = r.campaign_id where c.id is null
//       expect: { equals: 0 }            # or { max: n }, { min: n } (first column of the first row)
//       requires: { tables: [rank_results, campaigns] }   # skipped (with the reason) when absent
//     - name: duplicate-campaign-names
//       sql: select name from campaigns group by name having count(*) > 1
//       expect: { rows: 0 }              # the number of rows returned
//     - name: btree-indexes
//       amcheck: { schema: public }      # bt_index_check on every valid btree index (or `indexes: [..]`)
//     - name: report-kpis-own-campaign
//       sql: select r.campaign_id::text as report_of, k.campaign_id::text as kpis_of from reports r join report_kpis k on k.report_id = r.id where k.campaign_id <> r.campaign_id limit 20
//       expect: { rows: 0 }
//       severity: SEV-1                  # a failure is a signal: it opens an incident at this severity
//       signal: cross-tenant-risk        # or data-corruption (the default)
//       every: 10m                       # and the cockpit runs it by itself this often (at least 30s)
//
// A check with `severity:` that fails (not one skipped or in error: that says nothing of the data)
// raises a signal (src/core/signals.ts): a trigger that opens an incident at that severity, with
// the rows it returned as evidence and the campaign ids in them as its campaigns.
//
// A check runs as one statement on a read-only session with a statement timeout; `min`/`max`
// may be combined (a range); `equals` takes a number or a string.
import { isSeverity, SEVERITIES, type Severity } from '../../core/incident.js';
import { isSignalKind, SIGNAL_KINDS, type SignalKind } from '../../core/signals.js';
import { parseDurationMs } from '../../domain/duration.js';
import { parseYamlData } from '../../domain/yaml.js';
import { readInputFile } from '../../config/inputFile.js';

export type Expectation =
  | { kind: 'equals'; value: number | string }
  | { kind: 'range'; min: number | null; max: number | null }
  | { kind: 'rows'; value: number }
  | { kind: 'columnsEqual'; columns: string[] };

/** What a failure of the check means, when its definition says (`severity:`): a signal. */
export interface CheckSignal {
  severity: Severity;
  kind: SignalKind;
  /** `every:`: the cockpit runs the check by itself this often (ms); null: only when asked. */
  everyMs: number | null;
}

/** The shortest `every:` a check may have: the checks read the primary. */
export const MIN_EVERY_MS = 30_000;

export interface SqlCheck {
  type: 'sql';
  name: string;
  description: string;
  /** null: a failure is only a result in the timeline; set: it also raises a signal. */
  signal: CheckSignal | null;
  sql: string;
  expect: Expectation;
  requires: { tables: string[]; extensions: string[] };
}

export interface AmcheckCheck {
  type: 'amcheck';
  name: string;
  description: string;
  signal: CheckSignal | null;
  /** Schemas whose btree indexes are checked (default: public). */
  schemas: string[];
  /** Only these indexes (schema-qualified or not); empty: every valid btree index of the schemas. */
  indexes: string[];
  /** bt_index_check's heapallindexed: also checks that every heap tuple is indexed (slower). */
  heapallindexed: boolean;
  /** At most this many indexes per run. */
  limit: number;
}

export type IntegrityCheck = SqlCheck | AmcheckCheck;

export class IntegrityConfigError extends Error {
  override name = 'IntegrityConfigError';
  constructor(
    readonly problems: string[],
    readonly source: string,
  ) {
    super(`${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the integrity checks:\n  ${problems.join('\n  ')}`);
  }
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,79}$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_$]{0,62}(\.[A-Za-z_][A-Za-z0-9_$]{0,62})?$/;
const MAX_SQL = 20_000;
const MAX_CHECKS = 500;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function unknownKeys(o: Record<string, unknown>, allowed: readonly string[], at: string, problems: string[]): void {
  for (const k of Object.keys(o))
    if (!allowed.includes(k)) problems.push(`${at}: unknown key "${k.slice(0, 40)}" (allowed: ${allowed.join(', ')})`);
}

function identList(v: unknown, at: string, problems: string[]): string[] {
  if (v === undefined) return [];
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' && IDENT.test(x))) {
    problems.push(`${at}: a list of table / extension / index names ([schema.]name)`);
    return [];
  }
  return list as string[];
}

function expectation(v: unknown, at: string, problems: string[]): Expectation | null {
  if (!isObj(v)) {
    problems.push(
      `${at}: expect is needed: { equals: n } | { min: n } | { max: n } | { min: a, max: b } | { rows: n } | { columnsEqual: [a, b] }`,
    );
    return null;
  }
  unknownKeys(v, ['equals', 'min', 'max', 'rows', 'columnsEqual'], at, problems);
  const kinds = ['equals', 'rows', 'columnsEqual'].filter((k) => v[k] !== undefined);
  const range = v.min !== undefined || v.max !== undefined;
  if (kinds.length + (range ? 1 : 0) !== 1) {
    problems.push(`${at}: exactly one of equals, min/max, rows, columnsEqual`);
    return null;
  }
  if (v.equals !== undefined) {
    if (!finite(v.equals) && typeof v.equals !== 'string') problems.push(`${at}.equals: a number or a string`);
    else return { kind: 'equals', value: v.equals };
    return null;
  }
  if (v.rows !== undefined) {
    if (!finite(v.rows) || !Number.isInteger(v.rows) || v.rows < 0) problems.push(`${at}.rows: a whole number >= 0`);
    else return { kind: 'rows', value: v.rows };
    return null;
  }
  if (v.columnsEqual !== undefined) {
    const c = v.columnsEqual;
    if (!Array.isArray(c) || c.length < 2 || !c.every((x) => typeof x === 'string' && x !== ''))
      problems.push(`${at}.columnsEqual: two or more column names`);
    else if (new Set(c).size !== c.length) problems.push(`${at}.columnsEqual: a column named twice`);
    else return { kind: 'columnsEqual', columns: c as string[] };
    return null;
  }
  const min = v.min === undefined ? null : v.min;
  const max = v.max === undefined ? null : v.max;
  if (min !== null && !finite(min)) problems.push(`${at}.min: a number`);
  if (max !== null && !finite(max)) problems.push(`${at}.max: a number`);
  if (finite(min) && finite(max) && min > max) problems.push(`${at}: min ${min} is above max ${max}`);
  return problems.some((p) => p.startsWith(`${at}.m`) || p.startsWith(`${at}: min`))
    ? null
    : { kind: 'range', min: min as number | null, max: max as number | null };
}

/**
 * `severity:` (SEV-1/2/3), `signal:` (its kind; data-corruption when only the severity is given)
 * and `every:` (how often the cockpit runs it by itself).
 */
function checkSignal(v: Record<string, unknown>, at: string, problems: string[], minEveryMs: number): CheckSignal | null {
  if (v.severity === undefined) {
    if (v.signal !== undefined) problems.push(`${at}.signal: needs a severity (severity: SEV-1, SEV-2 or SEV-3)`);
    if (v.every !== undefined) problems.push(`${at}.every: needs a severity (a check run by itself raises a signal when it fails)`);
    return null;
  }
  let everyMs: number | null = null;
  if (v.every !== undefined) {
    everyMs = typeof v.every === 'string' ? parseDurationMs(v.every) : null;
    if (everyMs === null || everyMs < minEveryMs) {
      problems.push(
        `${at}.every: a duration of at least ${minEveryMs / 1000}s such as "10m", got ${JSON.stringify(v.every)?.slice(0, 40)}`,
      );
      everyMs = null;
    }
  }
  const sev = typeof v.severity === 'string' ? v.severity.trim().toUpperCase() : v.severity;
  if (!isSeverity(sev)) {
    problems.push(`${at}.severity: one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(v.severity)?.slice(0, 40)}`);
    return null;
  }
  const kind = v.signal === undefined ? 'data-corruption' : v.signal;
  if (!isSignalKind(kind)) {
    problems.push(`${at}.signal: one of ${SIGNAL_KINDS.join(', ')}, got ${JSON.stringify(v.signal)?.slice(0, 40)}`);
    return null;
  }
  return { severity: sev, kind, everyMs };
}

function oneCheck(v: unknown, at: string, problems: string[], minEveryMs: number): IntegrityCheck | null {
  if (!isObj(v)) {
    problems.push(`${at}: a check is a mapping with name and sql + expect (or amcheck)`);
    return null;
  }
  const name = v.name;
  if (typeof name !== 'string' || !NAME.test(name)) {
    problems.push(`${at}.name: lowercase letters, digits, . _ - (up to 80), got ${JSON.stringify(name ?? null)?.slice(0, 40)}`);
  }
  const description = v.description === undefined ? '' : v.description;
  if (typeof description !== 'string') problems.push(`${at}.description: text`);
  const label = typeof name === 'string' ? `${at} (${name.slice(0, 40)})` : at;
  if (v.amcheck !== undefined) {
    unknownKeys(v, ['name', 'description', 'amcheck', 'severity', 'signal', 'every'], label, problems);
    const signal = checkSignal(v, label, problems, minEveryMs);
    const a = v.amcheck === null || v.amcheck === true ? {} : v.amcheck;
    if (!isObj(a)) {
      problems.push(`${label}.amcheck: a mapping { schema, indexes, heapallindexed, limit } (or {})`);
      return null;
    }
    unknownKeys(a, ['schema', 'schemas', 'indexes', 'heapallindexed', 'limit'], `${label}.amcheck`, problems);
    const schemas = [
      ...identList(a.schema, `${label}.amcheck.schema`, problems),
      ...identList(a.schemas, `${label}.amcheck.schemas`, problems),
    ];
    const indexes = identList(a.indexes, `${label}.amcheck.indexes`, problems);
    if (a.heapallindexed !== undefined && typeof a.heapallindexed !== 'boolean')
      problems.push(`${label}.amcheck.heapallindexed: true or false`);
    const limit = a.limit === undefined ? 200 : a.limit;
    if (!finite(limit) || !Number.isInteger(limit) || limit < 1 || limit > 10_000)
      problems.push(`${label}.amcheck.limit: a whole number from 1 to 10000`);
    if (typeof name !== 'string') return null;
    return {
      type: 'amcheck',
      name,
      description: typeof description === 'string' ? description : '',
      signal,
      schemas: schemas.length ? schemas : ['public'],
      indexes,
      heapallindexed: a.heapallindexed === true,
      limit: finite(limit) ? limit : 200,
    };
  }
  unknownKeys(v, ['name', 'description', 'sql', 'expect', 'requires', 'severity', 'signal', 'every'], label, problems);
  const signal = checkSignal(v, label, problems, minEveryMs);
  const sql = v.sql;
  if (typeof sql !== 'string' || sql.trim() === '') problems.push(`${label}.sql: the query (one statement)`);
  else if (sql.length > MAX_SQL) problems.push(`${label}.sql: longer than ${MAX_SQL} characters`);
  // One statement: a `;` inside the text other than a trailing one would run a second statement.
  else if (/;\s*\S/.test(sql.replace(/'(?:[^']|'')*'/g, "''").replace(/--[^\n]*/g, '')))
    problems.push(`${label}.sql: one statement only (a ; in the middle)`);
  const expect = expectation(v.expect, `${label}.expect`, problems);
  let requires = { tables: [] as string[], extensions: [] as string[] };
  if (v.requires !== undefined) {
    if (!isObj(v.requires)) problems.push(`${label}.requires: { tables: [..], extensions: [..] }`);
    else {
      unknownKeys(v.requires, ['tables', 'extensions', 'table', 'extension'], `${label}.requires`, problems);
      requires = {
        tables: [
          ...identList(v.requires.tables, `${label}.requires.tables`, problems),
          ...identList(v.requires.table, `${label}.requires.table`, problems),
        ],
        extensions: [
          ...identList(v.requires.extensions, `${label}.requires.extensions`, problems),
          ...identList(v.requires.extension, `${label}.requires.extension`, problems),
        ],
      };
    }
  }
  if (typeof name !== 'string' || typeof sql !== 'string' || expect === null) return null;
  return {
    type: 'sql',
    name,
    description: typeof description === 'string' ? description : '',
    signal,
    sql: sql.trim().replace(/;\s*$/, ''),
    expect,
    requires,
  };
}

/** How checks are read: `minEveryMs`, the shortest `every:` allowed (MIN_EVERY_MS; shorter in tests). */
export interface IntegrityReadOptions {
  minEveryMs?: number;
}

/** Validates parsed YAML/JSON: `{ integrity_checks: [...] }` or the list itself. */
export function validateIntegrityChecks(doc: unknown, source = 'integrity checks', opts: IntegrityReadOptions = {}): IntegrityCheck[] {
  const problems: string[] = [];
  let list: unknown = doc;
  if (isObj(doc)) {
    unknownKeys(doc, ['integrity_checks'], source, problems);
    list = doc.integrity_checks;
  }
  if (!Array.isArray(list)) throw new IntegrityConfigError([...problems, 'integrity_checks: a list of checks'], source);
  if (list.length > MAX_CHECKS) problems.push(`integrity_checks: ${list.length} checks, at most ${MAX_CHECKS}`);
  const checks: IntegrityCheck[] = [];
  list.slice(0, MAX_CHECKS).forEach((v, i) => {
    const c = oneCheck(v, `integrity_checks[${i}]`, problems, opts.minEveryMs ?? MIN_EVERY_MS);
    if (c) checks.push(c);
  });
  const seen = new Set<string>();
  for (const c of checks) {
    if (seen.has(c.name)) problems.push(`integrity_checks: name "${c.name}" used twice`);
    seen.add(c.name);
  }
  if (problems.length) throw new IntegrityConfigError(problems, source);
  return checks;
}

/** Parses and validates a YAML text. */
export function parseIntegrityChecks(text: string, source = 'integrity checks', opts: IntegrityReadOptions = {}): IntegrityCheck[] {
  // A small file of checks: half the usual alias allowance.
  const data = parseYamlData(text, source, { maxAliasCount: 50 });
  if (!data.ok) throw new IntegrityConfigError([`${data.where}: ${data.problem.message}`], source);
  return validateIntegrityChecks(data.value, source, opts);
}

/** The checks the cockpit runs when none are configured: LSOS's own tables (contract section 7). */
export const EXAMPLE_INTEGRITY_YAML = `
integrity_checks:
  - name: orphan-rank-results
    description: rank results whose campaign does not exist (orphaned foreign keys)
    sql: select count(*)::bigint as orphans from rank_results r left join campaigns c on c.id = r.campaign_id where c.id is null
    expect: { equals: 0 }
    requires: { tables: [rank_results, campaigns] }
  - name: orphan-crawl-pages
    description: crawled pages whose campaign does not exist (orphaned foreign keys)
    sql: select count(*)::bigint as orphans from crawl_pages p left join campaigns c on c.id = p.campaign_id where c.id is null
    expect: { equals: 0 }
    requires: { tables: [crawl_pages, campaigns] }
  - name: campaign-stamps-match-rank-results
    description: active campaigns with rank results match those whose last_rank_at is set (row counts that must match)
    sql: >-
      select (select count(distinct r.campaign_id) from rank_results r join campaigns c on c.id = r.campaign_id where c.active)::bigint as with_results,
             (select count(*) from campaigns c where c.active and c.last_rank_at is not null and exists (select 1 from rank_results r where r.campaign_id = c.id))::bigint as stamped
    expect: { columnsEqual: [with_results, stamped] }
    requires: { tables: [rank_results, campaigns] }
  - name: active-campaigns-have-owner
    description: active campaigns without an owner e-mail (owners cannot be told of gaps)
    sql: select id::text from campaigns where active and coalesce(owner_email, '') = '' limit 50
    expect: { rows: 0 }
    requires: { tables: [campaigns] }
  - name: btree-indexes
    description: amcheck bt_index_check on every valid btree index of schema public
    amcheck: { schema: public }
`;

export function exampleIntegrityChecks(): IntegrityCheck[] {
  return parseIntegrityChecks(EXAMPLE_INTEGRITY_YAML, 'built-in integrity checks');
}

/** The expectation in words, for previews, the timeline and the PIR. */
export function describeExpectation(c: IntegrityCheck): string {
  if (c.type === 'amcheck')
    return `bt_index_check${c.heapallindexed ? ' (heapallindexed)' : ''} passes on every btree index of ${c.indexes.length ? c.indexes.join(', ') : c.schemas.join(', ')}`;
  const e = c.expect;
  switch (e.kind) {
    case 'equals':
      return `= ${typeof e.value === 'string' ? JSON.stringify(e.value) : e.value}`;
    case 'range':
      return e.min !== null && e.max !== null ? `between ${e.min} and ${e.max}` : e.min !== null ? `>= ${e.min}` : `<= ${e.max}`;
    case 'rows':
      return `${e.value} row${e.value === 1 ? '' : 's'}`;
    case 'columnsEqual':
      return `${e.columns.join(' = ')} in every row`;
  }
}

/**
 * The configured checks (`integrityChecks:` in the config file), else the built-in examples.
 * A file that is missing or invalid is refused with every problem: the operator asked for it.
 */
export function loadIntegrityChecks(file: string | null): IntegrityCheck[] {
  if (file === null) return exampleIntegrityChecks();
  let text: string;
  try {
    text = readInputFile(file, { what: 'integrity checks file' });
  } catch (e) {
    throw new IntegrityConfigError([`cannot read it: ${e instanceof Error ? e.message : String(e)}`], file);
  }
  return parseIntegrityChecks(text, file);
}
