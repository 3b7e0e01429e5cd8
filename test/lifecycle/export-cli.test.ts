// `lsos-cockpit pir export` with no id, after a resolve: the incident just resolved; when another
// incident has opened since, it names both and asks for the id (exit 2), exporting nothing.
// `latest` stays the incident opened last; an id names one.
import { afterAll, describe, expect, it } from 'vitest';
import { runPirExport } from '../../src/cli/pir.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { ManualClock, T0, queueLagTrigger, removeTempDirs, tempDir } from '../timeline/helpers.js';

afterAll(() => removeTempDirs());

async function pir(stateDir: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runPirExport(['export', ...args, '--state-dir', stateDir], {
    stdout: { write: (c: string) => (out += c) },
    stderr: { write: (c: string) => (err += c) },
    env: {},
  });
  return { code, out, err };
}

/** The id in a PIR's title line. */
const titleId = (md: string) => /INC-\d{8}-\d{4}/.exec(md.split('\n').find((l) => l.startsWith('# ')) ?? '')?.[0];

describe('pir export without an id', () => {
  it('exports the incident just resolved; asks when a new one opened since; latest is the new one', async () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    const rec = new IncidentRecorder({ stateDir: dir, clock, operator: 'alice' });
    rec.onTriggerFired(queueLagTrigger());
    rec.setPirField('rootCause', 'A deploy halved rank worker concurrency.');
    clock.advance(10 * 60_000);
    rec.setState('resolved', 'drained');
    const first = rec.view()?.id ?? '';

    let r = await pir(dir);
    expect(r.code).toBe(0);
    expect(titleId(r.out)).toBe(first);

    // A new incident opens after the resolve: which one is meant is asked, nothing is written.
    clock.advance(5 * 60_000);
    rec.openIncident('customer reports missing rankings');
    const second = rec.view()?.id ?? '';
    expect(second).not.toBe(first);
    r = await pir(dir);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      `lsos-cockpit pir: which incident? ${first} or ${second}: ${second} (open) opened after ${first} was resolved. Name one: lsos-cockpit pir export ${first}\n`,
    );
    expect(titleId((await pir(dir, 'latest')).out)).toBe(second);
    expect(titleId((await pir(dir, first)).out)).toBe(first);

    // Once that one is resolved too, it is the one just resolved.
    clock.advance(5 * 60_000);
    rec.setState('resolved', 'false alarm');
    r = await pir(dir);
    expect(r.code).toBe(0);
    expect(titleId(r.out)).toBe(second);
    rec.close();
  });

  it('no incidents: says so (exit 3)', async () => {
    const r = await pir(tempDir());
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/^lsos-cockpit pir: no incidents in /);
  });
});
