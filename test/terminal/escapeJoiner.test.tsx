import { PassThrough } from 'node:stream';
import React, { useState } from 'react';
import { Text, render, useInput } from 'ink';
import { afterEach, describe, expect, it } from 'vitest';
import { EscapeJoiningStdin, splitIncompleteEscape } from '../../src/ui/terminal/escapeJoiner.js';
import { waitFor } from '../support/waitFor.js';

describe('splitIncompleteEscape', () => {
  it.each([
    ['abc', 'abc', ''],
    ['\u001b', '', '\u001b'],
    ['j\u001b[', 'j', '\u001b['],
    ['\u001b[1;5', '', '\u001b[1;5'],
    ['\u001bO', '', '\u001bO'],
    ['\u001b[B', '\u001b[B', ''],
    ['\u001b[5~', '\u001b[5~', ''],
    ['\u001bj', '\u001bj', ''], // Alt+j is complete
  ])('%j -> ready %j, held %j', (input, ready, held) => {
    expect(splitIncompleteEscape(input)).toEqual([ready, held]);
  });
});

/** A fake TTY stdin: a stream the test writes raw bytes into, with setRawMode like a terminal. */
function fakeTty() {
  const s = new PassThrough() as PassThrough & {
    isTTY: boolean;
    setRawMode: (m: boolean) => void;
    rawMode: boolean;
    ref: () => void;
    unref: () => void;
  };
  s.isTTY = true;
  s.rawMode = false;
  s.setRawMode = (m: boolean) => {
    s.rawMode = m;
  };
  s.ref = () => {};
  s.unref = () => {};
  return s;
}

function fakeStdout() {
  const out = new PassThrough() as PassThrough & { columns: number; rows: number; isTTY: boolean };
  out.columns = 80;
  out.rows = 24;
  out.isTTY = true;
  out.resume();
  return out;
}

/** One event-loop turn: a chunk written to the fake tty has been read and handled. */
const turn = () => new Promise<void>((r) => setImmediate(r));
/** Ink listens (raw mode on) once useInput's effect ran: only then do writes arrive as separate reads. */
const listening = (tty: { rawMode: boolean }) => waitFor(() => tty.rawMode, { what: 'Ink to read the terminal' });

function KeyLog({ log }: { log: string[] }) {
  const [n, setN] = useState(0);
  useInput((input, key) => {
    if (key.downArrow) log.push('down');
    else if (key.upArrow) log.push('up');
    else if (key.escape) log.push('escape');
    else log.push(`text:${input}`);
    setN((x) => x + 1);
  });
  return <Text>{n}</Text>;
}

describe('an arrow key split across reads over SSH', () => {
  let cleanup: (() => void) | null = null;
  afterEach(() => {
    cleanup?.();
    cleanup = null;
  });

  // The hold is long in these tests so a busy machine's pauses between the two reads never
  // outlast it; how long it is does not change what is joined.
  function mount(useJoiner: boolean, holdMs = 60_000) {
    const tty = fakeTty();
    const stdin = useJoiner ? new EscapeJoiningStdin(tty, { holdMs }) : tty;
    const log: string[] = [];
    const inst = render(<KeyLog log={log} />, {
      stdin: stdin as unknown as NodeJS.ReadStream,
      stdout: fakeStdout() as unknown as NodeJS.WriteStream,
      patchConsole: false,
      exitOnCtrlC: false,
      debug: true,
    });
    cleanup = () => {
      inst.unmount();
      if (stdin instanceof EscapeJoiningStdin) stdin.detach();
    };
    return { tty, log };
  }

  it('is a cursor move, not an Escape followed by "[B"', async () => {
    const { tty, log } = mount(true);
    await listening(tty);
    tty.write('\u001b');
    await turn(); // the rest arrives in a second read
    expect(log).toEqual([]);
    tty.write('[B');
    await waitFor(() => log.length > 0, { what: 'a key' });
    expect(log).toEqual(['down']);
  });

  it('without the joiner Ink alone sees a stray Escape (why the joiner exists)', async () => {
    const { tty, log } = mount(false);
    await listening(tty);
    tty.write('\u001b');
    await waitFor(() => log.length > 0, { what: 'the Escape' });
    tty.write('[B');
    await waitFor(() => log.length > 1, { what: 'the rest' });
    expect(log[0]).toBe('escape');
    expect(log).not.toContain('down');
  });

  it('a real lone Escape still arrives, after the hold', async () => {
    const { tty, log } = mount(true, 80);
    await listening(tty);
    tty.write('\u001b');
    await turn(); // read, and held: the hold's timer cannot fire within this turn
    expect(log).toEqual([]);
    await waitFor(() => log.length > 0, { what: 'the Escape after the hold' });
    expect(log).toEqual(['escape']);
  });

  it('whole sequences and plain keys pass straight through', async () => {
    const { tty, log } = mount(true);
    await listening(tty);
    tty.write('j\u001b[Ak');
    await waitFor(() => log.length >= 3, { what: 'three keys' });
    expect(log).toEqual(['text:j', 'up', 'text:k']);
  });
});
