// Appends N timeline entries to one incident journal, printing each seq only after append()
// returned (i.e. after fsync). A test SIGKILLs this process mid-way and checks that every
// printed seq survived.
//
// usage: node append-entries.mjs <state-dir> <incident-id> <count> [journal-module]
//   journal-module: path or URL of the compiled src/journal/journal.js
//                   (default: ../../dist/src/journal/journal.js, after `npm run build`)
import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [dir, incidentId, countArg, modulePath] = process.argv.slice(2);
if (!dir || !incidentId || !countArg) {
  process.stderr.write('usage: node append-entries.mjs <state-dir> <incident-id> <count> [journal-module]\n');
  process.exit(2);
}
const moduleUrl = modulePath
  ? modulePath.startsWith('file:')
    ? modulePath
    : pathToFileURL(modulePath).href
  : new URL('../../dist/src/journal/journal.js', import.meta.url).href;
const { IncidentJournal } = await import(moduleUrl);

const journal = IncidentJournal.open(dir, incidentId, { operator: 'crash-test' });
const count = Number(countArg);
// Padding makes each line long enough that a kill can land in the middle of a write.
const padding = 'x'.repeat(2000);
for (let i = 0; i < count; i++) {
  const entry = journal.append('note', { text: `entry ${i} ${padding}` });
  writeSync(1, `${entry.seq}\n`);
}
journal.close();
