import React from 'react';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { createCockpitStore } from '../../src/ui/state/store.js';
import { resolveTheme } from '../../src/ui/state/theme.js';
import { QueuesPanel } from '../../panels/queues/QueuesPanel.js';
import { ReplicasPanel } from '../../panels/replicas/ReplicasPanel.js';
import { ClockProvider } from '../../components/clock.js';

const AT = Date.UTC(2026, 10, 28, 4, 12, 0);

function storeWith(sourceFails: string | null) {
  const store = createCockpitStore();
  store.getState().ingest('redis', { queues: [] }, AT - 190_000);
  store.getState().ingest('postgres', {}, AT - 190_000);
  if (sourceFails) store.getState().sourceFailed(sourceFails, 'connect ECONNREFUSED 127.0.0.1:6390', AT - 60_000);
  return store;
}

function frame(store: ReturnType<typeof createCockpitStore>, which: 'queues' | 'replicas') {
  const Panel = which === 'queues' ? QueuesPanel : ReplicasPanel;
  const clock = { now: () => AT };
  const { lastFrame, unmount } = render(
    <ClockProvider clock={clock}>
      <Panel store={store} theme={resolveTheme('mono', false)} ascii={false} width={80} height={8} focused={false} />
    </ClockProvider>,
  );
  const out = lastFrame() ?? '';
  unmount();
  return out;
}

describe('a panel says when the source feeding it is lost', () => {
  it('the queue panel: unreachable since when, with the age of its last good data, on its bottom border', () => {
    const out = frame(storeWith('redis'), 'queues');
    const bottom = out.split('\n').at(-1) ?? '';
    expect(bottom).toContain('x redis unreachable since 04:11:00Z, data 3m10s old');
  });
  it('other panels stay quiet, and nothing shows while the source answers', () => {
    expect(frame(storeWith('redis'), 'replicas')).not.toContain('unreachable');
    expect(frame(storeWith(null), 'queues')).not.toContain('unreachable');
  });
  it('the replica panel names PostgreSQL', () => {
    expect(frame(storeWith('postgres'), 'replicas')).toContain('x postgres unreachable since 04:11:00Z');
  });
});
