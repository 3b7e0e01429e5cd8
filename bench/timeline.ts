// Timeline benchmarks: the cost of one durable append (write + fsync), and of exporting the PIR
// of a 10,000-entry incident (read back, verify the chain, fold, render). Prints nothing.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { renderPir } from '../src/core/pir.js';
import { foldIncident } from '../src/core/incidentView.js';
import type { TimelineEntry } from '../src/core/timeline.js';
import { formatUtc, sealEntry } from '../src/core/timeline.js';
import { IncidentJournal, journalFileName, readJournalFile } from '../src/journal/journal.js';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

/** A plausible incident: triggers, notes (some hostile), steps, severity changes. */
function syntheticTimeline(id: string, n: number, start: number): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  let prev: TimelineEntry | null = null;
  for (let i = 0; i < n; i++) {
    const at = formatUtc(start + i * 250);
    let kind: TimelineEntry['kind'];
    let details: Record<string, unknown>;
    if (i === 0) {
      kind = 'incident-opened';
      details = { reason: 'queue lag', openedBy: 'trigger', triggerKey: 'queue-lag' };
    } else if (i % 10 === 1) {
      kind = 'trigger-fired';
      details = {
        triggerKey: 'queue-lag',
        title: 'Queue lag > 15 min',
        section: '3',
        target: `q${i % 7}`,
        value: 1000 + i,
        threshold: 900,
        unit: 's',
        queues: [`q${i % 7}`],
      };
    } else if (i % 10 === 2) {
      kind = 'procedure-step';
      details = { section: '3', step: String(1 + (i % 5)), text: 'done', done: true };
    } else if (i % 10 === 3) {
      kind = 'severity-suggested';
      details = { severity: i % 20 === 3 ? 'SEV-2' : 'SEV-3', reason: 'matrix' };
    } else {
      kind = 'note';
      details = { text: i % 3 === 0 ? `note ${i} | with \`pipes\`\n# and a heading <b>x</b> \u001b[31mred` : `note ${i}` };
    }
    prev = sealEntry(prev, { at, operator: 'bench', kind, incidentId: id, details });
    out.push(prev);
  }
  return out;
}

export async function benchTimeline(): Promise<Record<string, string | number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-bench-timeline-'));
  try {
    // Append + fsync, one entry at a time, as the recorder does.
    const journal = IncidentJournal.create(dir, 'INC-20260101-0000', { operator: 'bench' });
    const samples: number[] = [];
    const appends = 200;
    for (let i = 0; i < appends; i++) {
      const t0 = performance.now();
      journal.append('note', { text: `bench note ${i}` });
      samples.push(performance.now() - t0);
    }
    journal.close();
    samples.sort((a, b) => a - b);

    // Export of a 10,000-entry timeline, from the file on disk.
    const n = 10_000;
    const id = 'INC-20260101-0001';
    const file = path.join(dir, journalFileName(id));
    fs.writeFileSync(
      file,
      syntheticTimeline(id, n, Date.UTC(2026, 0, 1))
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    const t0 = performance.now();
    const report = readJournalFile(file, id);
    const t1 = performance.now();
    const view = foldIncident(report.entries, id);
    const t2 = performance.now();
    const markdown = renderPir(view, report);
    const t3 = performance.now();
    if (!report.ok || report.entries.length !== n) throw new Error('bench journal did not verify');

    return {
      'timeline.append_fsync.median_ms': round(percentile(samples, 0.5)),
      'timeline.append_fsync.p95_ms': round(percentile(samples, 0.95)),
      'timeline.append_fsync.samples': appends,
      'timeline.export_10k.total_ms': round(t3 - t0),
      'timeline.export_10k.read_verify_ms': round(t1 - t0),
      'timeline.export_10k.fold_ms': round(t2 - t1),
      'timeline.export_10k.render_ms': round(t3 - t2),
      'timeline.export_10k.journal_bytes': fs.statSync(file).size,
      'timeline.export_10k.markdown_bytes': Buffer.byteLength(markdown),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
