// The runbook pane names the steps only a person can do (src/core/procedureMap.ts) as manual.
import { afterEach, describe, expect, it } from 'vitest';
import { manualPart } from '../../src/core/procedureMap.js';
import { cleanupAll, fixtureStore, renderCockpit } from '../ui/fixtures.js';

afterEach(() => cleanupAll());

describe('runbook pane: manual steps', () => {
  it('marks the manual part of a step the cockpit cannot do', () => {
    const store = fixtureStore();
    store.getState().setUi({ runbookTrigger: 'replica-lag:replica-b' });
    const r = renderCockpit({ store, size: { columns: 240, rows: 50 } });
    const f = r.frame();
    expect(f).toContain('§6 Database Incident Runbook');
    const line = f.split('\n').find((l) => l.includes('6.4')) ?? '';
    expect(line).toContain(`[manual: ${manualPart(6, 4)}`);
    // A step the cockpit does by itself carries no mark.
    expect(f.split('\n').find((l) => l.includes('6.3')) ?? '').not.toContain('[manual');
  });
});
