// Keys first (issue 16): a key's effect is drawn in the same turn of the event loop that read it,
// even right after another frame (a poll tick). Ink's frame-rate cap used to hold such a key for
// the trailing edge of its throttle (up to 84 ms at 12 fps). The cockpit is mounted on a fake TTY
// exactly as the CLI mounts it; no timer is advanced or awaited between the key and the check.
import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createCockpitStore } from '../../src/ui/state/store.js';
import type { CockpitCommands } from '../../src/ui/registry/commands.js';
import { buildRegistry } from '../../src/ui/registry/build.js';
import { LsosSimulation, loadScenario } from '../../src/sources/sim/index.js';
import { mountCockpit, type MountedCockpit } from '../../src/ui/terminal/mount.js';

class TextTty extends Writable {
  text = '';
  readonly isTTY = true;
  readonly columns = 120;
  readonly rows = 40;
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

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

const turn = () => new Promise<void>((r) => setImmediate(r));

// A generous ceiling: only reached when the frame never comes (a loaded CI machine draws it late).
async function until(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('keys first', () => {
  let mounted: MountedCockpit | null = null;
  afterEach(() => {
    mounted?.instance.unmount();
    mounted = null;
  });

  it('a key pressed right after a poll frame is drawn before any timer runs', async () => {
    const sim = new LsosSimulation(loadScenario('default'), { seed: 1, startAt: Date.UTC(2026, 10, 28, 4, 0, 0) });
    sim.step(60_000);
    const snap = sim.snapshot();
    const clock = { now: () => snap.at };
    const store = createCockpitStore({ session: { operator: 'test' } });
    store.getState().ingest('simulation', { ...snap }, snap.at);
    const stdout = new TextTty();
    const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode() {}, ref() {}, unref() {} });
    mounted = mountCockpit({
      store,
      bindings: buildRegistry({ commands: noCommands, clock }),
      stdin: stdin as unknown as NodeJS.ReadStream,
      stdout: stdout as unknown as NodeJS.WriteStream,
      clock,
    });
    await until(() => stdout.text.includes('Queue lag'), 'the first frame');

    for (let i = 0; i < 5; i++) {
      // A poll tick changes a figure on screen: a frame is drawn for it.
      const queues = store.getState().snapshot.queues.map((q, j) => (j === 0 ? { ...q, reserved: q.reserved + 100 + i } : q));
      store.getState().ingest('simulation', { queues }, snap.at);
      await turn();
      stdout.text = '';
      // Then a key, at once: its frame must not wait for a frame-rate timer.
      stdin.write(i % 2 === 0 ? '?' : '\x1b');
      await turn();
      await turn();
      if (i % 2 === 0) expect(stdout.text).toContain('Keys and commands');
      else expect(stdout.text).not.toBe('');
    }
  });
});
