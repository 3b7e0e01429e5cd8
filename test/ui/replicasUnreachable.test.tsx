// Finding 14 (screen): with the primary unreachable the replica panel says so, instead of
// `connections 0/200 0%  blocking 0 / no blocking queries`, which reads as healthy.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAll, fixtureStore, incidentSnapshot, openIncident, renderCockpit } from './fixtures.js';

afterEach(() => cleanupAll());

describe('replica panel, primary unreachable', () => {
  it('says the primary is unreachable and its connections and blocking queries are not known', async () => {
    const base = incidentSnapshot();
    const snapshot = {
      ...base,
      database: { ...base.database, primaryReachable: false, connections: 0, maxConnections: 200, primaryError: 'connection refused' },
    };
    const r = renderCockpit({ store: fixtureStore({ snapshot, incident: openIncident() }), size: { columns: 120, rows: 40 } });
    await r.press('3', 'z');
    const frame = r.frame();
    expect(frame).toContain('primary UNREACHABLE: connection refused: connections not known');
    expect(frame).toContain('blocking queries not known (primary unreachable)');
    expect(frame).not.toMatch(/connections 0\/200 0%/);
    expect(frame).not.toContain('no blocking queries');
  });

  it('keeps the pool line while the primary answers', async () => {
    const r = renderCockpit({ store: fixtureStore({ incident: openIncident() }), size: { columns: 120, rows: 40 } });
    await r.press('3', 'z');
    expect(r.frame()).toMatch(/connections \d+\/\d+ \d+%/);
  });
});
