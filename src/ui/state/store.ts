// The single source of truth. Sources write snapshot patches (one batched update per tick);
// the pure core derives triggers and the severity suggestion in the same update; panels read
// small slices through selectors. No I/O here.
import { createStore, type StoreApi } from 'zustand/vanilla';
import { suggestSeverity, type Severity, type SeverityDecision, type SeveritySuggestion } from '../../core/escalation.js';
import type { BlastRadius, PirField, PirFieldValues } from '../../core/incident.js';
import type { PagingView } from '../../core/paging.js';
import type { MitigationOverlay } from './mitigationOverlay.js';
import type { MitigationsState } from '../../control/mitigations/inForce.js';
import { emptySnapshot, type EpochMs, type Snapshot, type SourceStatus } from '../../core/snapshot.js';
import type { SnapshotPatch } from '../../core/source.js';
import {
  DEFAULT_THRESHOLDS,
  evaluateTriggers,
  type TriggerChange,
  type TriggerState,
  type TriggerThresholds,
} from '../../core/triggers.js';

export const PANELS = ['queues', 'failures', 'replicas', 'escalation', 'runbook', 'timeline', 'mitigations'] as const;
export type PanelId = (typeof PANELS)[number];

export const PANEL_TITLES: Record<PanelId, string> = {
  queues: 'Queue lag',
  failures: 'Failure classes',
  replicas: 'Replica lag',
  escalation: 'Escalation',
  runbook: 'Runbook',
  timeline: 'Timeline',
  mitigations: 'Mitigations in force',
};

export type ThemeName = 'dark' | 'light' | 'mono';

/** Overlays take every key while open (the input router sends keys to them first). */
export type Overlay =
  | { kind: 'help'; /** First help line shown (the help is windowed). */ scroll?: number }
  | { kind: 'quit-confirm' }
  | { kind: 'command'; text: string }
  | { kind: 'filter'; panel: PanelId; text: string }
  | { kind: 'severity'; step: 'pick' | 'reason'; severity: Severity | null; reason: string }
  | { kind: 'note'; text: string }
  | { kind: 'actions'; panel: PanelId; /** Highlighted entry. */ index?: number }
  | { kind: 'message'; title: string; body: string }
  /**
   * A dangerous action waiting for y/n; `args` are passed to it when confirmed. `back`: the
   * overlay it was asked from (e.g. the PIR editor), shown again once answered.
   */
  | { kind: 'confirm'; actionId: string; prompt: string; args?: Record<string, string>; back?: Overlay }
  /**
   * A one-line text prompt whose Enter runs `actionId` with `{ ...args, text }`. `back`: the
   * overlay to return to on Enter or Esc (null: close). `allowEmpty`: Enter on an empty line is
   * an answer (clearing a PIR field), not a mistake.
   */
  | {
      kind: 'prompt';
      actionId: string;
      label: string;
      text: string;
      args?: Record<string, string>;
      back?: Overlay;
      allowEmpty?: boolean;
      /** Why the last answer was refused (e.g. not a real due date): shown under the input. */
      error?: string;
    }
  /** The post-incident review editor; `index` is the highlighted row (see src/ui/controllers/pirEditor.ts). */
  | { kind: 'pir'; index: number }
  /** A mitigation being prepared, run or reported (src/ui/state/mitigationOverlay.ts). */
  | MitigationOverlay;

/** `ui.selected.timeline` at this value follows the newest entry. */
export const FOLLOW_NEWEST = Number.MAX_SAFE_INTEGER;

export interface UiState {
  focus: PanelId;
  selected: Record<PanelId, number>;
  filters: Record<PanelId, string>;
  overlay: Overlay | null;
  presentation: boolean;
  theme: ThemeName;
  /** A short line in the status bar: what just happened, or why a key did nothing. */
  flash: { text: string; level: 'info' | 'warn' | 'error'; at: EpochMs } | null;
  /**
   * The trigger whose runbook section the runbook pane shows (set by moving through the
   * escalation panel's triggers or a queue whose trigger fires); null: the top firing trigger.
   */
  runbookTrigger?: string | null;
}

export interface SessionConfig {
  readonly: boolean;
  /** Why the session is read-only, shown in the status bar. */
  readonlyReason: string | null;
  ascii: boolean;
  color: boolean;
  operator: string;
  thresholds: TriggerThresholds;
}

export interface CockpitState {
  session: SessionConfig;
  snapshot: Snapshot;
  triggers: TriggerState[];
  suggestion: SeveritySuggestion;
  decision: SeverityDecision | null;
  ui: UiState;
  /** Trigger changes of the latest ingest, for the recorder (the timeline) to pick up. */
  lastChanges: TriggerChange[];
  /** The open (or last) incident as the timeline panel shows it; null when there is none. */
  incident: IncidentSummary | null;
  /** Pages sent by the escalation matrix (src/control/paging/controller.ts); absent or null: paging not running. */
  paging?: PagingView | null;
  /** Mitigations: backend, role, what is in force and its drift (set by the MitigationController). */
  mitigations?: MitigationsState;
  /** Database tools on demand (src/ui/controllers/reporting.ts): completeness and integrity checks; absent or null: none. */
  reportingTools?: { server: string; integrityChecks: number } | null;

  /**
   * One batched update per source tick. `problem`: the reading arrived but says the source's own
   * server is unreachable (its figures are still merged; the source shows as unreachable).
   */
  ingest(source: string, patch: SnapshotPatch, at: EpochMs, problem?: string | null): void;
  /** A source failed to answer: keep its last data, mark it. */
  sourceFailed(source: string, error: string, at: EpochMs): void;
  decideSeverity(severity: Severity, reason: string, at: EpochMs): void;
  setUi(patch: Partial<UiState> | ((ui: UiState) => Partial<UiState>)): void;
  setIncident(incident: IncidentSummary | null): void;
  setPaging(paging: PagingView | null): void;
  flash(text: string, level?: 'info' | 'warn' | 'error'): void;
}

/** One timeline entry as drawn: already durable (fsynced) when it reaches the store. */
export interface TimelineLine {
  seq: number;
  /** ISO 8601 UTC with milliseconds and Z. */
  at: string;
  operator: string;
  kind: string;
  text: string;
}

/** The post-incident review as the PIR editor shows it. */
export interface PirSummary {
  /** The latest value of each field; the blast radius is the prefill until the operator edits it. */
  values: PirFieldValues;
  /** Fields the operator has set. */
  edited: PirField[];
  /** What the runbook triggers saw: modules, queues, campaigns, replicas. */
  blastRadiusPrefill: BlastRadius;
  /** What `pir export --strict` still reports (core/pir.ts strictProblems), one line each. */
  strictProblems: string[];
  /** The fields those problems name: required and still empty (or invalid). */
  missing: PirField[];
}

export interface IncidentSummary {
  id: string;
  state: 'open' | 'mitigated' | 'resolved';
  severity: Severity | null;
  startedAt: string;
  entries: TimelineLine[];
  /** Runbook steps ticked as done, as `section.step` (e.g. `3.1`). */
  stepsDone: string[];
  /** Journal problems found on start (torn tail, broken chain), shown to the operator. */
  journalProblems: string[];
  /** The review being written: what the PIR editor shows. */
  pir: PirSummary;
}

export type CockpitStore = StoreApi<CockpitState>;

function zeroByPanel<T>(v: T): Record<PanelId, T> {
  return Object.fromEntries(PANELS.map((p) => [p, v])) as Record<PanelId, T>;
}

export function initialUi(theme: ThemeName = 'dark'): UiState {
  return {
    focus: 'queues',
    // The timeline starts at its newest entry and follows it.
    selected: { ...zeroByPanel(0), timeline: FOLLOW_NEWEST },
    filters: zeroByPanel(''),
    overlay: null,
    presentation: false,
    theme,
    flash: null,
    runbookTrigger: null,
  };
}

export function defaultSession(partial: Partial<SessionConfig> = {}): SessionConfig {
  return {
    readonly: false,
    readonlyReason: null,
    ascii: false,
    color: true,
    operator: 'operator',
    thresholds: DEFAULT_THRESHOLDS,
    ...partial,
  };
}

function upsertSource(sources: SourceStatus[], next: SourceStatus): SourceStatus[] {
  const i = sources.findIndex((s) => s.name === next.name);
  if (i < 0) return [...sources, next];
  const copy = sources.slice();
  copy[i] = next;
  return copy;
}

export function createCockpitStore(opts: { session?: Partial<SessionConfig>; snapshot?: Snapshot; theme?: ThemeName } = {}): CockpitStore {
  const snapshot = opts.snapshot ?? emptySnapshot();
  return createStore<CockpitState>()((set, get) => ({
    session: defaultSession(opts.session),
    snapshot,
    triggers: [],
    suggestion: { severity: null, reason: 'no data yet', page: [], ticket: false, modules: [] },
    decision: null,
    ui: initialUi(opts.theme),
    lastChanges: [],
    incident: null,

    ingest(source, patch, at, problem = null) {
      const s = get();
      const prev = s.snapshot.sources.find((x) => x.name === source);
      const status: SourceStatus =
        problem === null
          ? { name: source, state: patch.simulated ? 'simulated' : 'ok', lastGoodAt: at, unreachableSince: null, error: null }
          : {
              name: source,
              state: 'unreachable',
              lastGoodAt: prev?.lastGoodAt ?? null,
              unreachableSince: prev?.unreachableSince ?? at,
              error: problem,
            };
      const merged: Snapshot = {
        ...s.snapshot,
        ...patch,
        at: Math.max(s.snapshot.at, at),
        sources: upsertSource(s.snapshot.sources, status),
      };
      const { triggers, changes } = evaluateTriggers(s.triggers, merged, s.session.thresholds);
      set({
        snapshot: merged,
        triggers,
        lastChanges: changes,
        suggestion: suggestSeverity(merged, triggers),
      });
    },

    sourceFailed(source, error, at) {
      const s = get();
      const prev = s.snapshot.sources.find((x) => x.name === source);
      const status: SourceStatus = {
        name: source,
        state: 'unreachable',
        lastGoodAt: prev?.lastGoodAt ?? null,
        unreachableSince: prev?.unreachableSince ?? at,
        error,
      };
      set({ snapshot: { ...s.snapshot, sources: upsertSource(s.snapshot.sources, status) }, lastChanges: [] });
    },

    decideSeverity(severity, reason, at) {
      set({ decision: { severity, reason, by: get().session.operator, at } });
    },

    setUi(patch) {
      const ui = get().ui;
      const next = typeof patch === 'function' ? patch(ui) : patch;
      set({ ui: { ...ui, ...next } });
    },

    setIncident(incident) {
      set({ incident });
    },

    setPaging(paging) {
      set({ paging });
    },

    flash(text, level = 'info') {
      get().setUi({ flash: { text, level, at: Date.now() } });
    },
  }));
}
