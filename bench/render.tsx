// Rendering economy over SSH: bytes written per steady-state tick when one value changes, bytes
// of a full redraw, render time per frame, and per kind of update the CPU it costs and which panels
// React renders for it, on a 120x40 terminal. Ink must be imported after
// CI is unset (it writes nothing until exit under CI), so bench/run.ts loads this file lazily.
import { PassThrough, Writable } from 'node:stream';
import { createCockpitStore } from '../src/ui/state/store.js';
import type { CockpitCommands } from '../src/ui/registry/commands.js';
import { LsosSimulation, loadScenario } from '../src/sources/sim/index.js';
import { buildRegistry } from '../src/ui/registry/build.js';
import { mountCockpit } from '../src/ui/terminal/mount.js';
import { SNAPSHOT_SLICES } from '../src/core/source.js';
import { countPanelRenders } from './panelRenders.js';

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

type Phase = { bytes: number[]; cpuMs: number; frames: number; renderMs: number[]; renders: Record<string, number>; steps: number };

/** React renders per panel per step, the panels that did not render left out: `queues 1, status 1`. */
function rendersPerStep(p: Phase): string {
  const parts = Object.entries(p.renders)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${Number((n / p.steps).toFixed(2))}`);
  return parts.length ? parts.join(', ') : 'none';
}

export async function benchRender(columns = 120, rows = 40, ticks = 20): Promise<Record<string, number | string>> {
  const sim = new LsosSimulation(loadScenario('default'), { seed: 1, startAt: Date.UTC(2026, 10, 28, 4, 0, 0) });
  sim.step(90_000); // an incident is under way: triggers firing, every panel populated
  const snap = sim.snapshot();
  const frozen = { now: () => snap.at }; // ages on screen must not tick during the measurement
  const store = createCockpitStore({ session: { operator: 'bench' } });
  store.getState().declareSource('simulation', SNAPSHOT_SLICES);
  // Everything but the snapshot's time and the sources' status (the store keeps those).
  const { at: _at, sources: _sources, ...patch } = snap;
  store.getState().ingest('simulation', patch, snap.at);
  const renders = countPanelRenders();

  const stdout = new CountingTty(columns, rows);
  const tty = Object.assign(new PassThrough(), { isTTY: true, setRawMode() {}, ref() {}, unref() {} });
  const renderTimes: number[] = [];
  const mounted = mountCockpit({
    store,
    bindings: buildRegistry({ commands: noCommands, clock: frozen }),
    stdin: tty as unknown as NodeJS.ReadStream,
    stdout: stdout as unknown as NodeJS.WriteStream,
    clock: frozen,
    onRender: (m) => renderTimes.push(m.renderTime),
  });
  await sleep(500);
  const firstFrame = stdout.take();
  renders.take();

  /** Runs `step` n times, each followed by a pause longer than a frame; CPU, frames and renders over the whole. */
  async function phase(n: number, step: (i: number) => void): Promise<Phase> {
    const frames0 = renderTimes.length;
    const cpu0 = process.cpuUsage();
    const bytes: number[] = [];
    for (let i = 0; i < n; i++) {
      step(i);
      await sleep(150);
      bytes.push(stdout.take());
    }
    const cpu = process.cpuUsage(cpu0);
    return {
      bytes,
      cpuMs: (cpu.user + cpu.system) / 1000,
      frames: renderTimes.length - frames0,
      renderMs: renderTimes.slice(frames0),
      renders: renders.take(),
      steps: n,
    };
  }

  // Steady state: one figure changes per tick (the crawl queue's reserved count, shown exactly), everything else equal.
  const queueTick = await phase(ticks, (i) => {
    const queues = store.getState().snapshot.queues.map((q, j) => (j === 0 ? { ...q, reserved: q.reserved + 1 + i } : q));
    store.getState().ingest('simulation', { queues }, snap.at);
  });
  // A database-only update (the connection count): only the replica panel shows it.
  const databaseTick = await phase(ticks, (i) => {
    const db = store.getState().snapshot.database;
    store.getState().ingest('simulation', { database: { ...db, connections: db.connections + (i % 2 === 0 ? 1 : -1) } }, snap.at);
  });
  // A tick where nothing displayed changes must cost nothing.
  const idle = await phase(5, () => store.getState().ingest('simulation', {}, snap.at));
  // Keys: j and k in turn on the focused queue panel (the selection bar moves).
  const keys = await phase(ticks, (i) => tty.write(i % 2 === 0 ? 'j' : 'k'));
  // Full redraw: what Ctrl-L costs (clear + the whole frame).
  const fulls: number[] = [];
  for (let i = 0; i < 3; i++) {
    mounted.repaint();
    await sleep(150);
    fulls.push(stdout.take());
  }
  mounted.instance.unmount();
  await sleep(50);

  const tick = median(queueTick.bytes);
  const full = median(fulls);
  const perFrame = (p: Phase) => Number((p.cpuMs / Math.max(1, p.frames)).toFixed(2));
  const perStep = (p: Phase) => Number((p.cpuMs / p.steps).toFixed(2));
  return {
    terminal: `${columns}x${rows}`,
    'first frame bytes': firstFrame,
    'one-value tick bytes (median)': tick,
    'no-change tick bytes (median)': median(idle.bytes),
    'full redraw bytes (median)': full,
    'tick / full redraw': `${((100 * tick) / Math.max(1, full)).toFixed(1)}%`,
    'render time per frame ms (median)': Number(median(renderTimes).toFixed(2)),
    'render time per frame ms (max)': Number(Math.max(...renderTimes).toFixed(2)),
    frames: renderTimes.length,
    'queue tick: CPU ms per tick': perStep(queueTick),
    'queue tick: CPU ms per frame': perFrame(queueTick),
    'queue tick: frames per tick': Number((queueTick.frames / queueTick.steps).toFixed(2)),
    'queue tick: renders per tick': rendersPerStep(queueTick),
    'database tick: CPU ms per tick': perStep(databaseTick),
    'database tick: renders per tick': rendersPerStep(databaseTick),
    'no-change tick: CPU ms per tick': perStep(idle),
    'no-change tick: frames per tick': Number((idle.frames / idle.steps).toFixed(2)),
    'no-change tick: renders per tick': rendersPerStep(idle),
    'key j/k: CPU ms per key': perStep(keys),
    'key j/k: render time ms (median)': Number(median(keys.renderMs).toFixed(2)),
    'key j/k: renders per key': rendersPerStep(keys),
  };
}
