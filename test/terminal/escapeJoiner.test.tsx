import { PassThrough } from 'node:stream';
import React, { useState } from 'react';
import { Text, render, useInput } from 'ink';
import { afterEach, describe, expect, it } from 'vitest';
import { EscapeJoiningStdin, splitIncompleteEscape } from '../../src/ui/terminal/escapeJoiner.js';

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

  function mount(useJoiner: boolean) {
    const tty = fakeTty();
    const stdin = useJoiner ? new EscapeJoiningStdin(tty, { holdMs: 80 }) : tty;
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
    await sleep(20);
    tty.write('\u001b');
    await sleep(30); // the rest arrives in a second read, 30 ms later
    tty.write('[B');
    await sleep(120);
    expect(log).toEqual(['down']);
  });

  it('without the joiner Ink alone sees a stray Escape (why the joiner exists)', async () => {
    const { tty, log } = mount(false);
    await sleep(20);
    tty.write('\u001b');
    await sleep(30);
    tty.write('[B');
    await sleep(50);
    expect(log[0]).toBe('escape');
    expect(log).not.toContain('down');
  });

  it('a real lone Escape still arrives, after the hold', async () => {
    const { tty, log } = mount(true);
    await sleep(20);
    tty.write('\u001b');
    await sleep(30);
    expect(log).toEqual([]);
    await sleep(100);
    expect(log).toEqual(['escape']);
  });

  it('whole sequences and plain keys pass straight through', async () => {
    const { tty, log } = mount(true);
    await sleep(20);
    tty.write('j\u001b[Ak');
    await sleep(10);
    expect(log).toEqual(['text:j', 'up', 'text:k']);
  });
});
