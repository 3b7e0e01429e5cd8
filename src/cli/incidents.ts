// `lsos-cockpit incidents [--json] [--state-dir DIR]`: every incident with its id, state,
// severity, start and number of timeline entries.
import * as path from 'node:path';
import { listIncidents, stateDir } from '../journal/store.js';
import type { IncidentSummary } from '../journal/store.js';
import type { CommandIo } from './io.js';
import { EXIT, UsageError, parseArgs } from './io.js';

export const INCIDENTS_USAGE = `usage: lsos-cockpit incidents [--json] [--state-dir DIR]
`;

/** The JSON shape of one incident, stable for scripts. */
export interface IncidentListItem {
  id: string;
  state: string;
  severity: string | null;
  start: string | null;
  entries: number;
  verified: boolean;
  brokenAtSeq: number | null;
  /** A practice incident on the embedded simulation (kept in the state directory's simulation/ store). */
  simulation: boolean;
  /** Merged into another (shared) incident: its entries live on there. */
  mergedInto: string | null;
}

/** Practice incidents live apart from live ones (src/runtime/shared.ts SIMULATION_SUBDIR). */
const SIMULATION_STORE = 'simulation';

function item(i: IncidentSummary): IncidentListItem {
  return {
    id: i.id,
    state: i.state,
    severity: i.severity,
    start: i.start,
    entries: i.entries,
    verified: i.verified,
    brokenAtSeq: i.brokenAtSeq,
    simulation: i.simulation,
    mergedInto: i.mergedInto,
  };
}

function stateText(i: IncidentListItem): string {
  const merged = i.mergedInto !== null ? ` (merged into ${i.mergedInto})` : '';
  return `${i.state}${merged}${i.simulation ? ' SIMULATION' : ''}`;
}

function table(items: IncidentListItem[]): string {
  const header = ['ID', 'STATE', 'SEVERITY', 'START (UTC)', 'ENTRIES', 'JOURNAL'];
  const rows = items.map((i) => [
    i.id,
    stateText(i),
    i.severity ?? '-',
    i.start ?? '-',
    String(i.entries),
    i.brokenAtSeq !== null ? `broken at seq ${i.brokenAtSeq}` : i.verified ? 'verified' : 'problems',
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** `args` are what follows `incidents` on the command line. Returns the exit code. */
export async function runIncidents(args: string[], io: CommandIo): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(args, { flags: ['--json', '-h', '--help'], options: { '--state-dir': 'stateDir' } });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`lsos-cockpit incidents: ${err.message}\n${INCIDENTS_USAGE}`);
    return EXIT.usage;
  }
  if (parsed.flags.has('-h') || parsed.flags.has('--help')) {
    io.stdout.write(INCIDENTS_USAGE);
    return EXIT.ok;
  }
  if (parsed.positional.length > 0) {
    io.stderr.write(INCIDENTS_USAGE);
    return EXIT.usage;
  }
  const dir = stateDir(io.env, parsed.options.get('stateDir'));
  let items: IncidentListItem[];
  try {
    // Live incidents, then the practice ones from the simulation's own store, marked.
    const practice = listIncidents(path.join(dir, SIMULATION_STORE)).map((i) => ({ ...i, simulation: true }));
    items = [...listIncidents(dir), ...practice].map(item);
  } catch (err) {
    io.stderr.write(`lsos-cockpit incidents: cannot read ${dir}: ${(err as Error).message}\n`);
    return EXIT.failed;
  }
  if (parsed.flags.has('--json')) {
    io.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
  } else if (items.length === 0) {
    io.stdout.write(`no incidents in ${dir}\n`);
  } else {
    io.stdout.write(table(items));
  }
  return EXIT.ok;
}
