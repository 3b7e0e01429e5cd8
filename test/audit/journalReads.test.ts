// The audit outbox reads the journals every 5 s for the audit records waiting in them; journals
// only grow, so after its first read it parses only what was added (src/control/audit/outbox.ts,
// JournalReads). Shown on journals the real recorder and mitigation controller write: the records
// are those a whole read finds; bytes already read are not read again (an earlier line spoiled in
// place goes unnoticed, which a whole read would see), unless the file was replaced, cut, or
// changed where reading stopped; a line not yet ended waits for its end.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { journalAuditRecords } from '../../src/control/audit/outbox.js';
import { JournalReads } from '../../src/journal/journalReads.js';
import { MitigationController } from '../../src/control/mitigations/controller.js';
import { SimulationBackend } from '../../src/control/mitigations/simBackend.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { journalPath } from '../../src/journal/store.js';
import { LsosSimulation, loadScenario } from '../../src/sources/sim/index.js';

const dirs: string[] = [];
const recorders: IncidentRecorder[] = [];

afterEach(() => {
  for (const r of recorders.splice(0)) r.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** An open incident with `actions` real mitigation actions and a figures entry between them. */
async function incident(): Promise<{ stateDir: string; file: string; act: (n: number) => Promise<void> }> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-reads-'));
  dirs.push(stateDir);
  const recorder = new IncidentRecorder({ stateDir, operator: 'alice' });
  recorders.push(recorder);
  const view = recorder.openIncident('queue lag on crawl');
  const controller = new MitigationController({
    recorder,
    backend: new SimulationBackend(new LsosSimulation(loadScenario('default'), { seed: 3 })),
    actor: { operator: 'alice', role: 'operator', roleSource: 'test', readonly: false, readonlyReason: null },
    isIdempotent: () => true,
  });
  let i = 0;
  const act = async (n: number) => {
    for (let k = 0; k < n; k++, i++) {
      recorder.record('figures', {
        t: new Date(Date.UTC(2026, 11, 7, 3, i)).toISOString(),
        queues: [{ q: 'crawl', depth: 1000 + i }],
      } as never);
      await controller.execute({ mitigationId: i % 2 ? 'pacing-normal' : 'pacing-conservative', params: {}, reason: `step ${i}` });
    }
  };
  await act(3);
  return { stateDir, file: journalPath(stateDir, view.id), act };
}

const reasons = (stateDir: string, reads?: JournalReads) =>
  journalAuditRecords(stateDir, reads).map((r) => `${r.journalSeq} ${r.result} ${r.reason}`);

/** Spoils the line holding `needle` in place: same length, same inode, no longer JSON. */
function spoilLine(file: string, needle: string): void {
  const text = fs.readFileSync(file, 'latin1');
  const at = text.indexOf(needle);
  expect(at).toBeGreaterThan(0);
  const start = text.lastIndexOf('\n', at) + 1;
  const end = text.indexOf('\n', at);
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, Buffer.from('#'.repeat(end - start), 'latin1'), 0, end - start, start);
  fs.closeSync(fd);
}

describe('the audit outbox reads only what the journals gained', () => {
  it('finds the records a whole read finds, as the journal grows', async () => {
    const { stateDir, act } = await incident();
    const reads = new JournalReads();
    expect(reasons(stateDir, reads)).toEqual(reasons(stateDir));
    expect(reasons(stateDir).length).toBeGreaterThanOrEqual(6);
    await act(2);
    expect(reasons(stateDir, reads)).toEqual(reasons(stateDir));
    expect(reasons(stateDir, reads).length).toBeGreaterThan(6);
  });

  it('does not read again what it read: a line spoiled in place before the last read stays counted', async () => {
    const { stateDir, file, act } = await incident();
    const reads = new JournalReads();
    const before = reasons(stateDir, reads);
    await act(1);
    spoilLine(file, '"reason":"step 0"');
    // A whole read no longer finds the spoiled line's record; the outbox's read went on from where it stopped.
    expect(reasons(stateDir).length).toBeLessThan(before.length + 2);
    expect(reasons(stateDir, reads)).toEqual([...before, ...reasons(stateDir).slice(-2)]);
  });

  it('reads a file again whole when it was replaced, cut, or changed just before where reading stopped', async () => {
    const { stateDir, file } = await incident();
    const whole = reasons(stateDir);
    // Replaced: the same bytes in a new file renamed over it (another inode), one line spoiled.
    let reads = new JournalReads();
    reasons(stateDir, reads);
    const copy = `${file}.new`;
    fs.copyFileSync(file, copy);
    spoilLine(copy, '"reason":"step 0"');
    fs.renameSync(copy, file);
    expect(reasons(stateDir, reads)).toEqual(reasons(stateDir));
    expect(reasons(stateDir).length).toBeLessThan(whole.length);
    // Cut: shorter than what was read.
    reads = new JournalReads();
    reasons(stateDir, reads);
    const text = fs.readFileSync(file, 'utf8');
    fs.truncateSync(file, text.lastIndexOf('\n', text.length - 2) + 1);
    expect(reasons(stateDir, reads)).toEqual(reasons(stateDir));
    // Changed in its last line, in place, the size kept.
    reads = new JournalReads();
    reasons(stateDir, reads);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const last = lines.at(-2) ?? '';
    spoilLine(file, last.slice(0, 40));
    expect(reasons(stateDir, reads)).toEqual(reasons(stateDir));
  });

  it('leaves a line not yet ended for a later read, and counts it once when it ends', async () => {
    const { stateDir, file } = await incident();
    const reads = new JournalReads();
    const before = reasons(stateDir, reads);
    // The journal's last action line written again at its end, in two writes.
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const action = [...lines].reverse().find((l) => l.includes('"kind":"action"')) ?? '';
    const again = action.replace(/"seq":\d+/, '"seq":99999');
    fs.appendFileSync(file, again.slice(0, 50));
    expect(reasons(stateDir, reads)).toEqual(before);
    fs.appendFileSync(file, `${again.slice(50)}\n`);
    const after = reasons(stateDir, reads);
    expect(after).toEqual(reasons(stateDir));
    expect(after.filter((r) => r.startsWith('99999 '))).toHaveLength(1);
  });
});
