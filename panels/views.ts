// Each grid panel's view, by its id in the panel list (src/ui/state/panels.ts): the Cockpit draws
// what the layout places with these. (The list cannot name the views itself: the store reads the
// list, and the views read the store.)
import type React from 'react';
import type { PanelId } from '../src/ui/state/panels.js';
import type { PanelProps } from './common.js';
import { EscalationPanel } from './escalation/EscalationPanel.js';
import { FailuresPanel } from './failures/FailuresPanel.js';
import { MitigationsPanel } from './mitigations/MitigationsPanel.js';
import { QueuesPanel } from './queues/QueuesPanel.js';
import { ReplicasPanel } from './replicas/ReplicasPanel.js';
import { RunbookPanel } from './runbook/RunbookPanel.js';
import { TimelinePanel } from './timeline/TimelinePanel.js';

export const PANEL_VIEWS: Record<PanelId, React.ComponentType<PanelProps>> = {
  queues: QueuesPanel,
  failures: FailuresPanel,
  replicas: ReplicasPanel,
  escalation: EscalationPanel,
  runbook: RunbookPanel,
  timeline: TimelinePanel,
  mitigations: MitigationsPanel,
};
