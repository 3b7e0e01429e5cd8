// From a configuration to the live sources: which are configured, how they are described (with
// passwords masked), and the Source objects themselves.
import { ApiHealthSource, API_TIMEOUT_MS } from '../sources/http/apiHealth.js';
import { PostgresSource } from '../sources/postgres/source.js';
import type { CheckArea, ChecklistThresholds } from '../core/checklist.js';
import type { Source, SnapshotPatch } from '../core/source.js';
import { maskUrl } from './maskUrl.js';
import {
  formatOrigin,
  type AmqpSourceConfig,
  type CockpitConfig,
  type Provenance,
  type RedisSourceConfig,
  type SourceName,
} from './types.js';

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

/** Constructors of the broker sources, written elsewhere; the lead wires them in. */
export interface BrokerFactories {
  redis?: (redis: RedisSourceConfig, config: CockpitConfig) => Source;
  amqp?: (amqp: AmqpSourceConfig, config: CockpitConfig) => Source;
}

/** With no live source configured the cockpit runs the embedded simulation. */
export function hasLiveSource(config: CockpitConfig): boolean {
  const s = config.sources;
  return s.redis !== null || s.amqp !== null || s.database !== null || s.replicas.length > 0 || s.api !== null;
}

/** One line per configured source, passwords masked, with where its URL came from. */
export function describeSources(config: CockpitConfig, provenance: Provenance = {}): string[] {
  const from = (path: string): string => {
    const o = provenance[path];
    return o ? ` (from ${formatOrigin(o)})` : '';
  };
  const s = config.sources;
  const lines: string[] = [];
  if (s.redis) lines.push(`redis: ${maskUrl(s.redis.url)} db ${s.redis.db}${from('sources.redis.url')}`);
  if (s.amqp) lines.push(`amqp: ${maskUrl(s.amqp.url)}${from('sources.amqp.url')}`);
  if (s.database) lines.push(`postgres primary: ${maskUrl(s.database.url)}${from('sources.database.url')}`);
  for (const r of s.replicas) lines.push(`postgres replica ${r.name}: ${maskUrl(r.url)}${from(`sources.replicas.${r.name}`)}`);
  if (s.api) lines.push(`api: ${maskUrl(s.api.url)}${from('sources.api.url')}`);
  if (lines.length === 0) lines.push('no live source configured: the embedded simulation runs');
  return lines;
}

/** The checklist's thresholds from the configuration. */
export function checklistThresholds(config: CockpitConfig): ChecklistThresholds {
  const t = config.thresholds;
  return {
    queueLagSeconds: t.queueLagSeconds,
    deadLetterSpikeFactor: t.deadLetterSpikeFactor,
    deadLetterBaselineFloorPerHour: t.deadLetterBaselineFloorPerHour,
    replicaLagSeconds: t.replicaLagSeconds,
    failureRatio24h: t.failureRatio24h,
    failureRatioMinRuns: t.failureRatioMinRuns,
    warnRatio: t.warnRatio,
    backupMaxAgeSeconds: t.backupMaxAgeSeconds,
    apiTimeoutMs: API_TIMEOUT_MS,
  };
}

/** Worker heartbeats arrive every 2 s: one-shot readers of event-fed sources wait this long. */
export const BROKER_WARMUP_MS = 5_000;

/** A configured source whose implementation is not wired in: every read says so. */
class UnwiredSource implements Source {
  constructor(
    readonly name: string,
    private readonly why: string,
  ) {}
  async read(): Promise<SnapshotPatch> {
    throw new Error(this.why);
  }
  async close(): Promise<void> {}
}

/** The live sources of a configuration. The PostgreSQL and API sources are built here; the brokers by `factories`. */
export function buildLiveSources(config: CockpitConfig, factories: BrokerFactories = {}): LiveSource[] {
  const s = config.sources;
  const poll = (n: SourceName): number => config.pollIntervalMs[n];
  const out: LiveSource[] = [];
  if (s.redis) {
    const source = factories.redis
      ? factories.redis(s.redis, config)
      : new UnwiredSource('redis', 'the Redis source is not wired into this build');
    out.push({ source, area: 'broker', pollIntervalMs: poll('redis'), warmupMs: BROKER_WARMUP_MS });
  }
  if (s.amqp) {
    const source = factories.amqp
      ? factories.amqp(s.amqp, config)
      : new UnwiredSource('amqp', 'the RabbitMQ source is not wired into this build');
    out.push({ source, area: 'broker', pollIntervalMs: poll('amqp'), warmupMs: BROKER_WARMUP_MS });
  }
  if (s.database) {
    out.push({
      source: new PostgresSource({
        primaryUrl: s.database.url,
        replicas: s.replicas,
        statementTimeoutMs: config.statementTimeoutMs,
        freshnessSeconds: config.thresholds.freshnessSeconds,
        backupOkStatuses: s.database.backupOkStatuses,
      }),
      area: 'database',
      pollIntervalMs: poll('postgres'),
    });
  }
  if (s.api) out.push({ source: new ApiHealthSource(s.api.url), area: 'api', pollIntervalMs: poll('api') });
  return out;
}
