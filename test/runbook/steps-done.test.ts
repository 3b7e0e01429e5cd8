// Review findings 6 and 7: the escalation matrix's severity definitions are not steps (no
// checkboxes, never "not done" in the PIR), and a step the cockpit ran shows ticked in the
// runbook pane as it counts done in the PIR: one rule (src/core/procedureMap.ts stepsDoneOf).
import { afterAll, describe, expect, it } from 'vitest';
import { stateAtResolution } from '../../src/core/pir/resolution.js';
import { emptyPagingState } from '../../src/core/paging.js';
import { PROCEDURE_MAP, stepsDoneOf } from '../../src/core/procedureMap.js';
import { runbookSection } from '../../src/core/runbook.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { definitionLines, doneSteps, runbookHead } from '../../panels/runbook/columns.js';
import { ManualClock, T0, queueLagTrigger, removeTempDirs, tempDir } from '../timeline/helpers.js';

afterAll(removeTempDirs);

function incident(section: string) {
  const clock = new ManualClock(T0);
  const rec = new IncidentRecorder({ stateDir: tempDir(), clock, operator: 'root' });
  rec.onTriggerFired(queueLagTrigger({ section }));
  return { clock, rec };
}

describe('section 7, the escalation matrix', () => {
  it('states severity definitions, not steps: the pane shows them as lines without checkboxes', () => {
    const s7 = runbookSection(7);
    expect(s7.steps).toEqual([]);
    expect(Object.keys(PROCEDURE_MAP).filter((k) => k.startsWith('7.'))).toEqual([]);
    expect(definitionLines(s7).map((d) => d.slice(0, 6))).toEqual(['SEV-1:', 'SEV-2:', 'SEV-3:']);
    const data = { trigger: null, section: s7, rows: [], done: new Set<string>(), hasIncident: true };
    expect(runbookHead(data).info).toBe('definitions, no steps');
  });

  it('lists nothing of section 7 as not done in the PIR when its trigger fired', () => {
    const { rec } = incident('7');
    rec.setState('resolved', 'contained');
    const v = rec.view();
    if (!v) throw new Error('no incident');
    expect(stateAtResolution(v, emptyPagingState(v.id)).stepsNotDone).toEqual([]);
  });
});

describe('a step the cockpit ran', () => {
  it('is done in the runbook pane as in the PIR (ticked or ran, not refused or failed)', () => {
    const { rec } = incident('3');
    rec.tickStep('3', '1', 'Identify queue and top failing task names');
    rec.record('action', {
      action: 'scale-replicas',
      mitigation: 'scale-replicas',
      target: 'crawl',
      section: '3.3',
      audit: { result: 'done' },
    });
    rec.record('action', {
      action: 'replay-dead-letters',
      mitigation: 'replay-dead-letters',
      target: 'crawl',
      section: '3.4',
      audit: { result: 'done' },
    });
    rec.record('action', {
      action: 'pause-task',
      mitigation: 'pause-task',
      target: 'crawl.fetch',
      section: '3.2',
      audit: { result: 'failed' },
    });
    const v = rec.view();
    if (!v) throw new Error('no incident');
    const ticked = v.procedureSteps.filter((s) => s.done).map((s) => `${s.section}.${s.step}`);
    const pane = doneSteps(ticked, v.entries);
    expect([...pane].sort()).toEqual(['3.1', '3.3', '3.4', '3.5']);
    // The pane ticks 3.3 and 3.4 and counts them.
    const s3 = runbookSection(3);
    const rows = s3.steps.map((st) => ({ key: `3.${st.n}`, section: 3 as const, step: st.n, option: null, text: st.text }));
    const data = { trigger: null, section: s3, rows, done: pane, hasIncident: true };
    expect(runbookHead(data).info).toBe('4/5 done');
    // The PIR lists as not done exactly the steps the pane leaves unticked.
    rec.setState('resolved', 'drained');
    const after = rec.view();
    if (!after) throw new Error('no incident');
    const notDone = stateAtResolution(after, emptyPagingState(after.id)).stepsNotDone.map((s) => `${s.section}.${s.step}`);
    expect(notDone).toEqual(s3.steps.map((st) => `3.${st.n}`).filter((k) => !pane.has(k)));
    expect(notDone).toEqual(['3.2']);
    expect(stepsDoneOf([], []).size).toBe(0);
  });
});
