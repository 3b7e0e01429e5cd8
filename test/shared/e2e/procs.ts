// Headless cockpits as processes of their own (headless.ts bundled once), optionally as another OS
// user (runuser), each with a state directory it owns; their stdout events collected.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { build } from 'esbuild';
import { waitFor } from '../../support/waitFor.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
let bundled: string | null = null;
const made: string[] = [];

/** Bundles headless.ts (our sources; packages stay in node_modules) where every OS user can read it. */
export async function headlessBundle(): Promise<string> {
  if (bundled) return bundled;
  const cache = path.join(ROOT, 'node_modules', '.cache');
  fs.mkdirSync(cache, { recursive: true });
  const dir = fs.mkdtempSync(path.join(cache, 'lsos-shared-e2e-'));
  fs.chmodSync(dir, 0o755);
  made.push(dir);
  const out = path.join(dir, 'headless.mjs');
  await build({
    entryPoints: [path.join(ROOT, 'test/shared/e2e/headless.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: out,
    logLevel: 'silent',
  });
  fs.chmodSync(out, 0o644);
  bundled = out;
  return out;
}

export function removeBundles(): void {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  bundled = null;
}

export function haveUser(name: string): boolean {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function uidOf(user: string): { uid: number; gid: number } {
  return {
    uid: Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim()),
  };
}

/** A state directory owned by `user` (mode 0700: another user cannot read it). */
export function ownedStateDir(user: string | null): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `lsos-shared-${user ?? 'self'}-`));
  if (user) {
    const { uid, gid } = uidOf(user);
    fs.chownSync(d, uid, gid);
  }
  fs.chmodSync(d, 0o700);
  made.push(d);
  return d;
}

export interface Event {
  ev: string;
  at: number;
  pid: number;
  operator: string;
  [k: string]: unknown;
}

export class Headless {
  readonly events: Event[] = [];
  private child: ChildProcess | null = null;
  stderr = '';

  constructor(
    readonly name: string,
    readonly dir: string,
    readonly opts: { user?: string | null; url: string; receiver: string; access?: 'operator' | 'viewer'; env?: Record<string, string> },
  ) {}

  async start(): Promise<this> {
    const script = await headlessBundle();
    const env: Record<string, string> = {
      SHARED_URL: this.opts.url,
      STATE_DIR: this.dir,
      OPERATOR: this.name,
      ACCESS: this.opts.access ?? 'operator',
      RECEIVER: this.opts.receiver,
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...this.opts.env,
    };
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    // As another OS user: runuser, with nothing of this process's environment but what is given.
    const [cmd, args] = this.opts.user
      ? ['runuser', ['-u', this.opts.user, '--', 'env', '-i', ...envArgs, process.execPath, script]]
      : ['env', ['-i', ...envArgs, process.execPath, script]];
    const child = spawn(cmd, args as string[], { stdio: ['pipe', 'pipe', 'pipe'], cwd: '/' });
    this.child = child;
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as Event);
      } catch {
        this.stderr += `${line}\n`;
      }
    });
    child.stderr!.on('data', (b: Buffer) => (this.stderr += b.toString()));
    await this.until((e) => e.ev === 'ready', `${this.name} ready`);
    return this;
  }

  /** The process id of the node process (under runuser, not runuser's). */
  pid(): number {
    const ready = this.events.find((e) => e.ev === 'ready');
    if (!ready) throw new Error(`${this.name} not ready`);
    return ready.pid;
  }

  send(line: string): void {
    this.child?.stdin?.write(`${line}\n`);
  }

  async until(pred: (e: Event) => boolean, what: string, timeoutMs = 30_000): Promise<Event> {
    return waitFor(() => this.events.find(pred), { what: `${what} (stderr: ${this.stderr.slice(-500)})`, timeoutMs, everyMs: 2 });
  }

  /** Asks for a status line and returns it. */
  async status(): Promise<Record<string, unknown>> {
    const n = this.events.length;
    this.send('status');
    const e = await waitFor(() => this.events.slice(n).find((x) => x.ev === 'status'), { what: `${this.name} status`, everyMs: 5 });
    return e;
  }

  kill9(): void {
    const pid = this.pid();
    process.kill(pid, 'SIGKILL');
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    this.send('quit');
    const gone = new Promise((r) => c.once('exit', r));
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
    if (c.exitCode === null) {
      try {
        process.kill(this.pid(), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}
