// Where a source that can move reads from (a Sentinel broker's master, a node of a failover list):
// the store keeps it on the source's status, says when it changed, the status line shows it, the
// recorder writes the switch into an open incident's timeline in the runbook's words.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { statusLineText } from '../../panels/status/columns.js';
import { describeEntry } from '../../src/core/timeline.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { CockpitRuntime } from '../../src/runtime/runtime.js';
import { createCockpitStore } from '../../src/ui/state/store.js';

const master = (port: number) => ({ role: 'master', address: `127.0.0.1:${port}` });

describe('a source endpoint', () => {
  it('the store reports a switch between two readings, not the first one, and keeps the endpoint while unreachable', () => {
    const store = createCockpitStore();
    const first = store.getState().ingest('redis', { queues: [] }, 1000, null, master(1));
    expect(first.filter((c) => c.kind === 'source-switched')).toEqual([]);
    expect(
      store
        .getState()
        .ingest('redis', { queues: [] }, 2000, null, master(1))
        .filter((c) => c.kind === 'source-switched'),
    ).toEqual([]);
    store.getState().sourceFailed('redis', 'connection lost', 3000);
    expect(store.getState().snapshot.sources[0]?.endpoint).toEqual(master(1));
    const after = store.getState().ingest('redis', { queues: [] }, 4000, null, master(2));
    expect(after.filter((c) => c.kind === 'source-switched')).toEqual([
      { kind: 'source-switched', source: 'redis', role: 'master', to: '127.0.0.1:2', from: '127.0.0.1:1' },
    ]);
    // A reading that names no endpoint keeps the last one and is no switch.
    expect(
      store
        .getState()
        .ingest('redis', { queues: [] }, 5000)
        .filter((c) => c.kind === 'source-switched'),
    ).toEqual([]);
    expect(store.getState().snapshot.sources[0]?.endpoint).toEqual(master(2));
  });

  it('the status line names the master; a source on one fixed server shows none', () => {
    const store = createCockpitStore();
    store.getState().ingest('redis', { queues: [] }, 1000, null, master(6380));
    store.getState().ingest('postgres', {}, 1000);
    const line = statusLineText(
      {
        simulated: false,
        scenario: null,
        readonly: false,
        readonlyReason: null,
        incident: null,
        sources: store.getState().snapshot.sources,
      },
      200,
      3000,
    );
    expect(line).toContain('redis (master 127.0.0.1:6380) 2s ago');
    expect(line).toContain('postgres 2s ago');
  });

  it('an open incident records "broker master changed to …" once per switch', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'lsos-endpoint-'));
    const store = createCockpitStore();
    const recorder = new IncidentRecorder({ stateDir, operator: 'tester' });
    const runtime = new CockpitRuntime(store, recorder, { quit() {}, repaint() {} });
    try {
      recorder.openIncident('endpoint test');
      store.getState().ingest('redis', { queues: [] }, Date.now(), null, master(1));
      store.getState().ingest('redis', { queues: [] }, Date.now(), null, master(2));
      store.getState().ingest('redis', { queues: [] }, Date.now(), null, master(2));
      const entries = (recorder.view()?.entries ?? []).filter((e) => e.kind === 'source-switched');
      expect(entries.map((e) => describeEntry(e))).toEqual(['Data source redis: broker master changed to 127.0.0.1:2 (was 127.0.0.1:1)']);
    } finally {
      runtime.dispose();
      recorder.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
