// Walkthrough of the `serp-provider-degraded` scenario on the built CLI, keys only (issue 14 acceptance 1): brightpool blocks requests: the SERP failures lead; the rank dead-letter spike they cause comes after;
// the runbook pane and the presentation headline show section 5.
import { afterEach, beforeAll, describe, it } from 'vitest';
import { haveTmux, type TmuxSession } from './tmux.js';
import { ensureBuilt, walkthrough } from './walkthrough.js';

const suite = haveTmux() || process.env.CI === 'true' ? describe : describe.skip;

suite('walkthrough: serp-provider-degraded', () => {
  let session: TmuxSession | null = null;
  beforeAll(ensureBuilt);
  afterEach(() => {
    session?.kill();
    session = null;
  });

  it('the most serious trigger first, its section in the runbook pane and the presentation headline', async () => {
    session = await walkthrough('serp-provider-degraded', 10, {
      top: 'brightpool SERP fails',
      severity: 'SEV-2',
      section: 5,
      title: 'Provider/Proxy Incident Runbook',
    });
  });
});
