// `lsos-cockpit pir export [<incident-id>|latest] [-o FILE] [--format markdown|json] [--full]
// [--ascii-charts] [--strict] [--state-dir DIR]` (the cockpit's export key writes the markdown
// through src/journal/pirExport.ts, with the same safe writer).
import * as path from 'node:path';
import { renderPir, renderPirJson, strictProblems } from '../core/pir.js';
import { loadIncident, resolveIncidentRef, stateDir } from '../journal/store.js';
import { exportChoiceIn } from '../journal/exportChoice.js';
import type { CommandIo } from './io.js';
import { EXIT, UnsafeOutputError, UsageError, parseArgs, writeOutputFile } from './io.js';

export const PIR_USAGE = `usage: lsos-cockpit pir export [<incident-id>|latest] [-o FILE] [--format markdown|json] [--full] [--ascii-charts] [--strict] [--state-dir DIR]

Writes the post-incident review of an incident (stdout, or FILE). Without an id: the incident
resolved last; when another incident has opened since, it names both and asks for the id (exit 2).
"latest" is the incident opened last.
  -o, --output FILE   write to FILE instead of stdout ("-" is stdout). A regular or new file is
                      written atomically; a FIFO or a character device is written in place; a
                      directory, block device or socket is refused. Nothing is ever replaced.
  --format FORMAT     markdown (GitHub-flavoured, the default) or json (the same content)
  --full              add the full journal as an appendix (PIR edits, ticks, every page step)
  --ascii-charts      draw the charts as plain text instead of Mermaid
  --strict            exit 1 and list every required section that is still empty
  --state-dir DIR     where the incident journals are (default: $XDG_STATE_HOME/lsos-cockpit)
`;

const FORMATS = ['markdown', 'json'] as const;
type Format = (typeof FORMATS)[number];

/** `args` are what follows `pir` on the command line. Returns the exit code. */
export async function runPirExport(args: string[], io: CommandIo): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(args, {
      flags: ['--strict', '--full', '--ascii-charts', '-h', '--help'],
      options: { '-o': 'output', '--output': 'output', '--state-dir': 'stateDir', '--format': 'format' },
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
  const [sub, given, ...extra] = parsed.positional;
  if (sub !== 'export' || extra.length > 0) {
    io.stderr.write(PIR_USAGE);
    return EXIT.usage;
  }
  let ref = given;
  if (ref === undefined) {
    // No id: the incident just resolved, or the question when another has opened since.
    const where = stateDir(io.env, parsed.options.get('stateDir'));
    let choice: ReturnType<typeof exportChoiceIn>;
    try {
      choice = exportChoiceIn(where);
    } catch (err) {
      io.stderr.write(`lsos-cockpit pir: cannot read the incidents in ${where}: ${(err as Error).message}\n`);
      return EXIT.failed;
    }
    if ('none' in choice) {
      io.stderr.write(`lsos-cockpit pir: no incidents in ${where}\n`);
      return EXIT.failed;
    }
    if ('ask' in choice) {
      io.stderr.write(
        `lsos-cockpit pir: which incident? ${choice.ask.join(' or ')}: ${choice.why}. Name one: lsos-cockpit pir export ${choice.ask[0]}\n`,
      );
      return EXIT.usage;
    }
    ref = choice.export;
  }
  const format = (parsed.options.get('format') ?? 'markdown') as Format;
  if (!FORMATS.includes(format)) {
    io.stderr.write(`lsos-cockpit pir: --format must be ${FORMATS.join(' or ')}, not ${JSON.stringify(format).slice(0, 40)}\n${PIR_USAGE}`);
    return EXIT.usage;
  }
  let dir = stateDir(io.env, parsed.options.get('stateDir'));
  let loaded: ReturnType<typeof loadIncident>;
  let id: string | null;
  try {
    id = resolveIncidentRef(dir, ref);
    // A practice incident by its id: from the simulation's own store (`latest` is always a live one).
    if (id === null && ref !== 'latest') {
      const practice = path.join(dir, 'simulation');
      id = resolveIncidentRef(practice, ref);
      if (id !== null) dir = practice;
    }
    loaded = id === null ? null : loadIncident(dir, id);
  } catch (err) {
    io.stderr.write(`lsos-cockpit pir: cannot read the journal of ${ref}: ${(err as Error).message}\n`);
    return EXIT.failed;
  }
  if (id === null || loaded === null) {
    io.stderr.write(
      ref === 'latest' ? `lsos-cockpit pir: no incidents in ${dir}\n` : `lsos-cockpit pir: no incident ${JSON.stringify(ref)} in ${dir}\n`,
    );
    return EXIT.failed;
  }
  const { view, report } = loaded;
  if (!report.ok) {
    io.stderr.write(`lsos-cockpit pir: journal of ${id} has problems:\n${report.problems.map((p) => `  ${p}\n`).join('')}`);
  }
  const opts = { full: parsed.flags.has('--full'), asciiCharts: parsed.flags.has('--ascii-charts') };
  const text = format === 'json' ? renderPirJson(view, report, opts) : renderPir(view, report, opts);
  const output = parsed.options.get('output');
  if (output === undefined || output === '-') {
    io.stdout.write(text);
  } else {
    const file = path.resolve(io.cwd ?? process.cwd(), output);
    try {
      const r = writeOutputFile(file, text);
      const how =
        r.how === 'in-place'
          ? ` (written in place: ${r.wrote} is not a regular file)`
          : r.wrote !== file
            ? ` (through the symlink, to ${r.wrote})`
            : '';
      io.stderr.write(`wrote the PIR of ${id} to ${file}${how}\n`);
    } catch (err) {
      const why = err instanceof UnsafeOutputError ? err.message : `cannot write ${file}: ${(err as Error).message}`;
      io.stderr.write(`lsos-cockpit pir: ${why}\n`);
      return EXIT.failed;
    }
  }
  const problems = strictProblems(view, report);
  if (parsed.flags.has('--strict') && problems.length > 0) {
    io.stderr.write(
      `lsos-cockpit pir: ${id}: ${problems.length} required sections still empty:\n${problems.map((p) => `  - ${p}\n`).join('')}`,
    );
    return EXIT.incomplete;
  }
  return EXIT.ok;
}
