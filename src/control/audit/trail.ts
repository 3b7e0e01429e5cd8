// `ops_audit_log` (contract section 7): one row per attempt and per outcome, chained by hash.
// Rows are written by the outbox (outbox.ts) from the journal, in order, idempotently: a row
// already in the table (same incident id and journal seq) is never written twice. An advisory
// lock serialises writers (two cockpits) so the chain stays one line.
import pg from 'pg';
import { checkOut } from '../../sources/postgres/pool.js';
import { auditHash, GENESIS_HASH, verifyAuditChain, type AuditRecord, type AuditRow, type ChainReport } from './chain.js';

export const AUDIT_TABLE = 'ops_audit_log';
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

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** PostgreSQL text may not hold NUL; JSON is also stripped of it so what is hashed is what is stored. */
function clean<T>(v: T): T {
  return JSON.parse(JSON.stringify(v).replace(/\\u0000/g, '')) as T;
}

export class AuditTrail {
  private ready = false;

  constructor(private readonly pool: pg.Pool) {}

  static fromUrl(url: string, opts: { connectTimeoutMs?: number; statementTimeoutMs?: number } = {}): AuditTrail {
    const pool = new pg.Pool({
      connectionString: url,
      max: 2,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 2000,
      statement_timeout: opts.statementTimeoutMs ?? 5000,
      idleTimeoutMillis: 5000,
    });
    pool.on('error', () => undefined); // a dropped idle connection: the next flush reports it
    return new AuditTrail(pool);
  }

  async ensureTable(q: Queryable = this.pool): Promise<void> {
    if (this.ready) return;
    await q.query(CREATE_TABLE);
    this.ready = true;
  }

  /** Which of these (incident, seq) pairs are already in the table. */
  async present(incidentIds: string[]): Promise<Set<string>> {
    await this.ensureTable();
    if (incidentIds.length === 0) return new Set();
    const r = await this.pool.query<{ incident_id: string; journal_seq: number }>(
      `SELECT incident_id, journal_seq FROM ${AUDIT_TABLE} WHERE incident_id = ANY($1)`,
      [incidentIds],
    );
    return new Set(r.rows.map((x) => `${x.incident_id}#${x.journal_seq}`));
  }

  /**
   * Appends records in the order given, each chained to the table's last row, in one transaction
   * under the lock; rows already present are skipped. Returns how many were written.
   */
  async append(records: AuditRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    await this.ensureTable();
    const c = await checkOut(this.pool);
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
    } finally {
      c.release();
    }
  }

  async rows(): Promise<AuditRow[]> {
    await this.ensureTable();
    const r = await this.pool.query(
      `SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, operator, role, action, target, parameters, reason, result,
              incident_id, task_ids, correlation_ids, journal_seq, prev_hash, hash
         FROM ${AUDIT_TABLE} ORDER BY id`,
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

  async verify(): Promise<ChainReport> {
    return verifyAuditChain(await this.rows());
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
