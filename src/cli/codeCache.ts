// The bin's V8 code cache (issue 16, start-up): the cockpit's bundle (dist/src/cockpit.cjs) is one
// CommonJS script compiled with vm.Script, and the code V8 compiled for it until the first frame
// (the top level and every function start-up ran) is kept in a file the next start hands back to
// V8, which then skips parsing and compiling it. Node 20 has no compile cache for ES modules.
//
// The cache may never break a run: a missing, corrupt, stale, foreign or unwritable cache means a
// normal start (compiling as without it), never an error. It is code, so it is read only from a
// directory and a file of this user's that no one else can write, and it is checked before V8
// sees it: V8's release builds check a cache's version, flags and source length but not its bytes.
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { isAscii } from 'node:buffer';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';

/** Format marker and version of a cache file: a file without it is not the cockpit's. */
const MAGIC = Buffer.from('LSOSCC1\n', 'latin1');
const KEY_BYTES = 64;
const HEADER_BYTES = MAGIC.length + KEY_BYTES + 4 + 32;
/** Not through a link, and without waiting: opening a FIFO for reading would wait for a writer. */
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
/** Far above a real cache (a few MB): a larger file is not read. */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * Where the cache lives: `$XDG_CACHE_HOME/lsos-cockpit` (an absolute path only, as the XDG spec
 * says), else `~/.cache/lsos-cockpit`; null (no cache) with `LSOS_COCKPIT_CODE_CACHE=off` or no home.
 */
export function codeCacheDir(env: NodeJS.ProcessEnv, home: string | undefined): string | null {
  if (env.LSOS_COCKPIT_CODE_CACHE === 'off') return null;
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'lsos-cockpit');
  if (!home || !isAbsolute(home)) return null;
  return join(home, '.cache', 'lsos-cockpit');
}

/**
 * What the cached code was compiled from and for: the bundle (its content hash, written at build
 * time, with its size and mtime, so a bundle edited in place is not run with old code), the Node
 * binary and the V8 flags (the bin's flags, NODE_OPTIONS; a cache made under other flags is V8's to refuse).
 */
export function codeCacheKey(parts: {
  bundleHash: string;
  bundleSize: number;
  bundleMtimeMs: number;
  nodeVersion: string;
  arch: string;
  execArgv: readonly string[];
  /** NODE_OPTIONS may carry V8 flags too: runs with and without them keep a cache each. */
  nodeOptions?: string;
}): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

const uid = (): number | undefined => process.getuid?.();

/** A directory of this user's that no one else can write (else its files could be anyone's code). */
function privateDir(dir: string): boolean {
  const s = lstatSync(dir);
  return s.isDirectory() && (uid() === undefined || s.uid === uid()) && (s.mode & 0o022) === 0;
}

function ownedHere(path: string): boolean {
  return uid() === undefined || statSync(path).uid === uid();
}

/** A file the cockpit wrote here: a regular file of this user's, not writable by others. */
function ownFile(s: { isFile(): boolean; uid: number; mode: number }): boolean {
  return s.isFile() && (uid() === undefined || s.uid === uid()) && (s.mode & 0o022) === 0;
}

function readAll(fd: number, size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let off = 0;
  while (off < size) {
    const n = readSync(fd, buf, off, size - off, off);
    if (n === 0) break;
    off += n;
  }
  return off === size ? buf : buf.subarray(0, off);
}

/** The cache file's name for a key. */
export function codeCacheFile(dir: string, key: string): string {
  return join(dir, `${key.slice(0, 32)}.v8cache`);
}

/** The cached code for `key`, checked whole; undefined when there is none or it is not to be trusted. */
export function readCodeCache(dir: string, key: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    if (!privateDir(dir)) return undefined;
    fd = openSync(codeCacheFile(dir, key), READ_FLAGS);
    const s = fstatSync(fd);
    if (!ownFile(s) || s.size < HEADER_BYTES || s.size > MAX_CACHE_BYTES) return undefined;
    const buf = readAll(fd, s.size);
    return decodeCodeCache(buf, key);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Header (marker, key, payload length, payload sha256) then V8's data. */
export function encodeCodeCache(key: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32LE(data.length);
  const sum = createHash('sha256').update(data).digest();
  return Buffer.concat([MAGIC, Buffer.from(key.padEnd(KEY_BYTES, ' ').slice(0, KEY_BYTES), 'latin1'), len, sum, data]);
}

export function decodeCodeCache(buf: Buffer, key: string): Buffer | undefined {
  if (buf.length < HEADER_BYTES || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  let at = MAGIC.length;
  if (buf.toString('latin1', at, at + KEY_BYTES) !== key.padEnd(KEY_BYTES, ' ').slice(0, KEY_BYTES)) return undefined;
  at += KEY_BYTES;
  const len = buf.readUInt32LE(at);
  at += 4;
  const sum = buf.subarray(at, at + 32);
  at += 32;
  if (buf.length - at !== len) return undefined;
  const data = buf.subarray(at);
  return createHash('sha256').update(data).digest().equals(sum) ? data : undefined;
}

/** True when `path` is a cache file of the cockpit's (whatever its key): one it may replace. */
function isCacheFile(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, READ_FLAGS);
    if (!ownFile(fstatSync(fd))) return false;
    const head = Buffer.alloc(MAGIC.length);
    return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(MAGIC);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes the cache for `key`: into a new file of its own (O_EXCL, 0600) in a private directory,
 * then renamed onto the cache's name, which is replaced only when it is a cache file the cockpit
 * wrote. Any failure leaves things as they were (the temporary file removed); returns whether the
 * cache was written.
 */
export function writeCodeCache(dir: string, key: string, data: Buffer): boolean {
  let tmp: string | undefined;
  try {
    // Not in someone else's directory (root run with a user's HOME): the user's own cockpit would
    // then find a cache directory it does not own, and never have a cache.
    if (!existsSync(dir) && existsSync(dirname(dir)) && !ownedHere(dirname(dir))) return false;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!privateDir(dir)) return false;
    const target = codeCacheFile(dir, key);
    let existing;
    try {
      existing = lstatSync(target);
    } catch {
      existing = undefined;
    }
    if (existing && !isCacheFile(target)) return false;
    const name = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fd = openSync(name, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    // Ours from here on (a name that was taken is not removed below).
    tmp = name;
    try {
      const buf = encodeCodeCache(key, data);
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
    tmp = undefined;
  } catch {
    return false;
  } finally {
    if (tmp !== undefined) rmSync(tmp, { force: true });
  }
  try {
    pruneCodeCache(dir, codeCacheFile(dir, key));
  } catch {
    /* the old caches wait for the next write */
  }
  return true;
}

/** Caches of other builds (each build has a key of its own) kept besides the current one. */
const KEEP_OTHERS = 2;
const CACHE_NAME = /^[0-9a-f]{32}\.v8cache$/;
const TMP_NAME = /^[0-9a-f]{32}\.v8cache\.\d+\.[0-9a-f]{8}\.tmp$/;
/** A temporary file this old was left by a cockpit killed while writing. */
const STALE_TMP_MS = 60 * 60 * 1000;

/**
 * Every build writes a cache of its own: the newest few are kept (two versions run side by side
 * keep theirs), older ones and temporary files left by a killed write are removed, and only files
 * the cockpit wrote (its names, its format, this user's).
 */
export function pruneCodeCache(dir: string, current: string, now = Date.now()): void {
  const others: { path: string; mtimeMs: number }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (path === current) continue;
    try {
      const s = lstatSync(path);
      if (!ownFile(s)) continue;
      if (TMP_NAME.test(name)) {
        if (now - s.mtimeMs > STALE_TMP_MS) rmSync(path, { force: true });
      } else if (CACHE_NAME.test(name) && isCacheFile(path)) others.push({ path, mtimeMs: s.mtimeMs });
    } catch {
      /* gone meanwhile */
    }
  }
  others.sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const o of others.slice(KEEP_OTHERS)) rmSync(o.path, { force: true });
}

export interface BundleOptions {
  /** dist/src/cockpit.cjs */
  bundlePath: string;
  /** Its sha256, written into the bin at build time. */
  bundleHash: string;
  cacheDir: string | null;
  /** V8 flags the bin set itself before compiling (src/bin.ts): part of the key, as the command line's are. */
  runtimeFlags?: readonly string[];
  /**
   * V8 flags for start-up only, each with the flag that undoes it: set before the script is
   * compiled, undone once the first frame is on screen (or START_UP_FLAGS_MAX_MS after the call,
   * for a run that never shows one). Part of the key, as runtimeFlags.
   */
  startUpFlags?: readonly (readonly [set: string, undo: string])[];
  /** How a flag is set: V8's own setter, or the tests' recording of it. */
  applyFlag?: (flag: string) => void;
}

/** A run that shows no frame by then (a subcommand, a start that failed) has its start-up flags undone anyway. */
export const START_UP_FLAGS_MAX_MS = 10_000;

/**
 * Start-up-only V8 flags: `set` and `undo` each act once (undo only after set), `during` runs a
 * function with them set again (synchronously: nothing else runs meanwhile).
 */
export function startUpFlags(pairs: readonly (readonly [string, string])[], apply: (flag: string) => void = setFlagsFromString) {
  let state: 'before' | 'set' | 'undone' = 'before';
  const setAll = () => {
    for (const [flag] of pairs) apply(flag);
  };
  const undoAll = () => {
    for (const [, flag] of pairs) apply(flag);
  };
  return {
    set(): void {
      if (state !== 'before') return;
      state = 'set';
      setAll();
    },
    undo(): void {
      if (state !== 'set') return;
      state = 'undone';
      undoAll();
    },
    during<T>(fn: () => T): T {
      if (state !== 'undone') return fn();
      setAll();
      try {
        return fn();
      } finally {
        undoAll();
      }
    },
  };
}

/** What happened to the cache, for the tests and the bench. */
export type CacheOutcome = 'off' | 'used' | 'absent' | 'rejected';

/**
 * Runs the bundle as Node runs a CommonJS module, compiled with the cached code when there is a
 * trusted cache for it. Without one (or when V8 refuses it) the cache is written once the bundle
 * calls the first-frame hook, so it holds the code start-up ran, not just the top level.
 */
export function runBundle(o: BundleOptions): CacheOutcome {
  // The build writes it as ASCII (scripts/bundle.mjs): read as one-byte text, no UTF-8 decoding.
  const bytes = readFileSync(o.bundlePath);
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  let key: string | undefined;
  let cached: Buffer | undefined;
  if (o.cacheDir !== null) {
    try {
      const st = statSync(o.bundlePath);
      key = codeCacheKey({
        bundleHash: o.bundleHash,
        bundleSize: st.size,
        bundleMtimeMs: st.mtimeMs,
        nodeVersion: process.version,
        arch: process.arch,
        execArgv: [...process.execArgv, ...(o.runtimeFlags ?? []), ...(o.startUpFlags ?? []).map(([set]) => set)],
        nodeOptions: process.env.NODE_OPTIONS ?? '',
      });
      cached = readCodeCache(o.cacheDir, key);
    } catch {
      key = undefined;
    }
  }
  const startUp = startUpFlags(o.startUpFlags ?? [], o.applyFlag);
  startUp.set();
  // The file is one function expression, Node's CommonJS wrapper written in by the build.
  const script = new Script(source, { filename: o.bundlePath, ...(cached ? { cachedData: cached } : {}) });
  const outcome: CacheOutcome = key === undefined ? 'off' : !cached ? 'absent' : script.cachedDataRejected ? 'rejected' : 'used';
  const dir = o.cacheDir;
  const k = key;
  // Written only where it was missing or refused, after the first frame (firstFrame below).
  const writeCache =
    dir !== null && k !== undefined && outcome !== 'used'
      ? () => {
          try {
            // V8 stamps cached code with a hash of its flags and refuses it under others: made under
            // the flags the next start compiles with.
            writeCodeCache(
              dir,
              k,
              startUp.during(() => script.createCachedData()),
            );
          } catch {
            /* a normal start next time */
          }
        }
      : null;
  const lastChance = setTimeout(startUp.undo, START_UP_FLAGS_MAX_MS).unref();
  let framed = false;
  const firstFrame = () => {
    if (framed) return;
    framed = true;
    clearTimeout(lastChance);
    startUp.undo();
    // After the frame is written: the cost (tens of ms, once) lands after what the operator waits for.
    if (writeCache) setImmediate(writeCache);
  };
  const fn = script.runInThisContext() as (...args: unknown[]) => void;
  const mod = { exports: {} };
  // exports, require, module, __filename, __dirname, the URL `import.meta.url` stands for, and what
  // the bundle calls once its first frame is on screen (src/cli.ts hands it to runCockpit).
  fn.call(
    mod.exports,
    mod.exports,
    createRequire(o.bundlePath),
    mod,
    o.bundlePath,
    dirname(o.bundlePath),
    pathToFileURL(o.bundlePath).href,
    firstFrame,
  );
  return outcome;
}
