/** Every key and `:` command, generated from the registry (the help is windowed). */
export interface HelpOverlay {
  kind: 'help';
  /** First help line shown. */
  scroll?: number;
}
