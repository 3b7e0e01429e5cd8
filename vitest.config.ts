import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Three tiers (vitest projects), run one after the other by `vitest run` (npm test):
// - unit: pure core, config, simulation, UI frames (ink-testing-library). No servers, no build,
//   no tmux: `npm run test:unit` after any change. Files run in parallel.
// - live: real Redis, RabbitMQ, PostgreSQL (private clusters), Celery workers, local HTTP
//   receivers, crash tests that spawn Node. Each file uses names of its own (queues, keys, Redis
//   dbs, vhosts, databases, ports), so files run side by side.
// - e2e: the built CLI in a tmux server of its own per file.
// A new file lands in unit unless it sits in a live or e2e folder (or is listed below).
// Tests wait for conditions (test/support/waitFor.ts), never for wall time: the timeouts below are
// ceilings for a machine under load, not expected durations.

// React's production build, as the cockpit always runs (src/productionMode.ts): what ships is what
// is tested, and a frame renders in about half the CPU of the development build. Set here, before
// Vite resolves the config, so JSX compiles for the production runtime as well.
process.env.NODE_ENV = 'production';

const ROOT = fileURLToPath(new URL('.', import.meta.url));

/** Folders whose tests need servers, processes or sockets. */
const LIVE_DIRS = [
  'test/live',
  'test/paging',
  'test/actions',
  'test/audit',
  'test/shared/live',
  'test/inforce/live',
  'test/lifecycle/live',
  'test/production/live',
];
/** ...and single live files elsewhere: the journal crash test compiles and kills a Node process. */
const LIVE_EXTRA = ['test/timeline/crash.test.ts'];
/** Pure files inside the live folders (message encoding, core logic, UI frames). */
const PURE_IN_LIVE_DIRS = [
  'test/audit/journalReads.test.ts',
  'test/live/celery-message.test.ts',
  'test/live/amqp-message.test.ts',
  'test/actions/pure.test.ts',
  'test/actions/execute.test.ts',
  'test/actions/roles.test.ts',
  'test/actions/flow.test.tsx',
  'test/actions/consuming-confirmed.test.ts',
  'test/paging/core.test.ts',
  'test/paging/panel.test.tsx',
  'test/paging/sim-clock.test.tsx',
];
/** The built CLI in tmux. */
const E2E = ['test/e2e/**/*.test.{ts,tsx}', 'test/security/**/*.test.{ts,tsx}', 'test/*/e2e/**/*.test.{ts,tsx}'];

function testFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(join(ROOT, dir), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return testFiles(rel);
    return /\.test\.tsx?$/.test(e.name) ? [relative(ROOT, join(ROOT, rel))] : [];
  });
}

/** A folder named live or faults anywhere under test/ holds live tests, whether or not it is listed above. */
const LIVE_ANYWHERE = testFiles('test').filter((f) => /\/(live|faults)\//.test(f.slice('test'.length)));
const LIVE = [...new Set([...LIVE_DIRS.flatMap(testFiles), ...LIVE_EXTRA, ...LIVE_ANYWHERE])].filter((f) => !PURE_IN_LIVE_DIRS.includes(f));
/** Both cores: sibling files mostly wait on servers and workers, not on the CPU. */
const WORKERS = 2;

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.{ts,tsx}'],
          exclude: [...LIVE, ...E2E],
          // One module graph per worker, not per file: a third less CPU (Ink, React and the cockpit
          // are loaded once). A unit test therefore leaves no global state behind (no module-level
          // bindings, env changes or fake timers left on).
          isolate: false,
          setupFiles: ['test/support/inkOutsideCi.ts'],
          // Frames are built as strings, so rendering allocates a lot of short-lived memory: a larger
          // young generation spends less time in scavenges.
          execArgv: ['--max-semi-space-size=64'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          maxWorkers: WORKERS,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'live',
          include: LIVE,
          testTimeout: 180_000,
          hookTimeout: 240_000,
          maxWorkers: WORKERS,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: E2E,
          testTimeout: 180_000,
          hookTimeout: 240_000,
          maxWorkers: WORKERS,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
