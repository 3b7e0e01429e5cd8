#!/usr/bin/env node
// lsos-cockpit's bin (dist/src/cli.cjs, CommonJS, once bundled by scripts/bundle.mjs): runs the cockpit's
// bundle (dist/src/cockpit.cjs, built from src/cli.ts) through the V8 code cache of
// src/cli/codeCache.ts, so a start after the first skips most of parsing and compiling it.
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { codeCacheDir, runBundle } from './cli/codeCache.js';

/** The bundle's sha256, defined by scripts/bundle.mjs when it builds this file. */
declare const __LSOS_BUNDLE_HASH__: string;

function home(): string | undefined {
  try {
    return homedir();
  } catch {
    return undefined;
  }
}

runBundle({
  bundlePath: fileURLToPath(new URL('./cockpit.cjs', import.meta.url)),
  bundleHash: __LSOS_BUNDLE_HASH__,
  cacheDir: codeCacheDir(process.env, home()),
});
