// Hand-built snapshots for the view tests: known figures, triggers from the core.
import { EventEmitter } from 'node:events';
import React, { type ReactElement } from 'react';
import { render as inkRender } from 'ink';
import { cleanup, render } from 'ink-testing-library';
import { suggestSeverity } from '../../src/core/escalation.js';
import { emptySnapshot, type Snapshot } from '../../src/core/snapshot.js';
import { systemClock, type Clock } from '../../src/core/source.js';
import { evaluateTriggers } from '../../src/core/triggers.js';
import { buildRegistry } from '../../src/ui/registry/build.js';
import type { AttemptHook, Binding, CockpitServices } from '../../src/ui/registry/types.js';
import type { CockpitCommands } from '../../src/ui/registry/commands.js';
import { foldIncident } from '../../src/core/incidentView.js';
import { pirSummary } from '../../src/runtime/recorderBridge.js';
import { createCockpitStore, type CockpitStore, type IncidentSummary, type SessionConfig } from '../../src/ui/state/store.js';
import { Cockpit } from '../../panels/Cockpit.js';
import type { Size } from '../../panels/layout.js';

/** 2024-06-01 14:00:00Z */
export { T0 } from '../panels/fixtures.js';
import { T0 } from '../panels/fixtures.js';
/** The tests' clock: one minute after the snapshot. */
export const fixedClock: Clock = { now: () => T0 + 60_000 };

// The queue rows are the column-set tests' own (no Ink there): one definition.
export { queue } from '../panels/fixtures.js';
import { queue } from '../panels/fixtures.js';

/** crawl is 23 minutes behind with a dead-letter spike; replica-b is paused 95 s behind. */
export function incidentSnapshot(over: Partial<Snapshot> = {}): Snapshot {
  const base = emptySnapshot(T0);
  return {
    ...base,
    simulated: true,
    scenario: 'crawl-backlog',
    queues: [
      queue('crawl', {
        depth: 4210,
        reserved: 64,
        lagSeconds: 23 * 60 + 5,
        lagMethod: 'stamped',
        deadLetters: 120,
        deadLetterGrowthPerHour: 45,
        deadLetterBaselinePerHour: 6,
        failuresByClass: { transient: 310, validation: 3, provider: 95, parser: 12, unclassified: 0 },
        topFailingTasks: [
          { task: 'crawl.fetch_page', count: 280, failureClass: 'transient' },
          { task: 'crawl.fetch_robots', count: 95, failureClass: 'provider' },
          { task: 'crawl.parse_serp', count: 12, failureClass: 'parser' },
        ],
        lagTrend: [60, 180, 300, 420, 600, 780, 960, 1140, 1385],
      }),
      queue('rank', {
        depth: 12,
        reserved: 4,
        lagSeconds: 40,
        lagMethod: 'drain-rate',
        deadLetters: 2,
        deadLetterGrowthPerHour: 0.5,
        failuresByClass: { transient: 4, validation: 0, provider: 7, parser: 0, unclassified: 0 },
        topFailingTasks: [{ task: 'rank.check_serp', count: 7, failureClass: 'provider' }],
        lagTrend: [30, 35, 40],
      }),
      queue('reviews', { depth: 30, lagSeconds: 95, lagMethod: 'first-seen' }),
      queue('reporting', { depth: 0, lagSeconds: 0, lagMethod: 'empty' }),
      queue('email', { depth: 5, lagSeconds: null, lagMethod: 'unknown', deadLetterBaselinePerHour: null, deadLetterBaselineSource: null }),
    ],
    workers: [
      {
        hostname: 'worker-1',
        queues: ['crawl', 'rank', 'reviews', 'reporting', 'email'],
        concurrency: 8,
        active: 8,
        lastHeartbeatAt: T0,
        online: true,
        offlineSince: null,
      },
    ],
    database: {
      ...base.database,
      connections: 87,
      maxConnections: 100,
      blocking: [{ blockedPid: 4242, blockingPid: 4111, waitingSeconds: 192, query: 'UPDATE campaigns SET status = $1 WHERE id = $2' }],
      replicas: [
        { name: 'replica-a', lagSeconds: 4, replayPaused: false, seenFrom: 'simulated', reachable: true },
        { name: 'replica-b', lagSeconds: 95, replayPaused: true, seenFrom: 'simulated', reachable: true },
      ],
    },
    reporting: { runs: 40, failures: 1, windowMinutes: 60, failedCampaigns: [] },
    sources: [{ name: 'simulation', state: 'simulated', lastGoodAt: T0 - 2000, unreachableSince: null, error: null }],
    ...over,
  };
}

export function openIncident(partial: Partial<IncidentSummary> = {}): IncidentSummary {
  return {
    id: 'INC-20240601-01',
    state: 'open',
    severity: 'SEV-2',
    startedAt: '2024-06-01T13:58:00.000Z',
    entries: [
      { seq: 1, at: '2024-06-01T13:58:00.000Z', operator: 'alice', kind: 'opened', text: 'crawl lag over 15 minutes' },
      { seq: 2, at: '2024-06-01T13:58:30.000Z', operator: 'cockpit', kind: 'trigger', text: 'queue-lag:crawl fired' },
      { seq: 3, at: '2024-06-01T13:59:10.000Z', operator: 'alice', kind: 'note', text: 'proxy pool looks degraded' },
    ],
    stepsDone: ['3.1'],
    journalProblems: [],
    // An empty review: every required field still missing.
    pir: pirSummary(foldIncident([], 'INC-20240601-01')),
    ...partial,
  };
}

/** A store holding `snapshot`, with triggers and the suggestion computed by the core. */
export function fixtureStore(
  opts: { snapshot?: Snapshot; session?: Partial<SessionConfig>; incident?: IncidentSummary | null } = {},
): CockpitStore {
  const snapshot = opts.snapshot ?? incidentSnapshot();
  const store = createCockpitStore({ snapshot, ...(opts.session ? { session: opts.session } : {}) });
  const { triggers } = evaluateTriggers([], snapshot, store.getState().session.thresholds);
  store.setState({ triggers, suggestion: suggestSeverity(snapshot, triggers), incident: opts.incident ?? null });
  return store;
}

export type Call = [name: keyof CockpitCommands, ...args: unknown[]];

/** CockpitCommands that record their calls. */
export function fakeCommands(): CockpitCommands & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    quit: () => void calls.push(['quit']),
    repaint: () => void calls.push(['repaint']),
    openIncident: async (reason) => void calls.push(['openIncident', reason]),
    addNote: async (text) => void calls.push(['addNote', text]),
    decideSeverity: async (sev, reason) => void calls.push(['decideSeverity', sev, reason]),
    tickStep: async (section, step) => void calls.push(['tickStep', section, step]),
    setIncidentState: async (state) => void calls.push(['setIncidentState', state]),
    correctMilestone: async (milestone, at, reason) => void calls.push(['correctMilestone', milestone, at, reason]),
    exportPir: async () => {
      calls.push(['exportPir']);
      return '/var/lib/lsos-cockpit/pir/INC-20240601-01.md';
    },
    setPirField: async (field, value) => void calls.push(['setPirField', field, value]),
    addCorrectiveAction: async (row) => void calls.push(['addCorrectiveAction', row]),
    removeCorrectiveAction: async (index) => void calls.push(['removeCorrectiveAction', index]),
  };
}

export const KEYS = {
  up: '\x1b[A',
  down: '\x1b[B',
  enter: '\r',
  esc: '\x1b',
  tab: '\t',
  shiftTab: '\x1b[Z',
  pgUp: '\x1b[5~',
  pgDn: '\x1b[6~',
  backspace: '\x7f',
  ctrlL: '\x0c',
};

/**
 * ink-testing-library's stdout is 100 columns wide and Ink clips wider frames to it; for wider
 * sizes this renders the same way (debug mode, fake streams) on a stdout of `columns`.
 */
export function renderWide(tree: ReactElement, columns: number) {
  class Stdout extends EventEmitter {
    frames: string[] = [];
    last: string | undefined;
    get columns() {
      return columns;
    }
    write = (frame: string) => {
      this.frames.push(frame);
      this.last = frame;
    };
    lastFrame = () => this.last;
  }
  class Stdin extends EventEmitter {
    isTTY = true;
    data: string | null = null;
    write = (data: string) => {
      this.data = data;
      this.emit('readable');
      this.emit('data', data);
    };
    setEncoding() {}
    setRawMode() {}
    resume() {}
    pause() {}
    ref() {}
    unref() {}
    read = () => {
      const d = this.data;
      this.data = null;
      return d;
    };
  }
  const stdout = new Stdout();
  const stdin = new Stdin();
  const instance = inkRender(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: new Stdout() as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  wide.push(instance);
  return { stdin, stdout, frames: stdout.frames, lastFrame: stdout.lastFrame, unmount: instance.unmount, rerender: instance.rerender };
}

const wide: Array<{ unmount(): void }> = [];

/** Unmounts everything rendered (ink-testing-library's and the wide ones): stops the clocks. */
export function cleanupAll(): void {
  cleanup();
  for (const w of wide.splice(0)) w.unmount();
}

const tick = () => new Promise<void>((r) => setTimeout(r, 0));
const immediate = () => new Promise<void>((r) => setImmediate(r));

/** The services a test leaves out: no mitigation backend, no paging, no database. */
export type TestServices = Partial<Omit<CockpitServices, 'commands'>>;

/**
 * The registry as the cockpit builds it (buildRegistry), over `commands` (default fakeCommands())
 * and whichever other services the test gives. Prefilled parameters use wall time, as in main.
 */
export function testRegistry(services: TestServices & { commands?: CockpitCommands } = {}): Binding[] {
  return buildRegistry({ clock: systemClock, ...services, commands: services.commands ?? fakeCommands() });
}

/**
 * Renders the Cockpit with the registry built from `commands` (default fakeCommands(); a real
 * CockpitRuntime works too) and `services`.
 */
export function renderCockpit<C extends CockpitCommands = ReturnType<typeof fakeCommands>>(
  opts: { store?: CockpitStore; commands?: C; services?: TestServices; size?: Size; onAttempt?: AttemptHook; clock?: Clock } = {},
) {
  const store = opts.store ?? fixtureStore();
  const commands = (opts.commands ?? fakeCommands()) as C;
  const bindings = testRegistry({ ...opts.services, commands });
  // createElement: this helper file is .ts (no JSX).
  const tree = React.createElement(Cockpit, {
    store,
    bindings,
    clock: opts.clock ?? fixedClock,
    ...(opts.size ? { size: opts.size } : {}),
    ...(opts.onAttempt ? { onAttempt: opts.onAttempt } : {}),
  });
  const r = opts.size && opts.size.columns > 100 ? renderWide(tree, opts.size.columns) : render(tree);
  /** Writes keys one by one, waiting for Ink after each (a lone Escape needs a setImmediate). */
  async function press(...keys: string[]): Promise<void> {
    for (const k of keys) {
      r.stdin.write(k);
      if (k === KEYS.esc) await immediate();
      await tick();
    }
    await tick();
  }
  /** Types text as one chunk of input (see below). */
  async function type(text: string): Promise<void> {
    // One write, as a paste or an SSH packet brings it: the router still acts key by key (see
    // "keys that arrive together" in keys.test.tsx), but Ink draws one frame instead of one per
    // character. Tests that watch a frame mid-text press the keys one by one.
    r.stdin.write(text);
    await press();
  }
  const frame = () => r.lastFrame() ?? '';
  return { ...r, store, commands, bindings, press, type, frame };
}
