// The package root, found by walking up from this module until package.json: the same code runs
// from src/sources/sim under vitest and from dist/src/sim after tsc, at different depths.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  let firstFound: string | null = null;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      firstFound ??= dir;
      // A build step may drop a bare package.json into dist/: prefer the one that is ours.
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'lsos-cockpit') return (cached = dir);
      } catch {
        // unreadable package.json: keep walking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  if (firstFound) return (cached = firstFound);
  throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
}

export function scenariosDir(): string {
  return join(packageRoot(), 'fixtures', 'scenarios');
}
