// A whole cockpit on the simulation, driven minute by minute, for the PIR tests: the default
// scenario (fixed seed and start), the real store, scheduler (read by hand with tick()), runtime
// (RecorderBridge: triggers, the figure series), recorder, paging controller (record-only, demo
// roster, no sweep timer) and mitigation controller (simulation backend, on the simulation's
// clock). Everything that happens goes through the same code as the cockpit.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MitigationController } from '../../src/control/mitigations/controller.js';
import type { ExecuteResult } from '../../src/control/mitigations/execute.js';
import type { MitigationParams } from '../../src/control/mitigations/types.js';
import { SimulationBackend } from '../../src/control/mitigations/simBackend.js';
import { defaultPagingConfig, loadRoster } from '../../src/control/paging/config.js';
import { PagingController } from '../../src/control/paging/controller.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { CockpitRuntime } from '../../src/runtime/runtime.js';
import { SourceScheduler } from '../../src/runtime/scheduler.js';
import { LsosSimulation, loadScenario, SimulationSource } from '../../src/sources/sim/index.js';
import { createCockpitStore, type CockpitStore } from '../../src/ui/state/store.js';

/** 2026-01-15T09:00:00Z */
export const START = Date.UTC(2026, 0, 15, 9, 0, 0);
export const SEED = 7;
export const DEMO_ROSTER = fileURLToPath(new URL('../../fixtures/roster.demo.yaml', import.meta.url));

const noTimers = { setInterval: () => null, clearInterval: () => undefined };

export interface SimCockpit {
  dir: string;
  sim: LsosSimulation;
  store: CockpitStore;
  recorder: IncidentRecorder;
  runtime: CockpitRuntime;
  paging: PagingController;
  mitigations: MitigationController;
  scheduler: SourceScheduler;
  /** Simulated minutes since START that have been read. */
  minute(): number;
  /** Reads `n` more simulated minutes, one snapshot a minute. */
  advance(n: number): Promise<void>;
  /** Runs a mitigation as the cockpit does (checks, preview, record, run, record). */
  act(mitigationId: string, params: MitigationParams, reason: string): Promise<ExecuteResult>;
  close(): Promise<void>;
}

/**
 * `realStep`: the source's "real time" advances this much per minute read at speed 60 (1 s real
 * = 1 min simulated), so every snapshot lands on a whole minute whatever the machine's speed.
 */
export async function simCockpit(opts: { dir?: string; operator?: string; pagingTimers?: boolean } = {}): Promise<SimCockpit> {
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-pir-'));
  const operator = opts.operator ?? 'alice';
  const sim = new LsosSimulation(loadScenario('default'), { seed: SEED, startAt: START });
  let real = 0;
  const source = new SimulationSource(sim, { speed: 60, realNow: () => real });
  const clock = source.clock;
  const store = createCockpitStore({ session: { operator } });
  const recorder = new IncidentRecorder({ stateDir: dir, clock, operator });
  const scheduler = new SourceScheduler(source, store, { intervalMs: 3_600_000, timeoutMs: 30_000, clock });
  const runtime = new CockpitRuntime(store, recorder, { quit() {}, repaint() {} });
  const pagingConfig = defaultPagingConfig({ mode: 'record-only', rosterFile: DEMO_ROSTER, rosterExplicit: true });
  const paging = new PagingController(
    recorder,
    store,
    loadRoster(pagingConfig),
    pagingConfig,
    clock,
    opts.pagingTimers ? {} : { timers: noTimers },
  );
  await paging.start();
  const mitigations = new MitigationController({
    recorder,
    backend: new SimulationBackend(sim),
    actor: { operator, role: 'privileged', roleSource: 'test', readonly: false, readonlyReason: null },
    isIdempotent: () => true,
    publish: (m) => store.setState({ mitigations: m }),
    now: () => clock.now(),
  });
  let minutes = 0;
  await scheduler.tick(); // minute 0
  return {
    dir,
    sim,
    store,
    recorder,
    runtime,
    paging,
    mitigations,
    scheduler,
    minute: () => minutes,
    async advance(n) {
      for (let i = 0; i < n; i++) {
        real += 1000;
        minutes += 1;
        await scheduler.tick();
      }
    },
    act: (mitigationId, params, reason) => mitigations.execute({ mitigationId, params, reason }),
    async close() {
      await scheduler.stop();
      await paging.stop();
      await mitigations.stop();
      runtime.dispose();
      recorder.close();
    },
  };
}
