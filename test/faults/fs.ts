// Real file-system faults for the journal tests: a small tmpfs that can be filled (ENOSPC), the
// immutable attribute (EPERM), a directory owned by root with code running as nobody (EACCES).
// Mounting and chattr need root; CI runs as root. Each helper undoes what it did.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** nobody's uid and gid on Debian. */
export const NOBODY = { uid: 65534, gid: 65534 };

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A tmpfs of `sizeKb` mounted on a new directory; unmount() takes it away. */
export class SmallTmpfs {
  readonly dir: string;
  private readonly filler: string;
  private fillerFd: number | null = null;

  constructor(sizeKb: number) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-fault-tmpfs-'));
    run('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0755`, 'tmpfs', this.dir]);
    this.filler = path.join(this.dir, 'filler');
  }

  /** Fills every free byte with one file (writes until the kernel says ENOSPC). */
  fill(): void {
    this.fillerFd ??= fs.openSync(this.filler, 'a');
    const chunk = Buffer.alloc(4096, 0x78);
    for (;;) {
      try {
        fs.writeSync(this.fillerFd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw err;
      }
    }
    // A last partial page: write single bytes until even those are refused.
    for (;;) {
      try {
        fs.writeSync(this.fillerFd, Buffer.from('x'));
      } catch {
        break;
      }
    }
  }

  /** Frees `bytes` of the filler (all of it when omitted). */
  free(bytes?: number): void {
    if (this.fillerFd === null) return;
    const size = fs.fstatSync(this.fillerFd).size;
    if (bytes === undefined) {
      fs.closeSync(this.fillerFd);
      this.fillerFd = null;
      fs.rmSync(this.filler, { force: true });
      return;
    }
    fs.ftruncateSync(this.fillerFd, Math.max(0, size - bytes));
  }

  unmount(): void {
    if (this.fillerFd !== null) fs.closeSync(this.fillerFd);
    this.fillerFd = null;
    try {
      run('umount', [this.dir]);
    } catch {
      run('umount', ['-l', this.dir]);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Sets or clears the immutable attribute (ext4 honours it; root cannot write through it either). */
export function chattrImmutable(file: string, on: boolean): void {
  run('chattr', [on ? '+i' : '-i', file]);
}

/** True when chattr +i works where `dir` lives (tmpfs before Linux 6.0 does not support it). */
export function supportsImmutable(dir: string): boolean {
  const probe = path.join(dir, `.chattr-probe-${process.pid}`);
  fs.writeFileSync(probe, '');
  try {
    chattrImmutable(probe, true);
    chattrImmutable(probe, false);
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(probe, { force: true });
  }
}
