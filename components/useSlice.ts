// A slice of a store that renders its component only when it shows something else.
import { useRef } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';

/**
 * While `same` says the new reading shows what the last one did, the last one is returned, so
 * zustand skips the render (the store's update changed nothing this component shows). The
 * panels' equalities are in panels/slices.ts.
 */
export function useSlice<S, T>(store: StoreApi<S>, select: (s: S) => T, same: (a: T, b: T) => boolean): T {
  const last = useRef<{ value: T } | null>(null);
  return useStore(store, (s) => {
    const next = select(s);
    const prev = last.current;
    if (prev !== null && same(prev.value, next)) return prev.value;
    last.current = { value: next };
    return next;
  });
}
