// Practice apart from reality (issue 13 item 6): a simulated action never touches a live
// incident, a command appends nothing to an incident it does not act in, a dry run writes nothing,
// `incidents` marks practice incidents, a live session never resumes one, and the PIR says so.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAct } from '../../src/cli/act.js';
import { runIncidents } from '../../src/cli/incidents.js';
import type { CommandIo } from '../../src/cli/io.js';
import { runPirExport } from '../../src/cli/pir.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { ManualClock, T0, queueLagTrigger, removeTempDirs, tempDir } from '../timeline/helpers.js';

afterAll(removeTempDirs);

function io(): CommandIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: {},
    out: () => out,
    err: () => err,
  };
}

/** Every file under `dir` with its bytes: what "nothing was written" is checked against. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), fs.readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

function liveIncident(): { dir: string; id: string } {
  const dir = tempDir();
  const rec = new IncidentRecorder({ stateDir: dir, clock: new ManualClock(T0), operator: 'alice', live: true });
  rec.onTriggerFired(queueLagTrigger());
  const id = rec.view()!.id;
  rec.close();
  return { dir, id };
}

describe('practice apart from reality', () => {
  it('a simulated action goes to the simulation store: the live incident and the live store are left as they were', async () => {
    const { dir, id } = liveIncident();
    const before = snapshot(dir);
    const t = io();
    const code = await runAct(
      ['--simulation', 'pause-task', '--task', 'crawl.fetch_page', '--until', '10m', '--reason', 'practice', '--state-dir', dir],
      t,
    );
    expect(code).toBe(0);
    expect(t.out()).toMatch(/SIMULATED/);
    const after = snapshot(dir);
    for (const [file, bytes] of before) expect(after.get(file)).toBe(bytes);
    const added = [...after.keys()].filter((f) => !before.has(f));
    expect(added.length).toBeGreaterThan(0);
    expect(added.every((f) => f.startsWith(`simulation${path.sep}`))).toBe(true);

    // `incidents` lists the live one and marks the practice one.
    const l = io();
    expect(await runIncidents(['--json', '--state-dir', dir], l)).toBe(0);
    const list = JSON.parse(l.out()) as Array<{ id: string; simulation: boolean }>;
    expect(list.find((i) => i.id === id)?.simulation).toBe(false);
    const practice = list.filter((i) => i.simulation);
    expect(practice).toHaveLength(1);
    const table = io();
    await runIncidents(['--state-dir', dir], table);
    expect(table.out()).toMatch(new RegExp(`${practice[0]!.id}\\s+open SIMULATION`));

    // Its PIR is found by id and says it is a practice; `latest` stays the live one.
    const pir = io();
    expect(await runPirExport(['export', practice[0]!.id, '--state-dir', dir], pir)).toBe(0);
    expect(pir.out()).toMatch(/practice/i);
    const latest = io();
    await runPirExport(['export', 'latest', '--state-dir', dir], latest);
    expect(latest.out()).toContain(`# Post-incident review: ${id}`);
  });

  it('a dry run writes nothing, to the live incident or anywhere', async () => {
    const { dir } = liveIncident();
    const before = snapshot(dir);
    const code = await runAct(
      [
        '--simulation',
        'pause-task',
        '--task',
        'crawl.fetch_page',
        '--until',
        '10m',
        '--reason',
        'just looking',
        '--dry-run',
        '--state-dir',
        dir,
      ],
      io(),
    );
    expect(code).toBe(0);
    expect(snapshot(dir)).toEqual(before);
  });

  it('a command takes up the open incident without recording that it did (no resumed, no joined)', () => {
    const { dir, id } = liveIncident();
    const before = snapshot(dir);
    const rec = new IncidentRecorder({ stateDir: dir, operator: 'bob', quiet: true, live: true });
    expect(rec.view()?.id).toBe(id);
    rec.close();
    expect(snapshot(dir)).toEqual(before);
  });

  it('a live session never resumes a practice incident left in the live store by an older version', () => {
    const dir = tempDir();
    const sim = new ManualClock(T0 + 3_600_000);
    const old = new IncidentRecorder({ stateDir: dir, clock: new ManualClock(T0), simClock: sim, operator: 'alice' });
    old.onTriggerFired(queueLagTrigger({ simulated: true }));
    old.close();
    const live = new IncidentRecorder({ stateDir: dir, operator: 'alice', live: true });
    expect(live.view()).toBeNull();
    // A simulation session (not live) does take it up again.
    const again = new IncidentRecorder({ stateDir: dir, operator: 'alice' });
    expect(again.view()?.id).toBe(old.view()!.id);
  });
});
