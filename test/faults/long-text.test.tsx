// No silent truncation: a note or a PIR section pasted at 100 KB is kept whole, typed through the
// mounted cockpit, recorded and read back from the journal; past a field's limit the field says
// so and Enter is refused with the limit said, nothing cut; a one-line field (a severity reason)
// holds 2,000 characters the same way. The paste is handled in linear time (the field's drawing
// reads only the end of the text).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import React from 'react';
import { render } from 'ink-testing-library';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tailLines, tailToFit, TextInput } from '../../components/TextInput.js';
import { LONG_TEXT_MAX, SHORT_TEXT_MAX, textLength } from '../../src/domain/textLimits.js';
import { IncidentError, IncidentRecorder } from '../../src/journal/recorder.js';
import { loadIncident } from '../../src/journal/store.js';
import { CockpitRuntime } from '../../src/runtime/runtime.js';
import { editWithin } from '../../src/ui/input/keys.js';
import { createCockpitStore } from '../../src/ui/state/store.js';
import { THEMES } from '../../src/ui/state/theme.js';
import { cleanupAll, fixedClock, incidentSnapshot, renderCockpit, T0 } from '../ui/fixtures.js';

const dirs: string[] = [];
const runtimes: CockpitRuntime[] = [];
afterEach(() => {
  cleanupAll();
  for (const r of runtimes.splice(0)) {
    r.dispose();
    r.recorder.close();
  }
});
afterAll(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Words, as a log excerpt or a long root cause would be: 100 KB. */
function prose(bytes: number, seed = 'crawl worker backlog parser deploy rank queue lag redis replica '): string {
  return seed.repeat(Math.ceil(bytes / seed.length)).slice(0, bytes);
}

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsos-long-text-'));
  dirs.push(dir);
  const store = createCockpitStore({ session: { operator: 'alice' } });
  const recorder = new IncidentRecorder({ stateDir: dir, clock: fixedClock, operator: 'alice' });
  const runtime = new CockpitRuntime(store, recorder, { quit() {}, repaint() {} });
  runtimes.push(runtime);
  const { at: _at, sources: _sources, ...patch } = incidentSnapshot();
  store.getState().ingest('simulation', patch, T0);
  const id = store.getState().incident?.id ?? '';
  expect(id).toMatch(/^INC-/);
  const r = renderCockpit({ store, commands: runtime });
  /** A paste as the terminal delivers it: reads of at most 4 KB, each handed over as one string. */
  const paste = async (text: string) => {
    for (let i = 0; i < text.length; i += 4096) {
      r.stdin.write(text.slice(i, i + 4096));
      await r.press();
    }
  };
  const settle = async () => {
    await new Promise<void>((res) => setImmediate(res));
    await r.press();
  };
  const onDisk = () => loadIncident(dir, id)!.view.entries;
  return { r, store, recorder, paste, settle, onDisk };
}

describe('a 100 KB paste into the cockpit', () => {
  it('is kept whole in a note: typed through the keys, recorded, and read back from the journal', async () => {
    const { r, store, paste, settle, onDisk } = setup();
    r.stdin.write('n');
    await r.press();
    expect(store.getState().ui.overlay?.kind).toBe('note');
    const text = prose(100 * 1024);
    await paste(text);
    const overlay = store.getState().ui.overlay;
    expect(overlay?.kind === 'note' ? overlay.text.length : -1).toBe(text.length);
    // The box shows the end of it over several lines, and says how long it is.
    expect(r.lastFrame()).toMatch(/102,400 characters, the end shown/);
    r.stdin.write('\r');
    await settle();
    expect(store.getState().ui.flash?.text).toBe('note added');
    const notes = onDisk().filter((e) => e.kind === 'note');
    expect(notes).toHaveLength(1);
    expect(notes[0]!.details.text).toBe(text.trim());
  });

  it('past the limit: the field says so, Enter is refused with the limit said, nothing is recorded or cut', async () => {
    const { r, store, paste, settle, onDisk } = setup();
    r.stdin.write('n');
    await r.press();
    const text = prose(LONG_TEXT_MAX + 5_000);
    await paste(text);
    const overlay = store.getState().ui.overlay;
    expect(overlay?.kind === 'note' ? overlay.text.length : -1).toBe(text.length);
    expect(store.getState().ui.flash?.text).toMatch(/characters: this field holds at most 200,000; Enter refuses it whole, nothing is cut/);
    expect(r.lastFrame()).toMatch(/this field holds at most 200,000/);
    r.stdin.write('\r');
    await settle();
    expect(store.getState().ui.flash?.text).toMatch(
      /a note holds at most 200,000 characters; this one has 205,000: not kept, nothing was cut/,
    );
    expect(onDisk().filter((e) => e.kind === 'note')).toHaveLength(0);
  });

  it('a PIR root cause of 100 KB is kept whole too', async () => {
    const { store, recorder, onDisk } = setup();
    const text = prose(100 * 1024, 'the reviews parser deploy 812 dropped the rating field; ');
    recorder.setPirField('rootCause', text);
    expect(store.getState().incident?.pir.values.rootCause).toBe(text);
    const field = onDisk().filter((e) => e.kind === 'pir-field');
    expect(field.at(-1)?.details).toEqual({ field: 'rootCause', value: text });
  });
});

describe('one-line fields', () => {
  it('hold 2,000 characters; a longer reason is refused with the limit said, not cut', () => {
    const { recorder } = setup();
    expect(() => recorder.decideSeverity('SEV-2', 'r'.repeat(SHORT_TEXT_MAX + 1))).toThrow(
      new IncidentError('a reason holds at most 2,000 characters; this one has 2,001: not kept, nothing was cut'),
    );
    const kept = recorder.decideSeverity('SEV-2', 'r'.repeat(SHORT_TEXT_MAX));
    expect(kept.details.reason).toHaveLength(SHORT_TEXT_MAX);
  });

  it('an edit keeps text whole, says when it passes the limit, and refuses only text far past it', () => {
    expect(editWithin('abc', 'def', {}, 10)).toEqual({ text: 'abcdef' });
    const over = editWithin('abcdefgh', 'ijk', {}, 10);
    expect(over).toEqual({ text: 'abcdefghijk', over: expect.stringMatching(/^11 characters: this field holds at most 10;/) });
    expect(editWithin('x'.repeat(39), 'yy', {}, 10)).toEqual({
      refused: expect.stringMatching(/^2 more characters refused: the field already has 39 and holds at most 10/),
    });
    // Characters, not UTF-16 units: 10 emoji fit a field of 10.
    expect(editWithin('😀'.repeat(9), '😀', {}, 10)).toEqual({ text: '😀'.repeat(10) });
    expect(textLength('😀'.repeat(10))).toBe(10);
    // Backspace removes one character, a surrogate pair included.
    expect(editWithin('a😀', '', { backspace: true })).toEqual({ text: 'a' });
  });
});

describe('drawing a long field reads only its end', () => {
  it('shows the end that fits, cut with an ellipsis, wide characters counted as two cells', () => {
    expect(tailToFit('short', 10)).toEqual({ text: 'short', cut: false });
    expect(tailToFit('abcdefghijkl', 10)).toEqual({ text: 'defghijkl', cut: true });
    expect(tailToFit('漢字漢字漢字', 7)).toEqual({ text: '字漢字', cut: true });
    const lines = tailLines(`${'a'.repeat(100)}${'b'.repeat(25)}`, 10, 3);
    expect(lines).toEqual({ lines: ['aaaaabbbbb', 'bbbbbbbbbb', 'bbbbbbbbbb'], cut: true });
  });

  it('costs about the same for 100 KB as for 1 KB (no work proportional to the text)', () => {
    const small = 'w'.repeat(1024);
    const big = 'w'.repeat(100 * 1024);
    const time = (v: string) => {
      const t0 = performance.now();
      for (let i = 0; i < 200; i++) tailLines(v, 90, 4);
      return performance.now() - t0;
    };
    time(small);
    time(big); // warm up
    const a = Math.min(time(small), time(small), time(small));
    const b = Math.min(time(big), time(big), time(big));
    // Quadratic (the old tailToFit) took seconds here; linear in the text would be 100x.
    expect(b).toBeLessThan(a * 5 + 5);
  });

  it('an edit of a 100 KB field costs time linear in the text: 4x the text, far less than 16x the time', () => {
    const run = (n: number) => {
      const text = prose(n);
      const t0 = performance.now();
      let field = '';
      for (let i = 0; i < text.length; i += 4096) {
        const r = editWithin(field, text.slice(i, i + 4096), {}, LONG_TEXT_MAX * 4);
        if (r === null || !('text' in r)) throw new Error('refused');
        field = r.text;
      }
      expect(field.length).toBe(n);
      return performance.now() - t0;
    };
    run(50 * 1024);
    const t1 = Math.min(run(50 * 1024), run(50 * 1024), run(50 * 1024));
    const t4 = Math.min(run(200 * 1024), run(200 * 1024), run(200 * 1024));
    expect(t4).toBeLessThan(t1 * 10 + 5);
  });

  it('the input box draws the end of a 100 KB value over its rows', () => {
    const r = render(<TextInput label="note: " value={prose(100 * 1024)} width={60} theme={THEMES.mono} rows={4} />);
    const frame = r.lastFrame() ?? '';
    expect(frame.split('\n')).toHaveLength(4);
    expect(frame).toMatch(/^note: … \(102,400 characters, the end shown\)/);
    r.unmount();
  });
});
