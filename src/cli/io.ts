// What a subcommand needs from the process, injectable for tests.
// Files a subcommand writes (-o) go through the safe writer: atomic onto a regular or new file,
// in place onto a FIFO or character device, refused onto anything else; never replaced.
export { UnsafeOutputError, writeOutputFile, type WriteResult } from '../journal/safeWrite.js';
export interface CommandIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  env: NodeJS.ProcessEnv | Record<string, string | undefined>;
  /** Relative output paths resolve against this; process.cwd() by default. */
  cwd?: string;
}

/** Exit codes shared by the incident subcommands. */
export const EXIT = {
  ok: 0,
  /** --strict found required PIR sections still empty. */
  incomplete: 1,
  usage: 2,
  /** No such incident, or a journal could not be read or the PIR not written. */
  failed: 3,
} as const;

export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Minimal flag parsing: `--flag`, `--opt VALUE`, `--opt=VALUE`, `-o VALUE`; everything else is
 * positional. Unknown flags are usage errors.
 */
export function parseArgs(
  args: readonly string[],
  spec: { flags: readonly string[]; options: Readonly<Record<string, string>> },
): { flags: Set<string>; options: Map<string, string>; positional: string[] } {
  const flags = new Set<string>();
  const options = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const canonical = spec.options[name];
    if (canonical !== undefined) {
      const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined || value === '') throw new UsageError(`${name} needs a value`);
      options.set(canonical, value);
    } else if (spec.flags.includes(arg)) {
      flags.add(arg);
    } else {
      throw new UsageError(`unknown option ${arg}`);
    }
  }
  return { flags, options, positional };
}
