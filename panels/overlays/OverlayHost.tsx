// Draws the open overlay over the panels, from the overlay table (panels/overlays/index.ts): each
// kind's view is in its own folder. It only draws: keys reach overlays through the input router.
import React, { memo, type ComponentType } from 'react';
import { useStore } from 'zustand';
import type { Binding } from '../../src/ui/registry/types.js';
import type { CockpitStore, Overlay } from '../../src/ui/state/store.js';
import type { Theme } from '../../src/ui/state/theme.js';
import type { Size } from '../layout.js';
import { OVERLAYS } from './index.js';
import type { OverlayViewProps } from './types.js';

interface HostProps {
  store: CockpitStore;
  theme: Theme;
  ascii: boolean;
  size: Size;
  bindings: readonly Binding[];
}

/** The overlay's kind's view. */
function OverlayView({ overlay, ...rest }: HostProps & { overlay: Overlay }) {
  // The table gives each kind the view of that kind's state: TypeScript cannot follow the pairing
  // of `overlay.kind` and `overlay` through the lookup, so it is said once here.
  const View = OVERLAYS[overlay.kind].View as ComponentType<OverlayViewProps<Overlay>>;
  return <View overlay={overlay} {...rest} />;
}

export const OverlayHost = memo(function OverlayHost(props: HostProps) {
  const overlay = useStore(props.store, (s) => s.ui.overlay);
  if (!overlay) return null;
  // A prompt or confirm asked from the PIR editor is drawn over it, so the review stays in view.
  const back = overlay.kind === 'prompt' || overlay.kind === 'confirm' ? overlay.back : undefined;
  return (
    <>
      {back && OVERLAYS[back.kind].staysUnder ? <OverlayView overlay={back} {...props} /> : null}
      <OverlayView overlay={overlay} {...props} />
    </>
  );
});
