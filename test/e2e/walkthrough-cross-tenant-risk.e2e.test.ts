// Walkthrough of the `cross-tenant-risk` scenario on the built CLI, keys only (issue 14 acceptance
// 1): the security tool's signal opens a SEV-1-suggested incident by itself, with whose data
// crossed (cmp-017's report with cmp-023's KPIs) on screen; the runbook pane and the presentation
// headline show section 7 (the escalation matrix: immediate paging); the severity dialog names
// the on-call engineer and the security lead before anything is decided.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { haveTmux, type TmuxSession } from './tmux.js';
import { ensureBuilt, walkthrough } from './walkthrough.js';

const suite = haveTmux() || process.env.CI === 'true' ? describe : describe.skip;

suite('walkthrough: cross-tenant-risk', () => {
  let session: TmuxSession | null = null;
  beforeAll(ensureBuilt);
  afterEach(() => {
    session?.kill();
    session = null;
  });

  it('opens a SEV-1-suggested incident with its evidence on screen, section 7 in the runbook pane and the headline', async () => {
    const t = await walkthrough(
      'cross-tenant-risk',
      10,
      { top: 'cmp-017+cmp-023 cross-tenant', severity: 'SEV-1', section: 7, title: 'Escalation Matrix' },
      async (_s, screen) => {
        expect(screen).toContain('§7 Escalation Matrix  firing: report for cmp-017 rendered with cmp-023 KPIs');
        expect(screen).toContain('Evidence: report for cmp-017 rendered with cmp-023 KPIs');
        expect(screen).toMatch(/SEV-1 suggested · not decided yet/);
        expect(screen).toMatch(/suggested: page on-call engineer, security lead/);
        expect(screen).toMatch(/fired +Cross-tenant risk raised on cmp-017\+cmp-023/);
      },
    );
    session = t;
    const shown = t.capture();
    expect(shown).toContain('evidence: report for cmp-017 rendered with cmp-023 KPIs · campaigns cmp-017, cmp-023');
    expect(shown).toContain('SEV-1 SUGGESTED · NOT DECIDED YET');
    expect(shown).toContain('matrix pages: on-call engineer, security lead');
    // The severity dialog, before anything is decided: exactly whom SEV-1 pages, by name.
    t.text('p');
    await t.waitForText('1 Queue lag');
    t.text('s');
    const dialog = await t.waitForText('Set severity: pick');
    expect(dialog).toContain('will page: on-call engineer Ana Oncall, security lead Sam Security');
    expect(dialog).toContain('(record only: journaled, not sent)');
    t.keys('Escape');
    await t.waitFor((s) => !s.includes('Set severity: pick'), 'the dialog closed');
  });
});
