// The composition root of the interactive cockpit: builds the store, the sources and their
// schedulers, the incident recorder and the runtime, then mounts the screen. Everything it
// starts, it stops on every exit path, leaving the terminal as it found it.
import { userInfo } from 'node:os';
import { openLiveSources } from './adapters/liveSources.js';
import { ACTIONS, validateRegistry } from './app/actions.js';
import { CockpitRuntime } from './app/runtime.js';
import { TIMELINE_ACTIONS } from './app/timelineActions.js';
import { SourceScheduler } from './app/scheduler.js';
import { createCockpitStore } from './app/store.js';
import { colorAllowed, localeIsUtf8, type CockpitFlags } from './cliArgs.js';
import { hasLiveSource, triggerThresholds, type LoadedConfig } from './config/index.js';
import { systemClock, type Clock, type Source } from './core/source.js';
import { IncidentRecorder } from './journal/recorder.js';
import { LsosSimulation, loadScenario, ScenarioError, SimulationSource } from './sim/index.js';
import { EscapeJoiningStdin } from './terminal/escapeJoiner.js';
import { mountCockpit } from './terminal/mount.js';
import { TerminalGuard } from './terminal/screen.js';

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

/** The live sources configured, else the embedded simulation (which brings its own clock). */
function openFeeds(flags: CockpitFlags, loaded: LoadedConfig): { feeds: Feed[]; clock: Clock } {
  if (hasLiveSource(loaded.config)) {
    // LSOS runs on one broker: two would each claim the same queue names in one snapshot.
    if (loaded.config.sources.redis && loaded.config.sources.amqp) {
      throw new BrokerChoiceError('both a Redis and a RabbitMQ broker are configured; LSOS runs on one: keep REDIS_URL or AMQP_URL (or the config file key), not both');
    }
    return { feeds: openLiveSources(loaded.config).map((l) => ({ source: l.source, intervalMs: l.pollIntervalMs })), clock: systemClock };
  }
  const sim = new LsosSimulation(loadScenario(flags.scenario), { seed: flags.seed, startAt: Date.now() });
  const source = new SimulationSource(sim, { speed: flags.speed });
  return { feeds: [{ source, intervalMs: 1000 }], clock: source.clock };
}

export async function runCockpit(flags: CockpitFlags, loaded: LoadedConfig, io: Io): Promise<number> {
  if (!io.stdout.isTTY || !io.stdin.isTTY) {
    io.stderr.write('lsos-cockpit: the cockpit needs an interactive terminal (for scripts: lsos-cockpit check, incidents, pir export)\n');
    return 2;
  }
  let opened: { feeds: Feed[]; clock: Clock };
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
  const { feeds, clock } = opened;
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
  const actions = [...ACTIONS, ...TIMELINE_ACTIONS];
  validateRegistry(actions);

  guard.enter();
  mounted = mountCockpit({
    actions,
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
