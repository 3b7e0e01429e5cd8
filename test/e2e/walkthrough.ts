// The walkthrough of one scenario on the built CLI in a tmux server of its own, driven only by
// keys (issue 14 acceptance 1): the escalation panel lists the most serious trigger first, the
// runbook pane shows that trigger's section and says it follows the most serious one, and the
// presentation headline shows the same section and trigger. Every step waits for what the screen
// shows, never for time.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, haveTmux, TmuxSession } from './tmux.js';

export const PANELS = ['1 Queue lag', '2 Failure classes', '3 Replica lag', '4 Escalation'];

/** What the screen must show for a scenario. */
export interface Expected {
  /** The most serious trigger as the escalation panel and the headline name it (`reviews DL spike`); null: nothing fires. */
  top: string | null;
  /** The severity it implies (the escalation panel's sev column), when it fires. */
  severity?: 'SEV-1' | 'SEV-2' | 'SEV-3';
  section: number;
  /** The section's title as the runbook pane writes it. */
  title: string;
}

export function ensureBuilt(): void {
  if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
}

/** The first trigger row of the escalation panel (after its header): severity and name, or null. */
export function topRow(screen: string): { severity: string; rest: string } | null {
  const lines = screen.split('\n');
  const header = lines.findIndex((l) => /sev {2,}trigger/.test(l));
  if (header < 0) return null;
  const m = /! (SEV-\d) (.*?)(?:│|$)/.exec(lines[header + 1] ?? '');
  return m ? { severity: m[1] ?? '', rest: (m[2] ?? '').trim() } : null;
}

/**
 * Opens `scenario` at 160x48 (the runbook pane on screen beside the panels) at `speed`, waits for
 * the expected most serious trigger at the top of the escalation panel, and checks the runbook
 * pane and the presentation headline follow it. Returns the session, in presentation mode.
 */
export async function walkthrough(
  scenario: string,
  speed: number,
  want: Expected,
  /** More checks on the panels' screen, before presentation mode. */
  onPanels?: (session: TmuxSession, screen: string) => Promise<void>,
): Promise<TmuxSession> {
  const session = new TmuxSession();
  session.start(160, 48, ['--scenario', scenario, '--speed', String(speed)]);
  await session.waitFor((s) => PANELS.every((p) => s.includes(p)), 'the four panels');
  await session.waitForText(`SIMULATION: ${scenario}`);
  const sectionHead = `§${want.section} ${want.title}`;
  if (want.top !== null) {
    // The most serious trigger is listed first (its row may be cut: its start is enough).
    const start = want.top.slice(0, 12);
    await session.waitFor((s) => {
      const row = topRow(s);
      return row !== null && row.severity === want.severity && row.rest.startsWith(start);
    }, `${want.severity} ${want.top} at the top of the escalation panel`);
    // An incident opened by itself; the status line says the severity as everywhere.
    await session.waitForText(new RegExp(`INC-\\d{8}-\\d{4}\\S* open  ${want.severity ?? 'SEV-\\d'} suggested · not decided yet`));
  }
  // The runbook pane: the section of the most serious trigger, and that it follows it.
  const screen = await session.waitFor((s) => s.includes(sectionHead), `the runbook pane on ${sectionHead}`);
  if (want.top !== null) expect(screen).toContain('follows the most serious trigger');
  else expect(screen).toContain('no trigger firing: daily checklist');
  if (onPanels) await onPanels(session, screen);
  // The war-room screen: the same section, headed by the same trigger.
  session.text('p');
  const headline = `§${want.section} ${want.title.toUpperCase()}`;
  const shown = await session.waitFor((s) => s.includes(headline), `the presentation headline on ${headline}`);
  if (want.top !== null) {
    expect(shown).toContain(`${headline} · ${want.top} ${want.severity}`);
    expect(shown).toContain('follows the most serious trigger');
    expect(shown).toMatch(/FIGURES THAT MATTER/);
  } else {
    expect(shown).toContain(`${headline}: no runbook trigger firing`);
  }
  return session;
}

/**
 * A scenario file's whole suite when the walkthrough is all it checks: the most serious trigger
 * first, its section in the runbook pane and the presentation headline. One file per scenario, so
 * the e2e workers run them side by side. Under CI it runs, never skips.
 */
export function walkthroughSuite(scenario: string, speed: number, want: Expected): void {
  const suite = haveTmux() || process.env.CI === 'true' ? describe : describe.skip;
  suite(`walkthrough: ${scenario}`, () => {
    let session: TmuxSession | null = null;
    beforeAll(ensureBuilt);
    afterEach(() => {
      session?.kill();
      session = null;
    });
    it('the most serious trigger first, its section in the runbook pane and the presentation headline', async () => {
      session = await walkthrough(scenario, speed, want);
    });
  });
}
