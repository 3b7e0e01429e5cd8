// Writes frames into the terminal it runs in, for test/e2e/line-diff.e2e.test.ts: `incremental`
// sends every frame through Ink's incremental renderer as patched (scripts/patch-ink.mjs 5), one
// after another; `alone` writes only the last frame on the blank screen. Then touches `done` and
// waits to be captured.
import { writeFileSync } from 'node:fs';
import logUpdate from '../../node_modules/ink/build/log-update.js';
import { frames } from '../terminal/randomLines.mjs';

const [mode, seed, done] = process.argv.slice(2);
const all = frames(Number(seed), 20, 200, '\n');
if (mode === 'incremental') {
  const render = logUpdate.create(process.stdout, { incremental: true, showCursor: true });
  for (const frame of all) render(frame);
} else process.stdout.write(all[all.length - 1]);
process.stdout.write('', () => writeFileSync(done, 'done'));
setInterval(() => undefined, 60_000);
