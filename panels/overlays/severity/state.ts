import type { Severity } from '../../../src/core/escalation.js';
import type { PagePreview } from '../../../src/control/paging/controller.js';

/** Deciding the severity: pick SEV-1/2/3, then a reason (required). */
export interface SeverityOverlay {
  kind: 'severity';
  step: 'pick' | 'reason';
  severity: Severity | null;
  reason: string;
  /** Whom each severity would page, read from the roster and the matrix when the dialog opened. */
  pages?: Partial<Record<Severity, PagePreview>>;
}
