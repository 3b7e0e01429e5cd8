/** Every key and `:` command, generated from the registry (the help is windowed; `/` searches it). */
export interface HelpOverlay {
  kind: 'help';
  /** First help line shown. */
  scroll?: number;
  /** What `/` searched for: only the help lines that match are shown. */
  query?: string;
  /** True while the search is being typed (Enter keeps it, Esc clears it). */
  searching?: boolean;
}
