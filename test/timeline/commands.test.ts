import * as fs from 'node:fs';
import * as path from 'node:path';
import { marked } from 'marked';
import type { Tokens } from 'marked';
import { afterAll, describe, expect, it } from 'vitest';
import { runIncidents } from '../../src/cli/incidents.js';
import { runPirExport } from '../../src/cli/pir.js';
import { exportPirToFile } from '../../src/journal/pirExport.js';
import type { CommandIo } from '../../src/cli/io.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { ManualClock, T0, fileLines, queueLagTrigger, tempDir, removeTempDirs } from './helpers.js';

afterAll(removeTempDirs);

function io(env: Record<string, string | undefined> = {}, cwd?: string): CommandIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env,
    cwd,
    out: () => out,
    err: () => err,
  };
}

/** Two incidents: one resolved with a complete PIR, one still open. */
function twoIncidents(): { dir: string; complete: string; open: string } {
  const dir = tempDir();
  const clock = new ManualClock(T0);
  const rec = new IncidentRecorder({ stateDir: dir, clock, operator: 'alice' });
  rec.onTriggerFired(queueLagTrigger());
  rec.decideSeverity('SEV-2', 'rank unavailable');
  clock.advance(600_000);
  rec.setState('mitigated', 'replicas up');
  clock.advance(600_000);
  rec.setState('resolved', 'drained');
  rec.setPirField('rootCause', 'deploy');
  rec.setPirField('monitoringGaps', 'concurrency panel');
  rec.setPirField('runbookImprovements', 'check deploys');
  rec.addCorrectiveAction({ action: 'alert', owner: 'bob', due: '2026-12-15' });
  const complete = rec.view()?.id ?? '';
  clock.advance(3_600_000);
  rec.onTriggerFired(queueLagTrigger({ target: 'crawl', queues: ['crawl'] }));
  rec.suggestSeverity('SEV-3', 'partial degradation');
  const open = rec.view()?.id ?? '';
  rec.close();
  return { dir, complete, open };
}

describe('lsos-cockpit incidents', () => {
  it('--json lists id, state, severity, start and entries', async () => {
    const { dir, complete, open } = twoIncidents();
    const t = io();
    expect(await runIncidents(['--json', '--state-dir', dir], t)).toBe(0);
    const list = JSON.parse(t.out()) as Record<string, unknown>[];
    expect(list.map((i) => [i.id, i.state, i.severity, i.start])).toEqual([
      [complete, 'resolved', 'SEV-2', '2026-11-28T04:12:00.000Z'],
      [open, 'open', 'SEV-3', '2026-11-28T05:32:00.000Z'],
    ]);
    for (const i of list) {
      expect(i.entries).toEqual(fileLines(path.join(dir, `${String(i.id)}.jsonl`)).length);
      expect(i.verified).toBe(true);
    }
  });

  it('prints a table, finds the state dir through XDG_STATE_HOME, and handles an empty dir', async () => {
    const { dir, complete } = twoIncidents();
    const xdg = tempDir();
    fs.renameSync(dir, path.join(xdg, 'lsos-cockpit'));
    const t = io({ XDG_STATE_HOME: xdg });
    expect(await runIncidents([], t)).toBe(0);
    expect(t.out().split('\n')[0]).toMatch(/^ID\s+STATE\s+SEVERITY\s+START \(UTC\)\s+ENTRIES\s+JOURNAL$/);
    expect(t.out()).toContain(complete);
    const empty = io();
    expect(await runIncidents(['--state-dir', tempDir()], empty)).toBe(0);
    expect(empty.out()).toMatch(/^no incidents in /);
  });

  it('rejects unknown options with exit 2', async () => {
    const t = io();
    expect(await runIncidents(['--yaml'], t)).toBe(2);
    expect(t.err()).toMatch(/unknown option --yaml/);
  });

  it('flags a journal whose chain is broken', async () => {
    const { dir, complete } = twoIncidents();
    const file = path.join(dir, `${complete}.jsonl`);
    const lines = fileLines(file);
    lines.splice(2, 1);
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const t = io();
    await runIncidents(['--json', `--state-dir=${dir}`], t);
    const item = (JSON.parse(t.out()) as { id: string; verified: boolean; brokenAtSeq: number | null }[]).find((i) => i.id === complete);
    expect(item).toMatchObject({ verified: false, brokenAtSeq: 3 });
  });
});

describe('lsos-cockpit pir export', () => {
  it('writes the latest incident to stdout as markdown marked can parse', async () => {
    const { dir, open } = twoIncidents();
    const t = io();
    expect(await runPirExport(['export', 'latest', '--state-dir', dir], t)).toBe(0);
    const tokens = marked.lexer(t.out());
    expect((tokens[0] as Tokens.Heading).text).toBe(`Post-incident review: ${open}`);
  });

  it('writes to a file with -o, relative to the working directory', async () => {
    const { dir, complete } = twoIncidents();
    const cwd = tempDir();
    const t = io({}, cwd);
    expect(await runPirExport(['export', complete, '-o', 'pir.md', '--state-dir', dir], t)).toBe(0);
    const md = fs.readFileSync(path.join(cwd, 'pir.md'), 'utf8');
    expect(md).toContain(`# Post-incident review: ${complete}`);
    expect(md).toContain('chain verified: yes');
    expect(t.out()).toBe('');
    expect(t.err()).toContain(path.join(cwd, 'pir.md'));
  });

  it('--strict passes for a complete review and fails, listing what is empty, for an incomplete one', async () => {
    const { dir, complete, open } = twoIncidents();
    const ok = io();
    expect(await runPirExport(['export', complete, '--strict', '--state-dir', dir], ok)).toBe(0);
    const bad = io();
    expect(await runPirExport(['export', open, '--strict', '--state-dir', dir], bad)).toBe(1);
    expect(bad.out()).toContain(`# Post-incident review: ${open}`); // still written
    for (const missing of [
      'Summary: mitigated time missing',
      'Summary: resolved time missing',
      'Root cause and contributing factors: root cause is empty',
      'Corrective actions: none recorded',
      'Monitoring gap updates: empty',
      'Runbook improvements: empty',
    ]) {
      expect(bad.err()).toContain(`  - ${missing}\n`);
    }
    expect(bad.err()).not.toContain('Blast radius: empty'); // prefilled from the trigger
  });

  it('exits 3 for an unknown incident and 2 for bad usage', async () => {
    const dir = tempDir();
    const t = io();
    expect(await runPirExport(['export', 'INC-20200101-0000', '--state-dir', dir], t)).toBe(3);
    expect(await runPirExport(['export', 'latest', '--state-dir', dir], t)).toBe(3);
    expect(await runPirExport(['export', '../../etc/passwd', '--state-dir', dir], t)).toBe(3);
    // No id: the incident resolved last; none here, so the same "unknown incident" exit.
    expect(await runPirExport(['export', '--state-dir', dir], t)).toBe(3);
    expect(t.err()).toContain(`no incidents in ${dir}`);
    expect(await runPirExport(['export', 'latest', 'extra'], t)).toBe(2);
    expect(await runPirExport(['export', 'latest', '--format', 'yaml', '--state-dir', dir], t)).toBe(2);
    expect(await runPirExport(['import', 'latest'], t)).toBe(2);
    expect(await runPirExport(['export', 'latest', '-o'], t)).toBe(2);
    const help = io();
    expect(await runPirExport(['--help'], help)).toBe(0);
    expect(help.out()).toMatch(/^usage: lsos-cockpit pir export/);
  });

  it('exports a tampered journal with a footer that says so, and --strict fails on it', async () => {
    const { dir, complete } = twoIncidents();
    const file = path.join(dir, `${complete}.jsonl`);
    const lines = fileLines(file);
    const e = JSON.parse(lines[4] ?? '') as { details: Record<string, unknown> };
    e.details = { ...e.details, reason: 'edited later' };
    lines[4] = JSON.stringify(e);
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const t = io();
    expect(await runPirExport(['export', complete, '--strict', '--state-dir', dir], t)).toBe(1);
    expect(t.out()).toContain('chain verified: NO (broken at seq 5)');
    expect(t.err()).toContain('Journal: hash chain broken at seq 5');
  });

  it('exports to a file for the cockpit key', () => {
    const { dir, complete } = twoIncidents();
    const r = exportPirToFile(dir, complete);
    expect(r?.path).toBe(path.join(dir, `${complete}.pir.md`));
    expect(fs.readFileSync(r?.path ?? '', 'utf8')).toBe(r?.markdown);
    expect(exportPirToFile(dir, 'INC-19990101-0000')).toBeNull();
  });
});
