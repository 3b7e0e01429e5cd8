// A panel's frame: the title sits in the top border (saves a line per panel at 80x24), focus is
// shown by the border's shape and colour and an inverse title, and an active filter is shown
// next to the title.
import React, { memo, type ReactNode } from 'react';
import { Box, Text } from 'ink';
import stringWidth from 'string-width';
import { borderChars, type Theme } from '../src/ui/state/theme.js';
import { fitWidth } from './format.js';

export interface PanelFrameProps {
  title: string;
  /** The number key that focuses the panel. */
  number?: number;
  width: number;
  height: number;
  focused: boolean;
  theme: Theme;
  ascii: boolean;
  /** Active filter text (shown as `/text`). */
  filter?: string;
  /** True while the filter is being typed (draws a cursor). */
  editingFilter?: boolean;
  /** Rows shown only because they started breaching after the filter was typed (`/crawl +1 firing`). */
  kept?: number;
  /** The table's sort, e.g. `sort:lag▼` (src/ui/state/sort.ts sortLabel). */
  sort?: string;
  /** Right side of the title line, e.g. `3/12`. */
  info?: string;
  /** Drawn over the bottom border (e.g. a lost data source's notice); positions itself. */
  footer?: ReactNode;
  children?: ReactNode;
}

/**
 * The title line, exactly `width` wide: corner, label, filter, a fill of border characters, info,
 * corner. What does not fit goes, info first, then the filter, then the end of the label.
 */
export function titleParts(width: number, label: string, filter: string, info: string, top: string, corners: [string, string]) {
  const lead = corners[0] + top;
  const tail = top + corners[1];
  const room = Math.max(0, width - stringWidth(lead) - stringWidth(tail));
  const lbl = fitWidth(label, room);
  const flt = fitWidth(filter, room - stringWidth(lbl));
  const inf = stringWidth(lbl) + stringWidth(flt) + stringWidth(info) <= room ? info : '';
  const fill = top.repeat(Math.max(0, room - stringWidth(lbl) - stringWidth(flt) - stringWidth(inf)));
  return { lead, label: lbl, filter: flt, fill, info: inf, tail };
}

function PanelFrameImpl({
  title,
  number,
  width,
  height,
  focused,
  theme,
  ascii,
  filter = '',
  editingFilter = false,
  kept = 0,
  sort = '',
  info = '',
  footer,
  children,
}: PanelFrameProps) {
  const chars = borderChars(ascii, focused);
  const borderColor = focused ? theme.borderFocused : theme.border;
  const label = ` ${number !== undefined ? `${number} ` : ''}${title} `;
  const filterText =
    (filter !== '' || editingFilter ? ` /${filter}${editingFilter ? '_' : ''}${kept > 0 ? ` +${kept} firing` : ''} ` : '') +
    (sort ? ` ${sort} ` : '');
  const parts = titleParts(width, label, filterText, info ? ` ${info} ` : '', chars.top, [chars.topLeft, chars.topRight]);
  // A full border with the title drawn over its top line. (Not borderTop={false} plus a title
  // line: Ink 6.8 re-applies a changed borderStyle without borderTop and adds a blank line.)
  return (
    <Box width={width} height={height} flexShrink={0}>
      <Box borderStyle={chars} borderColor={borderColor} width={width} height={height} flexDirection="column" overflow="hidden">
        {children}
      </Box>
      <FrameTitle width={width} {...parts} borderColor={borderColor} focused={focused} theme={theme} />
      {footer}
    </Box>
  );
}

type FrameTitleProps = ReturnType<typeof titleParts> & { width: number; borderColor: string | undefined; focused: boolean; theme: Theme };

/**
 * The title line, memoised on its texts: a panel renders again with every figure it shows, and
 * its children are new elements each time, so the frame always renders; its title does not.
 */
export const FrameTitle = memo(function FrameTitle({
  width,
  lead,
  label,
  filter,
  fill,
  info,
  tail,
  borderColor,
  focused,
  theme,
}: FrameTitleProps) {
  return (
    <Box position="absolute" width={width} height={1}>
      <Text wrap="truncate-end">
        <Text color={borderColor}>{lead}</Text>
        <Text bold={focused} inverse={focused}>
          {label}
        </Text>
        <Text {...theme.tones.accent}>{filter}</Text>
        <Text color={borderColor}>{fill}</Text>
        <Text {...theme.tones.muted}>{info}</Text>
        <Text color={borderColor}>{tail}</Text>
      </Text>
    </Box>
  );
});

export const PanelFrame = memo(PanelFrameImpl);

/** Lines and columns inside a frame of the given size. */
export function frameInner(width: number, height: number): { width: number; height: number } {
  return { width: Math.max(0, width - 2), height: Math.max(0, height - 2) };
}
