// Each panel's frame from a known snapshot: the figures an on-call engineer reads.
import { afterEach, describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import { emptySnapshot } from '../../src/core/snapshot.js';
import { cleanupAll, fixtureStore, incidentSnapshot, openIncident, queue, renderCockpit } from './fixtures.js';
import React from 'react';
import { render } from 'ink-testing-library';
import { tablePanel } from '../../panels/TablePanel.js';
import { tableAt } from '../../components/table.js';
import { THEMES } from '../../src/ui/state/theme.js';
import type { ReplicaSnapshot } from '../../src/core/snapshot.js';

afterEach(() => cleanupAll());

const lineWith = (frame: string, text: string) => frame.split('\n').find((l) => l.includes(text)) ?? '';

describe('queue lag panel', () => {
  it('shows depth, reserved, lag with its method, dead letters and growth, with the breach marker on crawl', () => {
    const { frame } = renderCockpit();
    const crawl = lineWith(frame(), ' crawl ');
    expect(crawl).toContain('! crawl');
    expect(crawl).toContain('4210');
    expect(crawl).toContain('64');
    expect(crawl).toContain('23m');
    expect(crawl).toContain('120');
    expect(crawl).toContain('+45/h');
    expect(crawl).toContain('7.5x'); // 45/h against a 6/h baseline
    // Methods are marked: drain-rate estimate, first-seen lower bound, unknown, empty.
    expect(lineWith(frame(), ' rank ')).toContain('~40s');
    expect(lineWith(frame(), ' reviews ')).toContain('>1m35s');
    expect(lineWith(frame(), ' email ')).toMatch(/\s\?\s/);
    expect(lineWith(frame(), ' reporting ')).toMatch(/\s-\s/);
    // Queues under the line carry no breach marker.
    expect(lineWith(frame(), ' rank ')).not.toContain('!');
  });

  it('draws the lag trend as a sparkline on wide screens', () => {
    const { frame } = renderCockpit({ size: { columns: 120, rows: 40 } });
    expect(lineWith(frame(), ' crawl ')).toMatch(/[▁▂▃▄▅▆▇█]{5,}/);
  });

  it('says so when there is no queue data', () => {
    const { frame } = renderCockpit({ store: fixtureStore({ snapshot: emptySnapshot(0) }) });
    expect(frame()).toContain('no queue data yet');
  });
});

describe('failure classes panel', () => {
  it('counts per class across queues and for the selected queue, and the top failing tasks', () => {
    const { frame } = renderCockpit({ size: { columns: 120, rows: 40 } });
    const transient = lineWith(frame(), 'transient   ');
    expect(transient).toMatch(/transient\s+314\s+310/); // all queues, then crawl (selected)
    expect(lineWith(frame(), 'provider   ')).toMatch(/provider\s+102\s+95/);
    expect(lineWith(frame(), 'crawl.fetch_page')).toMatch(/crawl\.fetch_page\s+transient\s+crawl\s+280/);
    expect(lineWith(frame(), 'rank.check_serp')).toMatch(/provider\s+rank\s+7/);
  });

  it('follows the queue selected in the queue panel', async () => {
    const r = renderCockpit({ size: { columns: 120, rows: 40 } });
    await r.press('j'); // rank
    expect(lineWith(r.frame(), 'class (1h)')).toContain('rank');
    expect(lineWith(r.frame(), 'provider   ')).toMatch(/provider\s+102\s+7/);
  });
});

describe('replica lag panel', () => {
  it('shows lag and paused replay per replica, the pool, and who blocks whom', () => {
    const { frame } = renderCockpit();
    expect(lineWith(frame(), 'replica-b')).toMatch(/! replica-b\s+1m35s paused/);
    expect(lineWith(frame(), 'replica-a')).toMatch(/replica-a\s+4s running/);
    expect(frame()).toContain('connections 87/100 87%');
    const blocking = lineWith(frame(), '4111');
    expect(blocking).toContain('4111→4242');
    expect(blocking).toContain('3m12s');
    expect(blocking).toContain('UPDATE campaigns');
  });
});

describe('escalation panel', () => {
  it('shows the suggestion, whom to page, the missing decision and the firing triggers', () => {
    const { frame } = renderCockpit({ size: { columns: 120, rows: 40 } });
    expect(frame()).toContain('SEV-2 suggested · not decided yet (s decides)');
    expect(frame()).toMatch(/suggested: page primary on-call, crawl owner/);
    expect(frame()).toContain('why: high error rates');
    expect(frame()).toContain('3 firing');
    expect(lineWith(frame(), 'crawl lag ')).toMatch(/! SEV-3 crawl lag\s+crawl lag 23m05s \(stamped\)/);
    expect(lineWith(frame(), 'replica-b lag')).toContain('1m00s'); // fired a minute ago
  });

  it('shows the decided severity, by whom and since when, said as everywhere', () => {
    const decided = { severity: 'SEV-1' as const, reason: 'crawl down for all tenants', by: 'alice', at: Date.UTC(2024, 5, 1, 13, 59, 0) };
    const store = fixtureStore({ incident: openIncident({ decided }) });
    const { frame } = renderCockpit({ store, size: { columns: 200, rows: 40 } });
    expect(frame()).toMatch(/SEV-2 suggested · SEV-1 decided by alice 2m00s ago \(13:59:00Z\): crawl down for all tenants/);
    expect(lineWith(frame(), 'SIMULATION')).toContain('SEV-2 suggested · SEV-1 decided by alice');
  });

  it("never shows another incident's decision: the store's own is not this incident's", () => {
    const store = fixtureStore({ incident: openIncident({ decided: null }) });
    // The previous incident's decision, still in the store.
    store.setState({ decision: { severity: 'SEV-1', reason: 'earlier', by: 'bob', at: Date.UTC(2024, 5, 1, 12, 0, 0) } });
    const { frame } = renderCockpit({ store, size: { columns: 200, rows: 40 } });
    expect(frame()).toContain('SEV-2 suggested · not decided yet');
    expect(frame()).not.toContain('decided by bob');
  });
});

describe('runbook pane', () => {
  it('shows the section and procedure of the top firing trigger, with ticked steps', () => {
    const { frame } = renderCockpit({ store: fixtureStore({ incident: openIncident() }), size: { columns: 120, rows: 40 } });
    expect(frame()).toContain('§3 Queue Triage Runbook');
    expect(lineWith(frame(), '3.1')).toContain('[✓] 3.1  Identify queue and top failing task names.');
    expect(lineWith(frame(), '3.2')).toContain('[ ] 3.2');
    expect(frame()).toContain('Reduce concurrency if external blocks detected.');
    expect(frame()).toContain('1/5 done');
  });

  it('follows the most serious trigger; r on another trigger row pins it and says so; r again follows the most serious', async () => {
    const r = renderCockpit({ size: { columns: 120, rows: 40 } });
    expect(r.frame()).toContain('follows the most serious trigger (1 of 3 firing)');
    await r.press('4', 'j'); // the replica-b trigger (second: SEV-3, further past its line than crawl's lag): moving pins nothing
    expect(r.frame()).toContain('§3 Queue Triage Runbook');
    await r.press('r');
    expect(r.frame()).toContain('§6 Database Incident Runbook');
    expect(r.frame()).toContain('6.2  Validate connection pool saturation');
    expect(r.frame()).toContain('pinned by r to replica-b lag');
    await r.press('4', 'r'); // the pinned row again: back to the most serious
    expect(r.frame()).toContain('§3 Queue Triage Runbook');
    expect(r.frame()).toContain('follows the most serious trigger');
  });

  it('r on a queue row whose trigger fires pins that trigger', async () => {
    const store = fixtureStore();
    store.getState().setUi({ runbookTrigger: 'replica-lag:replica-b' });
    const r = renderCockpit({ store, size: { columns: 120, rows: 40 } });
    expect(r.frame()).toContain('§6 Database Incident Runbook');
    await r.press('1', 'r'); // crawl, whose lag trigger fires
    expect(r.frame()).toContain('§3 Queue Triage Runbook');
  });
});

describe('timeline panel', () => {
  it('says when no incident is open', () => {
    const { frame } = renderCockpit({ size: { columns: 120, rows: 40 } });
    expect(frame()).toContain('no incident open');
  });

  it('lists the entries, newest last', () => {
    const { frame } = renderCockpit({ store: fixtureStore({ incident: openIncident() }), size: { columns: 120, rows: 40 } });
    const f = frame();
    expect(f).toContain('INC-20240601-01 open SEV-2');
    expect(f.indexOf('crawl lag over 15 minutes')).toBeLessThan(f.indexOf('proxy pool looks degraded'));
    expect(lineWith(f, 'proxy pool')).toMatch(/13:59:10 alice\s+note\s+proxy pool looks degraded/);
  });

  it('says whether the head line severity is only a suggestion or was decided', () => {
    const at = Date.UTC(2024, 5, 1, 13, 59, 0);
    const suggested = renderCockpit({
      store: fixtureStore({ incident: openIncident({ decided: null }) }),
      size: { columns: 200, rows: 60 },
    });
    expect(lineWith(suggested.frame(), 'INC-20240601-01 open')).toContain(
      'INC-20240601-01 open severity not decided (last suggested SEV-2)  since 13:58:00Z',
    );
    const decided = { severity: 'SEV-2' as const, reason: 'crawl backlog', by: 'alice', at };
    const made = renderCockpit({ store: fixtureStore({ incident: openIncident({ decided }) }), size: { columns: 120, rows: 40 } });
    expect(lineWith(made.frame(), 'INC-20240601-01 open')).toContain('INC-20240601-01 open SEV-2  since 13:58:00Z');
  });

  it('keeps the newest entry in view when there are more than fit', () => {
    const entries = Array.from({ length: 40 }, (_, i) => ({
      seq: i + 1,
      at: `2024-06-01T13:${String(10 + i).padStart(2, '0')}:00.000Z`,
      operator: 'alice',
      kind: 'note',
      text: `entry number ${i + 1}`,
    }));
    const { frame } = renderCockpit({ store: fixtureStore({ incident: openIncident({ entries }) }), size: { columns: 120, rows: 40 } });
    expect(frame()).toContain('entry number 40');
    expect(frame()).not.toContain('entry number 1 ');
    expect(frame()).toContain('40/40');
  });
});

describe('status bar', () => {
  it('shows the simulation marker, the incident and each source with its freshness', () => {
    const snapshot = incidentSnapshot({
      sources: [
        { name: 'redis', state: 'ok', lastGoodAt: Date.UTC(2024, 5, 1, 14, 0, 48), unreachableSince: null, error: null },
        {
          name: 'postgres',
          state: 'unreachable',
          lastGoodAt: Date.UTC(2024, 5, 1, 13, 57, 0),
          unreachableSince: Date.UTC(2024, 5, 1, 13, 58, 0),
          error: 'ECONNREFUSED',
        },
      ],
    });
    const { frame } = renderCockpit({ store: fixtureStore({ snapshot, incident: openIncident() }), size: { columns: 200, rows: 40 } });
    const bar = lineWith(frame(), 'SIMULATION');
    expect(bar).toContain('SIMULATION: crawl-backlog');
    expect(bar).toContain('INC-20240601-01 open  SEV-2 suggested · not decided yet');
    expect(bar).toContain('x postgres unreachable since 13:58:00Z (3m00s), data 4m00s old');
    expect(bar).toContain('redis 12s ago');
    // Unreachable sources come first.
    expect(bar.indexOf('postgres')).toBeLessThan(bar.indexOf('redis'));
  });

  it('shows the main keys from the registry', () => {
    const { frame } = renderCockpit();
    expect(frame()).toMatch(/\? help/);
    expect(frame()).toMatch(/q quit/);
    expect(frame()).toMatch(/s severity/);
  });
});

describe('layout', () => {
  it('shows the four live panels and the status bar at 80x24, within the size', () => {
    const { frame } = renderCockpit({ size: { columns: 80, rows: 24 } });
    const lines = frame().split('\n');
    expect(lines.length).toBeLessThanOrEqual(23);
    for (const l of lines) expect(stringWidth(l)).toBeLessThanOrEqual(80);
    for (const t of ['1 Queue lag', '2 Failure classes', '3 Replica lag', '4 Escalation']) expect(frame()).toContain(t);
    expect(frame()).not.toContain('5 Runbook');
    expect(frame()).toContain('SIMULATION');
  });

  it('brings the runbook and timeline into the lower half when focused at 80x24', async () => {
    const r = renderCockpit({ size: { columns: 80, rows: 24 } });
    await r.press('5');
    expect(r.frame()).toContain('5 Runbook');
    expect(r.frame()).toContain('6 Timeline');
    expect(r.frame()).toContain('1 Queue lag');
    expect(r.frame()).not.toContain('3 Replica lag');
  });

  it.each([
    [120, 40],
    [240, 70],
    [100, 30],
  ])('shows all six panels at %ix%i within the size', (columns, rows) => {
    const { frame } = renderCockpit({ store: fixtureStore({ incident: openIncident() }), size: { columns, rows } });
    const lines = frame().split('\n');
    expect(lines.length).toBeLessThanOrEqual(rows - 1);
    for (const l of lines) expect(stringWidth(l)).toBeLessThanOrEqual(columns);
    if (rows >= 36) for (const t of ['5 Runbook', '6 Timeline']) expect(frame()).toContain(t);
  });

  it('keeps long outside text inside the frame', () => {
    const long = 'x'.repeat(300);
    const snapshot = incidentSnapshot({
      queues: [queue(`${long}-queue`, { topFailingTasks: [{ task: `${long}.task`, count: 5, failureClass: 'parser' }] })],
    });
    const { frame } = renderCockpit({
      store: fixtureStore({ snapshot, incident: openIncident({ id: long }) }),
      size: { columns: 80, rows: 24 },
    });
    for (const l of frame().split('\n')) expect(stringWidth(l)).toBeLessThanOrEqual(80);
    expect(frame()).toContain('…');
  });
});

describe('live updates', () => {
  it('a new snapshot updates the figures in place', async () => {
    const r = renderCockpit();
    const s = incidentSnapshot();
    r.store.getState().declareSource('simulation', ['queues']);
    r.store
      .getState()
      .ingest(
        'simulation',
        { queues: s.queues.map((q) => (q.name === 'crawl' ? { ...q, depth: 9999, lagSeconds: 30 * 60 } : q)) },
        s.at + 1000,
      );
    await r.press();
    const crawl = lineWith(r.frame(), ' crawl ');
    expect(crawl).toContain('9999');
    expect(crawl).toContain('30m');
    expect(r.frame().match(/ crawl /g)?.length).toBeGreaterThanOrEqual(1);
    expect(lineWith(r.frame(), ' rank ')).toContain('~40s');
  });
});

describe('a one-table panel (panels/TablePanel.tsx)', () => {
  it('draws its frame from the panel list around its column set, says when its source is lost, and filters by what rows show', async () => {
    const View = tablePanel<ReplicaSnapshot>({
      id: 'replicas',
      rows: (s) => s.snapshot.database.replicas,
      table: (rows, width) => tableAt([{ key: 'name', header: 'replica', grow: 1, text: (r: ReplicaSnapshot) => r.name }], rows, width),
      rowKey: (r) => r.name,
      empty: 'no replica yet',
    });
    const store = fixtureStore({
      snapshot: incidentSnapshot({
        sources: [
          { name: 'postgres', state: 'unreachable', lastGoodAt: null, unreachableSince: Date.UTC(2024, 5, 1, 13, 58, 0), error: 'x' },
        ],
      }),
    });
    const r = render(<View store={store} theme={THEMES.mono} ascii={false} width={40} height={8} focused />);
    expect(r.lastFrame()).toMatch(/3 Replica lag .* 2 /);
    expect(r.lastFrame()).toContain('replica-a');
    expect(r.lastFrame()).toContain('x postgres unreachable since 13:58');
    store.getState().setUi((ui) => ({ filters: { ...ui.filters, replicas: '-b' } }));
    await new Promise((res) => setTimeout(res, 20));
    expect(r.lastFrame()).toContain('replica-b');
    expect(r.lastFrame()).not.toContain('replica-a');
    expect(r.lastFrame()).toContain('/-b');
  });
});
