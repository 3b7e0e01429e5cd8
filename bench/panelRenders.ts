// Counts React renders per panel for the render bench, without touching the panels: each panel
// is a memo() whose inner function React reads from `.type` when it first mounts, so wrapping that
// function before the cockpit mounts counts every time React calls it (a render it did not skip).
import { EscalationPanel } from '../panels/escalation/EscalationPanel.js';
import { FailuresPanel } from '../panels/failures/FailuresPanel.js';
import { MitigationsPanel } from '../panels/mitigations/MitigationsPanel.js';
import { Presentation } from '../panels/presentation/Presentation.js';
import { QueuesPanel } from '../panels/queues/QueuesPanel.js';
import { ReplicasPanel } from '../panels/replicas/ReplicasPanel.js';
import { RunbookPanel } from '../panels/runbook/RunbookPanel.js';
import { StatusLine } from '../panels/status/StatusLine.js';
import { TimelinePanel } from '../panels/timeline/TimelinePanel.js';

const PANELS: Record<string, unknown> = {
  queues: QueuesPanel,
  failures: FailuresPanel,
  replicas: ReplicasPanel,
  escalation: EscalationPanel,
  runbook: RunbookPanel,
  timeline: TimelinePanel,
  mitigations: MitigationsPanel,
  status: StatusLine,
  presentation: Presentation,
};

type Memo = { type: (props: unknown) => unknown };

let counts: Record<string, number> | null = null;

/** Starts counting (once per process: the wrapping stays); returns a reader that also resets. */
export function countPanelRenders(): { take(): Record<string, number> } {
  if (!counts) {
    const c: Record<string, number> = Object.fromEntries(Object.keys(PANELS).map((k) => [k, 0]));
    for (const [name, panel] of Object.entries(PANELS)) {
      const memo = panel as Memo;
      if (typeof memo.type !== 'function') throw new Error(`panel ${name} is not a memo() of a function component`);
      const inner = memo.type;
      memo.type = function counted(props: unknown) {
        c[name] = (c[name] ?? 0) + 1;
        return inner(props);
      };
    }
    counts = c;
  }
  const live = counts;
  return {
    take() {
      const out = { ...live };
      for (const k of Object.keys(live)) live[k] = 0;
      return out;
    },
  };
}
