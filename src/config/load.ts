// loadConfig: defaults, then the config file, then the environment, then the flags (a flag beats
// the environment, which beats the file). Every value keeps its origin; every problem is named
// with it, and all problems are reported together.
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { DEFAULT_FAILURE_CLASS_RULES } from '../domain/failureClasses.js';
import { DEFAULT_REPLAY_QUIET_MS } from '../core/replayGuard.js';
import { DEFAULT_REOPEN_WINDOW_MS } from '../core/lifecycle.js';
import { THRESHOLD_SPECS, defaultThresholds, setThreshold } from '../domain/thresholds.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { InputFileError, readInputFile } from './inputFile.js';
import { emptyLayer, readConfigText, type FileLayer, type V } from './file.js';
import { parseConfigFlags, type ConfigFlags } from './flags.js';
import { maskUrl } from './maskUrl.js';
import {
  DEFAULT_BACKUP_OK_STATUSES,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_QUEUES,
  DEFAULT_STATEMENT_TIMEOUT_MS,
  SOURCE_NAMES,
  formatOrigin,
  type CockpitConfig,
  type LoadedConfig,
  type Origin,
  type Provenance,
  type ReplicaConfig,
  type ThresholdsConfig,
} from './types.js';
import { parseReplicaItem, urlProblem, type UrlKind } from './urls.js';
import { pgUrlProblem } from './pgUrl.js';
import { brokerKindOf, parseAmqpBroker, parseRedisBroker, parseTransportOptions, withMasterName } from './brokerUrl.js';

export type Env = NodeJS.ProcessEnv | Record<string, string | undefined>;

export interface LoadConfigInput {
  /** Parsed configuration flags; or pass `argv` and they are taken out of it. */
  flags?: ConfigFlags;
  argv?: readonly string[];
  env: Env;
  /** Relative paths given on the command line resolve against this. */
  cwd: string;
  /** Home directory for the default config path; `$HOME`, else the OS's. */
  home?: string;
}

export const ENV = {
  redis: 'REDIS_URL',
  amqp: 'AMQP_URL',
  database: 'DATABASE_URL',
  replicas: 'LSOS_REPLICA_URLS',
  api: 'LSOS_API_URL',
  controlFlags: 'LSOS_FLAGS_REDIS_URL',
  /** LSOS's own broker URL, as is: a redis/rediss/sentinel URL is the Redis broker, amqp/amqps the RabbitMQ one. */
  celeryBroker: 'CELERY_BROKER_URL',
  /** Celery's broker_transport_options as JSON: master_name, sentinel_kwargs.password. */
  celeryTransportOptions: 'CELERY_BROKER_TRANSPORT_OPTIONS',
  redisMasterName: 'REDIS_MASTER_NAME',
} as const;

const DEFAULT: Origin = { kind: 'default' };

/** `--config FILE`, else `$XDG_CONFIG_HOME/lsos-cockpit/config.yaml`, else `~/.config/lsos-cockpit/config.yaml`. */
export function configPath(input: { flags: ConfigFlags; env: Env; cwd: string; home?: string }): { path: string; explicit: boolean } {
  if (input.flags.config) return { path: resolve(input.cwd, input.flags.config), explicit: true };
  const xdg = input.env.XDG_CONFIG_HOME;
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  if (xdg && isAbsolute(xdg)) return { path: join(xdg, 'lsos-cockpit', 'config.yaml'), explicit: false };
  return { path: join(homeOf(input), '.config', 'lsos-cockpit', 'config.yaml'), explicit: false };
}

function homeOf(input: { env: Env; home?: string }): string {
  return input.home ?? (input.env.HOME || homedir());
}

/** `$XDG_STATE_HOME/lsos-cockpit`, else `~/.local/state/lsos-cockpit`. */
export function defaultStateDir(input: { env: Env; home?: string }): string {
  const xdg = input.env.XDG_STATE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'lsos-cockpit');
  return join(homeOf(input), '.local', 'state', 'lsos-cockpit');
}

function envValue(env: Env, name: string): V<string> | undefined {
  const v = env[name];
  // An empty variable is an unset one (the usual shell convention: `DATABASE_URL= cmd`).
  if (v === undefined || v.trim() === '') return undefined;
  return { value: v.trim(), origin: { kind: 'env', name } };
}

function flagValue(v: string | undefined, flag: string): V<string> | undefined {
  return v === undefined ? undefined : { value: v, origin: { kind: 'flag', flag } };
}

function readFile(path: string, explicit: boolean, origin: string, problems: ConfigProblem[]): FileLayer | null {
  let text: string;
  try {
    text = readInputFile(path, { what: 'config file' });
  } catch (err) {
    if (err instanceof InputFileError) {
      problems.push({ origin, path: 'config', message: err.message });
      return null;
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return null;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory'
            : (err as Error).message;
    problems.push({ origin, path: 'config', message: `cannot read config file ${path}: ${why}` });
    return null;
  }
  const { layer, problems: found } = readConfigText(text, path);
  problems.push(...found);
  return layer;
}

/** Loads, merges and validates. Throws ConfigError naming every problem with its origin. */
export function loadConfig(input: LoadConfigInput): LoadedConfig {
  const flags = input.flags ?? parseConfigFlags(input.argv ?? []).flags;
  const env = input.env;
  const problems: ConfigProblem[] = [];
  const provenance: Provenance = {};
  const { path: file, explicit } = configPath({ flags, env, cwd: input.cwd, ...(input.home !== undefined ? { home: input.home } : {}) });
  const read = readFile(file, explicit, explicit ? 'flag --config' : file, problems);
  const layer = read ?? emptyLayer();

  const pick = <T>(path: string, ...candidates: (V<T> | undefined)[]): V<T> | undefined => {
    const won = candidates.find((c) => c !== undefined);
    if (won) provenance[path] = won.origin;
    return won;
  };
  const checkUrl = (kind: UrlKind, path: string, v: V<string> | undefined): string | null => {
    if (!v) return null;
    const p = kind === 'postgres' ? pgUrlProblem(v.value) : urlProblem(kind, v.value);
    if (p) problems.push({ origin: formatOrigin(v.origin), path, message: `${path}: ${p}` });
    return p ? null : v.value;
  };

  // Sources: a flag beats the environment, which beats the file. CELERY_BROKER_URL (LSOS's own
  // variable, taken as is) counts as REDIS_URL or AMQP_URL by its scheme, below them.
  const celery = envValue(env, ENV.celeryBroker);
  const celeryKind = celery ? brokerKindOf(celery.value) : null;
  if (celery && celeryKind === null)
    problems.push({
      origin: formatOrigin(celery.origin),
      path: 'sources',
      message: `${ENV.celeryBroker}: expected a redis://, rediss://, sentinel://, amqp:// or amqps:// URL, got ${JSON.stringify(maskUrl(celery.value))}`,
    });
  // Sentinel's master name (Celery: broker_transport_options = {'master_name': ...}).
  let transport: { masterName?: string; sentinelPassword?: string } = {};
  const topts = envValue(env, ENV.celeryTransportOptions);
  if (topts) {
    const t = parseTransportOptions(topts.value);
    if ('problem' in t)
      problems.push({ origin: formatOrigin(topts.origin), path: 'sources.redis', message: `${ENV.celeryTransportOptions}: ${t.problem}` });
    else transport = t;
  }
  const masterName = pick(
    'sources.redis.masterName',
    flagValue(flags.redisMasterName, '--redis-master-name'),
    envValue(env, ENV.redisMasterName),
    transport.masterName !== undefined ? { value: transport.masterName, origin: (topts as V<string>).origin } : undefined,
  );
  const redisBroker = (path: string, v: V<string> | undefined): string | null => {
    if (!v) return null;
    const parsed = parseRedisBroker(v.value, {
      ...(masterName ? { masterName: masterName.value } : {}),
      ...(transport.sentinelPassword !== undefined ? { sentinelPassword: transport.sentinelPassword } : {}),
    });
    if ('problem' in parsed) {
      problems.push({ origin: formatOrigin(v.origin), path, message: `${path}: ${parsed.problem}` });
      return null;
    }
    // One string carries the whole broker to every client (sources, publishers, flags).
    return parsed.kind === 'sentinel' && parsed.masterName ? withMasterName(v.value, parsed.masterName) : v.value;
  };
  const redisUrl = redisBroker(
    'sources.redis.url',
    pick(
      'sources.redis.url',
      flagValue(flags.redisUrl, '--redis-url'),
      envValue(env, ENV.redis),
      celeryKind === 'redis' ? celery : undefined,
      layer.redis?.url,
    ),
  );
  const amqpPicked = pick(
    'sources.amqp.url',
    flagValue(flags.amqpUrl, '--amqp-url'),
    envValue(env, ENV.amqp),
    celeryKind === 'amqp' ? celery : undefined,
    layer.amqp?.url,
  );
  let amqpUrl: string | null = null;
  if (amqpPicked) {
    const nodes = parseAmqpBroker(amqpPicked.value);
    if ('problem' in nodes)
      problems.push({ origin: formatOrigin(amqpPicked.origin), path: 'sources.amqp.url', message: `sources.amqp.url: ${nodes.problem}` });
    else amqpUrl = amqpPicked.value;
  }
  const dbUrl = checkUrl(
    'postgres',
    'sources.database.url',
    pick('sources.database.url', flagValue(flags.databaseUrl, '--database-url'), envValue(env, ENV.database), layer.database?.url),
  );
  const apiUrl = checkUrl(
    'http',
    'sources.api.url',
    pick('sources.api.url', flagValue(flags.apiUrl, '--api-url'), envValue(env, ENV.api), layer.api?.url),
  );
  const flagsUrl = redisBroker(
    'sources.controlFlags.url',
    pick(
      'sources.controlFlags.url',
      flagValue(flags.flagsRedisUrl, '--flags-redis-url'),
      envValue(env, ENV.controlFlags),
      layer.controlFlags?.url,
    ),
  );

  let redisDb = 0;
  provenance['sources.redis.db'] = DEFAULT;
  if (redisUrl !== null) {
    const fromUrl = redisDbOfBroker(redisUrl);
    const urlOrigin = provenance['sources.redis.url'] as Origin;
    const key = layer.redis?.db;
    if (fromUrl !== null) {
      redisDb = fromUrl;
      provenance['sources.redis.db'] = urlOrigin;
      // Both in the file and disagreeing: which one was meant is a guess, so refuse.
      if (key && urlOrigin.kind === 'file' && key.value !== fromUrl) {
        problems.push({
          origin: formatOrigin(key.origin),
          path: 'sources.redis.db',
          message: `sources.redis.db: ${key.value} disagrees with database ${fromUrl} in sources.redis.url ${maskUrl(redisUrl)}`,
        });
      }
    } else if (key) {
      redisDb = key.value;
      provenance['sources.redis.db'] = key.origin;
    }
  }

  const replicas = mergeReplicas(flags, env, layer, provenance, problems);
  if (replicas.length > 0 && dbUrl === null && !problems.some((p) => p.path === 'sources.database.url')) {
    problems.push({
      origin: formatOrigin(provenance['sources.replicas'] ?? DEFAULT),
      path: 'sources.replicas',
      message: `sources.replicas: replicas need the primary too (sources.database.url, ${ENV.database} or --database-url)`,
    });
  }

  const queues = pick('queues', layer.queues) ?? { value: [...DEFAULT_QUEUES], origin: DEFAULT };
  provenance.queues = queues.origin;

  const thresholds = mergeThresholds(layer, provenance);

  const failureClasses = layer.failureClasses ?? {
    value: DEFAULT_FAILURE_CLASS_RULES.map((r) => ({ ...r, names: [...r.names], prefixes: [...r.prefixes], suffixes: [...r.suffixes] })),
    origin: DEFAULT,
  };
  provenance.failureClasses = failureClasses.origin;

  const tasks: CockpitConfig['tasks'] = {};
  for (const [name, v] of Object.entries(layer.tasks)) {
    tasks[name] = v.value;
    provenance[`tasks.${name}`] = v.origin;
  }

  let stateDir: string;
  if (flags.stateDir) {
    stateDir = resolve(input.cwd, flags.stateDir);
    provenance.stateDir = { kind: 'flag', flag: '--state-dir' };
  } else if (layer.stateDir) {
    // Relative to the config file, so the file means the same wherever the cockpit is started.
    stateDir = resolve(dirname(file), layer.stateDir.value);
    provenance.stateDir = layer.stateDir.origin;
  } else {
    stateDir = defaultStateDir({ env, ...(input.home !== undefined ? { home: input.home } : {}) });
    provenance.stateDir = DEFAULT;
  }

  let integrityChecksFile: string | null = null;
  if (layer.integrityChecks) {
    integrityChecksFile = resolve(dirname(file), layer.integrityChecks.value);
    provenance.integrityChecks = layer.integrityChecks.origin;
  }

  const pollIntervalMs = { ...DEFAULT_POLL_INTERVAL_MS };
  for (const s of SOURCE_NAMES) {
    const v = layer.pollIntervalMs[s];
    pollIntervalMs[s] = v?.value ?? DEFAULT_POLL_INTERVAL_MS[s];
    provenance[`pollIntervalMs.${s}`] = v?.origin ?? DEFAULT;
  }
  const statementTimeoutMs = layer.statementTimeoutMs?.value ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  provenance.statementTimeoutMs = layer.statementTimeoutMs?.origin ?? DEFAULT;
  const replayQuietPeriodMs = layer.replayQuietPeriodMs?.value ?? DEFAULT_REPLAY_QUIET_MS;
  provenance.replayQuietPeriodMs = layer.replayQuietPeriodMs?.origin ?? DEFAULT;
  const reopenWindowMs = layer.reopenWindowMs?.value ?? DEFAULT_REOPEN_WINDOW_MS;
  provenance.reopenWindowMs = layer.reopenWindowMs?.origin ?? DEFAULT;

  const backupOk = layer.database?.backupOkStatuses;
  provenance['sources.database.backupOkStatuses'] = backupOk?.origin ?? DEFAULT;

  if (problems.length > 0) throw new ConfigError(problems);

  const config: CockpitConfig = {
    sources: {
      redis: redisUrl !== null ? { url: redisUrl, db: redisDb } : null,
      amqp: amqpUrl !== null ? { url: amqpUrl } : null,
      database: dbUrl !== null ? { url: dbUrl, backupOkStatuses: backupOk?.value ?? [...DEFAULT_BACKUP_OK_STATUSES] } : null,
      replicas,
      api: apiUrl !== null ? { url: apiUrl } : null,
      controlFlags: flagsUrl !== null ? { url: flagsUrl } : null,
    },
    queues: queues.value,
    thresholds,
    failureClasses: failureClasses.value,
    tasks,
    stateDir,
    integrityChecksFile,
    pollIntervalMs,
    statementTimeoutMs,
    replayQuietPeriodMs,
    reopenWindowMs,
  };
  return { config, provenance, file: read !== null ? file : null };
}

/** The database number the broker URL names (its path; a Sentinel list's items agree), null when none. */
function redisDbOfBroker(raw: string): number | null {
  const m = raw
    .split(';')
    .map((p) => /^\s*[a-z]+:\/\/[^/?]*\/(\d+)/i.exec(p)?.[1])
    .find((d) => d !== undefined);
  return m !== undefined ? Number(m) : null;
}

function mergeReplicas(flags: ConfigFlags, env: Env, layer: FileLayer, provenance: Provenance, problems: ConfigProblem[]): ReplicaConfig[] {
  let items: { name: string; url: string; origin: Origin }[] = [];
  if (flags.replicaUrls && flags.replicaUrls.length > 0) {
    items = parseList(flags.replicaUrls, { kind: 'flag', flag: '--replica-url' }, problems);
    provenance['sources.replicas'] = { kind: 'flag', flag: '--replica-url' };
  } else if (envValue(env, ENV.replicas)) {
    const raw = (env[ENV.replicas] as string).split(',').filter((s) => s.trim() !== '');
    items = parseList(raw, { kind: 'env', name: ENV.replicas }, problems);
    provenance['sources.replicas'] = { kind: 'env', name: ENV.replicas };
  } else if (layer.replicas) {
    for (const r of layer.replicas.value) {
      const p = urlProblem('postgres', r.url.value);
      if (p)
        problems.push({
          origin: formatOrigin(r.url.origin),
          path: `sources.replicas.${r.name.value}.url`,
          message: `sources.replicas (${r.name.value}).url: ${p}`,
        });
      else items.push({ name: r.name.value, url: r.url.value, origin: r.name.origin });
    }
    provenance['sources.replicas'] = layer.replicas.origin;
  } else {
    provenance['sources.replicas'] = DEFAULT;
  }
  const seen = new Set<string>();
  const out: ReplicaConfig[] = [];
  for (const it of items) {
    if (seen.has(it.name)) {
      problems.push({
        origin: formatOrigin(it.origin),
        path: 'sources.replicas',
        message: `sources.replicas: replica name ${JSON.stringify(it.name)} used twice (name them NAME=URL)`,
      });
      continue;
    }
    seen.add(it.name);
    provenance[`sources.replicas.${it.name}`] = it.origin;
    out.push({ name: it.name, url: it.url });
  }
  return out;
}

function parseList(raw: readonly string[], origin: Origin, problems: ConfigProblem[]): { name: string; url: string; origin: Origin }[] {
  const out: { name: string; url: string; origin: Origin }[] = [];
  raw.forEach((item, i) => {
    const r = parseReplicaItem(item);
    if ('problem' in r) {
      problems.push({
        origin: formatOrigin(origin),
        path: 'sources.replicas',
        message: `sources.replicas item ${i + 1}: ${r.problem} (expected NAME=URL or a postgres:// URL)`,
      });
    } else out.push({ ...r, origin });
  });
  return out;
}

/** The defaults with the file's thresholds laid over them, each with its origin. */
function mergeThresholds(layer: FileLayer, provenance: Provenance): ThresholdsConfig {
  const t = defaultThresholds();
  for (const e of THRESHOLD_SPECS) {
    const v = layer.thresholds[e.key];
    provenance[`thresholds.${e.key}`] = v?.origin ?? DEFAULT;
    if (v) setThreshold(t, e, v.value);
  }
  return t;
}
