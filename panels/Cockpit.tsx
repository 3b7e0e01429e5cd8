// The root: sizes the frame, lays out the panels, owns the one useInput, and hosts overlays.
//
//   render(<Cockpit store={store} bindings={buildRegistry(services)} onAttempt={audit} />, { exitOnCtrlC: false, ... })
//
// The frame is rows - 1 tall: a frame as tall as the terminal makes Ink 6 clear the screen on
// every commit.
import React, { memo, useCallback, useMemo, useRef } from 'react';
import { Box, Text, useInput } from 'ink';
import { useStore } from 'zustand';
import { ClockProvider } from '../components/clock.js';
import { useTerminalSize } from '../components/useTerminalSize.js';
import type { Clock } from '../src/core/source.js';
import { createDispatcher } from '../src/ui/registry/dispatcher.js';
import type { AttemptHook, Binding } from '../src/ui/registry/types.js';
import { handleKey } from '../src/ui/input/router.js';
import type { CockpitStore } from '../src/ui/state/store.js';
import { resolveTheme } from '../src/ui/state/theme.js';
import { computeLayout, MIN_SIZE, pageRowsOf, type Layout, type Size } from './layout.js';
import { OVERLAYS } from './overlays/index.js';
import { OverlayHost } from './overlays/OverlayHost.js';
import { Presentation } from './presentation/Presentation.js';
import { StatusLine } from './status/StatusLine.js';
import { PANEL_VIEWS } from './views.js';

export interface CockpitProps {
  store: CockpitStore;
  /** The registry: buildRegistry(services) (src/ui/registry/build.ts). */
  bindings: readonly Binding[];
  /** Audit hook: every binding attempt, refused, disabled and cancelled ones included. */
  onAttempt?: AttemptHook;
  /** Overrides the measured terminal size (tests, fixed-size screen shares). */
  size?: Size;
  /** The clock ages are measured with (the simulation's in simulation mode). */
  clock?: Clock;
}

export const TooSmall = memo(function TooSmall({ size }: { size: Size }) {
  return (
    <Box flexDirection="column" width={size.columns} height={Math.max(1, size.rows - 1)}>
      <Text wrap="wrap">{`Terminal too small: ${size.columns}x${size.rows}. lsos-cockpit needs at least ${MIN_SIZE.columns}x${MIN_SIZE.rows}.`}</Text>
      <Text wrap="wrap">Enlarge the window (or lower the font size); q quits.</Text>
    </Box>
  );
});

export function Cockpit({ store, bindings, onAttempt, size: sizeOverride, clock }: CockpitProps) {
  const measured = useTerminalSize();
  const size = sizeOverride ?? measured;
  const focus = useStore(store, (s) => s.ui.focus);
  const presentation = useStore(store, (s) => s.ui.presentation);
  const zoom = useStore(store, (s) => s.ui.zoom);
  const themeName = useStore(store, (s) => s.ui.theme);
  const colour = useStore(store, (s) => s.session.color);
  const ascii = useStore(store, (s) => s.session.ascii);
  const theme = resolveTheme(themeName, colour);
  const layout = computeLayout(size, focus, zoom);

  // The hook and the layout are read through refs so the dispatcher is made once per store.
  const layoutRef = useRef<Layout>(layout);
  layoutRef.current = layout;
  const hookRef = useRef(onAttempt);
  hookRef.current = onAttempt;
  const dispatcher = useMemo(
    () =>
      createDispatcher({
        store,
        bindings,
        onAttempt: (a, o, info) => hookRef.current?.(a, o, info),
        pageRows: (panel) => pageRowsOf(layoutRef.current, panel),
      }),
    [store, bindings],
  );
  useInput(useCallback((input, key) => handleKey(dispatcher, input, key, OVERLAYS), [dispatcher]));

  if (layout.kind === 'too-small') return <TooSmall size={size} />;
  return (
    <ClockProvider {...(clock ? { clock } : {})} pulse={store.subscribe}>
      <Box flexDirection="column" width={layout.width} height={layout.height} overflow="hidden">
        {presentation ? (
          <Presentation store={store} theme={theme} ascii={ascii} width={layout.width} height={layout.height - 2} />
        ) : (
          layout.grid.map((row, r) => (
            <Box key={r} flexDirection="row" width={layout.width} height={row[0]?.height ?? 0} flexShrink={0}>
              {row.map((box) => {
                const View = PANEL_VIEWS[box.panel];
                return (
                  <View
                    key={box.panel}
                    store={store}
                    theme={theme}
                    ascii={ascii}
                    width={box.width}
                    height={box.height}
                    focused={focus === box.panel}
                  />
                );
              })}
            </Box>
          ))
        )}
        <StatusLine store={store} theme={theme} width={layout.width} actions={bindings} />
        <OverlayHost store={store} theme={theme} ascii={ascii} size={size} bindings={bindings} />
      </Box>
    </ClockProvider>
  );
}
