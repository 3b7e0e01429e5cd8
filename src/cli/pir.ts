// `lsos-cockpit pir export <incident-id|latest> [-o FILE] [--strict] [--state-dir DIR]`
// and the same export for the cockpit's key.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderPir, strictProblems } from '../core/pir.js';
import type { JournalReport } from '../journal/journal.js';
import { loadIncident, resolveIncidentRef, stateDir } from '../journal/store.js';
import type { CommandIo } from './io.js';
import { EXIT, UsageError, parseArgs } from './io.js';

export const PIR_USAGE = `usage: lsos-cockpit pir export <incident-id|latest> [-o FILE] [--strict] [--state-dir DIR]

Writes the post-incident review of an incident as GitHub-flavoured markdown (stdout, or FILE).
  -o, --output FILE   write to FILE instead of stdout ("-" is stdout)
  --strict            exit 1 and list every required section that is still empty
  --state-dir DIR     where the incident journals are (default: $XDG_STATE_HOME/lsos-cockpit)
`;

export interface PirExport {
  incidentId: string;
  markdown: string;
  /** Required sections still empty (what --strict reports). */
  problems: string[];
  /** What the journal said when read back: the footer's verdict. */
  journal: JournalReport;
}

/** Renders the PIR of `ref` (an incident id or `latest`); null when there is no such incident. */
export function buildPir(dir: string, ref: string): PirExport | null {
  const id = resolveIncidentRef(dir, ref);
  if (id === null) return null;
  const loaded = loadIncident(dir, id);
  if (loaded === null) return null;
  return {
    incidentId: id,
    markdown: renderPir(loaded.view, loaded.report),
    problems: strictProblems(loaded.view, loaded.report),
    journal: loaded.report,
  };
}

/** The cockpit's export key writes here unless told otherwise: next to the journal. */
export function defaultPirPath(dir: string, incidentId: string): string {
  return path.join(dir, `${incidentId}.pir.md`);
}

/** Writes via a temporary file and a rename, so a reader never sees half a PIR. */
export function writePirFile(file: string, markdown: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, markdown, { encoding: 'utf8', mode: 0o644 });
  fs.renameSync(tmp, file);
}

/** For the cockpit key: export an incident's PIR to a file and say where it went. */
export function exportPirToFile(dir: string, incidentId: string, file?: string): (PirExport & { path: string }) | null {
  const pir = buildPir(dir, incidentId);
  if (pir === null) return null;
  const out = file ?? defaultPirPath(dir, pir.incidentId);
  writePirFile(out, pir.markdown);
  return { ...pir, path: out };
}

/** `args` are what follows `pir` on the command line. Returns the exit code. */
export async function runPirExport(args: string[], io: CommandIo): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(args, {
      flags: ['--strict', '-h', '--help'],
      options: { '-o': 'output', '--output': 'output', '--state-dir': 'stateDir' },
    });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`lsos-cockpit pir: ${err.message}\n${PIR_USAGE}`);
    return EXIT.usage;
  }
  if (parsed.flags.has('-h') || parsed.flags.has('--help')) {
    io.stdout.write(PIR_USAGE);
    return EXIT.ok;
  }
  const [sub, ref, ...extra] = parsed.positional;
  if (sub !== 'export' || ref === undefined || extra.length > 0) {
    io.stderr.write(PIR_USAGE);
    return EXIT.usage;
  }
  const dir = stateDir(io.env, parsed.options.get('stateDir'));
  let pir: PirExport | null;
  try {
    pir = buildPir(dir, ref);
  } catch (err) {
    io.stderr.write(`lsos-cockpit pir: cannot read the journal of ${ref}: ${(err as Error).message}\n`);
    return EXIT.failed;
  }
  if (pir === null) {
    io.stderr.write(
      ref === 'latest' ? `lsos-cockpit pir: no incidents in ${dir}\n` : `lsos-cockpit pir: no incident ${JSON.stringify(ref)} in ${dir}\n`,
    );
    return EXIT.failed;
  }
  if (!pir.journal.ok) {
    io.stderr.write(
      `lsos-cockpit pir: journal of ${pir.incidentId} has problems:\n${pir.journal.problems.map((p) => `  ${p}\n`).join('')}`,
    );
  }
  const output = parsed.options.get('output');
  if (output === undefined || output === '-') {
    io.stdout.write(pir.markdown);
  } else {
    const file = path.resolve(io.cwd ?? process.cwd(), output);
    try {
      writePirFile(file, pir.markdown);
    } catch (err) {
      io.stderr.write(`lsos-cockpit pir: cannot write ${file}: ${(err as Error).message}\n`);
      return EXIT.failed;
    }
    io.stderr.write(`wrote the PIR of ${pir.incidentId} to ${file}\n`);
  }
  if (parsed.flags.has('--strict') && pir.problems.length > 0) {
    io.stderr.write(
      `lsos-cockpit pir: ${pir.incidentId}: ${pir.problems.length} required sections still empty:\n${pir.problems.map((p) => `  - ${p}\n`).join('')}`,
    );
    return EXIT.incomplete;
  }
  return EXIT.ok;
}
