// Preloaded into a cockpit under bench/memory.ts (`node --import bench/memprobe.mjs …`): on SIGUSR2
// it appends one JSON line to $LSOS_MEMPROBE_OUT with V8's heap used and the physical size of each
// heap space, as they are (no gc: the figures of the RSS read at the same moment). It writes
// nothing to the terminal and does nothing until signalled.
import { appendFileSync } from 'node:fs';
import v8 from 'node:v8';

const out = process.env.LSOS_MEMPROBE_OUT;
if (out) {
  process.on('SIGUSR2', () => {
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.physical_space_size]));
    const line = { heapUsed: process.memoryUsage().heapUsed, spaces, bytecode: v8.getHeapCodeStatistics().bytecode_and_metadata_size };
    appendFileSync(out, `${JSON.stringify(line)}\n`);
  });
}
