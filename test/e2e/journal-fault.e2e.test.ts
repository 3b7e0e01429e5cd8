// A journal fault under the running cockpit, in a real terminal (tmux): the disk under the state
// directory fills up (a small tmpfs) while an incident is open; the screen keeps updating and
// says the journal is not written and how many entries wait; once space is freed the waiting
// entries reach the journal, the chain intact. And the cockpit started as nobody on a root-owned
// state directory starts read-only with the reason, then writes everything once it may.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readJournalFile } from '../../src/journal/journal.js';
import { isRoot, NOBODY, SmallTmpfs } from '../faults/fs.js';
import { CLI, haveTmux, ROOT, TmuxSession } from './tmux.js';

const available = haveTmux() && isRoot;
if (!available) {
  if (process.env.CI === 'true')
    throw new Error('the journal fault end-to-end test needs tmux and root (mount -t tmpfs, setpriv) under CI');
  console.warn('\n*** SKIPPING journal fault end-to-end tests: they need tmux and root ***\n');
}
const suite = available ? describe : describe.skip;

/** The queue panel's rows (the top of the screen): they change with every simulation tick. */
function queuePanel(screen: string): string {
  return screen.split('\n').slice(1, 9).join('\n');
}

/** Every journal under the state directory (a simulation keeps its own in `simulation/`). */
function journalFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((n) => n.endsWith('.jsonl'))
    .map((n) => path.join(dir, n));
}

suite('a journal fault under the running cockpit (tmux)', () => {
  let t: TmuxSession | null = null;
  let fsys: SmallTmpfs | null = null;
  const dirs: string[] = [];

  beforeAll(() => {
    if (!fs.existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  });
  afterEach(() => {
    t?.kill();
    t = null;
    fsys?.unmount();
    fsys = null;
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('keeps the screen live and says so while the disk is full, then writes the waiting entries when space returns', async () => {
    fsys = new SmallTmpfs(2048);
    const stateDir = path.join(fsys.dir, 'state');
    t = new TmuxSession({ stateDir });
    t.start(160, 45, ['--speed', '5']);
    await t.waitForText(/INC-\d{8}-\d{4}(-\d+)? open/);
    const [file] = journalFiles(stateDir);
    expect(file).toBeDefined();

    fsys.fill();
    const marker = `written-while-full-${process.pid}`;
    t.keys('n');
    await t.waitForText('Add a note');
    // Longer than a page, so it cannot fit in what is left of the journal file's last page.
    t.text(`${marker} ${'z'.repeat(4500)}`);
    t.keys('Enter');
    const faulted = await t.waitFor(
      (s) => /JOURNAL NOT WRITTEN since \d\d:\d\d:\d\dZ: ENOSPC/.test(s),
      'the journal fault in the status line',
    );
    expect(faulted).toMatch(/\d+ entr(y|ies) waiting in memory/);
    // The timeline panel says it too, and marks what is not written.
    await t.waitForText('! journal not written since');
    await t.waitForText('(not written)');

    // The live view goes on: the queue panel changes while the fault is shown.
    const before = queuePanel(t.capture());
    await t.waitFor((s) => s.includes('JOURNAL NOT WRITTEN') && queuePanel(s) !== before, 'the queue panel updating during the fault');
    expect(t.cockpitPid()).not.toBeNull();
    const waitingOnDisk = readJournalFile(file!);
    expect(waitingOnDisk.problems).toEqual([]);
    expect(fs.readFileSync(file!, 'utf8')).not.toContain(marker);

    fsys.free();
    await t.waitFor((s) => !s.includes('JOURNAL NOT WRITTEN') && !s.includes('(not written)'), 'the fault cleared on screen');
    expect(t.cockpitPid()).not.toBeNull();
    const report = readJournalFile(file!);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.entries.length).toBeGreaterThan(waitingOnDisk.entries.length);
    expect(report.entries.some((e) => e.kind === 'note' && String(e.details.text).startsWith(marker))).toBe(true);
    expect(report.entries.map((e) => e.seq)).toEqual(report.entries.map((_, i) => i + 1));
  });

  it('started as nobody on a root-owned state directory: read-only with the reason, then written once it may', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-e2e-nobody-'));
    dirs.push(base);
    fs.chmodSync(base, 0o755);
    const stateDir = path.join(base, 'state');
    fs.mkdirSync(stateDir, { mode: 0o755 }); // root's, not writable by nobody
    t = new TmuxSession({ stateDir });
    t.start(160, 45, ['--speed', '5'], { HOME: base }, ['setpriv', `--reuid=${NOBODY.uid}`, `--regid=${NOBODY.gid}`, '--clear-groups']);
    await t.waitForText('READ-ONLY: journal not writable (EACCES: permission denied)');
    // The incident still opens (in memory) and the screen says its entries are not written.
    await t.waitFor(
      (s) => /JOURNAL NOT WRITTEN since \d\d:\d\d:\d\dZ: EACCES/.test(s) && s.includes('(not written)'),
      'the incident waiting in memory',
    );
    expect(t.cockpitPid()).not.toBeNull();
    expect(journalFiles(stateDir)).toEqual([]);

    fs.chownSync(stateDir, NOBODY.uid, NOBODY.gid);
    await t.waitFor((s) => !s.includes('READ-ONLY') && !s.includes('JOURNAL NOT') && !s.includes('(not written)'), 'read-only lifted');
    const [file] = journalFiles(stateDir);
    const report = readJournalFile(file!);
    expect(report.ok).toBe(true);
    expect(report.entries[0]?.kind).toBe('incident-opened');
    expect(report.entries.every((e) => e.operator === 'nobody')).toBe(true);
  });
});
