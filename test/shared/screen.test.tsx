// The shared incident on screen and in the PIR: the escalation panel's presence line, taking
// command by key, and the PIR's responders with their presence and the commander.
import { afterEach, describe, expect, it } from 'vitest';
import { buildPirModel } from '../../src/core/pir/model.js';
import type { TimelineEntry } from '../../src/core/timeline.js';
import { formatUtc, sealEntry } from '../../src/core/timeline.js';
import { foldIncident } from '../../src/core/incidentView.js';
import type { SharedView } from '../../src/journal/shared/session.js';
import { presenceLine } from '../../panels/escalation/columns.js';
import { cleanupAll, fixtureStore, openIncident, renderCockpit } from '../ui/fixtures.js';

afterEach(cleanupAll);

const T0 = Date.parse('2026-12-06T08:06:00.000Z');

function shared(over: Partial<SharedView> = {}): SharedView {
  return {
    redis: 'connected',
    since: T0,
    error: null,
    url: 'redis://127.0.0.1:6379/0',
    openIncident: 'INC-20240601-01',
    incidentId: 'INC-20240601-01',
    shared: true,
    presence: [
      { user: 'alice', host: 'bastion-1', instance: 'a1', access: 'operator', role: '', since: '', lastSeen: T0, self: true, away: false },
      { user: 'bob', host: 'bastion-2', instance: 'b2', access: 'operator', role: '', since: '', lastSeen: T0, self: false, away: true },
      { user: 'wall', host: 'bastion-1', instance: 'w3', access: 'viewer', role: '', since: '', lastSeen: T0, self: false, away: false },
    ],
    commander: { user: 'bob', host: 'bastion-2', since: formatUtc(T0) },
    observer: 'this cockpit',
    observing: true,
    pagingSender: 'bob@bastion-2',
    sending: false,
    outbox: 0,
    lastMerge: null,
    access: 'operator',
    origin: { user: 'alice', host: 'bastion-1', instance: 'a1' },
    ...over,
  };
}

const text = (v: SharedView) =>
  presenceLine(v, false)
    .map((s) => s.text)
    .join('');

describe('presence line', () => {
  it('says who commands, who is here and how, who sends the pages', () => {
    expect(text(shared())).toBe('IC bob@bastion-2 · here: alice* op, bob op away, wall viewer · pages sent by bob@bastion-2');
  });

  it('says when the shared Redis is unreachable and what waits', () => {
    const t = text(shared({ redis: 'unreachable', since: T0, outbox: 4 }));
    expect(t).toBe('shared Redis UNREACHABLE since 08:06:00Z, 4 entries to send: this cockpit records alone; merged when it returns');
  });

  it('says when nobody commands', () => {
    expect(text(shared({ commander: null }))).toMatch(/^no commander \(c takes command\)/);
  });
});

describe('taking command by key', () => {
  it('c takes command on a shared incident; the escalation panel shows the presence line', async () => {
    const store = fixtureStore({ incident: openIncident() });
    store.setState({ shared: shared() });
    let taken = 0;
    const r = renderCockpit({ store, size: { columns: 200, rows: 50 }, services: { sharing: { takeCommand: async () => void taken++ } } });
    expect(r.frame()).toContain('IC bob@bastion-2');
    expect(r.frame()).toContain('wall viewer');
    await r.press('c');
    expect(taken).toBe(1);
  });

  it('is refused with the reason for a viewer, and where incidents are not shared', async () => {
    const store = fixtureStore({ incident: openIncident() });
    store.setState({ shared: shared({ access: 'viewer' }) });
    let taken = 0;
    const r = renderCockpit({ store, size: { columns: 200, rows: 50 }, services: { sharing: { takeCommand: async () => void taken++ } } });
    await r.press('c');
    expect(taken).toBe(0);
    expect(r.frame()).toContain('a viewer (--readonly) cannot take command');
    const plain = renderCockpit({ store: fixtureStore({ incident: openIncident() }), size: { columns: 200, rows: 50 } });
    await plain.press('c');
    expect(plain.frame()).toContain('incidents are not shared on this cockpit');
  });
});

describe("the PIR's responders", () => {
  it('list each responder\u2019s presence (operator or viewer, where, since, last seen) and the commander', () => {
    const id = 'INC-20261206-0806';
    const entries: TimelineEntry[] = [];
    const add = (operator: string, instance: string, kind: TimelineEntry['kind'], details: Record<string, unknown>, dt: number) => {
      const mine = entries.filter((e) => e.origin?.instance === instance);
      entries.push(
        sealEntry(mine[mine.length - 1] ?? null, {
          at: formatUtc(T0 + dt),
          operator,
          kind,
          incidentId: id,
          details,
          origin: { user: operator, host: operator === 'wall' ? 'bastion-1' : 'bastion-2', instance },
        }),
      );
    };
    add('bob', 'bbbb', 'incident-opened', { reason: 'backlog', openedBy: 'operator' }, 0);
    add('bob', 'bbbb', 'responder-joined', { role: 'on-call engineer', access: 'operator', host: 'bastion-2', instance: 'bbbb' }, 1);
    add('bob', 'bbbb', 'commander', { user: 'bob', host: 'bastion-2', instance: 'bbbb', previous: null, how: 'opened' }, 2);
    add('wall', 'wwww', 'responder-joined', { role: 'war room', access: 'viewer', host: 'bastion-1', instance: 'wwww' }, 3);
    add(
      'wall',
      'wwww',
      'responder-left',
      { role: 'war room', access: 'viewer', host: 'bastion-1', instance: 'wwww', lastSeen: formatUtc(T0 + 9000), why: 'quit' },
      10_000,
    );
    const rows = buildPirModel(foldIncident(entries, id)).responders;
    const bob = rows.find((r) => r.operator === 'bob')!;
    const wall = rows.find((r) => r.operator === 'wall')!;
    expect(bob.roles).toContain('incident commander');
    expect(bob.roles.join(' | ')).toMatch(/operator on bastion-2 from 2026-12-06T08:06:00.001Z, still in at the last entry/);
    expect(wall.roles.join(' | ')).toMatch(/viewer on bastion-1 from 2026-12-06T08:06:00.003Z, last seen 2026-12-06T08:06:09.000Z/);
  });
});
