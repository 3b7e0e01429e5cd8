// The mitigation flow's overlay (TUI): parameters (a form) -> preview -> reason -> confirm ->
// running (progress, s stops) -> result. Pure data; its keys are in route.ts beside it.
import type { FormField } from '../../../src/ui/state/mitigationForm.js';

export type { FormField };

export type MitigationStep = 'params' | 'preview' | 'reason' | 'confirm' | 'running' | 'result';

export interface MitigationOverlay {
  kind: 'mitigation';
  step: MitigationStep;
  /** The mitigation (and registry action) id. */
  id: string;
  title: string;
  /** The parameters as a `key=value` line (`queue=crawl concurrency=2`): what the form says, for the record. */
  params: string;
  reason: string;
  /** What is being typed at this step (reason, or the confirm answer); at `params`, the focused field's value. */
  text: string;
  /** The parameters as a form, one field per parameter the mitigation takes. */
  form?: FormField[];
  /** The focused field. */
  field?: number;
  preview?: {
    title: string;
    lines: string[];
    /** Why it would be refused (blockers, role, idempotency, no evidence of a fix), shown before asking anything. */
    refusal: string | null;
    simulated: boolean;
    /** The override the operator asked for: confirming means typing this task name. */
    overrideTask: string | null;
    dangerous: boolean;
  };
  progress?: { done: number; total: number; text: string };
  result?: { status: string; lines: string[]; simulated: boolean };
  /** Why the last answer was not taken (bad parameter, wrong task name typed). */
  error?: string;
}
