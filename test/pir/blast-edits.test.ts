// Review finding 8: editing only the blast radius notes does not make the prefilled lists the
// operator's (editor marks and the PIR's responders' statement), and a count from one source is
// not paired with names from another.
import { afterAll, describe, expect, it } from 'vitest';
import { renderPir } from '../../src/core/pir.js';
import { blastRadiusPartsEdited } from '../../src/core/pir/blastRadius.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { incidentSummary } from '../../src/runtime/recorderBridge.js';
import { blastRadiusWith, pirRows } from '../../src/ui/controllers/pirEditor.js';
import { pirMark, withBlastEdits } from '../../panels/overlays/pir/View.js';
import { ManualClock, T0, queueLagTrigger, removeTempDirs, tempDir } from '../timeline/helpers.js';

afterAll(removeTempDirs);

function incident() {
  const clock = new ManualClock(T0);
  const rec = new IncidentRecorder({ stateDir: tempDir(), clock, operator: 'root' });
  rec.onTriggerFired(queueLagTrigger({ campaigns: ['cmp-026'] }));
  const v = rec.view();
  if (!v) throw new Error('no incident');
  return { rec, clock, prefill: v.pir.blastRadius };
}

describe('editing one blast radius part', () => {
  it('marks only that part as written in the editor; the prefilled lists stay from the triggers', () => {
    const { rec, prefill } = incident();
    rec.setPirField('blastRadius', blastRadiusWith(prefill, 'notes', 'rank freshness stale for an hour'));
    const v = rec.view();
    if (!v) throw new Error('no incident');
    expect([...blastRadiusPartsEdited(v.entries)]).toEqual(['notes']);
    const summary = incidentSummary(v);
    if (!summary) throw new Error('no summary');
    const rows = withBlastEdits(pirRows(summary), summary.entries).filter((r) => r.kind === 'blast');
    expect(rows.map((r) => [r.key, pirMark(r)])).toEqual([
      ['blastRadius.modules', '~'],
      ['blastRadius.queues', '~'],
      ['blastRadius.campaigns', '~'],
      ['blastRadius.replicas', ' '],
      ['blastRadius.notes', '*'],
    ]);
    const md = renderPir(v);
    expect(md).not.toContain("The responders' statement (edited by the operator)");
    expect(md).toContain("The responders' notes:\n\nrank freshness stale for an hour");
  });

  it("then editing a list marks that list too, and the PIR lists only it as the operator's", () => {
    const { rec, prefill } = incident();
    const first = blastRadiusWith(prefill, 'notes', 'stale');
    rec.setPirField('blastRadius', first);
    rec.setPirField('blastRadius', blastRadiusWith(first, 'queues', 'rank, crawl'));
    const v = rec.view();
    if (!v) throw new Error('no incident');
    expect([...blastRadiusPartsEdited(v.entries)].sort()).toEqual(['notes', 'queues']);
    const md = renderPir(v);
    expect(md).toContain("The responders' statement (edited by the operator):");
    expect(md).toContain('| Queues | rank, crawl |');
    const statement = md.slice(md.indexOf("The responders' statement"));
    expect(statement).not.toMatch(/\| Modules \|/);
  });
});

describe('the campaigns row of the blast radius', () => {
  it('says what a count from another source counted instead of pairing it with the names', () => {
    const { rec } = incident();
    rec.onTriggerFired(
      queueLagTrigger({
        triggerKey: 'serp-failure-rate',
        title: 'SERP failure rate',
        target: 'brightpool',
        campaigns: [],
        campaignsAffected: 40,
      }),
    );
    const v = rec.view();
    if (!v) throw new Error('no incident');
    const row = renderPir(v)
      .split('\n')
      .find((l) => l.startsWith('| Campaigns |'));
    expect(row).toBe(
      '| Campaigns | cmp-026 (named by the triggers) | 40 campaigns (SERP failure rate on brightpool); named: cmp-026 (the triggers) |',
    );
  });
});
