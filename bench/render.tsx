// Rendering economy over SSH: bytes written per steady-state tick when one value changes, bytes
// of a full redraw, and render time per frame, on a 120x40 terminal. Ink must be imported after
// CI is unset (it writes nothing until exit under CI), so bench/run.ts loads this file lazily.
import { PassThrough, Writable } from 'node:stream';
import { createCockpitStore } from '../src/ui/state/store.js';
import type { CockpitCommands } from '../src/ui/registry/commands.js';
import { LsosSimulation, loadScenario } from '../src/sources/sim/index.js';
import { mountCockpit } from '../src/ui/terminal/mount.js';

class CountingTty extends Writable {
  bytes = 0;
  writes = 0;
  readonly isTTY = true;
  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    super();
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.bytes += Buffer.byteLength(chunk);
    this.writes += 1;
    cb();
  }
  take(): number {
    const b = this.bytes;
    this.bytes = 0;
    return b;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const noCommands: CockpitCommands = {
  quit() {},
  repaint() {},
  async openIncident() {},
  async addNote() {},
  async decideSeverity() {},
  async tickStep() {},
  async setIncidentState() {},
  async correctMilestone() {},
  async exportPir() {
    return '';
  },
  async setPirField() {},
  async addCorrectiveAction() {},
  async removeCorrectiveAction() {},
};

export async function benchRender(columns = 120, rows = 40, ticks = 20): Promise<Record<string, number | string>> {
  const sim = new LsosSimulation(loadScenario('default'), { seed: 1, startAt: Date.UTC(2026, 10, 28, 4, 0, 0) });
  sim.step(90_000); // an incident is under way: triggers firing, every panel populated
  const snap = sim.snapshot();
  const frozen = { now: () => snap.at }; // ages on screen must not tick during the measurement
  const store = createCockpitStore({ session: { operator: 'bench' } });
  store.getState().ingest('simulation', { ...snap }, snap.at);

  const stdout = new CountingTty(columns, rows);
  const tty = Object.assign(new PassThrough(), { isTTY: true, setRawMode() {}, ref() {}, unref() {} });
  const renderTimes: number[] = [];
  const mounted = mountCockpit({
    store,
    commands: noCommands,
    stdin: tty as unknown as NodeJS.ReadStream,
    stdout: stdout as unknown as NodeJS.WriteStream,
    clock: frozen,
    onRender: (m) => renderTimes.push(m.renderTime),
  });
  await sleep(500);
  const firstFrame = stdout.take();

  // Steady state: one figure changes per tick (the crawl queue's reserved count, shown exactly), everything else equal.
  const perTick: number[] = [];
  for (let i = 0; i < ticks; i++) {
    const s = store.getState().snapshot;
    const queues = s.queues.map((q, j) => (j === 0 ? { ...q, reserved: q.reserved + 1 + i } : q));
    store.getState().ingest('simulation', { queues }, snap.at);
    await sleep(150); // > one frame at maxFps 12
    perTick.push(stdout.take());
  }
  // A tick where nothing displayed changes must cost nothing.
  const idle: number[] = [];
  for (let i = 0; i < 5; i++) {
    store.getState().ingest('simulation', {}, snap.at);
    await sleep(150);
    idle.push(stdout.take());
  }
  // Full redraw: what Ctrl-L costs (clear + the whole frame).
  const fulls: number[] = [];
  for (let i = 0; i < 3; i++) {
    mounted.repaint();
    await sleep(150);
    fulls.push(stdout.take());
  }
  mounted.instance.unmount();
  await sleep(50);

  const tick = median(perTick);
  const full = median(fulls);
  return {
    terminal: `${columns}x${rows}`,
    'first frame bytes': firstFrame,
    'one-value tick bytes (median)': tick,
    'no-change tick bytes (median)': median(idle),
    'full redraw bytes (median)': full,
    'tick / full redraw': `${((100 * tick) / Math.max(1, full)).toFixed(1)}%`,
    'render time per frame ms (median)': Number(median(renderTimes).toFixed(2)),
    'render time per frame ms (max)': Number(Math.max(...renderTimes).toFixed(2)),
    frames: renderTimes.length,
  };
}
