// Bundles what a session needs to run mitigations: the executor's dependencies, the audit
// outbox, and the in-force checker. The TUI and `lsos-cockpit act` each make one.
import type { AuditOutbox } from '../audit/outbox.js';
import type { IncidentRecorder } from '../../journal/recorder.js';
import type { MitigationBackend } from './backend.js';
import { executeMitigation, type Actor, type ExecuteRequest, type ExecuteResult } from './execute.js';
import { CONFIRMED, NOT_APPLIED } from '../../core/inForce.js';
import type { ProvenanceRead } from '../audit/provenance.js';
import { InForceChecker, type InForce, type MitigationsState, type Settlement } from './inForce.js';

export interface ControllerOptions {
  recorder: IncidentRecorder;
  backend: MitigationBackend;
  actor: Actor;
  isIdempotent(task: string): boolean;
  outbox?: AuditOutbox | null;
  /** Where the "Mitigations in force" state goes (the store), after each check and each action. */
  publish?: (state: MitigationsState) => void;
  /** Who set what, from every incident's records and ops_audit_log (see audit/provenance.ts). */
  provenance?: () => Promise<ProvenanceRead>;
  /** How long a worker answering again may take to show a command it never replied to (default 15 s). */
  confirmWindowMs?: number;
  now?: () => number;
}

export class MitigationController {
  readonly checker: InForceChecker;
  private state: MitigationsState;

  constructor(readonly o: ControllerOptions) {
    this.state = {
      backend: o.backend.label,
      simulated: o.backend.simulated,
      role: o.actor.role,
      roleSource: o.actor.readonly ? `read-only: ${o.actor.readonlyReason ?? ''}` : o.actor.roleSource,
      inForce: [],
      checkedAt: null,
      checkError: null,
      audit: null,
    };
    this.checker = new InForceChecker({
      recorder: o.recorder,
      backend: o.backend,
      publish: (p) => this.update(p),
      recordLapse: (m) => this.recordLapse(m),
      recordSettled: (st) => this.recordSettled(st),
      ...(o.provenance ? { provenance: o.provenance } : {}),
      ...(o.confirmWindowMs !== undefined ? { confirmWindowMs: o.confirmWindowMs } : {}),
      ...(o.now ? { now: o.now } : {}),
    });
    this.update({ inForce: this.checker.current() });
  }

  get actor(): Actor {
    return this.o.actor;
  }

  get backend(): MitigationBackend {
    return this.o.backend;
  }

  snapshot(): MitigationsState {
    return this.state;
  }

  private update(patch: Partial<MitigationsState>): void {
    const audit = this.o.outbox ? { pending: this.o.outbox.last.pending, error: this.o.outbox.last.error } : null;
    this.state = { ...this.state, ...patch, audit };
    this.o.publish?.(this.state);
  }

  private wakeOutbox = (): void => {
    if (this.o.outbox) void this.o.outbox.flush().then(() => this.update({}));
  };

  async execute(req: ExecuteRequest): Promise<ExecuteResult> {
    const r = await executeMitigation(req, {
      recorder: this.o.recorder,
      backend: this.o.backend,
      actor: this.o.actor,
      isIdempotent: this.o.isIdempotent,
      onRecorded: this.wakeOutbox,
      ...(this.o.now ? { now: this.o.now } : {}),
    });
    if (!req.dryRun) {
      this.update({ inForce: this.checker.current() });
      void this.checker.check();
    }
    return r;
  }

  /** A time-boxed mitigation ended on its own: an action entry (and audit row) says so. */
  private recordLapse(m: InForce): void {
    if (!this.o.recorder.isActive()) return;
    const at = new Date((this.o.now ?? Date.now)()).toISOString();
    this.o.recorder.record('action', {
      action: `${m.action}-lapsed`,
      target: m.target,
      reason: `expired at ${m.until ?? '?'} (set by ${m.by}: ${m.reason})`,
      outcome: 'lapsed',
      mitigation: m.action,
      inForce: { kind: m.kind },
      params: { task: m.target },
      record: { task: m.target },
      audit: {
        at,
        operator: this.o.actor.operator,
        role: this.o.actor.role,
        action: `${m.action}-lapsed`,
        target: m.target,
        parameters: { until: m.until, setBy: m.by },
        reason: 'time-boxed mitigation lapsed on its own',
        result: 'lapsed',
        taskIds: [],
        correlationIds: [],
      },
    });
    this.wakeOutbox();
  }

  /**
   * A command sent without a reply, settled by the worker's later answer: recorded (journal and
   * audit row) as confirmed applied or not applied, naming the entry it settles. With no incident
   * to record it in, the next check settles it again.
   */
  private recordSettled(st: Settlement): void {
    const m = st.item;
    if (!this.o.recorder.view()) return;
    const at = new Date((this.o.now ?? Date.now)()).toISOString();
    const action = m.undoing ?? m.action;
    const result = st.applied ? CONFIRMED : NOT_APPLIED;
    const settles = m.setIn !== null && m.seq !== undefined ? `${m.setIn}#${m.seq}` : null;
    const params = { ...(m.params ?? {}), workers: [st.worker] };
    const reason = `${st.observed} (${action} had no reply${settles ? `; settles ${settles}` : ''})`;
    try {
      this.o.recorder.record('action', {
        action,
        target: m.target,
        reason,
        outcome: `${st.applied ? 'confirmed: applied' : 'not applied'}${m.simulated ? ', SIMULATED' : ''}`,
        mitigation: action,
        inForce: { kind: m.kind, ...(m.undoing ? { removes: true } : {}) },
        params,
        record: { workers: [st.worker], ...(st.applied && m.kind === 'shrunk-pool' ? { merge: { restoreTo: m.expect.restoreTo } } : {}) },
        ...(settles ? { settles } : {}),
        audit: {
          at,
          operator: this.o.actor.operator,
          role: this.o.actor.role,
          action,
          target: m.target,
          parameters: { ...params, ...(settles ? { settles } : {}) },
          reason,
          result,
          taskIds: [],
          correlationIds: [],
        },
      });
      this.wakeOutbox();
    } catch {
      // The journal refused (full, not writable): the next check settles it again.
    }
  }

  start(checkEveryMs = 5000, flushEveryMs = 5000): void {
    this.checker.start(checkEveryMs);
    this.o.outbox?.start(flushEveryMs);
    this.wakeOutbox();
  }

  async stop(): Promise<void> {
    this.checker.stop();
    this.o.outbox?.stop();
    if (this.o.outbox) await this.o.outbox.flush();
  }
}
