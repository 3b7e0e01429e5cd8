/** The `:` command line: a panel name or a binding's name, with its text. */
export interface CommandOverlay {
  kind: 'command';
  text: string;
  /** What the last Tab or Enter could not do: the candidates of an ambiguous prefix, an unknown name. */
  note?: string;
}
