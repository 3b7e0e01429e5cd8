// The Enter menu: the bindings that apply to the focused panel, numbered 1-9 as the keys that pick them; disabled ones are dimmed and say why.
import React, { createContext, useContext, useMemo } from 'react';
import { Text } from 'ink';
import SelectInput from 'ink-select-input';
import { useStore } from 'zustand';
import { Modal, modalInnerWidth } from '../../../components/Modal.js';
import { fitWidth, padTo } from '../../../components/format.js';
import { displayKeys, menuBindings, menuNumber, menuReason } from '../../../src/ui/registry/help.js';
import { PANEL_TITLES } from '../../../src/ui/state/panels.js';
import { glyphs, type Theme } from '../../../src/ui/state/theme.js';
import { place } from '../common.js';
import type { OverlayViewProps } from '../types.js';
import type { ActionsOverlay } from './state.js';

/** What the list's rows draw with: passed down by context, so the row components stay the same components. */
const MenuLook = createContext<{ disabledLabels: ReadonlySet<string>; theme: Theme; ascii: boolean } | null>(null);

function MenuItem({ isSelected = false, label }: { isSelected?: boolean; label: string }) {
  const look = useContext(MenuLook);
  const off = look?.disabledLabels.has(label) ?? false;
  return (
    <Text wrap="truncate-end" inverse={isSelected} {...(off && look ? look.theme.tones.muted : {})}>
      {label}
    </Text>
  );
}

function MenuIndicator({ isSelected = false }: { isSelected?: boolean }) {
  const look = useContext(MenuLook);
  return <Text {...look?.theme.tones.accent}>{isSelected ? `${glyphs(look?.ascii ?? false).pointer} ` : '  '}</Text>;
}

export function ActionsView({ overlay, store, theme, ascii, size, bindings }: OverlayViewProps<ActionsOverlay>) {
  // Whether each entry is enabled depends on all of the state: read while the menu is open only.
  const state = useStore(store, (s) => s);
  const items = menuBindings(bindings, overlay.panel);
  const reasons = items.map((b) => menuReason(b, state));
  const box = place(size, 120, items.length + 4, 2);
  const inner = modalInnerWidth(box.width);
  const limit = Math.max(1, box.height - 4);
  const index = Math.max(0, Math.min(overlay.index ?? 0, items.length - 1));
  const selectItems = items.map((b, i) => {
    const why = reasons[i];
    const label = `${padTo(menuNumber(i), 2)}${padTo(displayKeys(b), 8)} ${b.title}${b.dangerous ? ' (confirms)' : ''}${why ? `  - disabled: ${why}` : ''}`;
    return { key: b.id, label: fitWidth(label, inner - 3), value: b.id };
  });
  const disabledKey = selectItems.filter((_, i) => reasons[i]).map((s) => s.label);
  const look = useMemo(
    () => ({ disabledLabels: new Set(disabledKey), theme, ascii }),
    // The labels' content, not the array's identity (a new array each render), decides.
    [disabledKey.join('\n'), theme, ascii],
  );
  return (
    <Modal
      title={`Actions: ${PANEL_TITLES[overlay.panel]}`}
      footer={items.length > 1 ? `j/k move, Enter or 1-${Math.min(9, items.length)} runs, Esc closes` : 'Enter or 1 runs, Esc closes'}
      theme={theme}
      ascii={ascii}
      {...box}
    >
      {items.length === 0 ? (
        <Text {...theme.tones.muted}>no action applies to this panel's selection (the incident keys are in the footer and ? help)</Text>
      ) : (
        <MenuLook.Provider value={look}>
          {/* ink-select-input draws the list; the router owns the keys, so the highlight is passed
              in as initialIndex and the list is remounted (key) when it moves. */}
          <SelectInput
            key={index}
            items={selectItems}
            isFocused={false}
            initialIndex={index}
            limit={limit}
            itemComponent={MenuItem}
            indicatorComponent={MenuIndicator}
          />
        </MenuLook.Provider>
      )}
    </Modal>
  );
}
