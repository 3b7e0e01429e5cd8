// The bin's script loads a few of Node's built-in modules only when one of their exports is first
// used (scripts/bundle.mjs, LAZY_BUILTINS): the simulation never needs them, and each costs
// milliseconds of every launch (zlib 5 ms: only the recorder's compressed figures of a large
// live incident use it, src/journal/compactFigures.ts). Checked in the built cockpit, in a real
// terminal: what Node had loaded when the simulation, run past its first frame, was stopped.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, haveTmux, ROOT, TmuxSession } from './tmux.js';

const available = haveTmux();
if (!available && process.env.CI === 'true') throw new Error('tmux is required for the end-to-end tests under CI');
const suite = available ? describe : describe.skip;

suite('built-in modules the simulation never loads (tmux)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lsos-e2e-lazy-'));
  const session = new TmuxSession();
  beforeAll(() => {
    if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  });
  afterAll(() => {
    session.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the simulation without zlib, http or child_process', async () => {
    const log = join(dir, 'modules.json');
    const preload = join(dir, 'record-modules.cjs');
    writeFileSync(
      preload,
      // On SIGTERM, before the cockpit's own handler (registered later) restores the terminal and exits.
      `process.on('SIGTERM', () => require('node:fs').writeFileSync(${JSON.stringify(log)}, JSON.stringify(process.moduleLoadList)));\n`,
    );
    session.start(120, 40, [], { NODE_OPTIONS: `--require=${preload}` });
    const shown = await session.waitForText('1 Queue lag');
    // Past the first frame: a second's work of the simulation (the clock moved on).
    await session.waitFor((s) => s !== shown, 'the screen to change');
    process.kill(session.cockpitPid()!, 'SIGTERM');
    await session.waitForExit();
    const loaded = JSON.parse(readFileSync(log, 'utf8')) as string[];
    // The list names what Node loaded: the cockpit's own fs and tty are there.
    expect(loaded).toEqual(expect.arrayContaining(['NativeModule fs', 'NativeModule tty']));
    expect(loaded.filter((m) => /^NativeModule (zlib|http|child_process)$/.test(m))).toEqual([]);
  });
});
