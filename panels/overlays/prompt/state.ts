import { isPirTextField } from '../../../src/core/incident.js';
import { LONG_TEXT_MAX, SHORT_TEXT_MAX } from '../../../src/domain/textLimits.js';

/**
 * A one-line text prompt whose Enter runs `actionId` with `{ ...args, text }`. `back`: the overlay
 * to return to on Enter or Esc (null: close). `allowEmpty`: Enter on an empty line is an answer
 * (clearing a PIR field), not a mistake. (`Back` is the overlay union, from panels/overlays/kinds.ts.)
 */
export interface PromptOverlay<Back> {
  kind: 'prompt';
  actionId: string;
  label: string;
  text: string;
  args?: Record<string, string>;
  back?: Back;
  allowEmpty?: boolean;
  /** Why the last answer was refused (e.g. not a real due date): shown under the input. */
  error?: string;
}

/** The PIR editor's prose fields (root cause, impact…, blast radius notes) hold long text; every other prompt is one line. */
export function promptTextLimit(overlay: { actionId: string; args?: Record<string, string> }): number {
  const row = overlay.args?.row;
  return overlay.actionId === 'pir-edit' && (isPirTextField(row) || row === 'blastRadius.notes') ? LONG_TEXT_MAX : SHORT_TEXT_MAX;
}
