// The PIR's Charts section when there is nothing to chart says why: no figures recorded at all, or
// figures recorded but no trigger fired on a charted figure (an incident opened by hand). It used to
// say "No figures were recorded" in both cases, which a manager signing the review would take as
// data lost.
import { afterAll, describe, expect, it } from 'vitest';
import { renderPir } from '../../src/core/pir.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { loadIncident } from '../../src/journal/store.js';
import { ManualClock, T0, figuresOf, removeTempDirs, tempDir } from '../timeline/helpers.js';
import { lex, section } from './md.js';

afterAll(removeTempDirs);

/** The Charts section's text of an incident opened by hand, with `samples` figure entries recorded a minute apart. */
function chartsText(samples: number): string {
  const dir = tempDir();
  const clock = new ManualClock(T0);
  const rec = new IncidentRecorder({ stateDir: dir, clock, operator: 'alice', live: true });
  const id = rec.openIncident('customers report slow crawls').id;
  for (let i = 1; i <= samples; i++) rec.record('figures', figuresOf(3, T0 + i * 60_000, i));
  rec.close();
  const loaded = loadIncident(dir, id)!;
  return section(lex(renderPir(loaded.view, loaded.report)), 'Charts')
    .map((t) => t.raw)
    .join('')
    .trim();
}

describe('the Charts section with nothing to chart', () => {
  it('says the figures were recorded, when, and why nothing is charted', () => {
    expect(chartsText(3)).toBe(
      '_3 figure samples were recorded (2026-11-28 04:13 to 2026-11-28 04:15 UTC), but no runbook trigger on a charted figure (queue lag, dead letters, replica lag, SERP failures, report failures) fired in this incident, so there is nothing to chart. The samples are in the full journal (`pir export --full`)._',
    );
  });

  it('says no figures were recorded only when none were', () => {
    expect(chartsText(0)).toBe('_No figures were recorded for this incident (the figure series starts with the first active minute)._');
  });
});
