// The one way a mitigation runs, for the TUI and `lsos-cockpit act` alike. In order: role check,
// reason check (replay: a contract reason code), parameters and preview blockers, idempotency
// (replay: an override only by typing the task name, recorded as an override), the replay guard
// (replay: evidence of a fix, src/core/replayGuard.ts, unless overridden and recorded), then the attempt
// is recorded in the journal (fsynced) with its audit row (outbox), the mitigation runs, and the
// outcome is recorded the same way. A refusal is recorded as refused.
import { REPLAY_REASON_CODES } from '../celery/types.js';
import { NO_REPLY, NO_REPLY_TEXT } from '../../core/inForce.js';
import type { TimelineEntry } from '../../core/timeline.js';
import type { IncidentRecorder } from '../../journal/recorder.js';
import { atLeast, type Role } from '../roles/roles.js';
import type { AuditRecord } from '../audit/chain.js';
import type { MitigationBackend } from './backend.js';
import { findMitigation } from './catalog.js';
import { paramsForRecord } from './params.js';
import type { Mitigation, MitigationContext, MitigationParams, Outcome, Preview } from './types.js';

export interface Actor {
  operator: string;
  role: Role;
  /** Why the role is what it is (roles file, refused file, read-only). */
  roleSource: string;
  /** A read-only session (no roles file, --readonly) refuses every mitigation. */
  readonly: boolean;
  readonlyReason: string | null;
}

export interface ExecuteDeps {
  recorder: IncidentRecorder;
  backend: MitigationBackend;
  actor: Actor;
  isIdempotent(task: string): boolean;
  /** Wakes the audit outbox after each record (it writes in the background). */
  onRecorded?: () => void;
  now?: () => number;
}

export interface ExecuteRequest {
  mitigationId: string;
  params: MitigationParams;
  reason: string;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, text?: string) => void;
  /** Checks and preview only: nothing runs, nothing is recorded. */
  dryRun?: boolean;
}

export type ExecuteResult =
  | { status: 'refused'; refusal: string; preview: Preview | null; entries: TimelineEntry[] }
  | { status: 'dry-run'; preview: Preview; wouldRefuse: string | null }
  | { status: Outcome['status']; preview: Preview; outcome: Outcome; entries: TimelineEntry[] };

export class UnknownMitigationError extends Error {
  override name = 'UnknownMitigationError';
}

/** The target an action is about, for the record: queue, task, provider or the flag. */
export function targetOf(m: Mitigation, p: MitigationParams): string {
  switch (m.appliesTo) {
    case 'queue':
      return p.queue ?? '';
    case 'task':
      return p.task ?? '';
    case 'provider':
      return p.provider ?? '';
    default:
      return p.task ?? p.queue ?? p.provider ?? p.scope ?? m.id;
  }
}

/** Role, reason, parameters: the checks that need no system access. null when they pass. */
export function preflight(m: Mitigation, actor: Actor, params: MitigationParams, reason: string): string | null {
  if (actor.readonly) return `read-only session: ${actor.readonlyReason ?? 'no reason given'}`;
  if (!atLeast(actor.role, m.role)) return `${m.title} needs role ${m.role}; ${actor.operator} is ${actor.role} (${actor.roleSource})`;
  if (reason.trim() === '') return 'a reason is required';
  if (m.replay) {
    const code = params.reasonCode;
    if (!code || !(REPLAY_REASON_CODES as readonly string[]).includes(code))
      return `a replay needs a reason code: one of ${REPLAY_REASON_CODES.join(', ')}`;
  }
  const missing = m.required.filter((k) => params[k] === undefined || (Array.isArray(params[k]) && (params[k] as unknown[]).length === 0));
  if (missing.length) return `missing ${missing.join(', ')}`;
  return null;
}

/**
 * Replay: runbook 3.4 "after fix". The preview's guard refusal unless the operator overrides it
 * (`fixCheck: override`, recorded with the refusal it overrode).
 */
export function fixCheck(preview: Preview, params: MitigationParams): string | null {
  const refusal = preview.replayGuard?.refusal ?? null;
  if (refusal === null || params.fixCheck === 'override') return null;
  return `${refusal}; to replay anyway set "without evidence of a fix" to override (fixCheck=override; recorded)`;
}

/** Replay: refuses a non-idempotent task without the typed override. */
export function idempotencyCheck(preview: Preview, params: MitigationParams, isIdempotent: (t: string) => boolean): string | null {
  const override = params.overrideTask;
  if (override !== undefined) {
    if (isIdempotent(override)) return `override ${override}: it is declared idempotent, no override needed`;
    if (params.task !== undefined && params.task !== override) return `the override names ${override} but the replay is of ${params.task}`;
  }
  if (params.task !== undefined && !isIdempotent(params.task) && params.task !== override) {
    return `${params.task} is not declared idempotent (tasks.${params.task}.idempotent): replay refused without an explicit override (type the task name)`;
  }
  const tasks = preview.replayTasks ?? [];
  const allowed = tasks.filter((t) => (t.idempotent || t.task === override) && (!params.task || t.task === params.task));
  if (tasks.length > 0 && allowed.length === 0) {
    return `no dead letter in ${params.queue}.dead is of an idempotent task (${tasks.map((t) => t.task).join(', ')}): replay refused without an explicit override`;
  }
  return null;
}

export async function executeMitigation(req: ExecuteRequest, deps: ExecuteDeps): Promise<ExecuteResult> {
  const m = findMitigation(req.mitigationId);
  if (!m) throw new UnknownMitigationError(`no mitigation "${req.mitigationId}"`);
  const now = deps.now ?? Date.now;
  const reason = req.reason.trim();
  const ctx: MitigationContext = {
    params: req.params,
    operator: deps.actor.operator,
    reason,
    now: now(),
    backend: deps.backend,
    isIdempotent: deps.isIdempotent,
  };
  const target = targetOf(m, req.params);
  const override = m.replay && req.params.overrideTask !== undefined;
  // Set once the preview is read: the guard refusal an explicit fix-check override went past.
  let fixOverride: string | null = null;

  const entries: TimelineEntry[] = [];
  const record = (
    result: string,
    extra: Record<string, unknown>,
    ids: { taskIds?: string[]; correlationIds?: string[] } = {},
    outcomeParams: Record<string, unknown> = {},
  ): void => {
    if (!deps.recorder.isActive())
      deps.recorder.openIncident(`mitigation ${m.id} on ${target || 'the system'}: ${reason || 'no reason given'}`);
    const at = new Date(now()).toISOString();
    const parameters = {
      ...paramsForRecord(req.params),
      ...(override ? { override: true } : {}),
      ...(fixOverride !== null ? { fixCheckOverride: true } : {}),
      ...(deps.backend.simulated ? { simulated: true } : {}),
      ...outcomeParams,
    };
    const audit: Omit<AuditRecord, 'incidentId' | 'journalSeq'> = {
      at,
      operator: deps.actor.operator,
      role: deps.actor.role,
      action: m.id,
      target,
      parameters,
      reason,
      result,
      taskIds: ids.taskIds ?? [],
      correlationIds: ids.correlationIds ?? [],
    };
    const entry = deps.recorder.record('action', {
      action: m.id,
      target,
      reason,
      // A command without a reply is neither done nor failed: said so in the runbook's words.
      outcome: `${result === NO_REPLY ? NO_REPLY_TEXT : result}${deps.backend.simulated ? ', SIMULATED' : ''}`,
      section: m.runbook,
      role: deps.actor.role,
      mitigation: m.id,
      params: parameters,
      ...(m.inForce ? { inForce: m.inForce } : {}),
      ...(override ? { override: req.params.overrideTask } : {}),
      ...(fixOverride !== null ? { fixCheckOverride: fixOverride } : {}),
      ...extra,
      audit,
    });
    entries.push(entry);
    deps.onRecorded?.();
  };
  const refuse = (refusal: string, preview: Preview | null): ExecuteResult => {
    if (!req.dryRun) record('refused', { refusal });
    return { status: 'refused', refusal, preview, entries };
  };

  // A named task that is not idempotent is refused before anything is read (runbook 8.3).
  const named =
    m.replay && req.params.task !== undefined && !deps.isIdempotent(req.params.task) && req.params.task !== req.params.overrideTask
      ? `${req.params.task} is not declared idempotent (tasks.${req.params.task}.idempotent): replay refused without an explicit override (type the task name)`
      : null;
  const pre = preflight(m, deps.actor, req.params, reason) ?? named;
  if (pre && !req.dryRun) return refuse(pre, null);
  let preview: Preview;
  try {
    preview = await m.preview(ctx);
  } catch (e) {
    const why = `preview failed: ${e instanceof Error ? e.message : String(e)}`;
    if (req.dryRun)
      return {
        status: 'dry-run',
        preview: { title: m.title, lines: [], blockers: [why], simulated: deps.backend.simulated },
        wouldRefuse: pre ?? why,
      };
    return refuse(why, null);
  }
  const blocked = preview.blockers.length ? preview.blockers.join('; ') : null;
  const idem = m.replay ? idempotencyCheck(preview, req.params, deps.isIdempotent) : null;
  const unfixed = m.replay ? fixCheck(preview, req.params) : null;
  if (req.dryRun) return { status: 'dry-run', preview, wouldRefuse: pre ?? blocked ?? idem ?? unfixed };
  if (blocked) return refuse(blocked, preview);
  if (idem) return refuse(idem, preview);
  if (unfixed) return refuse(unfixed, preview);
  if (m.replay && preview.replayGuard?.refusal) fixOverride = preview.replayGuard.refusal;

  try {
    record('attempted', { preview: preview.lines.map((l) => l.text).slice(0, 50) });
  } catch (e) {
    // The attempt must be on disk before anything changes (the journal is full or not writable).
    return refuse(`not started: ${e instanceof Error ? e.message : String(e)}`, preview);
  }
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  req.signal?.addEventListener('abort', onAbort, { once: true });
  if (req.signal?.aborted) controller.abort();
  let outcome: Outcome;
  try {
    outcome = await m.run(ctx, { signal: controller.signal, ...(req.onProgress ? { onProgress: req.onProgress } : {}) });
  } catch (e) {
    outcome = {
      status: 'failed',
      details: [],
      failures: [{ target: target || m.id, error: e instanceof Error ? e.message : String(e) }],
      simulated: deps.backend.simulated,
    };
  } finally {
    req.signal?.removeEventListener('abort', onAbort);
  }
  record(
    outcome.status,
    {
      details: outcome.details.slice(0, 50),
      failures: outcome.failures.slice(0, 50),
      ...(outcome.unconfirmed?.length ? { unconfirmed: outcome.unconfirmed.slice(0, 50) } : {}),
      ...(outcome.stopped ? { stopped: true } : {}),
      ...(outcome.record ? { record: outcome.record } : {}),
      ...(m.undo ? { undo: m.undo } : {}),
    },
    { taskIds: (outcome.taskIds ?? []).slice(0, 10_000), correlationIds: (outcome.correlationIds ?? []).slice(0, 10_000) },
    // The audit row names the workers a command went to and those that never replied, so any
    // cockpit reading ops_audit_log can tell what is in force and settle what is unconfirmed.
    {
      ...(!req.params.workers && Array.isArray(outcome.record?.workers) ? { workers: outcome.record.workers } : {}),
      ...(outcome.unconfirmed?.length ? { noReply: outcome.unconfirmed.map((u) => u.target) } : {}),
    },
  );
  return { status: outcome.status, preview, outcome, entries };
}
