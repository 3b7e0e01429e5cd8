// The audit row and its hash chain: each row's hash covers its content and the previous row's
// hash, so an edited, removed or reordered row breaks the chain from that row on.
import { createHash } from 'node:crypto';
import { canonicalJson, GENESIS_HASH } from '../../core/timeline.js';

export { GENESIS_HASH };

/** One attempt or outcome, as it waits in the journal and as it lands in `ops_audit_log`. */
export interface AuditRecord {
  /** ISO 8601 UTC with milliseconds. */
  at: string;
  operator: string;
  role: string;
  action: string;
  target: string;
  parameters: Record<string, unknown>;
  reason: string;
  /** attempted | refused | done | partial | failed | lapsed */
  result: string;
  incidentId: string;
  taskIds: string[];
  correlationIds: string[];
  /** The journal entry it waits in: (incidentId, journalSeq) is its identity in the table. */
  journalSeq: number;
}

export interface AuditRow extends AuditRecord {
  id: number;
  prevHash: string;
  hash: string;
}

export function auditHash(r: AuditRecord, prevHash: string): string {
  const body = {
    at: r.at,
    operator: r.operator,
    role: r.role,
    action: r.action,
    target: r.target,
    parameters: r.parameters,
    reason: r.reason,
    result: r.result,
    incidentId: r.incidentId,
    taskIds: r.taskIds,
    correlationIds: r.correlationIds,
    journalSeq: r.journalSeq,
    prevHash,
  };
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

export interface ChainReport {
  rows: number;
  ok: boolean;
  /** The first row (table id) at which the chain cannot be trusted, null when intact. */
  brokenAtId: number | null;
  problems: string[];
  lastHash: string;
}

/** Checks rows in table order (id ascending): each row's hash, and each link to the one before. */
export function verifyAuditChain(rows: readonly AuditRow[]): ChainReport {
  const problems: string[] = [];
  let brokenAtId: number | null = null;
  let prev = GENESIS_HASH;
  for (const r of rows) {
    if (r.prevHash !== prev) {
      problems.push(`row ${r.id}: prev_hash does not match the row before it (a row was removed, inserted or reordered)`);
      brokenAtId ??= r.id;
    }
    if (auditHash(r, r.prevHash) !== r.hash) {
      problems.push(`row ${r.id}: content does not match its hash (row edited)`);
      brokenAtId ??= r.id;
    }
    prev = r.hash;
  }
  return { rows: rows.length, ok: problems.length === 0, brokenAtId, problems, lastHash: prev };
}

/** An audit record from a journal entry's details (the outbox reads them back), or null. */
export function auditRecordOf(details: Record<string, unknown>, incidentId: string, seq: number): AuditRecord | null {
  const a = details.audit;
  if (typeof a !== 'object' || a === null || Array.isArray(a)) return null;
  const o = a as Record<string, unknown>;
  const s = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : '');
  const arr = (k: string) => (Array.isArray(o[k]) ? (o[k] as unknown[]).filter((x): x is string => typeof x === 'string') : []);
  const params =
    typeof o.parameters === 'object' && o.parameters !== null && !Array.isArray(o.parameters)
      ? (o.parameters as Record<string, unknown>)
      : {};
  return {
    at: s('at'),
    operator: s('operator'),
    role: s('role'),
    action: s('action'),
    target: s('target'),
    parameters: params,
    reason: s('reason'),
    result: s('result'),
    incidentId,
    taskIds: arr('taskIds'),
    correlationIds: arr('correlationIds'),
    journalSeq: seq,
  };
}
