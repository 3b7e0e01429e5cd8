// A journal fault never takes the cockpit down: on a real full tmpfs (ENOSPC) and on a journal
// made immutable with chattr (EPERM), entries are sealed into the chain and wait in memory
// (bounded, counted), an action's attempt is refused instead of running unrecorded, no torn line
// is left on disk, and when the disk takes writes again the waiting entries are written in order
// with the chain intact. The store hears about each step through the recorder bridge.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MitigationController } from '../../src/control/mitigations/controller.js';
import { SimulationBackend } from '../../src/control/mitigations/simBackend.js';
import { IncidentJournal, readJournalFile } from '../../src/journal/journal.js';
import { LsosSimulation, loadScenario } from '../../src/sources/sim/index.js';
import { IncidentError, IncidentRecorder } from '../../src/journal/recorder.js';
import { RecorderBridge } from '../../src/runtime/recorderBridge.js';
import { createCockpitStore } from '../../src/ui/state/store.js';
import { journalNotice } from '../../panels/status/columns.js';
import { journalFaultLine, timelineTable } from '../../panels/timeline/columns.js';
import { ManualClock, T0, figuresOf, queueLagTrigger } from '../timeline/helpers.js';
import { chattrImmutable, isRoot, SmallTmpfs, supportsImmutable } from './fs.js';

if (!isRoot) {
  if (process.env.CI === 'true') throw new Error('the journal fault tests mount a tmpfs and use chattr: they must run as root under CI');
  console.warn('\n*** SKIPPING journal fault tests: they need root (mount -t tmpfs, chattr) ***\n');
}
const suite = isRoot ? describe : describe.skip;

const mounts: SmallTmpfs[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const m of mounts.splice(0)) m.unmount();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tmpfs(kb: number): SmallTmpfs {
  const m = new SmallTmpfs(kb);
  mounts.push(m);
  return m;
}

/** A directory on the root file system (ext4 here), where chattr works. */
function diskDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-fault-disk-'));
  dirs.push(d);
  return d;
}

/** Reads the journal file as a fresh process would, and checks every line is an intact entry. */
function onDisk(file: string) {
  const report = readJournalFile(file);
  expect(report.problems).toEqual([]);
  expect(report.tornTail).toBe(false);
  return report;
}

suite('the journal on a full disk (tmpfs, ENOSPC)', () => {
  let stateDir = '';
  afterEach(() => {
    stateDir = '';
  });

  it('keeps recording in memory, refuses an action attempt, and writes everything in order once space is freed', () => {
    const fsys = tmpfs(256);
    stateDir = path.join(fsys.dir, 'state');
    const clock = new ManualClock(T0);
    const recorder = new IncidentRecorder({ stateDir, clock, operator: 'alice' });
    expect(recorder.health().stateDirProblem).toBeNull();
    recorder.onTriggerFired(queueLagTrigger());
    const view = recorder.view()!;
    const file = path.join(stateDir, `${view.id}.jsonl`);
    const before = onDisk(file).entries.length;
    expect(before).toBe(view.entries.length);

    fsys.fill();
    const waiting: number[] = [];
    for (let i = 0; i < 20; i++) {
      clock.advance(1000);
      // A long note: at least one of these lands partly in the last free page, then fails.
      const e = recorder.note(`note ${i} ${'n'.repeat(3000)}`);
      waiting.push(e.seq);
      expect(recorder.isDurable(e.seq)).toBe(false);
    }
    const h = recorder.health().journal!;
    expect(h.fault?.code).toBe('ENOSPC');
    expect(h.pending).toBe(20);
    expect(h.firstPendingSeq).toBe(waiting[0]);
    expect(recorder.healthy()).toBe(false);
    // The view goes on: the notes are in the incident, the chain continues in memory.
    expect(
      recorder
        .view()!
        .entries.slice(-20)
        .map((e) => e.seq),
    ).toEqual(waiting);
    // Nothing torn on disk: what is there is exactly what was written before the fault.
    expect(onDisk(file).entries.length).toBe(before);
    // An action about to change the system needs its record on disk first: refused, not kept.
    expect(() =>
      recorder.record('action', { action: 'pause-task', target: 'crawl.fetch_page', reason: 'loop', outcome: 'attempted' }),
    ).toThrow(/ENOSPC[\s\S]*must be on disk first/);
    expect(recorder.health().journal!.pending).toBe(20);
    expect(recorder.view()!.entries.at(-1)?.seq).toBe(waiting.at(-1));
    // Still full: a retry changes nothing.
    expect(recorder.retry()).toBe(false);

    fsys.free();
    expect(recorder.retry()).toBe(true);
    const after = onDisk(file);
    expect(after.ok).toBe(true);
    expect(after.entries.map((e) => e.seq)).toEqual(recorder.view()!.entries.map((e) => e.seq));
    expect(after.lastHash).toBe(recorder.view()!.entries.at(-1)?.hash);
    expect(recorder.health().journal).toMatchObject({ fault: null, pending: 0, firstPendingSeq: null });
    recorder.close();
  });

  // A figures entry is held compressed (src/journal/compactFigures.ts): one that waits for the
  // disk is written later from that, exactly as recorded.
  it('writes figures entries that waited for space exactly as recorded', () => {
    const fsys = tmpfs(2048);
    stateDir = path.join(fsys.dir, 'state');
    const clock = new ManualClock(T0);
    const recorder = new IncidentRecorder({ stateDir, clock, operator: 'alice' });
    recorder.onTriggerFired(queueLagTrigger());
    const file = path.join(stateDir, `${recorder.view()!.id}.jsonl`);
    fsys.fill();
    const samples = [0, 1, 2].map((m) => figuresOf(2000, T0 + m * 60_000, m));
    for (const s of samples) {
      clock.advance(60_000);
      const e = recorder.record('figures', s);
      expect(recorder.isDurable(e.seq)).toBe(false);
    }
    expect(recorder.health().journal).toMatchObject({ pending: 3, fault: { code: 'ENOSPC' } });
    fsys.free();
    expect(recorder.retry()).toBe(true);
    const after = onDisk(file);
    expect(after.ok).toBe(true);
    expect(after.entries.filter((e) => e.kind === 'figures').map((e) => e.details)).toEqual(samples);
    expect(after.entries.map((e) => JSON.stringify(e))).toEqual(recorder.view()!.entries.map((e) => JSON.stringify(e)));
    recorder.close();
  });

  it('cuts off a write the disk took only in part, so the file never holds a torn line', () => {
    const fsys = tmpfs(128);
    const dir = path.join(fsys.dir, 'state');
    const journal = IncidentJournal.create(dir, 'INC-20261128-0412', { clock: new ManualClock(T0), operator: 'bob', maxPending: 100 });
    journal.append('note', { text: 'first' });
    fsys.fill();
    fsys.free(6000); // room for part of the next line, not all of it
    const big = journal.append('note', { text: 'x'.repeat(50_000) });
    expect(journal.isDurable(big.seq)).toBe(false);
    expect(journal.health().fault?.code).toBe('ENOSPC');
    // The partial bytes were cut: the file is exactly the first entry.
    expect(onDisk(journal.path).entries.map((e) => e.seq)).toEqual([1]);
    fsys.free();
    expect(journal.flush()).toBe(true);
    expect(onDisk(journal.path).entries.map((e) => e.seq)).toEqual([1, 2]);
    journal.close();
  });

  it('waits for at most the limit, then refuses new entries and counts them', () => {
    const fsys = tmpfs(128);
    const recorder = new IncidentRecorder({
      stateDir: path.join(fsys.dir, 'state'),
      clock: new ManualClock(T0),
      operator: 'carol',
      maxPending: 5,
    });
    recorder.openIncident('by hand');
    fsys.fill();
    // Longer than a page: the journal file's own last page may still have room for a short line.
    for (let i = 0; i < 5; i++) recorder.note(`kept ${i} ${'k'.repeat(5000)}`);
    expect(() => recorder.note(`one too many ${'k'.repeat(5000)}`)).toThrow(IncidentError);
    expect(() => recorder.note(`two too many ${'k'.repeat(5000)}`)).toThrow(/5 entries already wait in memory[\s\S]*not recorded/);
    const h = recorder.health().journal!;
    expect(h).toMatchObject({ pending: 5, refused: 2, limit: { entries: 5 } });
    expect(journalNotice(recorder.health())?.detail).toMatch(/5 entries waiting in memory \(at most 5\), 2 entries NOT RECORDED/);
    fsys.free();
    expect(recorder.retry()).toBe(true);
    expect(onDisk(recorder.health().journal!.path).ok).toBe(true);
    recorder.close();
  });

  it('opens an incident on a disk that is already full: the journal file is created when space returns', () => {
    const fsys = tmpfs(128);
    const stateDir2 = path.join(fsys.dir, 'state');
    fs.mkdirSync(stateDir2);
    fsys.fill();
    const recorder = new IncidentRecorder({ stateDir: stateDir2, clock: new ManualClock(T0), operator: 'dave' });
    // The start-up check found it: the cockpit starts read-only with this reason.
    expect(recorder.health().stateDirProblem).toMatch(/^ENOSPC: no space left on device/);
    recorder.onTriggerFired(queueLagTrigger());
    const id = recorder.view()!.id;
    expect(recorder.view()!.entries.length).toBeGreaterThan(3);
    expect(recorder.health().journal?.fault?.code).toMatch(/ENOSPC/);
    fsys.free();
    expect(recorder.retry()).toBe(true);
    expect(recorder.health().stateDirProblem).toBeNull();
    const report = onDisk(path.join(stateDir2, `${id}.jsonl`));
    expect(report.ok).toBe(true);
    expect(report.entries.length).toBe(recorder.view()!.entries.length);
    recorder.close();
  });

  it('tells the store: the status line and the timeline say what was not written, for as long as it lasts', () => {
    const fsys = tmpfs(256);
    const store = createCockpitStore();
    const clock = new ManualClock(T0);
    const recorder = new IncidentRecorder({ stateDir: path.join(fsys.dir, 'state'), clock, operator: 'erin' });
    const bridge = new RecorderBridge(store, recorder);
    try {
      recorder.openIncident('by hand');
      expect(store.getState().journal?.journal?.fault).toBeNull();
      expect(journalNotice(store.getState().journal)).toBeNull();
      fsys.fill();
      recorder.note(`while the disk is full ${'w'.repeat(5000)}`);
      const health = store.getState().journal!;
      expect(health.journal?.fault?.code).toBe('ENOSPC');
      expect(journalNotice(health)?.badge).toMatch(/^JOURNAL NOT WRITTEN since \d\d:\d\d:\d\dZ: ENOSPC$/);
      expect(journalFaultLine(health)).toMatch(
        /^! journal not written since \d\d:\d\d:\d\dZ: 1 entry from #\d+ waiting in memory \(at most 10,000\), written when the disk takes them; ENOSPC: no space left on device/,
      );
      const lines = store.getState().incident!.entries;
      expect(lines.at(-1)).toMatchObject({ kind: 'note', unwritten: true });
      expect(lines.filter((l) => l.unwritten)).toHaveLength(1);
      const table = timelineTable(lines, 100);
      const textCol = table.columns.find((c) => c.column.key === 'text')!;
      expect(textCol.column.text(lines.at(-1)!, 60)).toMatch(/^\(not written\) /);
      expect(textCol.column.tone?.(lines.at(-1)!)).toBe('breach');
      fsys.free();
      recorder.retry();
      expect(journalNotice(store.getState().journal)).toBeNull();
      expect(store.getState().incident!.entries.some((l) => l.unwritten)).toBe(false);
      expect(store.getState().ui.flash?.text).toMatch(/journal writable again: 1 waiting entries written/);
    } finally {
      bridge.dispose();
      recorder.close();
    }
  });
});

suite('the journal made immutable (chattr +i, EPERM)', () => {
  it('waits in memory while the file refuses writes, then continues the chain when it is writable again', () => {
    const dir = diskDir();
    if (!supportsImmutable(dir)) throw new Error(`chattr +i is not supported on ${dir}'s file system`);
    const clock = new ManualClock(T0);
    const recorder = new IncidentRecorder({ stateDir: dir, clock, operator: 'frank' });
    recorder.onTriggerFired(queueLagTrigger());
    const file = recorder.health().journal!.path;
    chattrImmutable(file, true);
    try {
      clock.advance(5000);
      expect(() => recorder.onSourceLost('redis', 'ECONNREFUSED')).not.toThrow();
      recorder.note('written while immutable');
      expect(recorder.health().journal).toMatchObject({ pending: 2, fault: { code: 'EPERM' } });
      expect(recorder.retry()).toBe(false);
    } finally {
      chattrImmutable(file, false);
    }
    expect(recorder.retry()).toBe(true);
    const report = onDisk(file);
    expect(report.ok).toBe(true);
    expect(report.entries.slice(-2).map((e) => e.kind)).toEqual(['source-lost', 'note']);
    recorder.close();
  });

  it('an immutable state directory: the start-up check says EPERM, the incident waits in memory', () => {
    const dir = diskDir();
    chattrImmutable(dir, true);
    let recorder: IncidentRecorder | null = null;
    try {
      recorder = new IncidentRecorder({ stateDir: dir, clock: new ManualClock(T0), operator: 'gina' });
      expect(recorder.health().stateDirProblem).toMatch(/^EPERM: operation not permitted/);
      recorder.onTriggerFired(queueLagTrigger());
      expect(recorder.health().journal?.fault?.code).toBe('EPERM');
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      chattrImmutable(dir, false);
    }
    expect(recorder.retry()).toBe(true);
    expect(onDisk(recorder.health().journal!.path).entries.length).toBe(recorder.view()!.entries.length);
    recorder.close();
  });

  it('a mitigation is not started while its attempt cannot be written: refused, the system unchanged, the refusal kept waiting', async () => {
    const dir = diskDir();
    const sim = new LsosSimulation(loadScenario('default'), { seed: 7, startAt: Date.UTC(2026, 10, 28, 4, 0, 0) });
    sim.step(30_000);
    const recorder = new IncidentRecorder({ stateDir: dir, operator: 'ivy' });
    recorder.openIncident('by hand');
    const controller = new MitigationController({
      recorder,
      backend: new SimulationBackend(sim),
      actor: { operator: 'ivy', role: 'operator', roleSource: 'test', readonly: false, readonlyReason: null },
      isIdempotent: () => true,
    });
    const file = recorder.health().journal!.path;
    const workersBefore = JSON.stringify(sim.snapshot().workers);
    chattrImmutable(file, true);
    let r: Awaited<ReturnType<MitigationController['execute']>>;
    try {
      r = await controller.execute({
        mitigationId: 'reduce-concurrency',
        params: { queue: 'rank', concurrency: 1 },
        reason: 'external blocks',
      });
    } finally {
      chattrImmutable(file, false);
    }
    expect(r.status).toBe('refused');
    if (r.status === 'refused') expect(r.refusal).toMatch(/^not started: .*EPERM.*must be on disk first/);
    expect(JSON.stringify(sim.snapshot().workers)).toBe(workersBefore);
    const actions = recorder.view()!.entries.filter((e) => e.kind === 'action');
    expect(actions.map((e) => e.details.outcome)).toEqual(['refused, SIMULATED']);
    expect(recorder.retry()).toBe(true);
    expect(onDisk(file).entries.filter((e) => e.kind === 'action')).toHaveLength(1);
    recorder.close();
  });

  it('on quit with entries still waiting, they are copied to the temporary directory and counted', () => {
    const dir = diskDir();
    const recorder = new IncidentRecorder({ stateDir: dir, clock: new ManualClock(T0), operator: 'hal' });
    recorder.openIncident('by hand');
    const file = recorder.health().journal!.path;
    chattrImmutable(file, true);
    let left: ReturnType<IncidentRecorder['close']>;
    try {
      recorder.note('cannot be written');
      left = recorder.close();
    } finally {
      chattrImmutable(file, false);
    }
    expect(left.unwritten).toBe(1);
    expect(left.error).toMatch(/^EPERM/);
    expect(left.savedTo).not.toBeNull();
    const saved = fs.readFileSync(left.savedTo!, 'utf8').trim().split('\n');
    fs.rmSync(left.savedTo!);
    expect(JSON.parse(saved[0]!)).toMatchObject({ kind: 'note', details: { text: 'cannot be written' } });
  });
});
