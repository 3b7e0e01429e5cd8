/** A note for the incident timeline, being typed. */
export interface NoteOverlay {
  kind: 'note';
  text: string;
}
