import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { incidentIdBase, isIncidentId, localIncidentId, newIncidentId, parseDueDate } from '../../src/core/incident.js';
import { foldIncident } from '../../src/core/incidentView.js';
import { IncidentError, IncidentRecorder, triggerDetailsOf } from '../../src/journal/recorder.js';
import type { TriggerState } from '../../src/core/triggers.js';
import { findOpenIncident, listIncidents, stateDir } from '../../src/journal/store.js';
import { readJournalFile } from '../../src/journal/journal.js';
import { sealEntry, type EntryKind, type TimelineEntry } from '../../src/core/timeline.js';
import { ManualClock, T0, queueLagTrigger, replicaLagTrigger, tempDir, removeTempDirs } from './helpers.js';
import { RecorderBridge } from '../../src/runtime/recorderBridge.js';
import { createCockpitStore } from '../../src/ui/state/store.js';
import { queue } from '../core/helpers.js';

afterAll(removeTempDirs);

function recorder(
  dir = tempDir(),
  clock = new ManualClock(T0),
  operator = 'alice',
): { dir: string; clock: ManualClock; rec: IncidentRecorder } {
  return { dir, clock, rec: new IncidentRecorder({ stateDir: dir, clock, operator, role: 'on-call engineer' }) };
}

describe('incident ids and the state directory', () => {
  it('uses the UTC date and minute, with a suffix on collision', () => {
    expect(incidentIdBase(T0)).toBe('INC-20261128-0412');
    expect(newIncidentId(T0, [])).toBe('INC-20261128-0412');
    expect(newIncidentId(T0, ['INC-20261128-0412'])).toBe('INC-20261128-0412-2');
    expect(newIncidentId(T0, ['INC-20261128-0412', 'INC-20261128-0412-2'])).toBe('INC-20261128-0412-3');
  });

  it('gives a live incident opened apart an id of its own: the minute, -l and 5 random characters, never one taken', () => {
    expect(localIncidentId(T0, [], () => 0)).toBe('INC-20261128-0412-l00000');
    expect(localIncidentId(T0, [], () => 0.999999999)).toBe('INC-20261128-0412-lzzzzz');
    const draws = [0, 0, 0.5];
    expect(localIncidentId(T0, ['INC-20261128-0412-l00000'], () => draws.shift() ?? 0)).toBe('INC-20261128-0412-li0000');
    expect(isIncidentId(localIncidentId(T0, []))).toBe(true);
  });

  it('two live cockpits (or act runs) on different state directories opening in the same minute get different ids', () => {
    // Seen: both INC-20261206-0806; ops_audit_log keys rows by (incident id, journal seq) and
    // skipped the second one's rows as already written.
    const clock = new ManualClock(T0);
    const ids = ['alice', 'bob', 'carol'].map((operator) => {
      const rec = new IncidentRecorder({ stateDir: tempDir(), clock, operator, live: true });
      rec.openIncident(`declared by ${operator}`);
      const id = rec.view()?.id ?? '';
      rec.close();
      return id;
    });
    for (const id of ids) expect(id).toMatch(/^INC-20261128-0412-l[0-9a-z]{5}$/);
    expect(new Set(ids).size).toBe(3);
    // Practice incidents (their own store, never audited or paged for real) keep the minute.
    const practice = new IncidentRecorder({ stateDir: tempDir(), clock, operator: 'dave' });
    practice.openIncident('drill');
    expect(practice.view()?.id).toBe('INC-20261128-0412');
    practice.close();
  });

  it('follows XDG_STATE_HOME, else ~/.local/state, unless overridden', () => {
    expect(stateDir({ XDG_STATE_HOME: '/x/state', HOME: '/home/a' })).toBe('/x/state/lsos-cockpit');
    expect(stateDir({ XDG_STATE_HOME: 'relative', HOME: '/home/a' })).toBe('/home/a/.local/state/lsos-cockpit');
    expect(stateDir({ HOME: '/home/a' })).toBe('/home/a/.local/state/lsos-cockpit');
    expect(stateDir({ XDG_STATE_HOME: '/x/state' }, '/override')).toBe('/override');
  });

  it('validates due dates as real calendar dates', () => {
    expect(parseDueDate('2026-12-15')).toEqual({ ok: true, date: '2026-12-15' });
    expect(parseDueDate('2028-02-29').ok).toBe(true);
    expect(parseDueDate('2026-02-30').ok).toBe(false);
    expect(parseDueDate('2026-13-01').ok).toBe(false);
    expect(parseDueDate('15/12/2026').ok).toBe(false);
    expect(parseDueDate('next week').ok).toBe(false);
  });
});

describe('journals written before trigger ids were unified', () => {
  // Exactly as earlier builds wrote them: the trigger named by `triggerKey` and `target`, no id
  // string on disk (the in-memory id was `queue-lag@crawl` then, `queue-lag:crawl` now).
  function oldJournal(dir: string, id: string): void {
    const lines: TimelineEntry[] = [];
    const add = (at: string, kind: EntryKind, details: Record<string, unknown>) =>
      lines.push(sealEntry(lines[lines.length - 1] ?? null, { at, operator: 'bob', kind, incidentId: id, details }));
    add('2026-11-28T04:00:00.000Z', 'incident-opened', { reason: 'Queue lag > 15 minutes', openedBy: 'trigger', triggerKey: 'queue-lag' });
    add('2026-11-28T04:00:00.001Z', 'trigger-fired', {
      triggerKey: 'queue-lag',
      title: 'Queue lag > 15 minutes',
      section: '3',
      target: 'crawl',
      value: 1260.4,
      threshold: 900,
      unit: 's',
      module: 'crawl',
      queues: ['crawl'],
    });
    add('2026-11-28T04:00:00.002Z', 'milestone', { name: 'started', at: '2026-11-28T04:00:00.000Z' });
    add('2026-11-28T04:00:00.003Z', 'milestone', { name: 'detected', at: '2026-11-28T04:00:00.000Z' });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${id}.jsonl`), lines.map((e) => JSON.stringify(e)).join('\n') + '\n');
  }

  it('reads them: the trigger gets the one id, a re-fire is not recorded twice, and it clears', () => {
    const dir = tempDir();
    oldJournal(dir, 'INC-20261128-0400');
    const { rec } = recorder(dir);
    const v = rec.view();
    expect(v?.id).toBe('INC-20261128-0400');
    expect(v?.activeTriggers.map((t) => t.key)).toEqual(['queue-lag:crawl']);
    expect(v?.triggers[0]).toMatchObject({ triggerKey: 'queue-lag', target: 'crawl', value: 1260.4, threshold: 900 });
    const still = queueLagTrigger({ target: 'crawl', queues: ['crawl'] });
    expect(rec.onTriggerFired(still)).toEqual([]);
    expect(rec.onTriggerCleared({ ...still, value: 300 })?.kind).toBe('trigger-cleared');
    expect(rec.view()?.activeTriggers).toEqual([]);
    // What is written now reads the same way: the details keep the journal's field names.
    const cleared = rec.view()?.entries.at(-1);
    expect(cleared?.details).toMatchObject({ triggerKey: 'queue-lag', target: 'crawl' });
  });
});

describe('IncidentRecorder', () => {
  it('opens an incident when the first trigger fires, stamping started and detected', () => {
    const { dir, rec } = recorder();
    expect(rec.view()).toBeNull();
    const entries = rec.onTriggerFired(queueLagTrigger());
    expect(entries.map((e) => e.kind)).toEqual(['incident-opened', 'responder-joined', 'trigger-fired', 'milestone', 'milestone']);
    const v = rec.view();
    expect(v?.id).toBe('INC-20261128-0412');
    expect(v?.state).toBe('open');
    expect(v?.milestones.started?.at).toBe('2026-11-28T04:12:00.000Z');
    expect(v?.milestones.detected?.at).toBe('2026-11-28T04:12:00.000Z');
    expect(v?.activeTriggers.map((t) => t.key)).toEqual(['queue-lag:rank']);
    expect(fs.existsSync(path.join(dir, 'INC-20261128-0412.jsonl'))).toBe(true);
    // Every entry carries the operator and a UTC millisecond timestamp.
    for (const e of v?.entries ?? []) {
      expect(e.operator).toBe('alice');
      expect(e.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    }
  });

  it('records a firing trigger once, its clearing once, and other triggers into the same incident', () => {
    const { clock, rec } = recorder();
    rec.onTriggerFired(queueLagTrigger());
    clock.advance(5000);
    expect(rec.onTriggerFired(queueLagTrigger({ value: 1400 }))).toEqual([]);
    expect(rec.onTriggerFired(replicaLagTrigger())).toHaveLength(1);
    expect(rec.onTriggerCleared(queueLagTrigger({ value: 300 }))?.kind).toBe('trigger-cleared');
    expect(rec.onTriggerCleared(queueLagTrigger({ value: 200 }))).toBeNull();
    const v = rec.view();
    expect(v?.activeTriggers.map((t) => t.key)).toEqual(['replica-lag:replica-2']);
    expect(v?.triggers.find((t) => t.triggerKey === 'queue-lag')).toMatchObject({ value: 1260, clearedValue: 300 });
    expect(v?.blastRadiusPrefill).toEqual({
      modules: ['rank freshness'],
      queues: ['rank'],
      campaigns: ['c-17', 'c-42'],
      replicas: ['replica-2'],
      notes: '',
    });
  });

  it('records severity suggestions (deduplicated) and decisions with who and why', () => {
    const { rec } = recorder();
    rec.onTriggerFired(queueLagTrigger());
    expect(rec.suggestSeverity('SEV-3', 'partial degradation')).not.toBeNull();
    expect(rec.suggestSeverity('SEV-3', 'partial degradation')).toBeNull();
    rec.suggestSeverity('SEV-2', 'high error rates');
    let v = rec.view();
    expect(v?.severity).toBe('SEV-2');
    expect(v?.severityDecided).toBe(false);
    rec.decideSeverity('SEV-2', 'rank module unavailable');
    rec.decideSeverity('SEV-1', 'cross-tenant risk reported');
    rec.decideSeverity('SEV-2', 'risk ruled out');
    v = rec.view();
    expect(v?.severity).toBe('SEV-2');
    expect(v?.highestSeverity).toBe('SEV-1');
    expect(v?.escalations.map((e) => [e.previous, e.severity, e.operator])).toEqual([
      [null, 'SEV-2', 'alice'],
      ['SEV-2', 'SEV-1', 'alice'],
      ['SEV-1', 'SEV-2', 'alice'],
    ]);
    // A decision is not an acknowledgement: that is the first page acknowledged (issue 15).
    expect(v?.milestones.acknowledged).toBeNull();
    expect(() => rec.decideSeverity('SEV-2', '  ')).toThrow(IncidentError);
  });

  it('records data sources lost and restored once per outage', () => {
    const { clock, rec } = recorder();
    expect(rec.onSourceLost('redis', 'ECONNREFUSED')).toBeNull(); // no incident yet
    rec.onTriggerFired(queueLagTrigger());
    expect(rec.onSourceLost('redis', 'ECONNREFUSED')?.kind).toBe('source-lost');
    expect(rec.onSourceLost('redis', 'ECONNREFUSED')).toBeNull();
    clock.advance(65_000);
    const restored = rec.onSourceRestored('redis');
    expect(restored?.details).toEqual({ source: 'redis', downForMs: 65_000 });
    expect(rec.onSourceRestored('redis')).toBeNull();
    expect(rec.view()?.sourceOutages).toEqual([
      { source: 'redis', lostAt: '2026-11-28T04:12:00.000Z', restoredAt: '2026-11-28T04:13:05.000Z', error: 'ECONNREFUSED' },
    ]);
  });

  it('moves open → mitigated → resolved, stamping milestones, and refuses other moves', () => {
    const { clock, rec } = recorder();
    rec.onTriggerFired(queueLagTrigger());
    clock.advance(10 * 60_000);
    rec.setState('mitigated', 'replicas increased');
    clock.advance(30 * 60_000);
    expect(() => rec.setState('mitigated', 'again')).toThrow(/cannot go from mitigated to mitigated/);
    rec.setState('resolved', 'backlog drained');
    expect(() => rec.setState('open', 'relapse')).toThrow(IncidentError);
    const v = rec.view();
    expect(v?.state).toBe('resolved');
    expect(v?.milestones.mitigated?.at).toBe('2026-11-28T04:22:00.000Z');
    expect(v?.milestones.resolved?.at).toBe('2026-11-28T04:52:00.000Z');
    expect(rec.isActive()).toBe(false);
  });

  it('resolving straight from open also stamps mitigated', () => {
    const { rec } = recorder();
    rec.openIncident('customer report');
    rec.setState('resolved', 'false alarm');
    expect(rec.view()?.milestones.mitigated).not.toBeNull();
  });

  it('corrects a milestone with a new entry, keeps the old stamp, and computes durations from the corrected time', () => {
    const { clock, rec } = recorder();
    rec.onTriggerFired(queueLagTrigger());
    clock.advance(2 * 60_000);
    rec.acknowledge();
    clock.advance(18 * 60_000);
    rec.setState('mitigated', 'paused rank.check_serp');
    clock.advance(40 * 60_000);
    rec.setState('resolved', 'drained');
    const before = rec.view();
    expect(before?.durations.timeToDetectMs).toBe(0);
    const correction = rec.correctMilestone('started', '2026-11-28T03:57:00.000Z', 'deploy at 03:57 started it');
    expect(correction.details).toMatchObject({
      name: 'started',
      at: '2026-11-28T03:57:00.000Z',
      previousAt: '2026-11-28T04:12:00.000Z',
      supersedesSeq: before?.milestones.started?.seq,
    });
    // An offset-less time is read as UTC; other offsets are converted.
    rec.correctMilestone('started', '2026-11-28T04:55+01:00', 'it was even earlier');
    const v = rec.view();
    expect(v?.milestones.started?.at).toBe('2026-11-28T03:55:00.000Z');
    expect(v?.milestones.started?.corrected).toBe(true);
    const history = v?.milestoneHistory.filter((m) => m.name === 'started') ?? [];
    expect(history.map((m) => m.at)).toEqual(['2026-11-28T04:12:00.000Z', '2026-11-28T03:57:00.000Z', '2026-11-28T03:55:00.000Z']);
    expect(history[0]?.supersededBySeq).toBe(history[1]?.seq);
    expect(v?.durations).toEqual({
      timeToDetectMs: 17 * 60_000,
      timeToAcknowledgeMs: 2 * 60_000,
      timeToMitigateMs: 37 * 60_000,
      timeToResolveMs: 77 * 60_000,
    });
    // The original stamp is still in the journal, untouched.
    const onDisk = readJournalFile(path.join(rec.stateDir, `${v?.id}.jsonl`), v?.id).entries;
    expect(onDisk.find((e) => e.seq === before?.milestones.started?.seq)?.details.at).toBe('2026-11-28T04:12:00.000Z');
    expect(() => rec.correctMilestone('started', 'yesterday', 'x')).toThrow(/not an ISO 8601 time/);
  });

  it('records notes and procedure steps as entries', () => {
    const { rec } = recorder();
    rec.openIncident('manual');
    rec.note('rank workers look stuck');
    rec.tickStep(3, 1, 'Identify queue and top failing task names');
    rec.tickStep('3', '2');
    rec.tickStep('3', '2', '', false);
    const v = rec.view();
    expect(v?.notes.map((n) => n.text)).toEqual(['rank workers look stuck']);
    expect(v?.procedureSteps.map((s) => [s.section, s.step, s.done])).toEqual([
      ['3', '1', true],
      ['3', '2', false],
    ]);
    expect(() => rec.note('   ')).toThrow(IncidentError);
  });

  it('keeps PIR fields, validating corrective actions', () => {
    const { rec } = recorder();
    rec.onTriggerFired(queueLagTrigger());
    rec.setPirField('rootCause', 'first');
    rec.setPirField('rootCause', 'second');
    rec.addCorrectiveAction({ action: 'Alert on lag', owner: 'bob', due: '2026-12-15' });
    expect(() => rec.addCorrectiveAction({ action: 'x', owner: 'bob', due: '2026-02-30' })).toThrow(/not a real date/);
    expect(() => rec.addCorrectiveAction({ action: 'x', owner: ' ', due: '2026-12-01' })).toThrow(/owner is empty/);
    rec.addCorrectiveAction({ action: 'Runbook: pause step', owner: 'carol', due: '2027-01-10' });
    rec.removeCorrectiveAction(0);
    const v = rec.view();
    expect(v?.pir.rootCause).toBe('second');
    expect(v?.pir.correctiveActions).toEqual([{ action: 'Runbook: pause step', owner: 'carol', due: '2027-01-10' }]);
    expect(v?.pir.blastRadius.queues).toEqual(['rank']); // prefill until edited
    rec.setPirField('blastRadius', { modules: ['rank freshness'], queues: ['rank'], campaigns: [], replicas: [], notes: 'only EU' });
    expect(rec.view()?.pir.blastRadius.campaigns).toEqual([]);
    expect(rec.view()?.blastRadiusPrefill.campaigns).toEqual(['c-17', 'c-42']);
  });

  it('tells subscribers only after the entry is on disk', () => {
    const { rec } = recorder();
    const seen: number[] = [];
    rec.subscribe((view, entry) => {
      if (!entry || !view) return;
      const onDisk = readJournalFile(path.join(rec.stateDir, `${view.id}.jsonl`)).entries.map((e) => e.seq);
      expect(onDisk).toContain(entry.seq);
      seen.push(entry.seq);
    });
    rec.onTriggerFired(queueLagTrigger());
    rec.note('x');
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('resumes the open incident after a restart, recording the restart and a new responder', () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    const first = recorder(dir, clock, 'alice').rec;
    first.onTriggerFired(queueLagTrigger());
    first.note('before the crash');
    first.close();
    clock.advance(60_000);
    const second = new IncidentRecorder({ stateDir: dir, clock, operator: 'bob', role: 'incident commander' });
    const v = second.view();
    expect(v?.id).toBe('INC-20261128-0412');
    expect(v?.notes.map((n) => n.text)).toEqual(['before the crash']);
    const kinds = v?.entries.slice(-2).map((e) => e.kind);
    expect(kinds).toEqual(['resumed', 'responder-joined']);
    expect(v?.responders.map((r) => [r.operator, r.roles])).toEqual([
      ['alice', ['on-call engineer']],
      ['bob', ['incident commander']],
    ]);
    // Triggers keep going into the resumed incident.
    expect(second.onTriggerFired(queueLagTrigger())).toEqual([]);
    expect(readJournalFile(path.join(dir, 'INC-20261128-0412.jsonl')).ok).toBe(true);
  });

  it('switches to a resolved incident to finish its PIR, and refuses unknown ids', () => {
    const { dir, rec } = recorder();
    rec.onTriggerFired(queueLagTrigger());
    rec.setState('resolved', 'done');
    const id = rec.view()?.id ?? '';
    rec.close();
    const later = new IncidentRecorder({ stateDir: dir, clock: new ManualClock(T0 + 86_400_000), operator: 'alice' });
    expect(later.view()).toBeNull();
    expect(() => later.resume('INC-20200101-0000')).toThrow(IncidentError);
    expect(() => later.resume('../x')).toThrow(IncidentError);
    expect(fs.readdirSync(dir)).toEqual([`${id}.jsonl`]);
    later.resume(id);
    later.setPirField('rootCause', 'found it');
    expect(later.view()?.state).toBe('resolved');
    expect(later.view()?.pir.rootCause).toBe('found it');
  });

  it('does not resume a resolved incident; the next trigger opens a new one', () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    const { rec } = recorder(dir, clock);
    rec.onTriggerFired(queueLagTrigger());
    rec.setState('resolved', 'done');
    rec.close();
    const again = new IncidentRecorder({ stateDir: dir, clock, operator: 'alice' });
    expect(again.view()).toBeNull();
    expect(findOpenIncident(dir)).toBeNull();
    again.onTriggerFired(queueLagTrigger());
    expect(again.view()?.id).toBe('INC-20261128-0412-2'); // same minute: disambiguated
    expect(listIncidents(dir).map((i) => [i.id, i.state])).toEqual([
      ['INC-20261128-0412', 'resolved'],
      ['INC-20261128-0412-2', 'open'],
    ]);
  });

  it('does not reopen for a trigger still firing at resolution, only after it cleared and fired again', () => {
    const { clock, rec } = recorder();
    rec.onTriggerFired(queueLagTrigger());
    rec.setState('resolved', 'resolved while the lag drains');
    const first = rec.view()?.id;
    clock.advance(1000);
    expect(rec.onTriggerFired(queueLagTrigger())).toEqual([]);
    expect(rec.view()?.id).toBe(first);
    expect(rec.onTriggerCleared(queueLagTrigger({ value: 10 }))?.kind).toBe('trigger-cleared');
    clock.advance(120_000);
    expect(rec.onTriggerFired(queueLagTrigger())[0]?.kind).toBe('incident-opened');
    expect(rec.view()?.id).toBe('INC-20261128-0414');
  });

  it('takes trigger evaluations from core/triggers as they are', () => {
    const { rec } = recorder();
    const state: TriggerState = {
      key: 'serp-failures:proxy-a',
      kind: 'serp-failures',
      section: 5,
      title: 'SERP failure rate > threshold across multiple campaigns',
      target: 'proxy-a',
      module: 'rank',
      firing: true,
      value: 0.375,
      threshold: 0.2,
      clearAt: 0.16,
      unit: 'ratio',
      detail: '37.5% of SERP checks failed across 12 campaigns',
      since: T0,
      scope: { queues: ['rank'], campaigns: 12, providers: ['proxy-a'] },
    };
    const [, , fired] = rec.onTriggerFired(triggerDetailsOf(state));
    expect(fired?.details).toMatchObject({ triggerKey: 'serp-failures', section: '5', value: 0.375, campaignsAffected: 12 });
    const v = rec.view();
    expect(v?.activeTriggers[0]?.key).toBe('serp-failures:proxy-a');
    expect(v?.blastRadiusPrefill).toEqual({
      modules: ['rank'],
      queues: ['rank'],
      campaigns: ['12 campaigns (not named by the triggers)'],
      replicas: [],
      notes: '',
    });
  });

  it('opening by key returns the active incident instead of opening a second', () => {
    const { rec } = recorder();
    const a = rec.openIncident('customer ticket #123', { severity: 'SEV-3' });
    const b = rec.openIncident('again');
    expect(b.id).toBe(a.id);
    expect(a.severity).toBe('SEV-3');
    expect(a.entries[0]?.details).toEqual({ reason: 'customer ticket #123', openedBy: 'operator' });
  });

  it('records later kinds (actions, pages) through the same recorder', () => {
    const { rec } = recorder();
    rec.openIncident('x');
    rec.record('action', { action: 'increase replicas', target: 'rank', outcome: 'ok', reason: 'backlog-only' });
    rec.record('page', {
      target: 'security lead',
      role: 'security lead',
      severity: 'SEV-1',
      channel: 'pager',
      reason: 'cross-tenant risk',
    });
    const v = rec.view();
    expect(v?.actions.map((a) => a.action)).toEqual(['increase replicas']);
    expect(v?.escalations.map((e) => e.kind)).toEqual(['page']);
  });

  it('folds the same view from the journal as the recorder holds in memory', () => {
    const { rec } = recorder();
    rec.onTriggerFired(queueLagTrigger());
    rec.note('n');
    rec.decideSeverity('SEV-2', 'r');
    const v = rec.view();
    expect(foldIncident(readJournalFile(path.join(rec.stateDir, `${v?.id}.jsonl`)).entries)).toEqual(v);
  });
});

describe('the recorder bridge: store changes recorded outside the store update', () => {
  function bridged() {
    const { dir, clock, rec } = recorder();
    const store = createCockpitStore({ session: { operator: 'alice' } });
    store.getState().declareSource('redis', ['queues']);
    const bridge = new RecorderBridge(store, rec);
    return { dir, clock, rec, store, bridge };
  }
  const lagging = (lagSeconds: number) => ({ queues: [queue('rank', { lagSeconds, lagMethod: 'stamped' as const, depth: 40 })] });

  it('opens the incident from a trigger once the update is over: nothing is written while the store updates', () => {
    const { dir, rec, store, bridge } = bridged();
    const duringUpdate: Array<{ incidentInRecorder: boolean; journals: number }> = [];
    store.subscribe(() => duringUpdate.push({ incidentInRecorder: rec.view() !== null, journals: fs.readdirSync(dir).length }));
    const changes = store.getState().ingest('redis', lagging(1260), T0);
    expect(changes.map((c) => c.kind)).toEqual(['trigger-fired', 'severity-evaluated']);
    // The ingest's own update saw no journal; the entries came after it, each through setIncident.
    expect(duringUpdate[0]).toEqual({ incidentInRecorder: false, journals: 0 });
    expect(duringUpdate.length).toBeGreaterThan(1);
    const entries = store.getState().incident?.entries.map((e) => e.kind);
    expect(entries).toEqual(['incident-opened', 'responder-joined', 'trigger-fired', 'milestone', 'milestone', 'severity-suggested']);
    expect(store.getState().incident?.id).toBe(rec.view()?.id);
    // The same suggestion on the next ingest is not recorded again; the clearing is.
    store.getState().ingest('redis', lagging(1300), T0 + 1000);
    store.getState().ingest('redis', lagging(0), T0 + 2000);
    // (the figure series for the PIR is written alongside, one sample a minute: left out here)
    const recorded = () => rec.view()?.entries.filter((e) => e.kind !== 'figures') ?? [];
    expect(
      recorded()
        .map((e) => e.kind)
        .slice(6),
    ).toEqual(['trigger-cleared']);
    bridge.dispose();
    store.getState().ingest('redis', lagging(1260), T0 + 3000);
    expect(recorded()).toHaveLength(7); // disposed: no longer recorded
  });

  it('records a source lost and restored once per outage, while an incident is active', () => {
    const { clock, rec, store } = bridged();
    rec.openIncident('crawl backlog');
    store.getState().ingest('redis', lagging(0), T0);
    store.getState().sourceFailed('redis', 'connect ECONNREFUSED 127.0.0.1:6390', T0 + 1000);
    store.getState().sourceFailed('redis', 'connect ECONNREFUSED 127.0.0.1:6390', T0 + 2000);
    clock.advance(30_000);
    store.getState().ingest('redis', lagging(0), T0 + 30_000);
    const kinds = rec.view()?.entries.map((e) => e.kind) ?? [];
    expect(kinds.filter((k) => k === 'source-lost' || k === 'source-restored')).toEqual(['source-lost', 'source-restored']);
    expect(rec.view()?.sourceOutages).toEqual([
      {
        source: 'redis',
        lostAt: '2026-11-28T04:12:00.000Z',
        restoredAt: '2026-11-28T04:12:30.000Z',
        error: 'connect ECONNREFUSED 127.0.0.1:6390',
      },
    ]);
    // Every entry but the figure series (kept for the PIR's charts) is on the timeline panel.
    expect(store.getState().incident?.entries.length).toBe(rec.view()?.entries.filter((e) => e.kind !== 'figures').length);
  });
});
