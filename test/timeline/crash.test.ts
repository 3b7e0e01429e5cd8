// SIGKILL mid-incident: every entry that was reported durable (printed after append returned)
// must be in the journal afterwards, and the journal must stay usable.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJournalFile } from '../../src/journal/journal.js';
import { tempDir, removeTempDirs } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const script = path.join(here, 'append-entries.mjs');
const ID = 'INC-20261128-0412';
let outDir = '';
let journalModule = '';

// The helper runs in plain Node, so it needs compiled JavaScript. Compile just the journal and
// what it imports, into a private directory inside the repo (so `luxon` resolves from
// node_modules), independent of the state of dist/.
beforeAll(() => {
  const cache = path.join(repo, 'node_modules', '.cache');
  fs.mkdirSync(cache, { recursive: true });
  outDir = fs.mkdtempSync(path.join(cache, 'lsos-timeline-crash-'));
  const tsc = path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [
    tsc,
    '--outDir',
    outDir,
    '--rootDir',
    repo,
    '--module',
    'NodeNext',
    '--moduleResolution',
    'NodeNext',
    '--target',
    'ES2022',
    '--strict',
    '--skipLibCheck',
    '--types',
    'node',
    path.join(repo, 'src', 'journal', 'journal.ts'),
  ];
  const r = spawnSync(process.execPath, args, { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc failed:\n${r.stdout}\n${r.stderr}`);
  journalModule = path.join(outDir, 'src', 'journal', 'journal.js');
});

afterAll(() => {
  if (outDir !== '') fs.rmSync(outDir, { recursive: true, force: true });
  removeTempDirs();
});

/** Runs the helper, SIGKILLs it once `killAfter` seqs were printed; returns the printed seqs. */
function runAndKill(dir: string, killAfter: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, dir, ID, '1000000', journalModule], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (!killed && out.split('\n').length - 1 >= killAfter) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`helper ended without SIGKILL (code ${code}): ${err}`));
      // Only whole lines count: a seq is printed as one small write.
      const seqs = out
        .split('\n')
        .slice(0, -1)
        .map((l) => Number(l));
      resolve(seqs);
    });
  });
}

describe('SIGKILL mid-incident', () => {
  it('keeps every entry that was printed as durable, across two crashes', async () => {
    const dir = tempDir();
    const file = path.join(dir, `${ID}.jsonl`);

    const first = await runAndKill(dir, 150);
    expect(first.length).toBeGreaterThanOrEqual(150);
    const afterFirst = readJournalFile(file, ID);
    const seqs1 = new Set(afterFirst.entries.map((e) => e.seq));
    for (const s of first) expect(seqs1.has(s)).toBe(true);
    expect(afterFirst.brokenAtSeq).toBeNull();

    // The cockpit restarts on the same journal and crashes again.
    const second = await runAndKill(dir, 150);
    const lastBefore = afterFirst.entries[afterFirst.entries.length - 1]?.seq ?? 0;
    expect(second[0]).toBe(lastBefore + 1);
    const afterSecond = readJournalFile(file, ID);
    expect(afterSecond.brokenAtSeq).toBeNull();
    const seqs2 = afterSecond.entries.map((e) => e.seq);
    for (const s of [...first, ...second]) expect(seqs2).toContain(s);
    // Seqs stay gapless: a torn line from the first crash lost no durable entry.
    expect(seqs2).toEqual(seqs2.map((_, i) => i + 1));
    // Nothing unreadable except at most the torn lines the two kills may have left.
    expect(afterSecond.problems.length).toBeLessThanOrEqual(2);
  });
});
