// Ink's incremental renderer as patched (scripts/patch-ink.mjs 5: a changed line written from its
// first to its last changed character, unchanged lines as one cursor move) in a real terminal:
// 200 frames of styled, wide and combining text written one after another through it leave tmux's
// screen the same, cell for cell and style for style, as the last frame written alone.
// (Read through the model terminal of test/terminal/modelTerminal.ts.)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelTerminal } from '../terminal/modelTerminal.js';
import { ROOT, haveTmux } from './tmux.js';

const available = haveTmux();
if (!available && process.env.CI !== 'true') console.warn('\n*** SKIPPING line-diff e2e: tmux is not installed ***\n');
const suite = available || process.env.CI === 'true' ? describe : describe.skip;

const DRIVER = join(ROOT, 'test/e2e/line-diff-driver.mjs');
const socket = `lsos-linediff-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'lsos-linediff-'));
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterAll(() => {
  try {
    tmux('kill-server');
  } catch {
    /* not started */
  }
  rmSync(dir, { recursive: true, force: true });
});

async function screenOf(mode: 'incremental' | 'alone', seed: number): Promise<string> {
  const name = `${mode}-${seed}`;
  const done = join(dir, name);
  tmux(
    'new-session',
    '-d',
    '-s',
    name,
    '-x',
    '160',
    '-y',
    '24',
    `env LANG=C.UTF-8 TERM=xterm-256color node ${DRIVER} ${mode} ${seed} ${done}`,
  );
  // Until the driver says every frame is written (the terminal has read it all when tmux answers after).
  for (let i = 0; !existsSync(done); i++) {
    if (i > 3000) throw new Error(`${name}: the driver never finished; screen:\n${tmux('capture-pane', '-p', '-t', name)}`);
    await sleep(10);
  }
  return tmux('capture-pane', '-p', '-e', '-t', name);
}

suite('changed lines written in part, in tmux', () => {
  it.each([3, 5, 8])('seed %i: the screen after 200 frames is the last frame drawn alone', async (seed) => {
    const incremental = await screenOf('incremental', seed);
    const alone = await screenOf('alone', seed);
    expect(incremental.split('\n').length).toBeGreaterThan(20);
    // Cell by cell: tmux writes a line's closing escapes at its end or at the next line's start
    // depending on how the line was last erased, which is not what the screen shows.
    const cells = (capture: string) => {
      const t = new ModelTerminal();
      t.write(capture);
      return t.screen(24);
    };
    expect(cells(incremental)).toEqual(cells(alone));
  });
});
