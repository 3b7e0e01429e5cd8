/** Quit asks first while an incident is open or mitigated. */
export interface QuitConfirmOverlay {
  kind: 'quit-confirm';
}
