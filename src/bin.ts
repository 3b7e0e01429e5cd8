#!/usr/bin/env node
// lsos-cockpit's bin (dist/src/cli.cjs, CommonJS, once bundled by scripts/bundle.mjs): runs the cockpit's
// bundle (dist/src/cockpit.cjs, built from src/cli.ts) through the V8 code cache of
// src/cli/codeCache.ts, so a start after the first skips most of parsing and compiling it.
import { accessSync, constants, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { codeCacheDir, runBundle } from './cli/codeCache.js';
import { deferExtraCaCerts, type TlsModule } from './cli/extraCaCerts.js';

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

// Before the bundle runs, so no TLS context is made without the file's certificates.
deferExtraCaCerts(process.env, {
  loadTls: () => createRequire(import.meta.url)('node:tls') as TlsModule,
  readFile: (path) => readFileSync(path, 'utf8'),
  readable: (path) => {
    try {
      accessSync(path, constants.R_OK);
      return true;
    } catch {
      return false;
    }
  },
  // Node's own warning for the file, at the same moment (before the screen is taken).
  warn: (message) => process.emitWarning(message),
});

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
