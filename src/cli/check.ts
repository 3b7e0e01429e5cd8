// `lsos-cockpit check [--json]`: the runbook's daily checklist (section 2) against the live
// sources, one line per check, with monitoring-plugin exit codes: 0 all ok, 1 a warning,
// 2 a breach, 3 a check could not run (and nothing breached). See check-README-section.md.
import { CONFIG_FLAGS_USAGE, ConfigFlagError, parseConfigFlags } from '../config/flags.js';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { redactSecrets } from '../config/maskUrl.js';
import { buildLiveSources, checklistThresholds, type BrokerFactories, type LiveSource } from '../sources/liveSources.js';
import type { LoadedConfig } from '../config/types.js';
import {
  CHECK_IDS,
  runChecklist,
  type AreaState,
  type CheckArea,
  type CheckId,
  type CheckResult,
  type ChecklistResult,
} from '../core/checklist.js';
import { sanitize, stripControls } from '../core/sanitize.js';
import { emptySnapshot, type Snapshot } from '../core/snapshot.js';
import type { SnapshotPatch } from '../core/source.js';
import type { CommandIo } from './io.js';

export const CHECK_USAGE = `usage: lsos-cockpit check [--json] [--only ID[,ID...]] [--timeout MS] [configuration flags]

Runs the runbook's daily checklist once against the configured live sources.
Exit status: 0 all ok, 1 a warning, 2 a breach, 3 a check could not run (and none breached).

  --json          one JSON object: status, exitCode, summary, sources, checks
  --only IDS      run only these checks: ${CHECK_IDS.join(', ')}
  --timeout MS    give each source this long to answer (default 10000)

${CONFIG_FLAGS_USAGE}`;

/** Exit codes: the monitoring-plugin convention (a usage or configuration error is UNKNOWN). */
export const CHECK_EXIT = { ok: 0, warn: 1, breach: 2, unknown: 3 } as const;

export interface CheckDeps {
  /** The live sources to read. Default: built from the configuration (and closed afterwards; injected ones are the caller's to close). */
  sources?: LiveSource[];
  /** The configuration. Default: loaded from the flags, the environment and the config file. */
  loaded?: LoadedConfig;
  /** Broker source constructors for buildLiveSources (src/sources/redis, src/sources/amqp). */
  factories?: BrokerFactories;
  /** The clock of the snapshot. */
  now?: () => number;
}

/** The JSON shape of `check --json` (documented in check-README-section.md). */
export interface CheckReport {
  status: ChecklistResult['status'];
  exitCode: number;
  /** When the snapshot was taken, ISO 8601 UTC. */
  at: string;
  summary: ChecklistResult['summary'];
  sources: { name: string; area: CheckArea; state: 'ok' | 'unreachable'; error: string | null }[];
  checks: CheckResult[];
}

const AREA_HINT: Record<CheckArea, string> = {
  api: 'set LSOS_API_URL or --api-url',
  broker: 'set REDIS_URL or AMQP_URL',
  database: 'set DATABASE_URL or --database-url',
};

interface ParsedArgs {
  json: boolean;
  help: boolean;
  only: CheckId[];
  timeoutMs: number;
}

function parseCheckArgs(rest: readonly string[]): ParsedArgs {
  const out: ParsedArgs = { json: false, help: false, only: [], timeoutMs: 10_000 };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      const v = eq > 0 ? arg.slice(eq + 1) : rest[++i];
      if (v === undefined || v === '' || (eq < 0 && v.startsWith('--'))) throw new ConfigFlagError(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--json':
        out.json = true;
        break;
      case '-h':
      case '--help':
        out.help = true;
        break;
      case '--only': {
        for (const id of value()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)) {
          if (!(CHECK_IDS as readonly string[]).includes(id))
            throw new ConfigFlagError(`--only: unknown check ${JSON.stringify(id)} (one of: ${CHECK_IDS.join(', ')})`);
          out.only.push(id as CheckId);
        }
        break;
      }
      case '--timeout': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 100)
          throw new ConfigFlagError(`--timeout must be a whole number of milliseconds (at least 100), got ${JSON.stringify(v)}`);
        out.timeoutMs = n;
        break;
      }
      default:
        throw new ConfigFlagError(`unknown option ${JSON.stringify(arg)}`);
    }
  }
  return out;
}

interface Gathered {
  snapshot: Snapshot;
  sources: CheckReport['sources'];
  /** Sources whose reading arrived, even one that says its own server is down (its other figures count). */
  answered: Set<string>;
}

/** A source that finds its queues over several ticks (the Redis source's SCAN) and can finish that at once. */
interface Discovering {
  discoverAll(signal?: AbortSignal): Promise<void>;
}

function isDiscovering(source: unknown): source is Discovering {
  return typeof (source as Partial<Discovering> | null)?.discoverAll === 'function';
}

/** Reads every source once (twice, around its warm-up, when it has one), in parallel, each read with its own deadline. */
async function gather(sources: readonly LiveSource[], timeoutMs: number, now: () => number, secrets: readonly string[]): Promise<Gathered> {
  const readOnce = async (ls: LiveSource): Promise<SnapshotPatch> => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    try {
      return await raceAbort(ls.source.read(controller.signal), controller.signal);
    } finally {
      clearTimeout(timer);
    }
  };
  const results = await Promise.all(
    sources.map(async (ls) => {
      try {
        if (ls.warmupMs && ls.warmupMs > 0) {
          // The first read connects and subscribes; only the second one has had time to listen. A
          // first read that failed has nothing to listen with: no wait, the second read says why.
          const listening = await readOnce(ls).then(
            () => true,
            () => false,
          );
          if (listening) await new Promise((r) => setTimeout(r, ls.warmupMs));
        }
        // Queues found by discovery count too: one full SCAN pass before the reading that is used
        // (a tick does one step of it, so a single read would see only the configured queues).
        if (isDiscovering(ls.source)) {
          const source = ls.source;
          const controller = new AbortController();
          const timer = setTimeout(() => controller.abort(new Error(`queue discovery not done within ${timeoutMs} ms`)), timeoutMs);
          try {
            await raceAbort(source.discoverAll(controller.signal), controller.signal);
          } finally {
            clearTimeout(timer);
          }
        }
        const patch = await readOnce(ls);
        // A reading can say its own server is down (the PostgreSQL primary): its figures still
        // count, but the source is not `ok`.
        const down = ls.source.unreachableIn?.(patch) ?? null;
        return { ls, patch, error: down === null ? null : sanitize(redactSecrets(down, secrets), 300) };
      } catch (err) {
        return { ls, patch: null, error: sanitize(redactSecrets(err instanceof Error ? err.message : String(err), secrets), 300) };
      }
    }),
  );
  let snapshot = emptySnapshot(now());
  for (const r of results) if (r.patch) snapshot = merge(snapshot, r.patch);
  return {
    snapshot,
    answered: new Set(results.filter((r) => r.patch !== null).map((r) => r.ls.source.name)),
    sources: results.map((r) => ({
      name: r.ls.source.name,
      area: r.ls.area,
      state: r.patch && r.error === null ? 'ok' : 'unreachable',
      error: r.error,
    })),
  };
}

/** Two broker sources both report queues and workers: keep both lists. */
function merge(s: Snapshot, patch: SnapshotPatch): Snapshot {
  const next: Snapshot = { ...s, ...patch };
  if (patch.queues) next.queues = [...s.queues, ...patch.queues];
  if (patch.workers) next.workers = [...s.workers, ...patch.workers];
  return next;
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function areaStates(sources: CheckReport['sources'], answered: ReadonlySet<string>): Record<CheckArea, AreaState> {
  const state = (area: CheckArea): AreaState => {
    const mine = sources.filter((s) => s.area === area);
    if (mine.length === 0) return { state: 'not-configured', hint: AREA_HINT[area] };
    // A source that answered feeds its checks even when it reports a server of its own down.
    if (mine.some((s) => s.state === 'ok' || answered.has(s.name))) return { state: 'ok' };
    return { state: 'unreachable', error: mine.map((s) => `${s.name}: ${s.error ?? 'unreachable'}`).join('; ') };
  };
  return { api: state('api'), broker: state('broker'), database: state('database') };
}

const LABEL: Record<CheckResult['status'], string> = { ok: 'OK', warn: 'WARN', breach: 'BREACH', unknown: 'UNKNOWN' };

function formatText(report: CheckReport): string {
  const s = report.summary;
  const head = `LSOS daily checklist ${LABEL[report.status]}: ${s.breach} breach, ${s.warn} warn, ${s.unknown} could not run, ${s.ok} ok (${report.at})`;
  const idW = Math.max(...report.checks.map((c) => c.id.length), 2);
  const targetW = Math.min(28, Math.max(...report.checks.map((c) => sanitize(c.target, 28).length), 6));
  // Checks that could not run because their source is not configured: one line per missing
  // source, naming the checks, instead of one per queue (29 lines with nothing configured).
  const NOT_CONFIGURED = /^could not run: not configured \((.*)\)$/;
  const missing = new Map<string, CheckResult[]>();
  const lines: string[] = [];
  for (const c of report.checks) {
    const m = NOT_CONFIGURED.exec(c.detail);
    if (c.status === 'unknown' && m) {
      const hint = m[1] as string;
      if (!missing.has(hint)) missing.set(hint, []);
      (missing.get(hint) as CheckResult[]).push(c);
      continue;
    }
    lines.push(
      `${c.item} ${LABEL[c.status].padEnd(7)} ${c.id.padEnd(idW)} ${sanitize(c.target, 28).padEnd(targetW)} ${sanitize(c.detail, 300)}`,
    );
  }
  for (const [hint, checks] of missing) {
    const counts = new Map<string, number>();
    for (const c of checks) counts.set(c.id, (counts.get(c.id) ?? 0) + 1);
    const named = [...counts].map(([id, n]) => (n > 1 ? `${id} x${n}` : id)).join(', ');
    lines.push(
      `- ${LABEL.unknown.padEnd(7)} not configured: ${checks.length} check${checks.length === 1 ? '' : 's'} could not run (${named}); ${hint}`,
    );
  }
  const src =
    report.sources.length === 0
      ? 'sources: none configured'
      : `sources: ${report.sources.map((x) => `${x.name} ${x.state}${x.error ? ` (${sanitize(x.error, 200)})` : ''}`).join('; ')}`;
  return [head, ...lines, src].join('\n') + '\n';
}

/** `args` are what follows `check` on the command line. Returns the exit code. */
export async function runCheck(args: readonly string[], io: CommandIo, deps: CheckDeps = {}): Promise<number> {
  let parsed: ParsedArgs;
  let flags: ReturnType<typeof parseConfigFlags>['flags'];
  try {
    const split = parseConfigFlags(args);
    flags = split.flags;
    parsed = parseCheckArgs(split.rest);
  } catch (err) {
    if (!(err instanceof ConfigFlagError)) throw err;
    io.stderr.write(`lsos-cockpit check: ${redactSecrets(err.message, [])}\n${CHECK_USAGE}`);
    return CHECK_EXIT.unknown;
  }
  if (parsed.help) {
    io.stdout.write(CHECK_USAGE);
    return CHECK_EXIT.ok;
  }
  let loaded: LoadedConfig;
  try {
    loaded = deps.loaded ?? loadConfig({ flags, env: io.env, cwd: io.cwd ?? process.cwd() });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr.write(`lsos-cockpit check: configuration refused:\n${err.message}\n`);
    return CHECK_EXIT.unknown;
  }
  const config = loaded.config;
  const owned = deps.sources === undefined;
  const sources = deps.sources ?? buildLiveSources(config, deps.factories);
  const secrets = [
    config.sources.redis?.url,
    config.sources.amqp?.url,
    config.sources.database?.url,
    config.sources.api?.url,
    ...config.sources.replicas.map((r) => r.url),
  ].filter((u): u is string => typeof u === 'string');
  let gathered: Gathered;
  try {
    gathered = await gather(sources, parsed.timeoutMs, deps.now ?? Date.now, secrets);
  } finally {
    if (owned) await Promise.all(sources.map((s) => s.source.close().catch(() => undefined)));
  }
  const result = runChecklist({
    snapshot: gathered.snapshot,
    thresholds: checklistThresholds(config),
    queues: config.queues,
    replicas: config.sources.replicas.map((r) => r.name),
    areas: areaStates(gathered.sources, gathered.answered),
    only: parsed.only,
  });
  const report: CheckReport = {
    status: result.status,
    exitCode: result.exitCode,
    at: new Date(gathered.snapshot.at).toISOString(),
    summary: result.summary,
    sources: gathered.sources,
    checks: result.checks,
  };
  // Every string in the JSON (worker, queue and task names from the broker, error texts) is stripped
  // like the screen's: a monitoring system may print it on a terminal too.
  const json = (): string => JSON.stringify(report, (_k, v: unknown) => (typeof v === 'string' ? stripControls(v) : v), 2);
  io.stdout.write(parsed.json ? `${json()}\n` : formatText(report));
  return result.exitCode;
}
