#!/usr/bin/env node
// lsos-cockpit: the entry point. Subcommands for scripts, else the interactive cockpit.
// First import: NODE_ENV=production before any module that loads React is evaluated.
import './productionMode.js';
import { readFileSync } from 'node:fs';
import { parseCockpitFlags, USAGE, UsageError } from './cli/args.js';
import { runIncidents } from './cli/incidents.js';
import { runPirExport } from './cli/pir.js';
import { CONFIG_FLAGS_USAGE, ConfigError, ConfigFlagError, loadConfig, parseConfigFlags, redactSecrets } from './config/index.js';
import { parsePagingFlags } from './control/paging/config.js';
import { listScenarios } from './sources/sim/index.js';

/**
 * The bin's first-frame callback (src/cli/codeCache.ts): a parameter of the function the build wraps
 * the bundle in (scripts/bundle.mjs), like __filename. Run from tsc's output (the tests) there is none.
 */
declare const __lsosFirstFrame: (() => void) | undefined;
const firstFrameShown = typeof __lsosFirstFrame === 'function' ? __lsosFirstFrame : undefined;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(argv: string[]): Promise<number> {
  const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };
  const [cmd, ...rest] = argv;
  if (cmd === 'pir') return runPirExport(rest, io);
  if (cmd === 'incidents') return runIncidents(rest, io);
  if (cmd === 'act') {
    const { runAct } = await import('./cli/act.js');
    return runAct(rest, io);
  }
  if (cmd === 'audit') {
    const { runAudit } = await import('./cli/audit.js');
    return runAudit(rest, io);
  }
  if (cmd === 'check') {
    const { runCheck } = await import('./cli/check.js');
    const { brokerFactories } = await import('./sources/liveSources.js');
    return runCheck(rest, { ...io, cwd: process.cwd() }, { factories: brokerFactories() });
  }
  let flags;
  let configFlags;
  let pagingFlags;
  try {
    const paging = parsePagingFlags(argv);
    if (paging.problems.length > 0) throw new UsageError(paging.problems.map((p) => p.message).join('; '));
    pagingFlags = paging.flags;
    const split = parseConfigFlags(paging.rest);
    configFlags = split.flags;
    flags = parseCockpitFlags(split.rest);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigFlagError) {
      process.stderr.write(`lsos-cockpit: ${redactSecrets(err.message, [])}\n`);
      return 2;
    }
    throw err;
  }
  if (flags.help) {
    process.stdout.write(`${USAGE}\n${CONFIG_FLAGS_USAGE}`);
    return 0;
  }
  if (flags.version) {
    process.stdout.write(`lsos-cockpit ${version()}\n`);
    return 0;
  }
  if (flags.listScenarios) {
    for (const s of listScenarios()) process.stdout.write(`${s.name.padEnd(24)} ${s.title}\n`);
    return 0;
  }
  let loaded;
  try {
    loaded = loadConfig({ flags: { ...configFlags, stateDir: flags.stateDir ?? undefined }, env: process.env, cwd: process.cwd() });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`lsos-cockpit: configuration refused:\n${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const { runCockpit } = await import('./runtime/main.js');
  return runCockpit(
    flags,
    loaded,
    { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env },
    pagingFlags,
    firstFrameShown ? { firstFrameShown } : {},
  );
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Sockets or timers left by a failed source must not keep a finished cockpit alive.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (err: unknown) => {
    process.stderr.write(`lsos-cockpit: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
