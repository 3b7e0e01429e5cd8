// A `figures` entry held in memory for as long as its incident is open: at 2,000 queues its
// per-queue figures are about 300 KB of objects, kept by the journal, the folded view and a shared
// incident's merged timeline (one object, shared). An incident of an hour held 19 MB of them, and a
// long one took the cockpit past its 120 MB. Nothing in the running cockpit reads them back (the
// PIR reads the journal on disk; the screen shows the entry's time), so they are kept compressed
// and expanded only if something does read them: the same JSON, the same hash, nothing lost.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { TimelineEntry } from '../core/timeline.js';

/**
 * Figures of fewer queues (about 90 bytes of JSON each) stay as they are: compressing them would
 * save little, and counting keys spares the simulation's small samples a JSON.stringify at each fold.
 */
const MIN_QUEUES = 64;

/**
 * The property over the compressed figures. Its own function: a closure made where the original
 * value is in scope would keep it alive (V8 shares one context between the closures of a scope).
 */
function accessor(d: Record<string, unknown>, packed: Buffer, enumerable: boolean): PropertyDescriptor {
  return {
    enumerable,
    configurable: true,
    get: () => JSON.parse(inflateRawSync(packed).toString('utf8')) as unknown,
    set: (v: unknown) => {
      Object.defineProperty(d, 'queues', { value: v, writable: true, enumerable, configurable: true });
    },
  };
}

/**
 * Keeps a figures entry's `queues` compressed, in place (every holder of the entry shares its
 * details object): reading the property gives a new copy of exactly what was there (it was JSON
 * to begin with: sealEntry copies details through JSON); assigning it stores the new value as is.
 * Its place among the keys stays (JSON and the canonical JSON of the hash are unchanged).
 * Returns the bytes it now takes compressed, or 0 when it left the entry alone.
 */
export function compactFigures(e: TimelineEntry): number {
  if (e.kind !== 'figures') return 0;
  const d = e.details;
  const desc = Object.getOwnPropertyDescriptor(d, 'queues');
  if (desc === undefined || !('value' in desc) || !desc.configurable || typeof desc.value !== 'object' || desc.value === null) return 0;
  if (Object.keys(desc.value as object).length < MIN_QUEUES) return 0;
  const json = JSON.stringify(desc.value);
  // Level 1: a 2,000-queue sample (185 KB) in about 1 ms, to about a tenth.
  const packed = deflateRawSync(json, { level: 1 });
  Object.defineProperty(d, 'queues', accessor(d, packed, desc.enumerable === true));
  return packed.length;
}
