// Preloaded into a cockpit under measurement (`node --expose-gc --import bench/probe.mjs …`): on
// SIGUSR2 it runs a full garbage collection and appends one JSON line to $LSOS_PROBE_OUT with the
// heap after gc, the RSS, and how many `performance.measure()` entries Node holds (React's
// development build adds one per render and Node never drops them; the production build adds none).
// It writes nothing to the terminal and does nothing until signalled.
import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const out = process.env.LSOS_PROBE_OUT;
if (out) {
  process.on('SIGUSR2', () => {
    const gc = globalThis.gc;
    if (typeof gc === 'function') {
      gc();
      gc();
    }
    const m = process.memoryUsage();
    const line = {
      at: Date.now(),
      gcExposed: typeof gc === 'function',
      heapUsedAfterGc: m.heapUsed,
      rss: m.rss,
      measures: performance.getEntriesByType('measure').length,
      marks: performance.getEntriesByType('mark').length,
      nodeEnv: process.env.NODE_ENV ?? null,
    };
    appendFileSync(out, `${JSON.stringify(line)}\n`);
  });
}
