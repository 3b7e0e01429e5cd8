// "Increase replicas" runs a command the operator configured: an argument vector with
// placeholders ({queue}, {pool}, {replicas}), never through a shell, with a timeout; its output is
// kept (bounded) for the record.
import { execFile } from 'node:child_process';
import type { CommandResult } from './backend.js';

export const MAX_OUTPUT_BYTES = 64 * 1024;

/** Fills `{name}` placeholders; an unknown placeholder is an error (never passed on as text). */
export function fillArgv(argv: readonly string[], values: Record<string, string>): { argv: string[] } | { error: string } {
  const out: string[] = [];
  for (const a of argv) {
    let bad: string | null = null;
    const filled = a.replace(/\{([a-z_]+)\}/g, (_m, k: string) => {
      const v = values[k];
      if (v === undefined) bad = k;
      return v ?? '';
    });
    if (bad)
      return {
        error: `unknown placeholder {${bad}} in the replicas command (known: ${Object.keys(values)
          .map((k) => `{${k}}`)
          .join(' ')})`,
      };
    out.push(filled);
  }
  return { argv: out };
}

export function runCommand(argv: readonly string[], timeoutMs: number): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (!file)
    return Promise.resolve({
      ok: false,
      argv: [...argv],
      exitCode: null,
      signal: null,
      timedOut: false,
      stdout: '',
      stderr: '',
      error: 'empty command',
    });
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { shell: false, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT_BYTES, windowsHide: true, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean; signal?: NodeJS.Signals | null }) | null;
        const timedOut = e?.killed === true && e.signal === 'SIGKILL';
        const exitCode = e ? (typeof e.code === 'number' ? e.code : null) : 0;
        resolve({
          ok: e === null,
          argv: [...argv],
          exitCode,
          signal: e?.signal ?? null,
          timedOut,
          stdout: String(stdout ?? '').slice(0, MAX_OUTPUT_BYTES),
          stderr: String(stderr ?? '').slice(0, MAX_OUTPUT_BYTES),
          error: e
            ? timedOut
              ? `timed out after ${timeoutMs} ms`
              : typeof e.code === 'string'
                ? `${e.code}: ${e.message}`
                : e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER'
                  ? 'output too large'
                  : `exited ${exitCode ?? e.signal}`
            : null,
        });
      },
    );
  });
}
