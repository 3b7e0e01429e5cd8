/** The `:` command line: a panel name or a binding's name, with its text. */
export interface CommandOverlay {
  kind: 'command';
  text: string;
}
