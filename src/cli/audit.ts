// `lsos-cockpit audit verify [--json]`: checks the hash chain of ops_audit_log and names the
// first row that breaks it. `lsos-cockpit audit flush`: writes audit rows still waiting in the
// incident journals (PostgreSQL was down) to the table, in order.
// Exit codes: 0 intact / flushed, 1 chain broken / rows still waiting, 2 usage, 3 could not run.
import { AuditOutbox } from '../control/audit/outbox.js';
import { AuditTrail } from '../control/audit/trail.js';
import { ConfigError, loadConfig } from '../config/index.js';
import type { CommandIo } from './io.js';
import { UsageError, parseArgs } from './io.js';
import { CONFIG_FLAGS_USAGE, ConfigFlagError, parseConfigFlags, type ConfigFlags } from '../config/flags.js';

export const AUDIT_USAGE = `usage: lsos-cockpit audit verify [--json]
       lsos-cockpit audit flush [--json]
The table is ops_audit_log on the configured PostgreSQL primary (sources.database.url).
Exit: 0 intact (flush: all written), 1 chain broken (flush: rows still waiting), 2 usage, 3 could not run.
`;

export interface AuditDeps {
  /** Tests: a database URL and a state directory instead of the configuration. */
  databaseUrl?: string;
  stateDir?: string;
}

export async function runAudit(args: string[], io: CommandIo, deps: AuditDeps = {}): Promise<number> {
  let parsed;
  let configFlags: ConfigFlags;
  try {
    // --config, --redis-url, --database-url… as for the cockpit; the rest are this command's.
    const split = parseConfigFlags(args);
    configFlags = split.flags;
    args = split.rest;
    parsed = parseArgs(args, { flags: ['--json', '-h', '--help'], options: { '--state-dir': 'stateDir' } });
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigFlagError) {
      io.stderr.write(`lsos-cockpit audit: ${e.message}\n${AUDIT_USAGE}`);
      return 2;
    }
    throw e;
  }
  const { flags, options, positional } = parsed;
  if (flags.has('-h') || flags.has('--help')) {
    io.stdout.write(`${AUDIT_USAGE}\n${CONFIG_FLAGS_USAGE}`);
    return 0;
  }
  const sub = positional[0];
  if (sub !== 'verify' && sub !== 'flush') {
    io.stderr.write(`lsos-cockpit audit: ${sub ? `unknown subcommand ${sub}` : 'verify or flush?'}\n${AUDIT_USAGE}`);
    return 2;
  }
  let url = deps.databaseUrl;
  let stateDir = deps.stateDir;
  if (!url || !stateDir) {
    try {
      const c = loadConfig({
        flags: { ...configFlags, stateDir: options.get('stateDir') },
        env: io.env,
        cwd: io.cwd ?? process.cwd(),
      }).config;
      url ??= c.sources.database?.url;
      stateDir ??= c.stateDir;
    } catch (e) {
      if (e instanceof ConfigError) {
        io.stderr.write(`lsos-cockpit audit: configuration refused:\n${e.message}\n`);
        return 3;
      }
      throw e;
    }
  }
  if (!url) {
    io.stderr.write('lsos-cockpit audit: no PostgreSQL configured (sources.database.url)\n');
    return 3;
  }
  const trail = AuditTrail.fromUrl(url);
  try {
    if (sub === 'flush') {
      const r = await new AuditOutbox(stateDir ?? '.', trail).flush();
      if (flags.has('--json')) io.stdout.write(`${JSON.stringify(r)}\n`);
      else io.stdout.write(r.error ? `not written: ${r.error}\n` : `${r.written} rows written, ${r.pending} waiting\n`);
      return r.error ? 3 : r.pending > 0 ? 1 : 0;
    }
    const report = await trail.verify();
    if (flags.has('--json')) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (report.ok) io.stdout.write(`ops_audit_log: ${report.rows} rows, chain intact (last hash ${report.lastHash})\n`);
    else io.stdout.write(`ops_audit_log: chain BROKEN at row ${report.brokenAtId}\n${report.problems.map((p) => `  ${p}`).join('\n')}\n`);
    return report.ok ? 0 : 1;
  } catch (e) {
    io.stderr.write(`lsos-cockpit audit: ${e instanceof Error ? e.message : String(e)}\n`);
    return 3;
  } finally {
    await trail.close();
  }
}
