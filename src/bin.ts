#!/usr/bin/env node
// lsos-cockpit's bin (dist/src/cli.cjs, CommonJS, once bundled by scripts/bundle.mjs): runs the cockpit's
// bundle (dist/src/cockpit.cjs, built from src/cli.ts) through the V8 code cache of
// src/cli/codeCache.ts, so a start after the first skips most of parsing and compiling it.
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { codeCacheDir, runBundle } from './cli/codeCache.js';

/** The bundle's sha256, defined by scripts/bundle.mjs when it builds this file. */
declare const __LSOS_BUNDLE_HASH__: string;
/**
 * V8 flags the `#!` line has no room for (Linux before 5.1 reads 127 bytes of it), defined by
 * scripts/bundle.mjs: V8 reads them when it uses them (a collection's next limit, a function's
 * tier-up), so set before the bundle is compiled they hold for the whole run.
 */
declare const __LSOS_RUNTIME_V8_FLAGS__: readonly string[];
/** V8 flags for start-up only, each with the flag that undoes it (scripts/bundle.mjs; src/cli/codeCache.ts sets them). */
declare const __LSOS_START_UP_V8_FLAGS__: readonly (readonly [string, string])[];

for (const flag of __LSOS_RUNTIME_V8_FLAGS__) setFlagsFromString(flag);

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
  runtimeFlags: __LSOS_RUNTIME_V8_FLAGS__,
  startUpFlags: __LSOS_START_UP_V8_FLAGS__,
});
