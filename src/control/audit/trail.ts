// `ops_audit_log` (contract section 7): one row per attempt and per outcome, chained by hash.
// Rows are written by the outbox (outbox.ts) from the journal, in order, idempotently: a row
// already in the table (same incident id and journal seq) is never written twice. An advisory
// lock serialises writers (two cockpits) so the chain stays one line. One kept connection, named
// `lsos-cockpit`; the table is created once when missing and allowed, else refused with what an
// administrator must run.
import type pg from 'pg';
import { auditHash, GENESIS_HASH, verifyAuditChain, type AuditRecord, type AuditRow, type ChainReport } from './chain.js';

export const AUDIT_TABLE = 'ops_audit_log';
/** Results that put a mitigation in force, take it out, or settle one sent without a reply. */
const IN_FORCE_RESULTS = ['done', 'partial', 'no-reply', 'confirmed', 'not-applied', 'lapsed', 'cleared'];
const LOCK_KEY = 0x6c736f73; // 'lsos'

export const CREATE_TABLE = `
CREATE TABLE IF NOT EXISTS ${AUDIT_TABLE} (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  operator text NOT NULL,
  role text NOT NULL,
  action text NOT NULL,
  target text NOT NULL,
  parameters jsonb NOT NULL,
  reason text NOT NULL,
  result text NOT NULL,
  incident_id text NOT NULL,
  task_ids text[] NOT NULL DEFAULT '{}',
  correlation_ids text[] NOT NULL DEFAULT '{}',
  journal_seq integer NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  UNIQUE (incident_id, journal_seq)
)`;

/** The name the cockpit's sessions carry in pg_stat_activity, so a DBA sees who holds them. */
export const APPLICATION_NAME = 'lsos-cockpit';

/**
 * The table cannot be used by this role: it is missing and may not be created, or may not be
 * written. Retrying soon will not help until an administrator acts; the message says what to run.
 */
export class AuditSetupError extends Error {
  override name = 'AuditSetupError';
}

/** PostgreSQL text may not hold NUL; JSON is also stripped of it so what is hashed is what is stored. */
function clean<T>(v: T): T {
  return JSON.parse(JSON.stringify(v).replace(/\\u0000/g, '')) as T;
}

export interface AuditTrailOptions {
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
}

/**
 * ops_audit_log through ONE connection, opened when first needed and kept, named `lsos-cockpit`
 * in pg_stat_activity: a cockpit that opened a connection per flush added one every 5 s to a
 * server whose slots were already full. A dropped connection is reopened on the next use (the
 * outbox paces those); the table is checked, and created if missing and allowed, once.
 */
export class AuditTrail {
  private ready = false;
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  /** pg.Client, or for a libpq host list a client class that moves along the list (made once). */
  private Client: typeof pg.Client | null = null;
  /** One statement or transaction at a time on the one connection. */
  private lock: Promise<unknown> = Promise.resolve();
  /** Connections opened so far (tests, the status). */
  connectionsOpened = 0;
  /** Connections made so far, and which of them is open (0: none). */
  private sessions = 0;
  private openSession = 0;

  constructor(
    private readonly url: string,
    private readonly opts: AuditTrailOptions = {},
  ) {}

  static fromUrl(url: string, opts: AuditTrailOptions = {}): AuditTrail {
    return new AuditTrail(url, opts);
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    this.connecting ??= (async () => {
      // A libpq host list: the host that answered last, then the next ones (each host once).
      // pg is loaded here, at the first connection: a session without an audit database (the
      // simulation) never loads it (start-up, docs/performance.md).
      const [{ default: pgLib }, { hostList, hostListClient }] = await Promise.all([
        import('pg'),
        import('../../sources/postgres/hosts.js'),
      ]);
      const hosts = hostList(this.url);
      this.Client ??= hosts ? hostListClient(hosts, (one) => one) : pgLib.Client;
      const attempts = hosts?.urls.length ?? 1;
      for (let attempt = 1; ; attempt++) {
        const c = new this.Client({
          connectionString: this.url,
          application_name: APPLICATION_NAME,
          connectionTimeoutMillis: this.opts.connectTimeoutMs ?? 2000,
          statement_timeout: this.opts.statementTimeoutMs ?? 5000,
        });
        // A dropped connection (also while a query runs): forget it, never an uncaught error.
        const drop = () => {
          if (this.client === c) {
            this.client = null;
            this.openSession = 0;
          }
        };
        c.on('error', drop);
        c.on('end', drop);
        this.connectionsOpened++;
        try {
          await c.connect();
        } catch (e) {
          await c.end().catch(() => undefined);
          if (attempt < attempts) continue;
          throw e;
        }
        this.client = c;
        this.openSession = ++this.sessions;
        return c;
      }
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /**
   * Which connection is open: a number that changes whenever the connection is replaced (dropped
   * and made again, e.g. to another host of a list after a failover), null while there is none.
   * What was read on one connection may not hold on the next: a promoted standby lacks the commits
   * the old primary had not yet sent it.
   */
  session(): number | null {
    return this.client && this.openSession ? this.openSession : null;
  }

  /** Runs `fn` on the connection, alone. A connection-level failure closes it so the next call starts clean. */
  private exclusive<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const run = this.lock.then(async () => {
      const c = await this.connection();
      try {
        return await fn(c);
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        // SQL errors (a five-character SQLSTATE outside connection classes 08 and 57P) leave the
        // session usable. A table this role may not use makes it useless until an administrator
        // acts (the outbox waits 30 min): its slot is given back meanwhile.
        if (e instanceof AuditSetupError || typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code) || /^(08|57P)/.test(code)) {
          if (this.client === c) {
            this.client = null;
            this.openSession = 0;
          }
          await c.end().catch(() => undefined);
        }
        throw e;
      }
    });
    this.lock = run.catch(() => undefined);
    return run;
  }

  /**
   * Checks once that ops_audit_log is there and writable, creating it when missing and allowed.
   * Throws AuditSetupError, with the statements an administrator would run, when it may not.
   */
  async ensureTable(): Promise<void> {
    if (this.ready) return;
    await this.exclusive((c) => this.ensureOn(c));
  }

  private async ensureOn(c: pg.Client): Promise<void> {
    if (this.ready) return;
    const r = await c.query<{ present: boolean; can_create: boolean; can_write: boolean | null; who: string; schema: string | null }>(
      `SELECT to_regclass($1) IS NOT NULL AS present,
              coalesce(has_schema_privilege(current_schema(), 'CREATE'), false) AS can_create,
              CASE WHEN to_regclass($1) IS NULL THEN NULL
                   ELSE has_table_privilege(to_regclass($1), 'SELECT, INSERT')
                        AND coalesce(has_sequence_privilege(pg_get_serial_sequence($1, 'id'), 'USAGE'), true) END AS can_write,
              current_user AS who, current_schema() AS schema`,
      [AUDIT_TABLE],
    );
    const row = r.rows[0];
    if (!row) throw new AuditSetupError(`cannot read the catalog to find ${AUDIT_TABLE}`);
    const grant = `GRANT SELECT, INSERT ON ${AUDIT_TABLE} TO ${row.who}; GRANT USAGE ON SEQUENCE ${AUDIT_TABLE}_id_seq TO ${row.who};`;
    if (row.present) {
      if (!row.can_write)
        throw new AuditSetupError(`${AUDIT_TABLE} exists but role ${row.who} may not write it: as its owner run ${grant}`);
    } else {
      if (!row.can_create)
        throw new AuditSetupError(
          `${AUDIT_TABLE} does not exist and role ${row.who} may not create it in schema ${row.schema ?? '(none)'}: ` +
            `create it once as an owner (the statement: docs/security.md), then ${grant}`,
        );
      await c.query(CREATE_TABLE);
    }
    this.ready = true;
  }

  /** Which of these (incident, seq) pairs are already in the table. */
  async present(incidentIds: string[]): Promise<Set<string>> {
    return this.exclusive(async (c) => {
      await this.ensureOn(c);
      if (incidentIds.length === 0) return new Set<string>();
      const r = await c.query<{ incident_id: string; journal_seq: number }>(
        `SELECT incident_id, journal_seq FROM ${AUDIT_TABLE} WHERE incident_id = ANY($1)`,
        [incidentIds],
      );
      return new Set(r.rows.map((x) => `${x.incident_id}#${x.journal_seq}`));
    });
  }

  /**
   * Appends records in the order given, each chained to the table's last row, in one transaction
   * under the lock; rows already present are skipped. Returns how many were written.
   */
  async append(records: AuditRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    return this.exclusive(async (c) => {
      await this.ensureOn(c);
      return this.appendOn(c, records);
    });
  }

  private async appendOn(c: pg.Client, records: AuditRecord[]): Promise<number> {
    try {
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      const last = await c.query<{ hash: string }>(`SELECT hash FROM ${AUDIT_TABLE} ORDER BY id DESC LIMIT 1`);
      let prev = last.rows[0]?.hash ?? GENESIS_HASH;
      let written = 0;
      for (const raw of records) {
        const r = clean(raw);
        const exists = await c.query(`SELECT 1 FROM ${AUDIT_TABLE} WHERE incident_id = $1 AND journal_seq = $2`, [
          r.incidentId,
          r.journalSeq,
        ]);
        if (exists.rowCount) continue;
        const hash = auditHash(r, prev);
        await c.query(
          `INSERT INTO ${AUDIT_TABLE} (at, operator, role, action, target, parameters, reason, result, incident_id, task_ids, correlation_ids, journal_seq, prev_hash, hash)
           VALUES ($1,$2,$3,$4,$5,$6::jsonb,$7,$8,$9,$10,$11,$12,$13,$14)`,
          [
            r.at,
            r.operator,
            r.role,
            r.action,
            r.target,
            JSON.stringify(r.parameters),
            r.reason,
            r.result,
            r.incidentId,
            r.taskIds,
            r.correlationIds,
            r.journalSeq,
            prev,
            hash,
          ],
        );
        prev = hash;
        written++;
      }
      await c.query('COMMIT');
      return written;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  async rows(): Promise<AuditRow[]> {
    await this.ensureTable();
    const r = await this.exclusive((c) =>
      c.query(
        `SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, operator, role, action, target, parameters, reason, result,
              incident_id, task_ids, correlation_ids, journal_seq, prev_hash, hash
         FROM ${AUDIT_TABLE} ORDER BY id`,
      ),
    );
    return r.rows.map((x: Record<string, unknown>) => ({
      id: Number(x.id),
      at: String(x.at),
      operator: String(x.operator),
      role: String(x.role),
      action: String(x.action),
      target: String(x.target),
      parameters: (x.parameters ?? {}) as Record<string, unknown>,
      reason: String(x.reason),
      result: String(x.result),
      incidentId: String(x.incident_id),
      taskIds: (x.task_ids as string[]) ?? [],
      correlationIds: (x.correlation_ids as string[]) ?? [],
      journalSeq: Number(x.journal_seq),
      prevHash: String(x.prev_hash),
      hash: String(x.hash),
    }));
  }

  /**
   * Rows whose result can put a mitigation in force or take it out (who set what, why, when, in
   * which incident), oldest first: what the in-force reader joins to what it finds on the system.
   * The first read takes the last `limit`; later ones only rows after `afterId`. Reads only: a
   * missing table is no rows, never a CREATE.
   */
  async recentRecords(opts: { limit?: number; afterId?: number } = {}): Promise<{ records: AuditRecord[]; lastId: number }> {
    const limit = Math.max(1, Math.min(opts.limit ?? 2000, 100_000));
    const after = opts.afterId ?? 0;
    return this.exclusive(async (c) => {
      const present = await c.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [AUDIT_TABLE]);
      if (!present.rows[0]?.present) return { records: [], lastId: after };
      const r = await c.query(
        `SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, operator, role, action, target, parameters,
                reason, result, incident_id, journal_seq
           FROM ${AUDIT_TABLE}
          WHERE result = ANY($1) AND id > $2
          ORDER BY id DESC
          LIMIT $3`,
        [IN_FORCE_RESULTS, after, limit],
      );
      const rows = r.rows.reverse() as Record<string, unknown>[];
      return {
        lastId: rows.reduce((m, x) => Math.max(m, Number(x.id)), after),
        records: rows.map((x) => ({
          at: String(x.at),
          operator: String(x.operator),
          role: String(x.role),
          action: String(x.action),
          target: String(x.target),
          parameters: (x.parameters ?? {}) as Record<string, unknown>,
          reason: String(x.reason),
          result: String(x.result),
          incidentId: String(x.incident_id),
          taskIds: [],
          correlationIds: [],
          journalSeq: Number(x.journal_seq),
        })),
      };
    });
  }

  async verify(): Promise<ChainReport> {
    return verifyAuditChain(await this.rows());
  }

  async close(): Promise<void> {
    await this.lock;
    const c = this.client;
    this.client = null;
    this.openSession = 0;
    await c?.end().catch(() => undefined);
  }
}
