// What the cockpit writes to Celery: task messages (re-runs, backfills, owner notices), dead-letter
// replays and remote-control requests. These interfaces sit between the mitigation actions
// (src/control/mitigations/) and the broker-specific implementations (src/control/celery/redis*, src/control/celery/amqp*).
// Every message is validated against Celery's protocol v2 before it leaves: a malformed task
// message kills a real Celery worker (../shared/docs/celery-wire/).

/** A task to enqueue as a real Celery protocol-v2 message. */
export interface TaskSpec {
  /** Registered task name, e.g. `reporting.aggregate_kpis`. */
  task: string;
  /** The queue (routing key on the default exchange, as Celery 5.2 publishes). */
  queue: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  /** Defaults to a fresh uuid4; also the correlation id. */
  id?: string;
  /** Chain lineage; default: root_id = id, parent_id = null. */
  rootId?: string;
  parentId?: string | null;
  /** 0-9 (Redis: lowest number first; AMQP: needs x-max-priority). Default 0. */
  priority?: number;
  /** Extra headers (e.g. `lsos_replay_of`); LSOS's `lsos_sent_at` is always stamped. */
  headers?: Record<string, unknown>;
  /** Seconds from now before the task may run (Celery `countdown`). */
  countdownSeconds?: number;
}

export interface PublishResult {
  id: string;
  queue: string;
  task: string;
}

/** Publishes task messages. Redis: LPUSH the kombu envelope; RabbitMQ: publisher confirms. */
export interface TaskPublisher {
  publish(spec: TaskSpec): Promise<PublishResult>;
  /** Many tasks; stops at the first failure and reports how many went out. */
  publishMany(
    specs: TaskSpec[],
    opts?: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void },
  ): Promise<{ published: PublishResult[]; error: string | null }>;
  close(): Promise<void>;
}

/** One worker's answer to a remote-control request. */
export interface ControlReply {
  /** Worker node name, e.g. `w1@host`. */
  worker: string;
  ok: boolean;
  /** What the worker said (`{'ok': 'pool will shrink'}`, an error text). */
  detail: string;
  /** The raw reply body, for the record. */
  raw: unknown;
}

export type ControlCommand =
  'ping' | 'stats' | 'active_queues' | 'pool_shrink' | 'pool_grow' | 'autoscale' | 'cancel_consumer' | 'add_consumer';

/** Celery remote control over `celery.pidbox`, waiting for the workers' replies. */
export interface RemoteControl {
  /**
   * Sends `command` with `args` to `destination` workers (all when omitted) and collects replies
   * until `timeoutMs` or until every destination answered.
   */
  call(
    command: ControlCommand,
    args?: Record<string, unknown>,
    opts?: { destination?: string[]; timeoutMs?: number },
  ): Promise<ControlReply[]>;
  close(): Promise<void>;
}

/** Why a replay is done: contract section 5 reason codes. */
export const REPLAY_REASON_CODES = [
  'fix-deployed',
  'transient-cleared',
  'provider-recovered',
  'data-corrected',
  'operator-override',
] as const;
export type ReplayReasonCode = (typeof REPLAY_REASON_CODES)[number];

export interface ReplayRequest {
  /** The work queue whose dead letters (`Q.dead`) are replayed back to `Q`. */
  queue: string;
  /** At most this many (default: all present when the replay starts). */
  max?: number;
  /** Only dead letters of these task names (default: all). */
  tasks?: string[];
  operator: string;
  reasonCode: ReplayReasonCode;
  /** Messages per second at most (default 200). */
  ratePerSecond?: number;
  /** Task names that may be replayed (idempotent ones, or the overridden one); others are skipped and counted. */
  allowedTasks: (task: string) => boolean;
  /**
   * Only dead letters this accepts (by task and the exception LSOS recorded, `lsos_exc_type`;
   * null where the dead letter carries none, as on RabbitMQ); others stay in place. Default: all.
   */
  only?: (deadLetter: { task: string; excType: string | null }) => boolean;
  signal?: AbortSignal;
  onProgress?: (p: ReplayProgress) => void;
}

export interface ReplayProgress {
  replayed: number;
  skipped: number;
  /** Already replayed before (found in the ledger after a crash): not sent again. */
  alreadyDone: number;
  total: number;
}

export interface ReplayResult extends ReplayProgress {
  stopped: boolean;
  error: string | null;
  /** Task ids replayed in this run. */
  ids: string[];
  /** Of `skipped`: dead letters that could not be read or would not make a valid task message (they stay dead). */
  unreadable?: number;
}

/** Dead letters of one task and exception type, with when the oldest and newest of them failed. */
export interface DeadLetterDetail {
  task: string;
  /** `lsos_exc_type` (Redis); null where the dead letter does not carry it (RabbitMQ). */
  excType: string | null;
  count: number;
  /** Epoch ms (Redis `lsos_failed_at`, RabbitMQ's `x-death` time); null: not known. */
  oldestFailedAt: number | null;
  newestFailedAt: number | null;
}

export interface ReplayPreview {
  total: number;
  byTask: Record<string, number>;
  /** With `details`: the dead letters read, by task and exception type, with their failure times. */
  details?: DeadLetterDetail[];
}

/** Dead-letter replay with no loss and no duplicates, also across a crash or a dropped connection. */
export interface DeadLetterReplayer {
  /** What a replay would do, without doing it (counts per task name, idempotent or not). */
  preview(queue: string, opts?: { sample?: number; details?: boolean }): Promise<ReplayPreview>;
  replay(req: ReplayRequest): Promise<ReplayResult>;
  close(): Promise<void>;
}
