// Ink 6.8.0's incremental renderer moves the cursor up one line too few when the previous frame
// ended with a newline (any frame shorter than the terminal), so every changed line lands one
// row too low and old lines stay on screen. The cockpit needs incremental rendering with a frame
// of rows - 1 (a full-height frame makes Ink clear the screen on every commit), so this postinstall
// step fixes that one line, as patch-package would. It is idempotent and fails loudly if Ink's
// code is not what it expects (a different Ink version needs this re-checked).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BROKEN = 'buffer.push(ansiEscapes.cursorUp(previousVisible - 1));';
const FIXED =
  "buffer.push(ansiEscapes.cursorUp(previousOutput.endsWith('\\n') ? previousVisible : previousVisible - 1)); /* lsos-cockpit: scripts/patch-ink.mjs */";

// ink's exports map hides package.json from require.resolve: find it by path.
const inkDir = fileURLToPath(new URL('../node_modules/ink/', import.meta.url));
if (!existsSync(join(inkDir, 'package.json'))) {
  console.log('patch-ink: ink is not installed; nothing to patch');
  process.exit(0);
}
const { version } = JSON.parse(readFileSync(join(inkDir, 'package.json'), 'utf8'));
const file = join(inkDir, 'build', 'log-update.js');
const src = readFileSync(file, 'utf8');
if (src.includes(FIXED)) {
  console.log(`patch-ink: ink ${version} already patched`);
} else if (src.split(BROKEN).length === 2) {
  writeFileSync(file, src.replace(BROKEN, FIXED));
  console.log(`patch-ink: fixed ink ${version} incremental renderer (cursor one row off after a trailing newline)`);
} else {
  console.error(`patch-ink: ink ${version} log-update.js does not contain the expected line; re-check the incremental renderer fix`);
  process.exit(1);
}
