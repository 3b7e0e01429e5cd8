/** The filter is drawn in the panel's own frame, next to its title (panels/common.ts): nothing on top. */
export function FilterView(): null {
  return null;
}
