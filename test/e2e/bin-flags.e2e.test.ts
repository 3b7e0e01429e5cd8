// The built bin carries the Node and V8 flags and the malloc setting that hold its memory down
// (issue 16; scripts/bundle.mjs writes them into the sh line its `#!/bin/sh` runs, and the bin sets
// the V8 flags itself), and started as an operator starts it, through that line, Node accepts the
// flags and the cockpit's process has the setting. Nothing else fails if the bundle stops writing them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { binCommand } from '../../bench/beside-htop.js';

const BIN = fileURLToPath(new URL('../../dist/src/cli.cjs', import.meta.url));
/** The bin's name before it was CommonJS: an ES module that imports it. */
const OLD_NAME = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));
const PACKAGE = fileURLToPath(new URL('../../package.json', import.meta.url));

// A preload: what the process was given, and the V8 flags the bin sets itself (before it runs the
// bundle), reported when it exits.
const REPORT = `const v8 = require('node:v8');
const set = v8.setFlagsFromString;
const runtime = [];
v8.setFlagsFromString = (f) => { runtime.push(f); return set(f); };
const given = { malloc: process.env.MALLOC_MMAP_THRESHOLD_ ?? null, argv: process.execArgv };
process.on('exit', () => process.stderr.write(JSON.stringify({ ...given, runtime }) + '\\n'));
`;

describe('the built bin', () => {
  it('starts node with its flags and malloc setting from the sh line its #! line runs, and sets the other V8 flags itself', () => {
    const [first, second] = readFileSync(BIN, 'utf8').split('\n', 2);
    // sh, not `env -S`: nothing for a kernel before 5.1 (127 bytes of a #! line) to cut.
    expect(first).toBe('#!/bin/sh');
    expect(second).toMatch(
      /^":" \/\/; .*export MALLOC_MMAP_THRESHOLD_=131072; exec node --max-semi-space-size=2 --v8-pool-size=1 --no-node-snapshot "\$0" "\$@"$/,
    );
    // Run as a program (the kernel runs sh, sh the line): Node refuses an unknown flag with exit 9.
    const dir = mkdtempSync(join(tmpdir(), 'lsos-bin-flags-'));
    try {
      const preload = join(dir, 'report.cjs');
      writeFileSync(preload, REPORT);
      // An empty value inherited: the line's own must win.
      const run = spawnSync(BIN, ['--version'], {
        encoding: 'utf8',
        env: {
          ...process.env,
          CI: 'true',
          MALLOC_MMAP_THRESHOLD_: '',
          NODE_OPTIONS: `--require=${preload}`,
          LSOS_COCKPIT_CODE_CACHE: 'off',
        },
      });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^lsos-cockpit \d+\.\d+\.\d+/);
      const given = JSON.parse(run.stderr.trim().split('\n').at(-1) ?? '') as { malloc: string | null; argv: string[]; runtime: string[] };
      expect(given.malloc).toBe('131072');
      expect(given.argv).toEqual(expect.arrayContaining(['--max-semi-space-size=2', '--v8-pool-size=1', '--no-node-snapshot']));
      // --version shows no frame and is gone long before the start-up flags' time runs out.
      expect(given.runtime).toEqual([
        '--heap-growing-percent=20',
        '--no-sparkplug',
        '--max-inlined-bytecode-size=230',
        '--max-inlined-bytecode-size-cumulative=460',
        '--no-opt',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Node 20 sets up its ES module loader for an ES module entry, 6-20 ms of a warm launch
  // (docs/performance.md, "Sixth session: start-up"); NODE_DEBUG=esm logs each module that loader
  // loads. The package's "type": "module" makes a .js bin one.
  it('is CommonJS: Node loads no ES module to run it, and it is what the package and npm start run', () => {
    const pkg = JSON.parse(readFileSync(PACKAGE, 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };
    expect(pkg.bin['lsos-cockpit']).toBe('dist/src/cli.cjs');
    expect(pkg.scripts.start).toBe('dist/src/cli.cjs');
    const env = { ...process.env, CI: 'true', NODE_DEBUG: 'esm' };
    const run = spawnSync(BIN, ['--version'], { encoding: 'utf8', env });
    expect(run.stdout).toMatch(/^lsos-cockpit \d+\.\d+\.\d+/);
    expect(run.stderr).not.toMatch(/^ESM \d+:/m);
    // The check sees the ES module loader when it runs: the old name is an ES module.
    const old = spawnSync(OLD_NAME, ['--version'], { encoding: 'utf8', env });
    expect(old.stdout).toBe(run.stdout);
    expect(old.stderr).toMatch(/^ESM \d+:/m);
  });

  // The benches start the cockpit, and Node alone as the floor of a launch, as the bin starts it:
  // their command from the bin's sh line must give Node what the line gives it.
  it("gives the benches' Node what the bin's line gives it", () => {
    const probe = `process.stdout.write(JSON.stringify({ argv: process.execArgv, malloc: process.env.MALLOC_MMAP_THRESHOLD_ ?? null, ca: process.env.NODE_EXTRA_CA_CERTS ?? null, moved: process.env.LSOS_COCKPIT_NODE_EXTRA_CA_CERTS ?? null }))`;
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: '/some/ca.pem', NODE_OPTIONS: '' };
    const run = spawnSync('sh', ['-c', `${binCommand(BIN)} -e "$1"`, 'sh', probe], { encoding: 'utf8', env });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      argv: ['--max-semi-space-size=2', '--v8-pool-size=1', '--no-node-snapshot', '-e', probe],
      malloc: '131072',
      ca: null,
      moved: '/some/ca.pem',
    });
  });
});
