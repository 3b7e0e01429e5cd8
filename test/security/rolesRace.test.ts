// The roles file cannot be raced. A user who owns a directory on the way to the roles file swaps a
// link there, as fast as they can, between the root-owned roles file and one of their own that
// grants them `privileged`; meanwhile the cockpit resolves the role again and again. It must never
// grant `privileged`. Before the roles file was read through one descriptor, the check (stat by
// path) and the read (by path again) could see different files: 173 of about 331,000 resolutions
// granted. Real files, real owners (the tests run as root and hand files to a test uid), and the
// swapper runs as that uid in a process of its own.
//
// LSOS_ROLES_RACE_SECONDS (default 60) bounds the race; LSOS_ROLES_RACE_ITERATIONS stops it earlier.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveRole, type Identity } from '../../src/control/roles/roles.js';

const ALICE: Identity = { username: 'alice', uid: 42_011, gid: 42_011, groups: [42_011] };
const SECONDS = Number(process.env.LSOS_ROLES_RACE_SECONDS ?? 60);
const ITERATIONS = Number(process.env.LSOS_ROLES_RACE_ITERATIONS ?? Number.POSITIVE_INFINITY);
const isRoot = process.getuid?.() === 0;

// The swapper: replaces `current` atomically (a fresh link renamed over it), alternating targets,
// and says how many swaps it made when told to stop.
const SWAPPER = `
const fs = require('node:fs');
const [dir, a, b] = process.argv.slice(2);
let n = 0, stop = false;
process.on('SIGTERM', () => { stop = true; });
const tmp = dir + '/.next';
function loop() {
  for (let i = 0; i < 2000 && !stop; i++) {
    try { fs.unlinkSync(tmp); } catch {}
    fs.symlinkSync(n % 2 ? a : b, tmp);
    fs.renameSync(tmp, dir + '/current');
    n++;
  }
  if (stop) { process.stdout.write(String(n)); process.exit(0); }
  setImmediate(loop);
}
process.stdout.write('ready\\n');
loop();
`;

let base = '';
let swapper: ChildProcess | null = null;

beforeAll(() => {
  if (!isRoot && process.env.CI === 'true') throw new Error('the roles race test needs root (CI runs as root): it must run, not skip');
  if (!isRoot) console.warn('\n*** SKIPPING the roles race test: it needs root to hand files to a test uid ***\n');
});

afterAll(() => {
  if (swapper && swapper.exitCode === null) swapper.kill('SIGKILL');
  if (base) fs.rmSync(base, { recursive: true, force: true });
});

describe.runIf(isRoot)('roles file under a symlink race', () => {
  it(`never grants privileged while a link on the path is swapped (${SECONDS} s)`, async () => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-roles-race-'));
    fs.chmodSync(base, 0o755);
    const etc = path.join(base, 'etc');
    const home = path.join(base, 'home', 'alice');
    fs.mkdirSync(etc, { mode: 0o755 });
    fs.mkdirSync(home, { recursive: true, mode: 0o755 });
    fs.chmodSync(path.join(base, 'home'), 0o755);
    // The real roles file: root's, in a root-owned directory; alice is an operator.
    const real = path.join(etc, 'roles.real.yaml');
    fs.writeFileSync(real, 'users:\n  alice: operator\n', { mode: 0o644 });
    // Alice's own file, in her own directory, granting herself privileged.
    const evil = path.join(home, 'mine.yaml');
    fs.writeFileSync(evil, 'users:\n  alice: privileged\n', { mode: 0o644 });
    fs.chownSync(evil, ALICE.uid, ALICE.gid);
    fs.chownSync(home, ALICE.uid, ALICE.gid);
    // The configured path: a root-owned link in a root-owned directory, pointing into alice's directory.
    const configured = path.join(etc, 'roles.yaml');
    fs.symlinkSync(path.join(home, 'current'), configured);
    fs.symlinkSync(real, path.join(home, 'current'));
    fs.lchownSync(path.join(home, 'current'), ALICE.uid, ALICE.gid);
    const script = path.join(base, 'swapper.cjs');
    fs.writeFileSync(script, SWAPPER, { mode: 0o644 });

    // Without the race, the same layout is refused for alice (her directory is on the path) and
    // the reason names it; the root-owned file alone grants operator.
    const still = resolveRole({ path: configured, identity: ALICE });
    expect(still.ok).toBe(false);
    if (!still.ok) expect(still.reason).toContain(`${home}: it is owned by alice`);
    expect(resolveRole({ path: real, identity: ALICE })).toMatchObject({ ok: true, role: 'operator' });

    swapper = spawn(process.execPath, [script, home, real, evil], { uid: ALICE.uid, gid: ALICE.gid, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    swapper.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    const deadline = Date.now() + 10_000;
    while (!out.includes('ready') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(out).toContain('ready');

    const outcomes = new Map<string, number>();
    let granted = 0;
    let resolutions = 0;
    const end = Date.now() + SECONDS * 1000;
    while (Date.now() < end && resolutions < ITERATIONS) {
      // Batches, then a turn of the event loop so the swapper's output is read.
      for (let i = 0; i < 500; i++) {
        const r = resolveRole({ path: configured, identity: ALICE });
        resolutions++;
        if (r.ok && r.role === 'privileged') granted++;
        const key = r.ok ? `granted ${r.role}` : r.reason.replace(/\d+/g, 'N').slice(0, 120);
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
      await new Promise((r) => setImmediate(r));
    }
    const stopped = new Promise<void>((r) => swapper?.once('exit', () => r()));
    swapper.kill('SIGTERM');
    await stopped;
    const swaps = Number(out.replace('ready\n', ''));
    const summary = `${resolutions} resolutions, ${swaps} swaps: ${JSON.stringify(Object.fromEntries(outcomes), null, 1)}`;
    console.log(`roles race: ${summary}`);
    // The race really ran: many swaps while resolving.
    expect(swaps, summary).toBeGreaterThan(1000);
    expect(resolutions, summary).toBeGreaterThan(1000);
    expect(granted, summary).toBe(0);
    // Nothing was granted at all: every resolution refused the file, saying why.
    expect(
      [...outcomes.keys()].some((k) => k.startsWith('granted')),
      summary,
    ).toBe(false);
  });
});
