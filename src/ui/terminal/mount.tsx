// The one place the cockpit is mounted into a terminal, shared by the CLI and the render bench:
// incremental rendering (see ink-6-notes: with the frame one row shorter than the terminal, this
// keeps a one-value update near 300 bytes instead of a full rewrite), and keys first: no frame cap.
// Ink's maxFps throttles every commit alike (leading and trailing edge), so a key pressed within
// 1/maxFps of the previous frame (a poll tick, the clock, the previous key) waited for the trailing
// timer: up to 84 ms at 12 fps, on top of the frame's own cost. Unthrottled, a key's commit is drawn
// in the same turn of the event loop that read it, before any poll or ingest callback runs. The
// number of non-input frames is bounded where they come from: one store update per source tick,
// clocks in small leaf components, and a chunk of typed or pasted text arrives as one input event.
import React, { useEffect } from 'react';
import { render, useStdout, type Instance } from 'ink';
import type { AttemptHook, Binding } from '../registry/types.js';
import type { CockpitStore } from '../state/store.js';
import type { Clock } from '../../core/source.js';
import { Cockpit } from '../../../panels/Cockpit.js';
import { asciiStream } from './asciiOut.js';
import { REPAINT } from './screen.js';

export interface MountOptions {
  store: CockpitStore;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  clock?: Clock;
  /** The registry: buildRegistry(services). */
  bindings: readonly Binding[];
  onAttempt?: AttemptHook;
  maxFps?: number;
  /** Called after each frame with Ink's render time (the render bench). */
  onRender?: (metrics: { renderTime: number }) => void;
}

export interface MountedCockpit {
  instance: Instance;
  /** Clears the screen and has Ink draw its last frame again (Ctrl-L, SIGCONT). */
  repaint(): void;
}

/** Captures Ink's own stdout writer: a write through it makes Ink replay its last frame. */
function RepaintBridge({ onWriter }: { onWriter: (w: (s: string) => void) => void }) {
  const { write } = useStdout();
  useEffect(() => onWriter(write), [write, onWriter]);
  return null;
}

export function mountCockpit(o: MountOptions): MountedCockpit {
  // ASCII mode: every byte written is below 0x80, whatever a view or a name from the system holds.
  const ascii = o.store.getState().session.ascii;
  const stdout = ascii ? asciiStream(o.stdout) : o.stdout;
  const stderr = o.stderr ? (ascii ? asciiStream(o.stderr) : o.stderr) : stdout;
  let writer: ((s: string) => void) | null = null;
  const onWriter = (w: (s: string) => void) => {
    writer = w;
  };
  const instance = render(
    <>
      <RepaintBridge onWriter={onWriter} />
      <Cockpit store={o.store} clock={o.clock} bindings={o.bindings} onAttempt={o.onAttempt} />
    </>,
    {
      stdin: o.stdin,
      stdout,
      stderr,
      // Quit goes through the registry (it asks while an incident is open); Ctrl-C must not skip that.
      exitOnCtrlC: false,
      patchConsole: false,
      incrementalRendering: true,
      // 0: unthrottled (Ink 6.8 renders each commit as it happens).
      maxFps: o.maxFps ?? 0,
      onRender: o.onRender,
    },
  );
  return {
    instance,
    repaint() {
      if (writer) writer(REPAINT);
      else stdout.write(REPAINT);
    },
  };
}
