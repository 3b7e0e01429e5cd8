// Drawn over a panel's bottom border when the source that feeds the panel is lost:
// "x redis unreachable since 14:02:11Z, data 3m10s old". The figures above it are its last good data.
import React, { memo } from 'react';
import { Box, Text } from 'ink';
import { panelSourceProblem } from '../src/ui/state/selectors.js';
import type { CockpitStore, PanelId } from '../src/ui/state/store.js';
import type { Theme } from '../src/ui/state/theme.js';
import { sanitize } from '../src/core/sanitize.js';
import { Age } from './clock.js';
import { utcClock } from './format.js';
import { sameSource } from './sourceFreshness.js';
import { useSlice } from './useSlice.js';

function SourceNoticeImpl({
  store,
  panel,
  width,
  height,
  theme,
}: {
  store: CockpitStore;
  panel: PanelId;
  width: number;
  height: number;
  theme: Theme;
}) {
  // Each reading stamps its source anew: the notice renders when what it says changes.
  const problem = useSlice(store, (s) => panelSourceProblem(s, panel), sameSource);
  if (!problem || width < 12) return null;
  return (
    <Box position="absolute" marginTop={Math.max(0, height - 1)} marginLeft={2} width={Math.max(0, width - 4)} height={1}>
      <Text wrap="truncate-end" {...theme.tones.breach}>
        {` x ${sanitize(problem.name, 20)} unreachable`}
        {problem.unreachableSince !== null ? ` since ${utcClock(problem.unreachableSince)}Z` : ''}
        {', data '}
        <Age at={problem.lastGoodAt} suffix=" old" none="never read" />{' '}
      </Text>
    </Box>
  );
}

export const SourceNotice = memo(SourceNoticeImpl);
