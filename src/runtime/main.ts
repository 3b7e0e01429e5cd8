// The composition root of the interactive cockpit: builds the store, the sources and their
// schedulers, the incident recorder and the runtime, then mounts the screen. Everything it
// starts, it stops on every exit path, leaving the terminal as it found it.
import { userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import { openMitigationSession, type MitigationSession } from '../control/mitigations/session.js';
import { attachSessionServices } from '../control/mitigations/stepServices.js';
import { openLiveSources } from '../sources/liveSources.js';
import { ACTIONS, validateRegistry } from '../ui/registry/registry.js';
import { attachMitigations, MITIGATION_ACTIONS } from '../ui/controllers/mitigation.js';
import { bindPagingCommands, PAGING_ACTIONS } from '../ui/controllers/paging.js';
import { attachReporting, createReportingServices, REPORTING_ACTIONS } from '../ui/controllers/reporting.js';
import { CockpitRuntime } from './runtime.js';
import { TIMELINE_ACTIONS } from '../ui/controllers/timeline.js';
import { IntegrityConfigError, loadIntegrityChecks, type IntegrityCheck } from '../control/integrity/config.js';
import { PagingController } from '../control/paging/controller.js';
import { loadPagingConfig, loadRoster, type PagingFlags } from '../control/paging/config.js';
import { SourceScheduler } from './scheduler.js';
import { createCockpitStore } from '../ui/state/store.js';
import { colorAllowed, localeIsUtf8, type CockpitFlags } from '../cli/args.js';
import { hasLiveSource, triggerThresholds, type LoadedConfig } from '../config/index.js';
import { systemClock, type Clock, type Source } from '../core/source.js';
import { IncidentRecorder } from '../journal/recorder.js';
import { LsosSimulation, loadScenario, ScenarioError, SimulationSource } from '../sources/sim/index.js';
import { EscapeJoiningStdin } from '../ui/terminal/escapeJoiner.js';
import { mountCockpit } from '../ui/terminal/mount.js';
import { TerminalGuard } from '../ui/terminal/screen.js';

export interface Io {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

class BrokerChoiceError extends Error {}

interface Feed {
  source: Source;
  intervalMs: number;
}

interface Feeds {
  feeds: Feed[];
  clock: Clock;
  /** The embedded model in simulation mode (actions change it), else null. */
  sim: LsosSimulation | null;
}

/** The live sources configured, else the embedded simulation (which brings its own clock). */
function openFeeds(flags: CockpitFlags, loaded: LoadedConfig): Feeds {
  if (hasLiveSource(loaded.config)) {
    // LSOS runs on one broker: two would each claim the same queue names in one snapshot.
    if (loaded.config.sources.redis && loaded.config.sources.amqp) {
      throw new BrokerChoiceError(
        'both a Redis and a RabbitMQ broker are configured; LSOS runs on one: keep REDIS_URL or AMQP_URL (or the config file key), not both',
      );
    }
    return {
      feeds: openLiveSources(loaded.config).map((l) => ({ source: l.source, intervalMs: l.pollIntervalMs })),
      clock: systemClock,
      sim: null,
    };
  }
  const sim = new LsosSimulation(loadScenario(flags.scenario), { seed: flags.seed, startAt: Date.now() });
  const source = new SimulationSource(sim, { speed: flags.speed });
  return { feeds: [{ source, intervalMs: 1000 }], clock: source.clock, sim };
}

const DEMO_ROSTER = () => fileURLToPath(new URL('../../../fixtures/roster.demo.yaml', import.meta.url));

export async function runCockpit(flags: CockpitFlags, loaded: LoadedConfig, io: Io, pagingFlags: PagingFlags = {}): Promise<number> {
  if (!io.stdout.isTTY || !io.stdin.isTTY) {
    io.stderr.write('lsos-cockpit: the cockpit needs an interactive terminal (for scripts: lsos-cockpit check, incidents, pir export)\n');
    return 2;
  }
  let opened: Feeds;
  try {
    opened = openFeeds(flags, loaded);
  } catch (err) {
    if (err instanceof ScenarioError) {
      io.stderr.write(`lsos-cockpit: scenario refused: ${err.message}\n`);
      return 2;
    }
    if (err instanceof BrokerChoiceError) {
      io.stderr.write(`lsos-cockpit: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const { feeds, clock, sim } = opened;
  let integrityChecks: IntegrityCheck[];
  try {
    integrityChecks = loadIntegrityChecks(loaded.config.integrityChecksFile);
  } catch (err) {
    if (err instanceof IntegrityConfigError) {
      io.stderr.write(`lsos-cockpit: integrity checks refused: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const operator = safeUser();
  const color = colorAllowed(io.env);
  const store = createCockpitStore({
    session: {
      readonly: flags.readonly,
      readonlyReason: flags.readonly ? '--readonly' : null,
      ascii: flags.ascii ?? !localeIsUtf8(io.env),
      color,
      operator,
      thresholds: triggerThresholds(loaded.config.thresholds),
    },
    theme: flags.theme ?? (color ? 'dark' : 'mono'),
  });
  if (flags.presentation) store.getState().setUi({ presentation: true });

  const recorder = new IncidentRecorder({ stateDir: loaded.config.stateDir, clock, operator });

  // Mitigations: the role comes from the roles file (the demo file on the simulation); live mode
  // with no roles file, or a refused one, is read-only and says why. A flag only ever lowers.
  let mitigation: MitigationSession | null = null;
  try {
    mitigation = openMitigationSession({ config: loaded.config, recorder, simulation: sim, readonlyFlag: flags.readonly });
  } catch (err) {
    store.getState().flash(`mitigations unavailable: ${err instanceof Error ? err.message : String(err)}`, 'warn');
  }
  if (mitigation?.actor.readonly && !flags.readonly) {
    const why = mitigation.actor.readonlyReason;
    store.setState((s) => ({ session: { ...s.session, readonly: true, readonlyReason: why } }));
  }
  // Reporting and database steps (completeness, integrity checks) read the live primary.
  const reporting = loaded.config.sources.database
    ? createReportingServices({
        databaseUrl: loaded.config.sources.database.url,
        statementTimeoutMs: loaded.config.statementTimeoutMs,
        checks: integrityChecks,
        recorder,
      })
    : null;
  if (reporting) attachReporting(store, reporting);
  if (mitigation) {
    attachSessionServices(mitigation, {
      simulation: sim,
      journal: () => recorder.view()?.entries ?? [],
      replicas: () => {
        const s = store.getState();
        return {
          replicas: s.snapshot.database.replicas,
          primaryReachable: s.snapshot.database.primaryReachable,
          thresholdSeconds: s.session.thresholds.replicaLagSeconds,
          at: s.snapshot.at,
        };
      },
      ...(reporting ? { completeness: reporting.completeness } : {}),
    });
    attachMitigations(store, mitigation.controller);
    mitigation.controller.start();
  }

  // Paging by the escalation matrix: record-only with the demo roster on the simulation.
  let paging: PagingController | null = null;
  try {
    const pagingConfig = loadPagingConfig({
      configFile: loaded.file,
      flags: pagingFlags,
      env: io.env,
      cwd: process.cwd(),
      simulation: sim !== null,
      demoRoster: DEMO_ROSTER(),
    });
    paging = new PagingController(recorder, store, loadRoster(pagingConfig), pagingConfig, clock);
    await paging.start();
    bindPagingCommands(paging);
  } catch (err) {
    paging = null;
    store.getState().flash(`paging off: ${err instanceof Error ? err.message : String(err)}`, 'error');
  }
  const guard = new TerminalGuard(io.stdout, io.stdin);
  const stdin = new EscapeJoiningStdin(io.stdin);
  // One scheduler per source: a slow or dead server never holds up the others.
  const schedulers = feeds.map((f) => new SourceScheduler(f.source, store, { intervalMs: f.intervalMs, timeoutMs: 5000, clock }));

  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    finish = resolve;
  });
  let stopping = false;
  let mounted: ReturnType<typeof mountCockpit> | null = null;
  const shutdown = (code: number, message?: string) => {
    if (stopping) return;
    stopping = true;
    try {
      mounted?.instance.unmount();
    } catch {
      /* the screen may be gone */
    }
    for (const s of schedulers) void s.stop();
    for (const f of feeds) void f.source.close().catch(() => undefined);
    stdin.detach();
    void paging?.stop();
    void mitigation?.close();
    void reporting?.close();
    recorder.close();
    guard.restore();
    guard.uninstall();
    if (message) io.stderr.write(`lsos-cockpit: ${message}\n`);
    finish(code);
  };

  const runtime = new CockpitRuntime(store, recorder, {
    quit: () => shutdown(0),
    repaint: () => mounted?.repaint(),
  });
  guard.install((reason, code) => shutdown(code, reason));
  const onCont = () => mounted?.repaint();
  process.on('SIGCONT', onCont);

  // One registry: the cockpit's own actions plus each area's; a key bound twice fails here, at start.
  const actions = [...ACTIONS, ...TIMELINE_ACTIONS, ...MITIGATION_ACTIONS, ...PAGING_ACTIONS, ...REPORTING_ACTIONS];
  validateRegistry(actions);

  guard.enter();
  mounted = mountCockpit({
    actions,
    onAttempt: (action, outcome) => runtime.recordAttempt(action, outcome),
    store,
    commands: runtime,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout: io.stdout,
    stderr: io.stderr,
    clock,
  });
  for (const s of schedulers) s.start();
  const code = await done;
  process.removeListener('SIGCONT', onCont);
  runtime.dispose();
  return code;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
