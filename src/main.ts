// The composition root of the interactive cockpit: builds the store, the sources and their
// schedulers, the incident recorder and the runtime, then mounts the screen. Everything it
// starts, it stops on every exit path, leaving the terminal as it found it.
import { userInfo } from 'node:os';
import { CockpitRuntime } from './app/runtime.js';
import { SourceScheduler } from './app/scheduler.js';
import { createCockpitStore } from './app/store.js';
import { colorAllowed, localeIsUtf8, type CockpitFlags } from './cliArgs.js';
import { IncidentRecorder } from './journal/recorder.js';
import { stateDir as resolveStateDir } from './journal/store.js';
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

export async function runCockpit(flags: CockpitFlags, io: Io): Promise<number> {
  let scenario;
  try {
    scenario = loadScenario(flags.scenario);
  } catch (err) {
    if (err instanceof ScenarioError) {
      io.stderr.write(`lsos-cockpit: scenario refused: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (!io.stdout.isTTY || !io.stdin.isTTY) {
    io.stderr.write('lsos-cockpit: the cockpit needs an interactive terminal (for scripts: lsos-cockpit incidents, pir export)\n');
    return 2;
  }

  const sim = new LsosSimulation(scenario, { seed: flags.seed, startAt: Date.now() });
  const source = new SimulationSource(sim, { speed: flags.speed });
  const clock = source.clock;
  const operator = safeUser();
  const color = colorAllowed(io.env);
  const store = createCockpitStore({
    session: {
      readonly: flags.readonly,
      readonlyReason: flags.readonly ? '--readonly' : null,
      ascii: flags.ascii ?? !localeIsUtf8(io.env),
      color,
      operator,
    },
    theme: flags.theme ?? (color ? 'dark' : 'mono'),
  });
  if (flags.presentation) store.getState().setUi({ presentation: true });

  const recorder = new IncidentRecorder({ stateDir: resolveStateDir(io.env, flags.stateDir ?? undefined), clock, operator });
  const guard = new TerminalGuard(io.stdout, io.stdin);
  const stdin = new EscapeJoiningStdin(io.stdin);
  const scheduler = new SourceScheduler(source, store, { intervalMs: 1000, timeoutMs: 5000, clock });

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
    void scheduler.stop();
    void source.close();
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

  guard.enter();
  mounted = mountCockpit({
    store,
    commands: runtime,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout: io.stdout,
    stderr: io.stderr,
    clock,
  });
  scheduler.start();
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
