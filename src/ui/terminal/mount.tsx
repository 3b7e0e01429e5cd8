// The one place the cockpit is mounted into a terminal, shared by the CLI and the render bench:
// incremental rendering and a modest frame rate (see ink-6-notes: with the frame one row shorter
// than the terminal, this keeps a one-value update near 300 bytes instead of a full rewrite).
import React, { useEffect } from 'react';
import { render, useStdout, type Instance } from 'ink';
import type { Action, AttemptHook } from '../registry/registry.js';
import type { CockpitCommands } from '../registry/commands.js';
import type { CockpitStore } from '../state/store.js';
import type { Clock } from '../../core/source.js';
import { Cockpit } from '../../../panels/Cockpit.js';
import { REPAINT } from './screen.js';

export interface MountOptions {
  store: CockpitStore;
  commands: CockpitCommands;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  clock?: Clock;
  actions?: readonly Action[];
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
  let writer: ((s: string) => void) | null = null;
  const onWriter = (w: (s: string) => void) => {
    writer = w;
  };
  const instance = render(
    <>
      <RepaintBridge onWriter={onWriter} />
      <Cockpit store={o.store} commands={o.commands} clock={o.clock} actions={o.actions} onAttempt={o.onAttempt} />
    </>,
    {
      stdin: o.stdin,
      stdout: o.stdout,
      stderr: o.stderr ?? o.stdout,
      // Quit goes through the registry (it asks while an incident is open); Ctrl-C must not skip that.
      exitOnCtrlC: false,
      patchConsole: false,
      incrementalRendering: true,
      maxFps: o.maxFps ?? 12,
      onRender: o.onRender,
    },
  );
  return {
    instance,
    repaint() {
      if (writer) writer(REPAINT);
      else o.stdout.write(REPAINT);
    },
  };
}
