// A pause on the simulation lasts as long as asked, whichever clock the executor reckons in: the
// simulation's own (the PIR harness, `act --simulation`) far behind the wall clock, or the wall
// clock (the cockpit, whose prefilled parameters are in wall time) while the model runs on its
// own. It used to measure `until` (the executor's clock) against the wall clock: with the model's
// clock months behind, a 30-minute pause lasted 1 ms.
import { describe, expect, it } from 'vitest';
import { executeMitigation } from '../../src/control/mitigations/execute.js';
import { SimulationBackend } from '../../src/control/mitigations/simBackend.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { LsosSimulation, loadScenario } from '../../src/sources/sim/index.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const TASK = 'crawl.fetch_page';
const MIN = 60_000;

/** `onSimClock`: the executor reckons in the model's time; else in wall time. */
async function pauseFor30(simStart: number, onSimClock: boolean) {
  const sim = new LsosSimulation(loadScenario('default'), { seed: 7, startAt: simStart });
  const executorNow = onSimClock ? () => sim.clock.now() : Date.now;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-sim-pause-'));
  const recorder = new IncidentRecorder({ stateDir: dir, operator: 'alice', clock: sim.clock });
  const backend = new SimulationBackend(sim);
  const r = await executeMitigation(
    { mitigationId: 'pause-task', params: { task: TASK, until: executorNow() + 30 * MIN }, reason: 'failure loop' },
    {
      recorder,
      backend,
      actor: { operator: 'alice', role: 'operator', roleSource: 'test', readonly: false, readonlyReason: null },
      isIdempotent: () => true,
      now: executorNow,
    },
  );
  const paused = () => sim.controlState().paused.some((p) => p.task === TASK && (p.until === null || p.until > sim.clock.now()));
  const cleanup = () => {
    recorder.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { sim, r, paused, backend, cleanup };
}

describe('a pause on the simulation lasts as long as asked', () => {
  it('with the executor on the simulated clock, months behind the wall clock: 30 minutes of simulated time', async () => {
    const start = Date.UTC(2026, 0, 15, 9, 0, 0); // the PIR harness's start
    expect(Date.now() - start).toBeGreaterThan(30 * MIN); // the case that broke
    const { sim, r, paused, backend, cleanup } = await pauseFor30(start, true);
    try {
      expect(r.status).toBe('done');
      sim.advanceTo(start + 29 * MIN);
      expect(paused()).toBe(true);
      expect((await backend.readFlags()).paused.map((p) => [p.task, p.ttlMs])).toEqual([[TASK, MIN]]);
      sim.advanceTo(start + 31 * MIN);
      expect(paused()).toBe(false);
    } finally {
      cleanup();
    }
  });

  it("with the executor on the wall clock and the model on its own: the same 30 minutes from the model's now", async () => {
    const start = Date.UTC(2026, 0, 15, 9, 0, 0);
    const { sim, r, paused, cleanup } = await pauseFor30(start, false);
    try {
      expect(r.status).toBe('done');
      sim.advanceTo(start + 29 * MIN);
      expect(paused()).toBe(true);
      sim.advanceTo(start + 31 * MIN);
      expect(paused()).toBe(false);
    } finally {
      cleanup();
    }
  });
});
