// A second reader's check: the PIR of the scripted incident (test/pir/script.ts: the default
// scenario, seed 7, starting 2026-01-15T09:00:00Z, every step on the simulation's clock) compared
// byte for byte with the committed golden file, so any change to the document is reviewed as a
// diff. After an intended change, regenerate it and review the diff before committing:
//
//   UPDATE_GOLDEN=1 npx vitest run test/pir/golden.test.ts
//
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderPir } from '../../src/core/pir.js';
import { loadIncident } from '../../src/journal/store.js';
import { simCockpit } from './harness.js';
import { scriptedIncident } from './script.js';

const GOLDEN = fileURLToPath(new URL('./golden/default-scenario.pir.md', import.meta.url));

async function scriptedPir(): Promise<string> {
  const c = await simCockpit();
  try {
    const { id } = await scriptedIncident(c);
    const loaded = loadIncident(c.dir, id);
    if (!loaded) throw new Error('incident not found');
    return renderPir(loaded.view, loaded.report);
  } finally {
    await c.close();
    fs.rmSync(c.dir, { recursive: true, force: true });
  }
}

describe('the PIR of the scripted incident', () => {
  it('is the same document twice over (nothing in it depends on the wall clock or the machine)', async () => {
    expect(await scriptedPir()).toBe(await scriptedPir());
  }, 60_000);

  it('matches the committed golden file', async () => {
    const pir = await scriptedPir();
    if (process.env.UPDATE_GOLDEN === '1') {
      fs.mkdirSync(fileURLToPath(new URL('./golden/', import.meta.url)), { recursive: true });
      fs.writeFileSync(GOLDEN, pir);
    }
    expect(fs.existsSync(GOLDEN), `no golden file: run UPDATE_GOLDEN=1 npx vitest run test/pir/golden.test.ts`).toBe(true);
    // Compared line by line first, so a failure shows the first line that differs.
    const want = fs.readFileSync(GOLDEN, 'utf8');
    const a = pir.split('\n');
    const b = want.split('\n');
    const first = a.findIndex((line, i) => line !== b[i]);
    expect(first === -1 ? null : { line: first + 1, got: a[first], golden: b[first] }).toBeNull();
    expect(pir).toBe(want);
  }, 60_000);
});
