// The built bin carries the V8 flags that hold its memory down (issue 16: RSS about 35 MB less;
// scripts/bundle.mjs writes them into the `#!` line), and started as an operator starts it, through
// that line, Node accepts them. Nothing else fails if the bundle stops writing them.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));

describe('the built bin', () => {
  it('starts node with its memory flags from its #! line', () => {
    const first = readFileSync(BIN, 'utf8').split('\n', 1)[0] ?? '';
    expect(first).toMatch(/^#!\/usr\/bin\/env -S node /);
    for (const flag of ['--max-semi-space-size=', '--heap-growing-percent=', '--v8-pool-size=']) expect(first).toContain(flag);
    // Run as a program (the kernel reads the #! line): Node refuses an unknown flag with exit 9.
    const out = execFileSync(BIN, ['--version'], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    expect(out).toMatch(/^lsos-cockpit \d+\.\d+\.\d+/);
  });
});
