/** A message to read and close (a report, an export's path). */
export interface MessageOverlay {
  kind: 'message';
  title: string;
  body: string;
}
