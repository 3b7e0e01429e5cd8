// The composition root of the interactive cockpit: builds the store, the sources and their
// schedulers, the incident recorder and the runtime, then mounts the screen. Everything it
// starts, it stops on every exit path, leaving the terminal as it found it.
// The live sources and reporting (PostgreSQL) modules are imported where they are used:
// the bundle splits there, and the simulation never loads the broker and database clients
// (start-up, docs/performance.md).
import { userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import { openMitigationSession, type MitigationSession } from '../control/mitigations/session.js';
import { attachSessionServices } from '../control/mitigations/stepServices.js';
import type { ReportingServices } from '../control/reporting/services.js';
import { IntegrityWatch } from './integrityWatch.js';
import { buildRegistry } from '../ui/registry/build.js';
import { CockpitRuntime } from './runtime.js';
import { publishMitigations } from './services.js';
import { IntegrityConfigError, loadIntegrityChecks, type IntegrityCheck } from '../control/integrity/config.js';
import { PagingController, pagingOffView } from '../control/paging/controller.js';
import { loadPagingConfig, loadRoster, type PagingFlags } from '../control/paging/config.js';
import { SourceScheduler } from './scheduler.js';
import { createCockpitStore } from '../ui/state/store.js';
import type { CockpitFlags } from './flags.js';
import { colourAllowed, localeIsUtf8 } from '../ui/state/theme.js';
import { hasLiveSource, type LoadedConfig } from '../config/index.js';
import { systemClock, type Clock, type Source } from '../core/source.js';
import { IncidentRecorder } from '../journal/recorder.js';
import { journalDir, openSharedSession, publishShared, reconcileObservations } from './shared.js';
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

/** What the program that started the cockpit wants to hear of (the bin: src/cli/codeCache.ts). */
export interface CockpitHost {
  /** The first full frame is on screen: the bin may now keep the code start-up compiled. */
  firstFrameShown?: () => void;
}

class BrokerChoiceError extends Error {}

interface Feed {
  source: Source;
  intervalMs: number;
}

interface Feeds {
  feeds: Feed[];
  clock: Clock;
  /** The embedded model in simulation mode (mitigations change it), else null. */
  sim: LsosSimulation | null;
}

/** The live sources configured, else the embedded simulation (which brings its own clock). */
async function openFeeds(flags: CockpitFlags, loaded: LoadedConfig): Promise<Feeds> {
  if (hasLiveSource(loaded.config)) {
    // LSOS runs on one broker: two would each claim the same queue names in one snapshot.
    if (loaded.config.sources.redis && loaded.config.sources.amqp) {
      throw new BrokerChoiceError(
        'both a Redis and a RabbitMQ broker are configured; LSOS runs on one: keep REDIS_URL or AMQP_URL (or the config file key), not both',
      );
    }
    const { openLiveSources } = await import('../sources/liveSources.js');
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

export async function runCockpit(
  flags: CockpitFlags,
  loaded: LoadedConfig,
  io: Io,
  pagingFlags: PagingFlags = {},
  host: CockpitHost = {},
): Promise<number> {
  if (!io.stdout.isTTY || !io.stdin.isTTY) {
    io.stderr.write('lsos-cockpit: the cockpit needs an interactive terminal (for scripts: lsos-cockpit check, incidents, pir export)\n');
    return 2;
  }
  let opened: Feeds;
  try {
    opened = await openFeeds(flags, loaded);
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
    // Only the reporting services (a database) run them; a configured file is still checked on a
    // simulation (a bad one refuses to start), but the built-in checks are not parsed for nothing.
    const file = loaded.config.integrityChecksFile;
    integrityChecks = file !== null || loaded.config.sources.database ? loadIntegrityChecks(file) : [];
  } catch (err) {
    if (err instanceof IntegrityConfigError) {
      io.stderr.write(`lsos-cockpit: integrity checks refused: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const operator = safeUser();
  const color = colourAllowed(io.env);
  const store = createCockpitStore({
    session: {
      readonly: flags.readonly,
      readonlyReason: flags.readonly ? '--readonly' : null,
      ascii: flags.ascii ?? !localeIsUtf8(io.env),
      color,
      operator,
      thresholds: loaded.config.thresholds,
      // After a resolve, a trigger firing again within this offers to reopen (src/runtime/reopen.ts).
      ...(loaded.config.reopenWindowMs !== undefined ? { reopenWindowMs: loaded.config.reopenWindowMs } : {}),
    },
    theme: flags.theme ?? (color ? 'dark' : 'mono'),
  });
  if (flags.presentation) store.getState().setUi({ presentation: true });
  // One scheduler per source: a slow or dead server never holds up the others.
  const schedulers = feeds.map((f) => new SourceScheduler(f.source, store, { intervalMs: f.intervalMs, timeoutMs: 5000, clock }));
  // Live: each source's first read goes out now and is applied just before the first frame (after
  // the recorder and the runtime subscribe to the store), so the shared session's first sync and
  // the set-up below no longer come before it. The simulation computes its reading, no waiting.
  if (sim === null) for (const s of schedulers) s.prefetch();

  // A live cockpit shares its incident with the environment's other cockpits (src/journal/shared);
  // a simulation keeps its practice incidents in a store of its own, never resumed by a live session.
  // Entries carry wall-clock time; a simulation's time is a field of its own (simAt).
  const shared = await openSharedSession({
    config: loaded.config,
    simulation: sim !== null,
    operator,
    readonly: flags.readonly,
    env: io.env,
  });
  const recorder = new IncidentRecorder({
    stateDir: journalDir(loaded.config.stateDir, sim !== null),
    clock: systemClock,
    ...(sim ? { simClock: clock } : {}),
    operator,
    ...(shared ? { sharing: shared } : {}),
    live: sim === null,
  });
  if (shared) {
    shared.attach(recorder);
    publishShared(store, shared);
    // The cockpit that takes over observing records what its sources show that the incident does not.
    shared.onObserving(() => reconcileObservations(store, recorder));
    // At most 1.5 s: the first frame shows the incident the environment has open, if any.
    await shared.start();
  }

  // Mitigations: the role comes from the roles file (the demo file on the simulation); live mode
  // with no roles file, or a refused one, is read-only and says why. A flag only ever lowers.
  let mitigation: MitigationSession | null = null;
  try {
    mitigation = await openMitigationSession({ config: loaded.config, recorder, simulation: sim, readonlyFlag: flags.readonly });
  } catch (err) {
    store.getState().flash(`mitigations unavailable: ${err instanceof Error ? err.message : String(err)}`, 'warn');
  }
  if (mitigation?.actor.readonly && !flags.readonly) {
    const why = mitigation.actor.readonlyReason;
    store.setState((s) => ({ session: { ...s.session, readonly: true, readonlyReason: why } }));
  }
  // A state directory the journal cannot write (full, read-only, not ours): start read-only and
  // say why; entries wait in memory and are written, and read-only lifted, once it can be written.
  const journalProblem = recorder.health().stateDirProblem;
  if (journalProblem !== null) {
    const ownReason = `journal not writable (${journalProblem})`;
    store.setState((s) => ({
      session: {
        ...s.session,
        readonly: true,
        readonlyReason: s.session.readonly ? `${s.session.readonlyReason ?? 'read-only'}; ${ownReason}` : ownReason,
      },
    }));
    const stop = recorder.onHealth((h) => {
      if (h.stateDirProblem !== null) return;
      stop();
      if (store.getState().session.readonlyReason === ownReason) {
        store.setState((s) => ({ session: { ...s.session, readonly: false, readonlyReason: null } }));
      }
    });
  }
  // Reporting and database steps (completeness, integrity checks) read the live primary.
  const reporting: (ReportingServices & { close(): Promise<void> }) | null = loaded.config.sources.database
    ? (await import('../control/reporting/services.js')).createReportingServices({
        databaseUrl: loaded.config.sources.database.url,
        statementTimeoutMs: loaded.config.statementTimeoutMs,
        checks: integrityChecks,
        recorder,
      })
    : null;
  // Integrity checks with a severity and `every:` run by themselves: a failure raises a signal.
  const integrityWatch = reporting?.integrity ? new IntegrityWatch(reporting.integrity, store) : null;
  integrityWatch?.start();
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
      // The replay guard's evidence: what the task events showed, as of the sources' last read.
      taskOutcomes: () => {
        const snap = store.getState().snapshot;
        const seen = snap.queues.filter((q) => q.taskOutcomes !== undefined);
        return seen.length ? { at: snap.at, outcomes: seen.flatMap((q) => q.taskOutcomes ?? []) } : null;
      },
    });
    publishMitigations(store, mitigation.controller);
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
    // Paging is reckoned on the cockpit's clock (the simulation's on a simulation: paged, acked and
    // re-page times are those the screen shows, folded from the entries' simAt); the sweep reads
    // it every sweepMs of wall time, so a fast simulation re-pages on time. A shared incident
    // pages from the one cockpit holding the sender lease.
    paging = new PagingController(recorder, store, loadRoster(pagingConfig), pagingConfig, clock, {
      ...(shared ? { lease: shared.pagingLease } : {}),
      ...(sim ? { wallClock: systemClock } : {}),
    });
    shared?.pagingLease.setEnabled(true);
    await paging.start();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    await paging?.stop().catch(() => undefined);
    paging = null;
    // Live paging that was asked for and cannot work (a bad roster, a callback port taken) stops
    // the cockpit before the screen opens: an incident decided later would page nobody.
    if (sim === null) {
      for (const s of schedulers) void s.stop();
      void mitigation?.close();
      void reporting?.close();
      await shared?.stop().catch(() => undefined);
      recorder.close();
      io.stderr.write(
        `lsos-cockpit: paging refused, not starting: ${why}\n` +
          '(fix it; or leave --roster and paging.roster out to run with paging OFF, said on the escalation panel)\n',
      );
      return 2;
    }
    // On the simulation: paging OFF on the escalation panel, with why, for the whole session.
    store.getState().setPaging(pagingOffView('record-only', `could not start: ${why}`));
    store.getState().flash(`paging off: ${why}`, 'error');
  }
  const guard = new TerminalGuard(io.stdout, io.stdin);
  // Ctrl-Z suspends (the terminal handed back to the shell), as in any full-screen program.
  const stdin = new EscapeJoiningStdin(io.stdin, { onSuspendKey: () => guard.suspend() });

  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    finish = resolve;
  });
  let stopping = false;
  let sharedStopped: Promise<unknown> | null = null;
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
    void integrityWatch?.stop();
    void reporting?.close();
    // Leaving is recorded (and sent, 1 s at most) before the journal closes.
    sharedStopped = shared?.stop().catch(() => undefined) ?? null;
    const left = recorder.close();
    guard.restore();
    guard.uninstall();
    if (message) io.stderr.write(`lsos-cockpit: ${message}\n`);
    if (left.unwritten > 0) {
      io.stderr.write(
        `lsos-cockpit: ${left.unwritten} timeline entries could not be written to the journal (${left.error ?? 'unknown error'}); ${
          left.savedTo ? `copied to ${left.savedTo}` : 'they are lost'
        }\n`,
      );
    }
    finish(code);
  };

  const runtime = new CockpitRuntime(
    store,
    recorder,
    {
      quit: () => shutdown(0),
      repaint: () => mounted?.repaint(),
      ...(shared ? { prepareOpen: () => shared.prepareOpen() } : {}),
    },
    { clock },
  );
  // SIGCONT after Ctrl-Z or SIGTSTP (`fg`): the guard takes the terminal back, then this redraws.
  guard.install(
    (reason, code) => shutdown(code, reason),
    () => mounted?.repaint(),
  );

  // One registry, every controller's bindings over the services this session has (a binding
  // whose service is missing is disabled and says why); a key bound twice fails here, at start.
  // Prefilled mitigation parameters are reckoned in wall time, as the executor checks them.
  const bindings = buildRegistry({
    commands: runtime,
    clock: systemClock,
    ...(mitigation ? { mitigation: mitigation.controller } : {}),
    ...(paging ? { paging } : {}),
    ...(reporting ? { reporting } : {}),
    ...(shared ? { sharing: { takeCommand: () => runtime.takeCommand() } } : {}),
  });

  // The first frame shows data: each source's first read lands before the screen is drawn (for
  // at most 300 ms; a slower source fills in when it answers), so start-up draws one full frame,
  // not an empty one and then a full one.
  await Promise.race([Promise.all(schedulers.map((s) => s.tick())), new Promise((r) => setTimeout(r, 300).unref())]);
  guard.enter();
  mounted = mountCockpit({
    bindings,
    onAttempt: (binding, outcome) => runtime.recordAttempt(binding, outcome),
    store,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout: io.stdout,
    stderr: io.stderr,
    clock,
  });
  for (const s of schedulers) s.start();
  host.firstFrameShown?.();
  const code = await done;
  if (sharedStopped) await Promise.race([sharedStopped, new Promise((r) => setTimeout(r, 2000).unref())]);
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
