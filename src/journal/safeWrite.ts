// Writing a document (the PIR) to a path someone named, without ever replacing what is there
// when it is not a plain file. A regular file (or a new one) is written atomically: a temporary
// file next to it, fsynced, then renamed over it (or linked into place, which cannot replace
// anything). A FIFO or a character device (or a symlink to one) is written in place, as `cat >`
// would: renaming over `/dev/null` or a FIFO would replace a system's device with a regular file.
// A directory, a block device, a socket or a dangling symlink is refused with a clear message.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The output could not be written safely; the message says why, for the operator. */
export class UnsafeOutputError extends Error {
  override name = 'UnsafeOutputError';
}

export type WriteHow = 'created' | 'replaced' | 'in-place';

export interface WriteResult {
  /** The path as given. */
  path: string;
  /** What was written: a symlink to a regular file writes its target. */
  wrote: string;
  how: WriteHow;
}

export interface SafeWriteOptions {
  /** Mode of a new file (an existing file keeps its own). */
  mode?: number;
  /** In-place writes (FIFO): give up when the reader takes nothing for this long. */
  stallMs?: number;
}

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isSymbolicLink()) return 'a symlink';
  return 'not a regular file';
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function tempPath(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

function writeAll(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) offset += fs.writeSync(fd, data, offset, data.length - offset);
}

/**
 * Writes `data` to a new temporary file next to `target`, fsynced. Returns its path. `keepMode`:
 * the file it replaces had this mode (set exactly); else the mode is `mode` less the umask.
 */
function writeTemp(target: string, data: Buffer, mode: number, keepMode = false): string {
  const tmp = tempPath(target);
  const fd = fs.openSync(tmp, 'wx', mode);
  let ok = false;
  try {
    writeAll(fd, data);
    if (keepMode) fs.fchmodSync(fd, mode);
    fs.fsyncSync(fd);
    ok = true;
  } finally {
    fs.closeSync(fd);
    if (!ok) fs.rmSync(tmp, { force: true });
  }
  return tmp;
}

/** A regular file replaced atomically, keeping its mode; refused if it stopped being one meanwhile. */
function replaceRegular(target: string, before: fs.Stats, data: Buffer): void {
  const tmp = writeTemp(target, data, before.mode & 0o7777, true);
  try {
    const now = lstatOrNull(target);
    if (now === null || !now.isFile() || now.ino !== before.ino || now.dev !== before.dev) {
      throw new UnsafeOutputError(
        `${target} changed while the PIR was being written (now ${now === null ? 'gone' : kindOf(now)}): not replaced`,
      );
    }
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** A new file, put in place by link(): unlike rename, link never replaces what appeared meanwhile. */
function createNew(target: string, data: Buffer, mode: number): 'created' | 'exists' {
  const tmp = writeTemp(target, data, mode);
  try {
    fs.linkSync(tmp, target);
    return 'created';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return 'exists';
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    // A file system without hard links: create exclusively and write (never replaces either).
    const fd = fs.openSync(target, 'wx', mode);
    try {
      writeAll(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    return 'created';
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Writes into an existing FIFO or character device, never creating or truncating anything. */
function writeInPlace(target: string, st: fs.Stats, data: Buffer, stallMs: number): void {
  let fd: number;
  try {
    // Non-blocking open: a FIFO nobody reads is refused instead of hanging the cockpit.
    fd = fs.openSync(target, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENXIO' && st.isFIFO()) {
      throw new UnsafeOutputError(`${target} is a FIFO and no process is reading it: start the reader first (it is left as it is)`);
    }
    throw new UnsafeOutputError(`cannot open ${target} (${kindOf(st)}) for writing: ${(err as Error).message}`);
  }
  try {
    let offset = 0;
    let idle = 0;
    while (offset < data.length) {
      try {
        offset += fs.writeSync(fd, data, offset, data.length - offset);
        idle = 0;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK') throw err;
        if (idle >= stallMs)
          throw new UnsafeOutputError(`${target}: the reader stopped reading (${offset} of ${data.length} bytes written)`);
        sleepMs(5);
        idle += 5;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

function writeTo(target: string, st: fs.Stats, data: Buffer, opts: Required<SafeWriteOptions>): WriteHow {
  if (st.isFile()) {
    replaceRegular(target, st, data);
    return 'replaced';
  }
  if (st.isFIFO() || st.isCharacterDevice()) {
    writeInPlace(target, st, data, opts.stallMs);
    return 'in-place';
  }
  throw new UnsafeOutputError(
    `${target} is ${kindOf(st)}: refusing to write the PIR onto it (name a regular file, a new file, a FIFO or a character device)`,
  );
}

/**
 * Writes `content` to `file` safely (see the top of this file). Parent directories of a new file
 * are created. Throws UnsafeOutputError for what it refuses, with the reason.
 */
export function writeOutputFile(file: string, content: string | Buffer, options: SafeWriteOptions = {}): WriteResult {
  const opts: Required<SafeWriteOptions> = { mode: options.mode ?? 0o644, stallMs: options.stallMs ?? 30_000 };
  const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  for (let attempt = 0; attempt < 3; attempt++) {
    const st = lstatOrNull(file);
    if (st === null) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      if (createNew(file, data, opts.mode) === 'created') return { path: file, wrote: file, how: 'created' };
      continue; // something appeared at the path meanwhile: look at what it is
    }
    if (st.isSymbolicLink()) {
      let real: string;
      try {
        real = fs.realpathSync(file);
      } catch {
        throw new UnsafeOutputError(`${file} is a symlink to nothing (dangling): refusing to create its target`);
      }
      return { path: file, wrote: real, how: writeTo(real, fs.statSync(real), data, opts) };
    }
    return { path: file, wrote: file, how: writeTo(file, st, data, opts) };
  }
  throw new UnsafeOutputError(`${file} keeps changing: not written`);
}
