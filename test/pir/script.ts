// The scripted incident the PIR tests read: the default scenario (crawl pool dead behind a
// 14.5-minute backlog, a reviews parser failure loop), walked minute by minute through the same
// code as the cockpit: the first trigger opens the incident, a note, the severity decided (the
// matrix pages three people, record-only), one acknowledgement, two mitigations, a refused
// corrective action, a runbook tick, mitigated, the review written, resolved.
import { IncidentError } from '../../src/journal/recorder.js';
import type { SimCockpit } from './harness.js';

export const NOTE = 'crawl pool has no heartbeats; reviews parser deploy at 09:00';

export interface ScriptedIncident {
  id: string;
  /** The refusal the recorder gave the corrective action due in the past. */
  refusal: string;
}

export async function scriptedIncident(c: SimCockpit, opts: { note?: string } = {}): Promise<ScriptedIncident> {
  await c.advance(1); // the crawl lag trigger fires and opens the incident
  const id = c.recorder.view()?.id ?? '';
  if (id === '') throw new Error('no incident opened');
  await c.runtime.addNote(opts.note ?? NOTE);
  await c.advance(1);
  await c.runtime.decideSeverity('SEV-2', 'crawl unavailable, reviews failing: matches the matrix');
  await c.paging.acknowledgePage('primary-on-call', 'dana');
  const scaled = await c.act('scale-replicas', { queue: 'crawl', replicas: 12 }, 'crawl pool dead: backlog only, add workers');
  const shrunk = await c.act('reduce-concurrency', { queue: 'reviews', concurrency: 1 }, 'parser failure loop: slow it down');
  if (scaled.status !== 'done' || shrunk.status !== 'done') throw new Error(`mitigations did not run: ${scaled.status}, ${shrunk.status}`);
  await c.runtime.tickStep(3, 1);
  // A corrective action due in the past is refused, as the registry reports a refused edit.
  let refusal = '';
  try {
    await c.runtime.addCorrectiveAction({ action: 'Page on dead pools', owner: 'bob', due: '2025-01-01' });
  } catch (err) {
    if (!(err instanceof IncidentError)) throw err;
    refusal = err.message;
    c.runtime.recordAttempt({ id: 'pir-action', mutates: true, group: 'review' }, { status: 'failed', error: refusal });
  }
  await c.advance(16);
  await c.runtime.setIncidentState('mitigated');
  await c.runtime.setPirField(
    'summary',
    'The crawl worker pool died behind a 14.5-minute backlog while a parser deploy looped reviews into dead letters.',
  );
  await c.runtime.setPirField('impact', 'Crawl freshness stalled for every tenant; review syncs failed for about fifteen minutes.');
  await c.runtime.setPirField('rootCause', 'The crawl pool autoscaler scaled to zero after a bad health check.');
  await c.runtime.setPirField('contributingFactors', 'The reviews parser deploy landed in the same minute.');
  await c.runtime.setPirField('wentWell', 'The queue lag trigger fired within a minute of the breach.');
  await c.runtime.setPirField('wentBadly', 'Two of three pages were never acknowledged.');
  await c.runtime.setPirField('monitoringGaps', 'Alert on a worker pool with no heartbeats.');
  await c.runtime.setPirField('runbookImprovements', 'Section 3: check worker heartbeats first.');
  await c.runtime.addCorrectiveAction({ action: 'Alert on worker pools without heartbeats', owner: 'bob', due: '2026-02-01' });
  await c.runtime.addCorrectiveAction({ action: 'Gate parser deploys on a canary', owner: 'carol', due: '2026-02-15' });
  await c.advance(2);
  await c.runtime.setIncidentState('resolved');
  await c.advance(3);
  return { id, refusal };
}
