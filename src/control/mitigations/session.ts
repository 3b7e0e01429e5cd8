// Builds a session's mitigation machinery: who the operator is and their role (roles file), the
// backend (live or simulation), the audit outbox, and the controller. Shared by the cockpit
// (src/runtime/main.ts) and `lsos-cockpit act`. The live backend's modules (the broker clients:
// ioredis, amqplib) are imported when a live session opens, so the simulation never loads them
// (start-up, docs/performance.md).
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { AuditOutbox } from '../audit/outbox.js';
import { ProvenanceReader } from '../audit/provenance.js';
import { AuditTrail } from '../audit/trail.js';
import type { DeadLetterReplayer, RemoteControl, TaskPublisher } from '../celery/types.js';
import { isIdempotent, type CockpitConfig } from '../../config/index.js';
import type { IncidentRecorder } from '../../journal/recorder.js';
import { DEFAULT_ROLES_FILE, resolveRole, type Identity, type RoleResolution } from '../roles/roles.js';
import type { LsosSimulation } from '../../sources/sim/simulation.js';
import { packageRoot } from '../../sources/sim/package-root.js';
import type { MitigationBackend } from './backend.js';
import { MitigationController } from './controller.js';
import type { Actor } from './execute.js';
import { SimulationBackend } from './simBackend.js';
import { attachStepServices } from './stepServices.js';
import { DEFAULT_REPLAY_QUIET_MS } from '../../core/replayGuard.js';
import { createClassifier } from '../../domain/failureClasses.js';

export const DEMO_ROLES_FILE = (): string => join(packageRoot(), 'fixtures', 'roles.demo.yaml');

/**
 * The simulation's demo declaration of idempotent tasks (`tasks.<name>.idempotent` in a live
 * config): fetching a page, checking a SERP position and syncing reviews are upserts, safe to run
 * twice. The config still wins where it declares a task; live mode never uses this list.
 */
export const SIMULATION_IDEMPOTENT_TASKS: readonly string[] = ['crawl.fetch_page', 'rank.check_serp', 'reviews.sync_reviews'];

export interface SessionOptions {
  config: CockpitConfig;
  recorder: IncidentRecorder;
  /** Simulation mode: the embedded model the cockpit runs (its demo roles file applies). */
  simulation?: LsosSimulation | null;
  /** --readonly: lowers, never raises. */
  readonlyFlag?: boolean;
  /** Live roles file (default /etc/lsos-cockpit/roles.yaml). Not settable from a flag or env. */
  rolesFile?: string;
  identity?: Identity;
  /** Live Celery clients; defaults: Redis publisher and remote control on the configured broker. */
  celery?: { publisher?: TaskPublisher | null; control?: RemoteControl | null; replayer?: DeadLetterReplayer | null };
  /** Audit PostgreSQL (default: sources.database.url). null: none (rows wait in the journal). */
  auditUrl?: string | null;
  now?: () => number;
}

export interface MitigationSession {
  controller: MitigationController;
  /** What the actions run against (live or simulated), for services attached per session. */
  backend: MitigationBackend;
  /** The control flags' Redis client (db 0), null in simulation or without a Redis. */
  flags: Redis | null;
  roles: RoleResolution;
  actor: Actor;
  /** null in simulation mode: simulated actions stay in the journal, never in ops_audit_log. */
  outbox: AuditOutbox | null;
  close(): Promise<void>;
}

/** The flags' Redis client: the broker's server, db 0 (contract section 6). */
export async function flagsClient(brokerUrl: string): Promise<Redis> {
  const { openRedis } = await import('../../sources/connect/redis.js');
  // openRedis: redis://, rediss:// and a sentinel:// list alike (writes follow a failover to the new master).
  const r = openRedis(brokerUrl, { maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: false, db: 0 });
  r.on('error', () => undefined); // surfaced by the commands that fail
  return r;
}

export async function openMitigationSession(o: SessionOptions): Promise<MitigationSession> {
  const sim = o.simulation ?? null;
  const roles = resolveRole({
    path: sim ? DEMO_ROLES_FILE() : (o.rolesFile ?? DEFAULT_ROLES_FILE),
    simulationDemo: sim !== null,
    ...(o.identity ? { identity: o.identity } : {}),
  });
  const readonly = o.readonlyFlag === true || !roles.ok;
  const actor: Actor = {
    operator: roles.identity.username,
    role: roles.role,
    roleSource: roles.ok ? roles.source : roles.reason,
    readonly,
    readonlyReason: o.readonlyFlag ? '--readonly' : roles.ok ? null : roles.reason,
  };
  const closers: Array<() => Promise<unknown>> = [];
  let backend: MitigationBackend;
  let flagsRedis: Redis | null = null;
  if (sim) backend = new SimulationBackend(sim);
  else {
    const redisUrl = o.config.sources.redis?.url ?? null;
    const amqpUrl = o.config.sources.amqp?.url ?? null;
    if (!redisUrl && !amqpUrl) throw new Error('mitigations need a broker: configure sources.redis or sources.amqp');
    const [
      { AmqpRemoteControl },
      { AmqpTaskPublisher },
      { AmqpDeadLetterReplayer },
      { RedisRemoteControl },
      { RedisTaskPublisher },
      { RedisDeadLetterReplayer },
      { LiveBackend },
    ] = await Promise.all([
      import('../celery/amqpControl.js'),
      import('../celery/amqpPublisher.js'),
      import('../celery/amqpReplay.js'),
      import('../celery/redisControl.js'),
      import('../celery/redisPublisher.js'),
      import('../celery/redisReplay.js'),
      import('./liveBackend.js'),
    ]);
    // The control flags live on Redis db 0 (contract section 6). An LSOS on RabbitMQ with no Redis
    // configured: flag actions fail saying so; remote control, publishing and replay still work.
    // sources.controlFlags when set (an LSOS on RabbitMQ keeps its flags on a Redis of its own).
    const flagsUrl = o.config.sources.controlFlags?.url ?? redisUrl;
    const flags = flagsUrl ? await flagsClient(flagsUrl) : null;
    flagsRedis = flags;
    if (flags) closers.push(() => flags.quit().catch(() => flags.disconnect()));
    // The broker: RabbitMQ when configured, else the Redis broker (its own db, from the URL).
    const publisher =
      o.celery?.publisher !== undefined
        ? o.celery.publisher
        : amqpUrl
          ? new AmqpTaskPublisher({ url: amqpUrl })
          : new RedisTaskPublisher({ url: redisUrl ?? '' });
    const control =
      o.celery?.control !== undefined
        ? o.celery.control
        : amqpUrl
          ? new AmqpRemoteControl({ url: amqpUrl })
          : new RedisRemoteControl({ url: redisUrl ?? '' });
    const replayer =
      o.celery?.replayer !== undefined
        ? o.celery.replayer
        : amqpUrl
          ? new AmqpDeadLetterReplayer({ url: amqpUrl, stateDir: o.recorder.stateDir })
          : new RedisDeadLetterReplayer({ url: redisUrl ?? '' });
    if (o.celery?.publisher === undefined && publisher) closers.push(() => publisher.close());
    if (o.celery?.control === undefined && control) closers.push(() => control.close());
    if (o.celery?.replayer === undefined && replayer) closers.push(() => replayer.close());
    backend = new LiveBackend({
      flags,
      publisher,
      control,
      replayer,
      replicasCommand: roles.file?.replicasCommand ?? null,
      queues: o.config.queues,
    });
  }
  // The replay guard's quiet period and the config's failure-class rules (dead letters' exceptions).
  attachStepServices(backend, {
    replayQuietPeriodMs: o.config.replayQuietPeriodMs ?? DEFAULT_REPLAY_QUIET_MS,
    classify: createClassifier(o.config.failureClasses),
  });
  const auditUrl = o.auditUrl !== undefined ? o.auditUrl : (o.config.sources.database?.url ?? null);
  const trail = !sim && auditUrl ? AuditTrail.fromUrl(auditUrl) : null;
  if (trail) closers.push(() => trail.close());
  const outbox = sim ? null : new AuditOutbox(o.recorder.stateDir, trail);
  // Who set what is in force: every incident's journal here, and ops_audit_log (any cockpit, any `act`).
  const provenance = new ProvenanceReader({ stateDir: o.recorder.stateDir, trail });
  const controller = new MitigationController({
    recorder: o.recorder,
    backend,
    actor,
    isIdempotent: (t) => (sim && o.config.tasks[t] === undefined ? SIMULATION_IDEMPOTENT_TASKS.includes(t) : isIdempotent(o.config, t)),
    outbox,
    provenance: () => provenance.read(),
    ...(o.now ? { now: o.now } : {}),
  });
  return {
    controller,
    backend,
    flags: flagsRedis,
    roles,
    actor,
    outbox,
    async close() {
      await controller.stop();
      for (const c of closers.reverse()) await c().catch(() => undefined);
    },
  };
}
