// From a configuration to the live Source objects, one place for the cockpit and `check` alike:
// the PostgreSQL and API sources, the brokers (queues, failure-class rules, the event
// aggregator's classifier), and a source that cannot be set up reading as down.
import type { CheckArea, ChecklistThresholds } from '../core/checklist.js';
import type { SnapshotPatch, SnapshotSlice, Source } from '../core/source.js';
import { redactSecrets, type CockpitConfig } from '../config/index.js';
import type { AmqpSourceConfig, RedisSourceConfig, SourceName } from '../config/types.js';
import { createClassifier } from '../domain/failureClasses.js';
import { RabbitMqSource } from './amqp/index.js';
import { ApiHealthSource, API_TIMEOUT_MS } from './http/apiHealth.js';
import { PostgresSource } from './postgres/source.js';
import { RedisCelerySource } from './redis/index.js';

/** A live source and the part of the checklist it answers for. */
export interface LiveSource {
  source: Source;
  area: CheckArea;
  /** How often the cockpit polls it. */
  pollIntervalMs: number;
  /**
   * One-shot use (`check`): read once to connect and subscribe, wait this long, and use a second
   * read. For sources fed by events (worker heartbeats arrive every 2 s, failures as they happen).
   */
  warmupMs?: number;
}

/** Constructors of the broker sources (brokerFactories() below; tests pass their own). */
export interface BrokerFactories {
  redis?: (redis: RedisSourceConfig, config: CockpitConfig) => Source;
  amqp?: (amqp: AmqpSourceConfig, config: CockpitConfig) => Source;
}

/** The checklist's thresholds from the configuration. */
export function checklistThresholds(config: CockpitConfig): ChecklistThresholds {
  return { ...config.thresholds, apiTimeoutMs: API_TIMEOUT_MS };
}

/** Worker heartbeats arrive every 2 s: one-shot readers of event-fed sources wait this long. */
export const BROKER_WARMUP_MS = 5_000;

/** A configured source whose implementation is not wired in: every read says so. */
class UnwiredSource implements Source {
  /** It never answers, so it writes nothing. */
  readonly owns: readonly SnapshotSlice[] = [];
  constructor(
    readonly name: string,
    private readonly why: string,
  ) {}
  async read(): Promise<SnapshotPatch> {
    throw new Error(this.why);
  }
  async close(): Promise<void> {}
}

/**
 * A source whose constructor threw (a URL its driver cannot use): every read says why, with the
 * URL's password masked, so the cockpit shows it as down and `check` says it could not run (exit 3),
 * never a stack trace.
 */
function setUp(name: string, urls: readonly string[], make: () => Source): Source {
  try {
    return make();
  } catch (err) {
    const why = redactSecrets(err instanceof Error ? err.message : String(err), urls);
    return new UnwiredSource(name, `the ${name} source cannot be set up: ${why}`);
  }
}

/** The live sources of a configuration. The PostgreSQL and API sources are built here; the brokers by `factories`. */
export function buildLiveSources(config: CockpitConfig, factories: BrokerFactories = {}): LiveSource[] {
  const s = config.sources;
  const poll = (n: SourceName): number => config.pollIntervalMs[n];
  const out: LiveSource[] = [];
  if (s.redis) {
    const redis = s.redis;
    const source = factories.redis
      ? setUp('redis', [redis.url], () => (factories.redis as NonNullable<BrokerFactories['redis']>)(redis, config))
      : new UnwiredSource('redis', 'the Redis source is not wired into this build');
    out.push({ source, area: 'broker', pollIntervalMs: poll('redis'), warmupMs: BROKER_WARMUP_MS });
  }
  if (s.amqp) {
    const amqp = s.amqp;
    const source = factories.amqp
      ? setUp('rabbitmq', [amqp.url], () => (factories.amqp as NonNullable<BrokerFactories['amqp']>)(amqp, config))
      : new UnwiredSource('amqp', 'the RabbitMQ source is not wired into this build');
    out.push({ source, area: 'broker', pollIntervalMs: poll('amqp'), warmupMs: BROKER_WARMUP_MS });
  }
  if (s.database) {
    const db = s.database;
    out.push({
      source: setUp(
        'postgres',
        [db.url, ...s.replicas.map((r) => r.url)],
        () =>
          new PostgresSource({
            primaryUrl: db.url,
            replicas: s.replicas,
            statementTimeoutMs: config.statementTimeoutMs,
            freshnessSeconds: config.thresholds.freshnessSeconds,
            backupOkStatuses: db.backupOkStatuses,
          }),
      ),
      area: 'database',
      pollIntervalMs: poll('postgres'),
    });
  }
  if (s.api) {
    const api = s.api;
    out.push({ source: setUp('api', [api.url], () => new ApiHealthSource(api.url)), area: 'api', pollIntervalMs: poll('api') });
  }
  return out;
}

export function brokerFactories(): BrokerFactories {
  return {
    redis: (redis, config) => {
      return new RedisCelerySource({
        url: redis.url,
        db: redis.db,
        queues: config.queues,
        failureRules: config.failureClasses,
        aggregator: { classify: createClassifier(config.failureClasses) },
      });
    },
    amqp: (amqp, config) =>
      new RabbitMqSource({
        url: amqp.url,
        queues: config.queues,
        events: { classify: createClassifier(config.failureClasses) },
      }),
  };
}

/** Every live source of a configuration, brokers included. */
export function openLiveSources(config: CockpitConfig): LiveSource[] {
  return buildLiveSources(config, brokerFactories());
}
