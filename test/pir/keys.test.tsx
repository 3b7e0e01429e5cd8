// The default scenario walked by keys to a resolved incident, in the cockpit mounted with
// ink-testing-library, composed as src/runtime/main.ts composes it on the simulation: the store,
// the scheduler (read by hand, one simulated minute a read), the runtime, the recorder on the
// simulation's clock, paging record-only with the demo roster, mitigations on the simulation
// backend. Nothing is called directly after that: the incident opens by itself, a page is
// acknowledged with `a`, mitigations run from `:`, the review is written in the PIR editor, and
// `E` exports it. Then the exported PIR is read as a reviewer would.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MitigationController } from '../../src/control/mitigations/controller.js';
import { SimulationBackend } from '../../src/control/mitigations/simBackend.js';
import { defaultPagingConfig, loadRoster } from '../../src/control/paging/config.js';
import { PagingController } from '../../src/control/paging/controller.js';
import { IncidentRecorder } from '../../src/journal/recorder.js';
import { CockpitRuntime } from '../../src/runtime/runtime.js';
import { SourceScheduler } from '../../src/runtime/scheduler.js';
import { LsosSimulation, loadScenario, SimulationSource } from '../../src/sources/sim/index.js';
import { createCockpitStore } from '../../src/ui/state/store.js';
import { cleanupAll, KEYS, renderCockpit } from '../ui/fixtures.js';
import { DEMO_ROSTER, SEED, START } from './harness.js';
import { cells, lex, section, tables } from './md.js';
import { mermaid, mermaidBlocks } from './mermaid.js';

const CTRL_U = '\x15';
const dirs: string[] = [];
const cleanups: Array<() => Promise<unknown> | unknown> = [];

afterEach(async () => {
  cleanupAll();
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits for a condition, with a generous ceiling (the machine may be busy). */
async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('the default scenario, by keys, to a resolved incident and its PIR', () => {
  it('has milestones from evidence, the first page acknowledgement, each action with its figures, and what was still firing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-pir-keys-'));
    dirs.push(dir);

    // ---- composition, as src/runtime/main.ts does it on the simulation --------------------------
    const sim = new LsosSimulation(loadScenario('default'), { seed: SEED, startAt: START });
    let real = 0;
    const source = new SimulationSource(sim, { speed: 60, realNow: () => real });
    const clock = source.clock;
    const store = createCockpitStore({ session: { operator: 'alice' } });
    const recorder = new IncidentRecorder({ stateDir: dir, clock, operator: 'alice' });
    const scheduler = new SourceScheduler(source, store, { intervalMs: 3_600_000, timeoutMs: 30_000, clock });
    const runtime = new CockpitRuntime(store, recorder, { quit() {}, repaint() {} });
    const pagingConfig = defaultPagingConfig({ mode: 'record-only', rosterFile: DEMO_ROSTER, rosterExplicit: true });
    const paging = new PagingController(recorder, store, loadRoster(pagingConfig), pagingConfig, clock);
    await paging.start();
    const mitigation = new MitigationController({
      recorder,
      backend: new SimulationBackend(sim),
      actor: { operator: 'alice', role: 'operator', roleSource: 'fixtures/roles.demo.yaml', readonly: false, readonlyReason: null },
      isIdempotent: () => false,
      publish: (m) => store.setState({ mitigations: m }),
    });
    cleanups.push(
      () => recorder.close(),
      () => runtime.dispose(),
      () => paging.stop(),
      () => mitigation.stop(),
      () => scheduler.stop(),
    );
    const r = renderCockpit({
      store,
      commands: runtime,
      services: { mitigation, paging },
      onAttempt: (action, outcome) => runtime.recordAttempt(action, outcome),
      clock,
      size: { columns: 160, rows: 45 },
    });
    const s = () => store.getState();
    const paste = async (text: string) => {
      r.stdin.write(text);
      await r.press();
    };
    const settle = async () => {
      await sleep(2);
      await r.press();
    };
    /** Reads `n` more simulated minutes, one snapshot each. */
    const advance = async (n: number) => {
      for (let i = 0; i < n; i++) {
        real += 1000;
        await scheduler.tick();
      }
      await r.press();
    };
    const entries = () => recorder.view()?.entries ?? [];
    /** A mitigation from the command line: parameters, preview, reason, confirm, result. */
    const mitigate = async (command: string, reason: string) => {
      const before = entries().filter((e) => e.kind === 'action').length;
      await r.press(':');
      await paste(command);
      await r.press(KEYS.enter);
      await until('the parameters', () => (s().ui.overlay as { step?: string } | null)?.step === 'params');
      await r.press(KEYS.enter);
      await until('the preview', () => (s().ui.overlay as { step?: string } | null)?.step === 'preview');
      await r.press(KEYS.enter);
      await until('the reason', () => (s().ui.overlay as { step?: string } | null)?.step === 'reason');
      await paste(reason);
      await r.press(KEYS.enter);
      await until('the confirmation', () => (s().ui.overlay as { step?: string } | null)?.step === 'confirm');
      await r.press('y');
      await until('the result', () => (s().ui.overlay as { step?: string } | null)?.step === 'result');
      await r.press(KEYS.esc);
      expect(entries().filter((e) => e.kind === 'action').length).toBe(before + 2); // attempted, done
    };

    // ---- the incident opens by itself -----------------------------------------------------------
    await scheduler.tick();
    expect(s().incident).toBeNull();
    await advance(1);
    await until('the first trigger to open an incident', () => s().incident !== null);
    const id = s().incident?.id ?? '';

    // ---- a note, the severity decided (the matrix pages three people, record-only) ---------------
    await r.press('n');
    await paste('crawl pool has no heartbeats; reviews parser deploy at 09:00');
    await r.press(KEYS.enter);
    await settle();
    await advance(1);
    expect(s().suggestion.severity).toBe('SEV-2');
    await r.press('s', KEYS.enter);
    await paste('crawl unavailable, reviews failing: matches the matrix');
    await r.press(KEYS.enter);
    await until('the pages', () => (s().paging?.targets.length ?? 0) === 3);
    expect(s().paging?.mode).toBe('record-only');

    // ---- `a` on the escalation panel: primary on-call answered ------------------------------------
    await r.press('4', 'a');
    await until('the acknowledgement prompt', () => s().ui.overlay?.kind === 'prompt');
    await r.press(CTRL_U);
    await paste('primary-on-call by dana');
    await r.press(KEYS.enter);
    await until('the acknowledgement', () => s().paging?.targets.some((t) => t.ack !== null) ?? false);
    const ackedAt = s().paging?.targets.find((t) => t.target === 'primary-on-call')?.ack?.at;
    await r.press('1');

    // ---- two mitigations, from the command line -----------------------------------------------------
    await mitigate('scale-replicas queue=crawl replicas=12', 'crawl pool dead: backlog only, add workers');
    await mitigate('reduce-concurrency queue=reviews concurrency=1', 'parser failure loop: slow it down');

    // ---- a runbook step ticked ------------------------------------------------------------------------
    await r.press('5', 'g', 'x');
    await settle();
    expect(s().incident?.stepsDone.length).toBe(1);
    await r.press('1');

    // ---- fifteen minutes on, mitigated; the review; resolved; exported ---------------------------
    await advance(16);
    await r.press('M');
    await r.press('y');
    await settle();
    expect(s().incident?.state).toBe('mitigated');
    await r.press('P');
    await until('the PIR editor', () => s().ui.overlay?.kind === 'pir');
    // A corrective action due in the past is refused (the recorder's clock: simulated 2026-01-15).
    for (const line of ['Page on dead pools | bob | 2025-01-01', 'Alert on worker pools without heartbeats | bob | 2026-02-01']) {
      await r.press('a');
      await paste(line);
      await r.press(KEYS.enter);
      await settle();
    }
    expect(s().incident?.pir.values.correctiveActions.map((a) => a.due)).toEqual(['2026-02-01']);
    await r.press(KEYS.esc);
    await advance(2);
    await r.press('R', 'y');
    await settle();
    expect(s().incident?.state).toBe('resolved');
    await advance(3);
    await r.press('E');
    await settle();
    const written = path.join(dir, `${id}.pir.md`);
    await until('the export', () => fs.existsSync(written));
    const md = fs.readFileSync(written, 'utf8');
    if (process.env.SHOW_PIR) console.log(md);

    // ---- read as a reviewer ---------------------------------------------------------------------------
    const tokens = lex(md);
    const milestones = Object.fromEntries(cells(tables(section(tokens, 'Summary'))[1]).map((row) => [row[0], row]));
    const at = (name: string) => Date.parse(milestones[name]?.[1] ?? '');
    // Started precedes detected by the backlog's age when the lag trigger fired (within a minute).
    const fired = entries().find((e) => e.kind === 'trigger-fired' && e.details.triggerKey === 'queue-lag' && e.details.target === 'crawl');
    const lagAtDetection = Number(fired?.details.value) * 1000;
    expect(Math.abs(at('detected') - at('started') - lagAtDetection)).toBeLessThanOrEqual(60_000);
    expect(milestones['started']?.[2]).toContain('the oldest message waiting in crawl was enqueued');
    // Acknowledged is the first page acknowledgement (by key), not the severity decision.
    expect(at('acknowledged')).toBe(ackedAt);
    expect(milestones['acknowledged']?.[2]).toBe('first page acknowledgement: primary-on-call acknowledged by dana (key in the cockpit)');
    expect(milestones['severity decided']?.[2]).toContain('SEV-2 decided by alice');

    // At most one timeline row per action and per page target; no edits, ticks or refusals.
    const timeline = cells(tables(section(tokens, 'Timeline'))[0]).map((row) => row[2] ?? '');
    expect(timeline.filter((w) => w.startsWith('A1 scale-replicas on crawl'))).toHaveLength(1);
    expect(timeline.filter((w) => w.startsWith('A2 reduce-concurrency on reviews'))).toHaveLength(1);
    expect(timeline.filter((w) => /^A\d+ /.test(w))).toHaveLength(2);
    for (const target of ['primary-on-call', 'crawl-owner', 'reviews-owner']) {
      expect(timeline.filter((w) => w.startsWith(`Paged ${target} `))).toHaveLength(1);
    }
    expect(timeline.some((w) => /PIR |Runbook §|pir-action|in the past/.test(w))).toBe(false);
    // The refused corrective action is in the journal (the registry's audit point), not in the PIR.
    const refused = entries().filter((e) => e.kind === 'action' && String(e.details.reason ?? '').includes('is in the past'));
    expect(refused.map((e) => e.details.outcome)).toEqual(['failed']);
    expect(md).not.toContain('is in the past');
    expect(md).not.toContain('Appendix: full journal');

    // Every action row has its figure before and after.
    const effects = cells(tables(section(tokens, 'Actions taken'))[1]);
    expect(effects.map((row) => row[1])).toEqual(['crawl queue lag', 'reviews dead-letter growth']);
    for (const row of effects) {
      for (const v of row.slice(2, 5)) expect(v).not.toMatch(/not recorded|—/);
      expect(row[5]).toMatch(/^(improved|no change|worse): /);
    }

    // The state at resolution lists what was still firing (and who was never reached).
    const state = section(tokens, 'State at resolution')
      .map((t) => t.raw)
      .join('');
    const firing = recorder.view()?.triggers.filter((t) => t.clearedAt === null || Date.parse(t.clearedAt) > at('resolved')) ?? [];
    expect(firing.length).toBeGreaterThan(0);
    for (const t of firing) expect(state).toContain(`${t.title} on ${t.target}`);
    expect(state).toMatch(/crawl-owner \(Carl Crawl\), paged /);

    // Practice, charts Mermaid parses.
    expect(md).toContain('PRACTICE (simulation, scenario default)');
    const blocks = mermaidBlocks(md);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const b of blocks) await expect((await mermaid()).parse(b)).resolves.toBeTruthy();
  }, 120_000);
});
