// The configuration flags, shared by the cockpit and its subcommands: taken out of argv here so
// the rest can go to the command's own parser.

export interface ConfigFlags {
  config?: string;
  redisUrl?: string;
  amqpUrl?: string;
  databaseUrl?: string;
  /** Repeatable: `--replica-url NAME=URL` (or a bare URL). */
  replicaUrls?: string[];
  apiUrl?: string;
  /** The Redis of LSOS's control flags (an LSOS on RabbitMQ keeps them on a Redis of its own). */
  flagsRedisUrl?: string;
  /** Sentinel's name of the broker's master (Celery's broker_transport_options master_name). */
  redisMasterName?: string;
  /** The cockpit's own `--state-dir` (parsed by src/cli/args.ts), passed in for precedence. */
  stateDir?: string;
}

export class ConfigFlagError extends Error {
  override name = 'ConfigFlagError';
}

const SINGLE: Record<string, Exclude<keyof ConfigFlags, 'replicaUrls' | 'stateDir'>> = {
  '--config': 'config',
  '--redis-url': 'redisUrl',
  '--amqp-url': 'amqpUrl',
  '--database-url': 'databaseUrl',
  '--api-url': 'apiUrl',
  '--flags-redis-url': 'flagsRedisUrl',
  '--redis-master-name': 'redisMasterName',
};

export const CONFIG_FLAGS_USAGE = `Configuration (a flag beats the environment, which beats the config file):
  --config FILE          config file (default $XDG_CONFIG_HOME/lsos-cockpit/config.yaml)
  --redis-url URL        Redis broker: redis://, rediss://, or a sentinel://h1:26379;sentinel://h2:26379
                         list (env REDIS_URL; CELERY_BROKER_URL is taken as is by its scheme)
  --redis-master-name N  Sentinel master name (env REDIS_MASTER_NAME; or master_name in
                         CELERY_BROKER_TRANSPORT_OPTIONS, JSON as in Celery's config)
  --amqp-url URL         RabbitMQ broker, one URL or a ';'-separated failover list (env AMQP_URL)
  --database-url URL     PostgreSQL primary (env DATABASE_URL)
  --replica-url NAME=URL a PostgreSQL replica, repeatable (env LSOS_REPLICA_URLS, comma-separated)
  --api-url URL          LSOS API base URL; checked at {URL}/health (env LSOS_API_URL)
  --flags-redis-url URL  the Redis of LSOS's control flags, db 0 (env LSOS_FLAGS_REDIS_URL;
                         default: the Redis broker's server)
`;

/** Splits the configuration flags out of argv. Everything else is returned untouched in `rest`. */
export function parseConfigFlags(argv: readonly string[]): { flags: ConfigFlags; rest: string[] } {
  const flags: ConfigFlags = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const key = SINGLE[name];
    if (key === undefined && name !== '--replica-url') {
      rest.push(arg);
      continue;
    }
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value !== undefined && value.startsWith('--')) value = undefined;
      else i += 1;
    }
    if (value === undefined || value === '') throw new ConfigFlagError(`${name} needs a value`);
    if (key === undefined) (flags.replicaUrls ??= []).push(value);
    else if (flags[key] !== undefined) throw new ConfigFlagError(`${name} given twice`);
    else flags[key] = value;
  }
  return { flags, rest };
}
