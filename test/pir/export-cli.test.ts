// `lsos-cockpit pir export`: the formats and options, and safe output. -o writes atomically only
// onto a regular file or a new one; onto a FIFO or a character device (directly or through a
// symlink) it writes in place; onto anything else it refuses with a clear message. It never
// replaces what is there. The FIFOs are made with mkfifo in a temporary directory and read by a
// separate `cat` process; the character device is /dev/null, reached through a symlink and only
// ever written to (never replaced, never touched otherwise).
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPirExport } from '../../src/cli/pir.js';
import { exportPirToFile } from '../../src/journal/pirExport.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { ManualClock, T0, queueLagTrigger, removeTempDirs, tempDir } from '../timeline/helpers.js';

const readers: Array<{ kill(): unknown; exitCode: number | null }> = [];
afterAll(() => {
  // A reader left waiting (a failed run) is ended, by its own pid, before its directory goes.
  for (const r of readers) if (r.exitCode === null) r.kill();
  removeTempDirs();
});

let stateDir = '';
let id = '';

beforeAll(() => {
  stateDir = tempDir();
  const clock = new ManualClock(T0);
  const rec = new IncidentRecorder({ stateDir, clock, operator: 'alice' });
  rec.onTriggerFired(queueLagTrigger());
  rec.note('rank workers look stuck');
  rec.tickStep('3', '1', 'Identify queue and top failing task names');
  rec.setPirField('rootCause', 'A deploy halved rank worker concurrency.');
  clock.advance(600_000);
  rec.setState('resolved', 'drained');
  id = rec.view()?.id ?? '';
  rec.close();
});

async function pir(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runPirExport(['export', id, '--state-dir', stateDir, ...args], {
    stdout: { write: (c: string) => (out += c) },
    stderr: { write: (c: string) => (err += c) },
    env: {},
  });
  return { code, out, err };
}

function mkfifo(p: string): void {
  execFileSync('mkfifo', [p]);
}

/** A separate process reading the FIFO into a file; resolves with what it read once it ends. */
function reader(fifo: string, into: string): { done: Promise<string> } {
  const out = fs.openSync(into, 'w');
  const child = spawn('cat', [fifo], { stdio: ['ignore', out, 'ignore'] });
  fs.closeSync(out); // the child has its own copy
  readers.push(child);
  const done = new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', () => resolve(fs.readFileSync(into, 'utf8')));
  });
  return { done };
}

/**
 * Exports onto `out` once the reader is there: until `cat` has reached its open() of the FIFO the
 * export is refused (no reader), which changes nothing, so it is asked again (a condition, with a
 * ceiling, not a sleep).
 */
async function exportWhenRead(out: string, ms = 10_000): Promise<{ code: number; out: string; err: string }> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await pir(['-o', out]);
    if (!r.err.includes('no process is reading it') || Date.now() > end) return r;
    await new Promise((res) => setTimeout(res, 10));
  }
}

describe('formats', () => {
  it('markdown by default, JSON with --format json (the same content), --full adds the journal', async () => {
    const md = await pir([]);
    expect(md.code).toBe(0);
    expect(md.out).toMatch(/^# Post-incident review: INC-/);
    expect(md.out).not.toContain('Appendix: full journal');
    const json = await pir(['--format', 'json']);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.out) as { incident: { id: string }; timeline: unknown[]; fullJournal?: unknown[] };
    expect(doc.incident.id).toBe(id);
    expect(doc.timeline.length).toBe(md.out.split('\n').filter((l) => /^\| \d{4}-\d\d-\d\dT.* \| .* \| .* \|$/.test(l)).length);
    expect(doc.fullJournal).toBeUndefined();
    const full = await pir(['--full', '--format=json']);
    expect((JSON.parse(full.out) as { fullJournal: unknown[] }).fullJournal.length).toBeGreaterThan(doc.timeline.length);
    expect((await pir(['--full'])).out).toContain('## Appendix: full journal');
    expect((await pir(['--ascii-charts'])).code).toBe(0);
    const bad = await pir(['--format', 'pdf']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--format must be markdown or json');
  });
});

describe('-o, safely', () => {
  it('creates a new file, and replaces a regular file atomically keeping its mode', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'sub', 'pir.md');
    expect((await pir(['-o', file])).code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^# Post-incident review/);
    fs.writeFileSync(file, 'old');
    fs.chmodSync(file, 0o600);
    const before = fs.statSync(file);
    const r = await pir(['-o', file]);
    expect(r.code).toBe(0);
    const after = fs.statSync(file);
    expect(after.isFile()).toBe(true);
    expect(after.ino).not.toBe(before.ino); // a new file renamed into place
    expect(after.mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^# Post-incident review/);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['pir.md']); // no temporary file left
  });

  it('onto a FIFO: writes into it and leaves it a FIFO', async () => {
    const dir = tempDir();
    const fifo = path.join(dir, 'pir.fifo');
    mkfifo(fifo);
    const r = reader(fifo, path.join(dir, 'read.md'));
    const res = await exportWhenRead(fifo);
    expect(res.code).toBe(0);
    expect(res.err).toContain('written in place');
    expect(await r.done).toMatch(/^# Post-incident review: INC-/);
    expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('onto a FIFO nobody reads: refuses at once, with why, and leaves it a FIFO', async () => {
    const fifo = path.join(tempDir(), 'pir.fifo');
    mkfifo(fifo);
    const res = await pir(['-o', fifo]);
    expect(res.code).toBe(3);
    expect(res.err).toContain('is a FIFO and no process is reading it');
    expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('onto a symlink to a FIFO: writes through it; the symlink and the FIFO stay', async () => {
    const dir = tempDir();
    const fifo = path.join(dir, 'pir.fifo');
    const link = path.join(dir, 'pir.md');
    mkfifo(fifo);
    fs.symlinkSync(fifo, link);
    const r = reader(fifo, path.join(dir, 'read.md'));
    expect((await exportWhenRead(link)).code).toBe(0);
    expect(await r.done).toMatch(/^# Post-incident review/);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('onto a symlink to /dev/null (a character device we do not own): writes in place, replaces nothing', async () => {
    const link = path.join(tempDir(), 'pir.md');
    fs.symlinkSync('/dev/null', link);
    const devBefore = fs.statSync('/dev/null');
    const res = await pir(['-o', link]);
    expect(res.code).toBe(0);
    expect(res.err).toContain('written in place: /dev/null is not a regular file');
    expect(fs.readlinkSync(link)).toBe('/dev/null');
    const devAfter = fs.statSync('/dev/null');
    expect(devAfter.isCharacterDevice()).toBe(true);
    expect([devAfter.ino, devAfter.rdev]).toEqual([devBefore.ino, devBefore.rdev]);
  });

  it('onto a symlink to a regular file: writes the file, keeps the symlink', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'real.md');
    const link = path.join(dir, 'pir.md');
    fs.writeFileSync(file, 'old');
    fs.symlinkSync(file, link);
    const res = await pir(['-o', link]);
    expect(res.code).toBe(0);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^# Post-incident review/);
  });

  it('refuses a directory and a dangling symlink, saying why', async () => {
    const dir = tempDir();
    const d = await pir(['-o', dir]);
    expect(d.code).toBe(3);
    expect(d.err).toContain(`${dir} is a directory: refusing to write the PIR onto it`);
    const link = path.join(dir, 'dangling.md');
    fs.symlinkSync(path.join(dir, 'nowhere', 'x.md'), link);
    const l = await pir(['-o', link]);
    expect(l.code).toBe(3);
    expect(l.err).toContain('is a symlink to nothing (dangling)');
    expect(fs.existsSync(path.join(dir, 'nowhere'))).toBe(false);
  });

  it("the cockpit's export key uses the same writer: a FIFO at its default path stays a FIFO", () => {
    const fifo = path.join(stateDir, `${id}.pir.md`);
    mkfifo(fifo);
    try {
      expect(() => exportPirToFile(stateDir, id)).toThrow(/is a FIFO and no process is reading it/);
      expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
    } finally {
      fs.rmSync(fifo);
    }
  });
});
