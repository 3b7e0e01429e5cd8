// The first frame is on screen: tells the bin (src/bin.ts), which may keep the code start-up
// compiled for the next start (src/cli/codeCache.ts). Without the bin (tests, tsc output) no one listens.
const FIRST_FRAME_HOOK = Symbol.for('lsos-cockpit.firstFrame');

export function firstFrameShown(): void {
  const hook = (globalThis as Record<symbol, unknown>)[FIRST_FRAME_HOOK];
  if (typeof hook === 'function') (hook as () => void)();
}
