// One field of a mitigation's parameters form (the form itself: src/ui/controllers/mitigationForm.ts,
// its overlay: panels/overlays/mitigation/). Data only, so the overlay's state and the form's
// logic share it without importing each other.
import type { ParamName } from '../../control/mitigations/types.js';

/** One parameter of the form: its value, what is allowed, what the system says now. */
export interface FormField {
  /** The parameter (also its `key=value` name on the `:` line and `--option` of `act`). */
  key: ParamName;
  /** In the runbook's words (`processes per worker`, `reason code`). */
  label: string;
  /** Allowed values or format. */
  format: string;
  value: string;
  /** The value on the system when the form opened (`8 processes on 4 workers`); null: nothing to show. */
  current: string | null;
  /** Where the prefill came from (`the selection`, `the shrink's record`); null: not prefilled. */
  source: string | null;
  /** A pick list (Left/Right cycles it); `strict`: nothing else is accepted. */
  choices: string[];
  strict: boolean;
  required: boolean;
  /** Why the value is not accepted, checked as it is typed; null: fine. */
  error: string | null;
}
