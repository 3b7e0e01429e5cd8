// Every file the cockpit reads because someone named it (config, roster, scenario, integrity
// checks, roles) is read through here: opened once, checked on the opened descriptor (a regular
// file, no larger than the limit) before a byte is read, then read from that same descriptor. A
// 75 MB log passed as --config is refused in a line, instead of being parsed into a 69 MB error
// message or an out-of-memory crash.
import * as fs from 'node:fs';
import { YAML_MAX_BYTES } from '../domain/yaml.js';

/**
 * Far above any real config, roster, scenario, checks or roles file (each is a few KiB, all YAML):
 * the YAML reader's own limit (src/domain/yaml.ts), so a file read is never one it refuses.
 */
export const INPUT_FILE_LIMIT = YAML_MAX_BYTES;

/** A file refused before it was read: too large, or not a regular file. `code` says which. */
export class InputFileError extends Error {
  override name = 'InputFileError';
  constructor(
    message: string,
    readonly code: 'EFBIG' | 'ENOTREG',
  ) {
    super(message);
  }
}

/** 1 MiB, 75.0 MB, 512 bytes: sizes as people read them. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0 && n < 1024 * 1024) return `${n / 1024} KiB`;
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)} MB`;
  if (n >= 1000) return `${(n / 1000).toFixed(1)} kB`;
  return `${n} bytes`;
}

export interface InputFileOptions {
  /** What the file is, for the message: "config file", "roster", "scenario file". */
  what: string;
  /** Bytes; INPUT_FILE_LIMIT by default. */
  limit?: number;
}

/**
 * The text of `path`, refused (InputFileError) when it is not a regular file or is larger than
 * the limit. Errors of open itself (ENOENT, EACCES, EISDIR…) are thrown as they come, so callers
 * can still tell a missing file from a bad one.
 */
export function readInputFile(path: string, o: InputFileOptions): string {
  // O_NONBLOCK: a FIFO named as a config file must not hang the start (it is refused below).
  const fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  try {
    return readInputFd(fd, path, o);
  } finally {
    fs.closeSync(fd);
  }
}

/** The same checks and read on a descriptor the caller opened (the roles file). Does not close it. */
export function readInputFd(fd: number, path: string, o: InputFileOptions): string {
  const limit = o.limit ?? INPUT_FILE_LIMIT;
  const st = fs.fstatSync(fd);
  if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${path}'`), { code: 'EISDIR' });
  if (!st.isFile()) throw new InputFileError(`${o.what} ${path} is not a regular file (${fileKind(st)})`, 'ENOTREG');
  const tooLarge = (size: string) =>
    new InputFileError(
      `${o.what} ${path} is ${size}, over the ${formatBytes(limit)} limit for a ${o.what}: is it the right file?`,
      'EFBIG',
    );
  if (st.size > limit) throw tooLarge(formatBytes(st.size));
  // Read at most limit + 1 bytes: a file that grew since fstat is still caught, never cut.
  let buf = Buffer.alloc(Math.min(limit + 1, st.size + 4096));
  let got = 0;
  for (;;) {
    if (got === buf.length) {
      if (buf.length > limit) break;
      const bigger = Buffer.alloc(Math.min(limit + 1, buf.length * 2));
      buf.copy(bigger, 0, 0, got);
      buf = bigger;
    }
    const n = fs.readSync(fd, buf, got, buf.length - got, got);
    if (n === 0) break;
    got += n;
  }
  if (got > limit) throw tooLarge(`more than ${formatBytes(limit)}`);
  return buf.subarray(0, got).toString('utf8');
}

function fileKind(st: fs.Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}
