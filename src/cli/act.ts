// `lsos-cockpit act <action> [options] --reason TEXT`: a mitigation without the screen, for
// scripts, with the same checks and records as the cockpit (executeMitigation). `--dry-run`
// prints the preview and whether it would be refused; nothing runs, nothing is recorded.
//
// Exit codes: 0 done (dry run: would run), 1 partly done, 2 usage, 3 failed or could not run,
// 4 refused (role, reason, reason code, idempotency, blockers; dry run: would be refused),
// 5 no reply from a worker (it may still apply: shown in force, unconfirmed).
import { isSharedIncident } from '../journal/shared/storage.js';
import { findOpenIncident } from '../journal/store.js';
import { commandSharing, publishOwnEntries } from '../journal/shared/oneShot.js';
import { defaultOperator } from '../journal/journal.js';
import * as path from 'node:path';
import { MITIGATIONS, findMitigation } from '../control/mitigations/catalog.js';
import type { ExecuteResult } from '../control/mitigations/execute.js';
import { ParamError, setParam } from '../control/mitigations/params.js';
import { openMitigationSession, type MitigationSession, type SessionOptions } from '../control/mitigations/session.js';
import type { MitigationParams } from '../control/mitigations/types.js';
import { REPLAY_REASON_CODES } from '../control/celery/types.js';
import { loadConfig, ConfigError, type CockpitConfig } from '../config/index.js';
import { IncidentRecorder } from '../journal/recorder.js';
import { LsosSimulation, ScenarioError, loadScenario } from '../sources/sim/index.js';
import { attachSessionServices } from '../control/mitigations/stepServices.js';
import { PostgresSource } from '../sources/postgres/source.js';
import { createReportingServices } from '../control/reporting/services.js';
import type { DatabaseSnapshot } from '../core/snapshot.js';
import type { CommandIo } from './io.js';
import { UsageError, parseArgs } from './io.js';
import { CONFIG_FLAGS_USAGE, ConfigFlagError, parseConfigFlags, type ConfigFlags } from '../config/flags.js';

export const ACT_EXIT = { done: 0, partial: 1, usage: 2, failed: 3, refused: 4, noReply: 5 } as const;

const PARAM_OPTIONS: Record<string, string> = {
  '--queue': 'queue',
  '--task': 'task',
  '--provider': 'provider',
  '--until': 'until',
  '--count': 'count',
  '--concurrency': 'concurrency',
  '--replicas': 'replicas',
  '--campaigns': 'campaigns',
  '--month': 'month',
  '--days': 'days',
  '--keywords': 'keywords',
  '--scope': 'scope',
  '--workers': 'workers',
  '--restore-to': 'restoreTo',
  '--reason-code': 'reasonCode',
  '--override-task': 'overrideTask',
  '--failure-class': 'failureClass',
  '--fix-check': 'fixCheck',
  '--replica': 'replica',
  '--renotify': 'renotify',
};

export const ACT_USAGE = `usage: lsos-cockpit act <action> [options] --reason TEXT [--dry-run] [--json]
       lsos-cockpit act --list

Options (what the action needs; --list shows which):
  --queue Q  --task T  --provider P  --until 30m|ISO  --count N  --concurrency N  --replicas N
  --campaigns a,b  --month YYYY-MM  --days YYYY-MM-DD,...  --keywords k1,k2  --scope S
  --workers w1@h,w2@h  --restore-to w1@h=4,w2@h=4
  --replica NAME|primary (read failover)  --renotify true (a second owner notice, confirmed)
  --reason TEXT          required: why (recorded in the incident journal and ops_audit_log)
  --reason-code CODE     replay: one of ${REPLAY_REASON_CODES.join(', ')}
  --override-task NAME   replay a task not declared idempotent: type its name (recorded as an override)
  --failure-class C      replay only dead letters of this class; fix-deployed: the class fixed
  --fix-check override   replay without evidence of a fix (runbook 3.4; act sees no task events, so a
                         live replay needs it; recorded as an override)
  --dry-run              print the preview and whether it would be refused; run and record nothing
  --simulation [--scenario NAME]   act on a fresh embedded simulation (demo), not the live system
  --state-dir DIR        where incident journals live
  --json                 machine-readable result
Roles come from /etc/lsos-cockpit/roles.yaml (no flag or variable raises a role).
Exit: 0 done, 1 partly done, 2 usage, 3 failed, 4 refused, 5 no reply (may still apply).
`;

export interface ActDeps {
  /** Opens the session (tests inject a roles file, a private Redis, a cut PostgreSQL). */
  openSession?: (o: SessionOptions) => MitigationSession | Promise<MitigationSession>;
  /** Session options the test or the CLI adds (roles file, identity, celery clients, audit URL). */
  session?: Partial<SessionOptions>;
  config?: CockpitConfig;
}

function listText(): string {
  return (
    MITIGATIONS.map(
      (m) =>
        `${m.id.padEnd(24)} runbook ${m.runbook.padEnd(4)} ${m.role.padEnd(10)} needs ${m.required.join(', ') || '-'}${m.optional?.length ? ` [${m.optional.join(', ')}]` : ''}${m.undo ? `; undo ${m.undo}` : ''}`,
    ).join('\n') + '\n'
  );
}

function exitOf(r: ExecuteResult): number {
  if (r.status === 'dry-run') return r.wouldRefuse ? ACT_EXIT.refused : ACT_EXIT.done;
  if (r.status === 'refused') return ACT_EXIT.refused;
  if (r.status === 'no-reply') return ACT_EXIT.noReply;
  return r.status === 'done' ? ACT_EXIT.done : r.status === 'partial' ? ACT_EXIT.partial : ACT_EXIT.failed;
}

function textOf(r: ExecuteResult, simulated: boolean): string {
  const tag = simulated ? 'SIMULATED ' : '';
  const out: string[] = [];
  const preview = 'preview' in r ? r.preview : null;
  if (preview) {
    out.push(`${tag}${preview.title}`);
    for (const l of preview.lines) out.push(`  ${l.kind.padEnd(7)} ${l.text}`);
  }
  if (r.status === 'dry-run')
    out.push(r.wouldRefuse ? `dry run: would be REFUSED: ${r.wouldRefuse}` : 'dry run: nothing was done or recorded');
  else if (r.status === 'refused') out.push(`REFUSED: ${r.refusal} (recorded)`);
  else {
    out.push(
      `${tag}${r.status === 'no-reply' ? 'NO REPLY: MAY STILL APPLY (shown in force, unconfirmed, until the workers answer)' : r.status.toUpperCase()}`,
    );
    for (const d of r.outcome.details) out.push(`  ok      ${d}`);
    for (const f of r.outcome.failures) out.push(`  FAILED  ${f.target}: ${f.error}`);
    for (const f of r.outcome.unconfirmed ?? []) out.push(`  NO REPLY ${f.error}`);
  }
  return out.join('\n') + '\n';
}

/** One read of the configured PostgreSQL (primary and replicas), for the replicas a failover may choose. */
async function readDatabaseOnce(config: CockpitConfig): Promise<DatabaseSnapshot | null> {
  const db = config.sources.database;
  if (!db) return null;
  const src = new PostgresSource({ primaryUrl: db.url, replicas: config.sources.replicas, statementTimeoutMs: config.statementTimeoutMs });
  try {
    return (await src.read(AbortSignal.timeout(10_000))).database ?? null;
  } catch {
    return null;
  } finally {
    await src.close().catch(() => undefined);
  }
}

export async function runAct(args: string[], io: CommandIo, deps: ActDeps = {}): Promise<number> {
  let parsed;
  let configFlags: ConfigFlags;
  try {
    // --config, --redis-url, --database-url… as for the cockpit; the rest are this command's.
    const split = parseConfigFlags(args);
    configFlags = split.flags;
    args = split.rest;
    parsed = parseArgs(args, {
      flags: ['--dry-run', '--json', '--list', '--simulation', '-h', '--help'],
      options: { ...PARAM_OPTIONS, '--reason': 'reason', '--state-dir': 'stateDir', '--scenario': 'scenario' },
    });
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigFlagError) {
      io.stderr.write(`lsos-cockpit act: ${e.message}\n${ACT_USAGE}`);
      return ACT_EXIT.usage;
    }
    throw e;
  }
  const { flags, options, positional } = parsed;
  if (flags.has('-h') || flags.has('--help')) {
    io.stdout.write(`${ACT_USAGE}\n${CONFIG_FLAGS_USAGE}`);
    return 0;
  }
  if (flags.has('--list')) {
    io.stdout.write(listText());
    return 0;
  }
  const usage = (msg: string) => {
    io.stderr.write(`lsos-cockpit act: ${msg}\n${ACT_USAGE}`);
    return ACT_EXIT.usage;
  };
  const [id, ...extra] = positional;
  if (!id) return usage('which action? (--list lists them)');
  if (extra.length) return usage(`unexpected argument ${extra[0]}`);
  const m = findMitigation(id);
  if (!m) return usage(`no action "${id}" (--list lists them)`);
  const now = Date.now();
  const params: MitigationParams = {};
  try {
    for (const [key, value] of options) if (Object.values(PARAM_OPTIONS).includes(key)) setParam(params, key, value, now);
  } catch (e) {
    if (e instanceof ParamError) return usage(e.message);
    throw e;
  }
  const reason = options.get('reason') ?? '';

  let config = deps.config;
  if (!config) {
    try {
      config = loadConfig({
        flags: { ...configFlags, stateDir: options.get('stateDir') },
        env: io.env,
        cwd: io.cwd ?? process.cwd(),
      }).config;
    } catch (e) {
      if (e instanceof ConfigError) {
        io.stderr.write(`lsos-cockpit act: configuration refused:\n${e.message}\n`);
        return ACT_EXIT.failed;
      }
      throw e;
    }
  }
  // --scenario names the simulation's scenario: without --simulation it would be silently ignored.
  if (options.has('scenario') && !flags.has('--simulation'))
    return usage('--scenario needs --simulation (it picks the simulation to act on)');
  let simulation: LsosSimulation | null = null;
  if (flags.has('--simulation')) {
    try {
      simulation = new LsosSimulation(loadScenario(options.get('scenario') ?? 'default'), { startAt: now });
    } catch (e) {
      if (e instanceof ScenarioError) return usage(`--scenario: ${e.message}`);
      throw e;
    }
  }
  // A command records only what it does: the open incident is taken up without a `resumed` entry
  // (a dry run writes nothing), and a simulated action goes to the simulation's own store, never
  // into a live incident (nor, without an outbox, into ops_audit_log).
  // In a live shared incident it writes a chain of its own there and offers it to the stream at the end.
  // (Only into an incident that is shared already; otherwise its journal is an incident's only one, as always.)
  const journals = simulation ? path.join(config.stateDir, 'simulation') : config.stateDir;
  const redisUrl = simulation ? null : (config.sources.controlFlags?.url ?? config.sources.redis?.url ?? null);
  const openNow = redisUrl !== null && io.env.LSOS_COCKPIT_SHARED !== '0' ? findOpenIncident(journals, { live: true }) : null;
  const sharedUrl = openNow !== null && isSharedIncident(journals, openNow.id) ? redisUrl : null;
  const recorder = new IncidentRecorder({
    stateDir: journals,
    quiet: true,
    live: simulation === null,
    ...(sharedUrl !== null ? { sharing: commandSharing(defaultOperator()) } : {}),
  });
  let session: MitigationSession;
  try {
    session = await (deps.openSession ?? openMitigationSession)({ config, recorder, simulation, ...deps.session });
  } catch (e) {
    recorder.close();
    const why = e instanceof Error ? e.message : String(e);
    // No live system configured: say how to act on the demo instead.
    const hint = !simulation && /broker/.test(why) ? ' (or --simulation [--scenario NAME] to act on the embedded simulation)' : '';
    io.stderr.write(`lsos-cockpit act: ${why}${hint}\n`);
    return ACT_EXIT.failed;
  }
  // What owner notices and read failover need: the replicas as last read (the model's, or one
  // read of the configured PostgreSQL), the journal, the read target, the completeness query.
  const snapshotDb = simulation ? simulation.snapshot().database : config.sources.database ? await readDatabaseOnce(config) : null;
  const reporting =
    !simulation && config.sources.database
      ? createReportingServices({
          databaseUrl: config.sources.database.url,
          statementTimeoutMs: config.statementTimeoutMs,
          checks: [],
          recorder,
        })
      : null;
  attachSessionServices(session, {
    simulation,
    journal: () => recorder.view()?.entries ?? [],
    replicas: () => ({
      replicas: snapshotDb?.replicas ?? [],
      primaryReachable: snapshotDb?.primaryReachable ?? false,
      thresholdSeconds: config.thresholds.replicaLagSeconds,
      at: Date.now(),
    }),
    ...(reporting ? { completeness: reporting.completeness } : {}),
  });
  try {
    const controller = new AbortController();
    const onSignal = () => controller.abort();
    process.once('SIGINT', onSignal);
    let result: ExecuteResult;
    try {
      result = await session.controller.execute({
        mitigationId: m.id,
        params,
        reason,
        signal: controller.signal,
        dryRun: flags.has('--dry-run'),
        onProgress: (done, total) => {
          if (!flags.has('--json')) io.stderr.write(`\r${done}/${total}`);
        },
      });
    } finally {
      process.removeListener('SIGINT', onSignal);
    }
    // The audit rows: written now if PostgreSQL answers, else they wait in the journal.
    const flushed = session.outbox ? await session.outbox.flush() : null;
    // Every cockpit of the shared incident shows the action now (else when one reads this directory).
    if (sharedUrl !== null && recorder.sharing) await publishOwnEntries(sharedUrl, recorder);
    const simulated = session.controller.backend.simulated;
    if (flags.has('--json')) {
      io.stdout.write(
        `${JSON.stringify({ action: m.id, simulated, operator: session.actor.operator, role: session.actor.role, ...result, audit: flushed }, null, 2)}\n`,
      );
    } else {
      io.stdout.write(textOf(result, simulated));
      if (flushed?.error && result.status !== 'dry-run')
        io.stderr.write(
          `audit: ops_audit_log not reachable (${flushed.error}); ${flushed.pending} rows wait in the journal and are written when it returns\n`,
        );
    }
    return exitOf(result);
  } finally {
    await session.close();
    await reporting?.close().catch(() => undefined);
    recorder.close();
  }
}
