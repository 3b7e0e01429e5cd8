// The built bin's V8 code cache (src/cli/codeCache.ts, issue 16 start-up), in a real terminal: the
// first start writes it after its first frame, the next one uses it (and leaves it alone), and a
// corrupt or unusable cache location still gives a full first frame (the corrupt cache rewritten).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeCodeCache } from '../../src/cli/codeCache.js';
import { CLI, haveTmux, ROOT, TmuxSession } from './tmux.js';

const available = haveTmux();
if (!available && process.env.CI === 'true') throw new Error('tmux is required for the end-to-end tests under CI');
const suite = available ? describe : describe.skip;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Everything the simulation shows at rest, as the bench's launch figure waits for (bench/beside-htop.ts). */
const fullFrame = (s: string) =>
  ['SIMULATION', '1 Queue lag', 'crawl', 'celery', 'replica-1', '4 Escalation', 'suggest'].every((x) => s.includes(x));

const cacheFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.v8cache')) : []);

/** The key a cache file was written for, when it is whole. */
function validCache(file: string): boolean {
  const buf = readFileSync(file);
  const key = buf.toString('latin1', 8, 72).trimEnd();
  return decodeCodeCache(buf, key) !== undefined;
}

async function until(pred: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (pred()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

suite('the bin’s code cache (tmux)', () => {
  const sessions: TmuxSession[] = [];
  const roots: string[] = [];
  /** A directory of the test's own for XDG_CACHE_HOME. */
  const newRoot = () => {
    const r = mkdtempSync(join(tmpdir(), 'lsos-e2e-xdg-'));
    roots.push(r);
    return r;
  };
  beforeAll(() => {
    if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  });
  afterEach(() => {
    for (const s of sessions.splice(0)) s.kill();
    for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
  });

  /** Starts the cockpit with XDG_CACHE_HOME=`xdg` and waits for its full first frame. */
  async function start(xdg: string): Promise<TmuxSession> {
    const t = new TmuxSession();
    sessions.push(t);
    t.start(120, 40, [], { XDG_CACHE_HOME: xdg });
    await t.waitFor(fullFrame, 'the full first frame');
    return t;
  }

  it('is written after the first start’s first frame, then used by the next start as it is', async () => {
    const xdg = newRoot();
    const dir = join(xdg, 'lsos-cockpit');
    const first = await start(xdg);
    await until(() => cacheFiles(dir).length === 1, 'the cache file');
    const [name] = cacheFiles(dir);
    const file = join(dir, name!);
    expect(validCache(file)).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    first.kill();

    const before = { mtimeMs: statSync(file).mtimeMs, bytes: readFileSync(file) };
    const second = await start(xdg);
    // A few ticks of the clock later: a start that did not use the cache would have written it again.
    const shown = second.capture();
    await second.waitFor((s) => s !== shown, 'the screen to change');
    await sleep(1500);
    expect(cacheFiles(dir)).toEqual([name]);
    expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
    expect(readFileSync(file).equals(before.bytes)).toBe(true);
  });

  it('starts with a full frame over a corrupt cache, and writes it whole again', async () => {
    const xdg = newRoot();
    const dir = join(xdg, 'lsos-cockpit');
    // Killed only once the cache is written: it is written just after the first frame, and a
    // busy machine can show the frame well before that write (a kill in between leaves no cache).
    const first = await start(xdg);
    await until(() => cacheFiles(dir).length === 1, 'the cache file');
    first.kill();
    const file = join(dir, cacheFiles(dir)[0]!);
    const bytes = readFileSync(file);
    // Bytes of V8's own data changed (V8 would not notice; the cockpit's checksum does).
    for (let i = 200; i < bytes.length; i += 997) bytes[i]! ^= 0x5a;
    writeFileSync(file, bytes);
    expect(validCache(file)).toBe(false);
    await start(xdg);
    await until(() => validCache(file), 'the cache written whole again');
  });

  it('starts with a full frame where the cache cannot live: a file in the way, a directory others can write', async () => {
    const root = newRoot();
    writeFileSync(join(root, 'file'), 'not a directory');
    await start(join(root, 'file'));
    expect(readFileSync(join(root, 'file'), 'utf8')).toBe('not a directory');

    const shared = join(root, 'shared');
    mkdirSync(join(shared, 'lsos-cockpit'), { recursive: true });
    chmodSync(join(shared, 'lsos-cockpit'), 0o777);
    const t = await start(shared);
    const shown = t.capture();
    await t.waitFor((s) => s !== shown, 'the screen to change');
    await sleep(1500);
    expect(readdirSync(join(shared, 'lsos-cockpit'))).toEqual([]);
  });

  // The bin's start-up-only flags (scripts/bundle.mjs): no optimising compiler until the first
  // frame, then on for good, also after the cache (made under the start-up flags) is written.
  it('runs without the optimising compiler only until its first frame', async () => {
    const root = newRoot();
    const log = join(root, 'flags.log');
    const preload = join(root, 'record-flags.cjs');
    writeFileSync(
      preload,
      `const v8 = require('node:v8');
const fs = require('node:fs');
const set = v8.setFlagsFromString;
v8.setFlagsFromString = (f) => { fs.appendFileSync(${JSON.stringify(log)}, f + '\\n'); return set(f); };
`,
    );
    const flags = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
    const t = new TmuxSession();
    sessions.push(t);
    t.start(120, 40, [], { XDG_CACHE_HOME: root, NODE_OPTIONS: `--require=${preload}` });
    await t.waitFor(fullFrame, 'the full first frame');
    await until(() => cacheFiles(join(root, 'lsos-cockpit')).length === 1, 'the cache file');
    await until(() => flags().at(-1) === '--opt', 'the optimising compiler on again');
    const seen = flags();
    expect(seen.slice(0, 6)).toEqual([
      '--heap-growing-percent=20',
      '--no-sparkplug',
      '--max-inlined-bytecode-size=230',
      '--max-inlined-bytecode-size-cumulative=460',
      '--no-opt',
      '--opt',
    ]);
    expect(seen.at(-1)).toBe('--opt');
  });
});
