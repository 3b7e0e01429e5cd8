// The mitigation flow's overlay (TUI): parameters -> preview -> reason -> confirm -> running
// (progress, s stops) -> result. Pure data; the router (src/ui/input/mitigationRoute.ts) moves it on.

export type MitigationStep = 'params' | 'preview' | 'reason' | 'confirm' | 'running' | 'result';

export interface MitigationOverlay {
  kind: 'mitigation';
  step: MitigationStep;
  /** The mitigation (and registry action) id. */
  id: string;
  title: string;
  /** The parameter line (`queue=crawl concurrency=2`), as typed. */
  params: string;
  reason: string;
  /** What is being typed at this step (params line, reason, or the confirm answer). */
  text: string;
  preview?: {
    title: string;
    lines: string[];
    /** Why it would be refused (blockers, role, idempotency), shown before asking anything. */
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
