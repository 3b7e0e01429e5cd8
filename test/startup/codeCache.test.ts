// The bin's V8 code cache (src/cli/codeCache.ts): whatever is found where the cache lives, the
// cockpit starts; cached code reaches V8 only from this user's private directory, whole, for the
// same bundle; it is written only by replacing a file the cockpit wrote.
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  START_UP_FLAGS_MAX_MS,
  codeCacheDir,
  codeCacheFile,
  codeCacheKey,
  encodeCodeCache,
  pruneCodeCache,
  readCodeCache,
  runBundle,
  startUpFlags,
  writeCodeCache,
} from '../../src/cli/codeCache.js';

let root: string;
let dir: string;
const KEY = codeCacheKey({ bundleHash: 'h', bundleSize: 1, bundleMtimeMs: 2, nodeVersion: 'v20', arch: 'x64', execArgv: [] });
const DATA = Buffer.from('v8 code, as far as this test is concerned');

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'lsos-codecache-'));
  dir = join(root, 'cache', 'lsos-cockpit');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('where the cache lives', () => {
  it('is $XDG_CACHE_HOME/lsos-cockpit, else ~/.cache/lsos-cockpit, and nowhere when turned off or without a home', () => {
    expect(codeCacheDir({ XDG_CACHE_HOME: '/x/cache' }, '/home/op')).toBe('/x/cache/lsos-cockpit');
    // The XDG spec ignores a relative path.
    expect(codeCacheDir({ XDG_CACHE_HOME: 'cache' }, '/home/op')).toBe('/home/op/.cache/lsos-cockpit');
    expect(codeCacheDir({}, '/home/op')).toBe('/home/op/.cache/lsos-cockpit');
    expect(codeCacheDir({}, undefined)).toBeNull();
    expect(codeCacheDir({}, '')).toBeNull();
    expect(codeCacheDir({ LSOS_COCKPIT_CODE_CACHE: 'off', XDG_CACHE_HOME: '/x' }, '/home/op')).toBeNull();
  });

  it('keys the cache by the bundle, the Node binary and the V8 flags', () => {
    const base = { bundleHash: 'h', bundleSize: 1, bundleMtimeMs: 2, nodeVersion: 'v20', arch: 'x64', execArgv: [] as string[] };
    const keys = new Set([
      codeCacheKey(base),
      codeCacheKey({ ...base, bundleHash: 'g' }),
      codeCacheKey({ ...base, bundleSize: 3 }),
      codeCacheKey({ ...base, bundleMtimeMs: 4 }),
      codeCacheKey({ ...base, nodeVersion: 'v21' }),
      codeCacheKey({ ...base, arch: 'arm64' }),
      codeCacheKey({ ...base, execArgv: ['--max-semi-space-size=4'] }),
      codeCacheKey({ ...base, nodeOptions: '--max-old-space-size=100' }),
    ]);
    expect(keys.size).toBe(8);
  });
});

describe('reading and writing the cache', () => {
  it('reads back what it wrote, in a directory only this user can write, as a file only this user can read', () => {
    expect(writeCodeCache(dir, KEY, DATA)).toBe(true);
    expect(readCodeCache(dir, KEY)).toEqual(DATA);
    expect(lstatSync(dir).mode & 0o777).toBe(0o700);
    expect(lstatSync(codeCacheFile(dir, KEY)).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual([codeCacheFile(dir, KEY).split('/').pop()]);
  });

  it('finds nothing where there is no cache, or no directory, and for another key', () => {
    expect(readCodeCache(dir, KEY)).toBeUndefined();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    expect(readCodeCache(dir, KEY)).toBeUndefined();
    writeCodeCache(dir, KEY, DATA);
    const other = codeCacheKey({ bundleHash: 'other', bundleSize: 1, bundleMtimeMs: 2, nodeVersion: 'v20', arch: 'x64', execArgv: [] });
    // A file of another key under this key's name (a name is half the key) is refused too.
    writeFileSync(codeCacheFile(dir, other), encodeCodeCache(KEY, DATA), { mode: 0o600 });
    expect(readCodeCache(dir, other)).toBeUndefined();
  });

  it('refuses a corrupt cache: truncated, a byte changed anywhere, grown, empty, or not its format', () => {
    writeCodeCache(dir, KEY, DATA);
    const file = codeCacheFile(dir, KEY);
    const good = readFileSync(file);
    const variants: Buffer[] = [
      good.subarray(0, good.length - 1),
      good.subarray(0, 20),
      Buffer.concat([good, Buffer.from('x')]),
      Buffer.alloc(0),
      Buffer.from('not a cache at all, but long enough to have a header of the right size, and then some more bytes here'),
    ];
    for (let i = 0; i < good.length; i += 7) {
      const flipped = Buffer.from(good);
      flipped[i]! ^= 0x55;
      variants.push(flipped);
    }
    for (const v of variants) {
      writeFileSync(file, v);
      expect(readCodeCache(dir, KEY)).toBeUndefined();
    }
  });

  it('does not read a cache others could have written: a shared directory, a shared file, a symbolic link', () => {
    writeCodeCache(dir, KEY, DATA);
    const file = codeCacheFile(dir, KEY);
    chmodSync(file, 0o666);
    expect(readCodeCache(dir, KEY)).toBeUndefined();
    chmodSync(file, 0o600);
    chmodSync(dir, 0o777);
    expect(readCodeCache(dir, KEY)).toBeUndefined();
    // Nor writes one there.
    expect(writeCodeCache(dir, KEY, DATA)).toBe(false);
    chmodSync(dir, 0o700);
    expect(readCodeCache(dir, KEY)).toEqual(DATA);

    const elsewhere = join(root, 'elsewhere.v8cache');
    writeFileSync(elsewhere, readFileSync(file), { mode: 0o600 });
    rmSync(file);
    symlinkSync(elsewhere, file);
    expect(readCodeCache(dir, KEY)).toBeUndefined();
    // A directory reached through a symbolic link is not its own either.
    const linked = join(root, 'linked');
    symlinkSync(dir, linked);
    expect(readCodeCache(linked, KEY)).toBeUndefined();
  });

  it('replaces only a cache file it wrote: never a symbolic link, another file, a directory or a FIFO under that name', () => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = codeCacheFile(dir, KEY);
    const victim = join(root, 'victim');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, file);
    expect(writeCodeCache(dir, KEY, DATA)).toBe(false);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(file).isSymbolicLink()).toBe(true);
    rmSync(file);

    writeFileSync(file, 'someone else’s file', { mode: 0o600 });
    expect(writeCodeCache(dir, KEY, DATA)).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('someone else’s file');
    rmSync(file);

    mkdirSync(file);
    expect(writeCodeCache(dir, KEY, DATA)).toBe(false);
    expect(statSync(file).isDirectory()).toBe(true);
    rmSync(file, { recursive: true });

    // A FIFO is neither waited on (opening one for reading waits for a writer) nor replaced.
    execFileSync('mkfifo', ['-m', '600', file]);
    expect(readCodeCache(dir, KEY)).toBeUndefined();
    expect(writeCodeCache(dir, KEY, DATA)).toBe(false);
    expect(lstatSync(file).isFIFO()).toBe(true);
    // No temporary file left behind by any refusal.
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('replaces its own cache (one V8 refused)', () => {
    writeCodeCache(dir, KEY, Buffer.from('old'));
    expect(writeCodeCache(dir, KEY, DATA)).toBe(true);
    expect(readCodeCache(dir, KEY)).toEqual(DATA);
  });

  // Handing a directory to another user takes root.
  it.skipIf(process.getuid?.() !== 0)('does not create its directory in another user’s directory (root with a user’s HOME)', () => {
    const theirs = join(root, 'their-cache');
    mkdirSync(theirs);
    chownSync(theirs, 65534, 65534);
    expect(writeCodeCache(join(theirs, 'lsos-cockpit'), KEY, DATA)).toBe(false);
    expect(readdirSync(theirs)).toEqual([]);
    // A path still to be made is made by this user, all of it.
    expect(writeCodeCache(join(root, 'new', 'cache', 'lsos-cockpit'), KEY, DATA)).toBe(true);
  });

  it('writes nothing, and throws nothing, where it cannot create its directory', () => {
    writeFileSync(join(root, 'file'), '');
    expect(writeCodeCache(join(root, 'file', 'lsos-cockpit'), KEY, DATA)).toBe(false);
    expect(readCodeCache(join(root, 'file', 'lsos-cockpit'), KEY)).toBeUndefined();
  });

  it('keeps the newest two caches of other builds besides the current one, and removes temporary files a killed write left', () => {
    const now = Date.now();
    const keys = Array.from({ length: 5 }, (_, i) =>
      codeCacheKey({ bundleHash: `b${i}`, bundleSize: 1, bundleMtimeMs: 2, nodeVersion: 'v20', arch: 'x64', execArgv: [] }),
    );
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    keys.forEach((k, i) => {
      writeFileSync(codeCacheFile(dir, k), encodeCodeCache(k, DATA), { mode: 0o600 });
      utimesSync(codeCacheFile(dir, k), (now - 1000 * (10 - i)) / 1000, (now - 1000 * (10 - i)) / 1000);
    });
    const stale = `${codeCacheFile(dir, KEY)}.123.0a0b0c0d.tmp`;
    const fresh = `${codeCacheFile(dir, KEY)}.124.0a0b0c0e.tmp`;
    writeFileSync(stale, 'x', { mode: 0o600 });
    writeFileSync(fresh, 'x', { mode: 0o600 });
    utimesSync(stale, (now - 2 * 3600_000) / 1000, (now - 2 * 3600_000) / 1000);
    const foreign = join(dir, 'notes.txt');
    writeFileSync(foreign, 'mine', { mode: 0o600 });
    pruneCodeCache(dir, codeCacheFile(dir, keys[0]!), now);
    // The current one (the oldest here) stays; of the others the two newest.
    for (const [i, k] of keys.entries()) expect(existsSync(codeCacheFile(dir, k)), `cache ${i}`).toBe(i === 0 || i >= 3);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    expect(existsSync(foreign)).toBe(true);
  });
});

describe('running the bundle through the cache', () => {
  /** A bundle as the build writes it: one function expression that calls the first-frame callback it is given. */
  const bundle = (body: string) =>
    `(function (exports, require, module, __filename, __dirname, __lsosBundleUrl, __lsosFirstFrame) {
  "use strict";
  const seen = (globalThis.__codeCacheTest ??= []);
  function work(n) { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }
  seen.push({ file: __filename, dir: __dirname, url: __lsosBundleUrl, read: typeof require('node:fs').readFileSync, work: work(5), self: module.exports === exports });
  ${body}
  __lsosFirstFrame();
})
`;
  const seen = () => (globalThis as { __codeCacheTest?: unknown[] }).__codeCacheTest ?? [];
  afterEach(() => {
    delete (globalThis as { __codeCacheTest?: unknown[] }).__codeCacheTest;
  });

  /** The same bundle at a new path with the same size and time (V8 would otherwise reuse its own compilation). */
  let n = 0;
  const place = (text: string): string => {
    const path = join(root, `bundle-${n++}`, 'cockpit.cjs');
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    return path;
  };

  it('runs it as a CommonJS module, writes the cache after the first frame, and uses it on the next start', async () => {
    const text = bundle('');
    const first = place(text);
    expect(runBundle({ bundlePath: first, bundleHash: 'b1', cacheDir: dir })).toBe('absent');
    expect(seen()).toEqual([{ file: first, dir: join(first, '..'), url: `file://${first}`, read: 'function', work: 10, self: true }]);
    // Written once the frame's turn of the event loop is over.
    expect(existsSync(dir) && readdirSync(dir).length > 0).toBe(false);
    await tick();
    expect(readdirSync(dir).filter((f) => f.endsWith('.v8cache'))).toHaveLength(1);
    const written = readdirSync(dir).map((f) => statSync(join(dir, f)).mtimeMs);

    expect(runBundle({ bundlePath: place(text), bundleHash: 'b1', cacheDir: dir })).toBe('used');
    await tick();
    expect(seen()).toHaveLength(2);
    // A used cache is not written again.
    expect(readdirSync(dir).map((f) => statSync(join(dir, f)).mtimeMs)).toEqual(written);
  });

  it('starts without it where V8 refuses it, and writes one it takes', async () => {
    runBundle({ bundlePath: place(bundle('')), bundleHash: 'b2', cacheDir: dir });
    await tick();
    const [made] = readdirSync(dir);
    const key = (path: string) =>
      codeCacheKey({
        bundleHash: 'b2',
        bundleSize: statSync(path).size,
        bundleMtimeMs: statSync(path).mtimeMs,
        nodeVersion: process.version,
        arch: process.arch,
        execArgv: process.execArgv,
        nodeOptions: process.env.NODE_OPTIONS ?? '',
      });
    // That code under the key of another text (a cache made by other flags, say): V8 sees it is not this script's.
    const other = place(bundle('seen.push("other");'));
    const v8data = readFileSync(join(dir, made!)).subarray(108);
    writeFileSync(codeCacheFile(dir, key(other)), encodeCodeCache(key(other), v8data), { mode: 0o600 });
    expect(readCodeCache(dir, key(other))).toEqual(v8data);
    expect(runBundle({ bundlePath: other, bundleHash: 'b2', cacheDir: dir })).toBe('rejected');
    expect(seen()).toContain('other');
    await tick();
    expect(runBundle({ bundlePath: place(bundle('seen.push("other");')), bundleHash: 'b2', cacheDir: dir })).toBe('used');
  });

  it('starts normally with a corrupt cache, a cache directory it cannot use, or none at all', async () => {
    const text = bundle('');
    runBundle({ bundlePath: place(text), bundleHash: 'b3', cacheDir: dir });
    await tick();
    const [file] = readdirSync(dir);
    const bytes = readFileSync(join(dir, file!));
    bytes[bytes.length - 10]! ^= 0xff;
    writeFileSync(join(dir, file!), bytes);
    expect(runBundle({ bundlePath: place(text), bundleHash: 'b3', cacheDir: dir })).toBe('absent');
    await tick();
    // Rewritten whole.
    expect(runBundle({ bundlePath: place(text), bundleHash: 'b3', cacheDir: dir })).toBe('used');

    writeFileSync(join(root, 'plain'), '');
    expect(runBundle({ bundlePath: place(text), bundleHash: 'b3', cacheDir: join(root, 'plain', 'x') })).toBe('absent');
    await tick();
    expect(runBundle({ bundlePath: place(text), bundleHash: 'b3', cacheDir: null })).toBe('off');
    await tick();
    expect(seen()).toHaveLength(5);
  });

  // The bin's start-up-only flags (scripts/bundle.mjs: no optimising compiler until the first frame).
  // V8 stamps cached code with a hash of its flags: a cache made after they were undone would be
  // refused by every later start, which compiles under them.
  it('compiles under its start-up flags, undoes them at the first frame, and writes a cache the next start (under them) takes', async () => {
    const applied: string[] = [];
    const applyFlag = (flag: string) => {
      applied.push(flag);
      setFlagsFromString(flag);
    };
    (globalThis as { __flagsApplied?: string[] }).__flagsApplied = applied;
    try {
      const text = bundle('seen.push([...globalThis.__flagsApplied]);');
      const startUp = { bundleHash: 'b4', cacheDir: dir, startUpFlags: [['--no-opt', '--opt']] as const, applyFlag };
      expect(runBundle({ bundlePath: place(text), ...startUp })).toBe('absent');
      // Set while the script ran, undone once it called the first-frame hook.
      expect(seen()[1]).toEqual(['--no-opt']);
      expect(applied).toEqual(['--no-opt', '--opt']);
      await tick();
      // Set again only while the cache was made.
      expect(applied).toEqual(['--no-opt', '--opt', '--no-opt', '--opt']);
      expect(readdirSync(dir).filter((f) => f.endsWith('.v8cache'))).toHaveLength(1);
      applied.length = 0;
      expect(runBundle({ bundlePath: place(text), ...startUp })).toBe('used');
      expect(applied).toEqual(['--no-opt', '--opt']);
      await tick();
      // A used cache is not made again: the flags are not set again.
      expect(applied).toEqual(['--no-opt', '--opt']);
    } finally {
      delete (globalThis as { __flagsApplied?: string[] }).__flagsApplied;
      setFlagsFromString('--opt');
    }
  });

  it('undoes its start-up flags at the frame without a cache, and in a run that shows no frame (a subcommand) START_UP_FLAGS_MAX_MS after it started', () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      const applied: string[] = [];
      const quiet = place('(function (exports, require, module, __filename, __dirname, __lsosBundleUrl, __lsosFirstFrame) {})');
      runBundle({
        bundlePath: quiet,
        bundleHash: 'b5',
        cacheDir: null,
        startUpFlags: [['--a', '--no-a']],
        applyFlag: (f) => applied.push(f),
      });
      expect(applied).toEqual(['--a']);
      // Without a cache (LSOS_COCKPIT_CODE_CACHE=off) a frame undoes them at once.
      const framed: string[] = [];
      runBundle({
        bundlePath: place(bundle('')),
        bundleHash: 'b6',
        cacheDir: null,
        startUpFlags: [['--b', '--no-b']],
        applyFlag: (f) => framed.push(f),
      });
      expect(framed).toEqual(['--b', '--no-b']);
      vi.advanceTimersByTime(START_UP_FLAGS_MAX_MS - 1);
      expect(applied).toEqual(['--a']);
      vi.advanceTimersByTime(1);
      expect(applied).toEqual(['--a', '--no-a']);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('start-up-only flags', () => {
  it('are set once, undone once and only after being set, and set again only around a function', () => {
    const calls: string[] = [];
    const flags = startUpFlags(
      [
        ['--a', '--no-a'],
        ['--b', '--no-b'],
      ],
      (f) => calls.push(f),
    );
    flags.undo();
    expect(calls).toEqual([]);
    expect(flags.during(() => [...calls])).toEqual([]);
    flags.set();
    flags.set();
    expect(calls).toEqual(['--a', '--b']);
    // Already set: nothing to do around it.
    expect(flags.during(() => calls.length)).toBe(2);
    flags.undo();
    flags.undo();
    expect(calls).toEqual(['--a', '--b', '--no-a', '--no-b']);
    calls.length = 0;
    expect(flags.during(() => [...calls])).toEqual(['--a', '--b']);
    expect(calls).toEqual(['--a', '--b', '--no-a', '--no-b']);
    calls.length = 0;
    expect(() =>
      flags.during(() => {
        throw new Error('made nothing');
      }),
    ).toThrow('made nothing');
    expect(calls).toEqual(['--a', '--b', '--no-a', '--no-b']);
    calls.length = 0;
    flags.set();
    expect(calls).toEqual([]);
  });
});
