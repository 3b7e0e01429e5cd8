// The single source of truth. Sources write snapshot patches (one batched update per tick), each
// only to the slices it declared; the pure core derives triggers and the severity suggestion in
// the same update; panels read small slices through selectors. What an update changed (triggers
// fired or cleared, sources lost or restored) is returned and published as events once the update
// is done: the runtime records them (src/runtime/recorderBridge.ts). No I/O here.
import { createStore, type StoreApi } from 'zustand/vanilla';
import {
  suggestSeverity,
  type DecidedSeverity,
  type Severity,
  type SeverityDecision,
  type SeveritySuggestion,
} from '../../core/escalation.js';
import type { BlastRadius, PirField, PirFieldValues } from '../../core/incident.js';
import type { PagingView } from '../../core/paging.js';
import type { Overlay } from '../../../panels/overlays/kinds.js';
import type { MitigationsState } from '../../control/mitigations/inForce.js';
import type { RecorderHealth } from '../../journal/recorder.js';
import type { SharedView } from '../../journal/shared/session.js';
import { PANELS, type PanelId } from './panels.js';
import type { SortSpec } from './sort.js';
import { emptySnapshot, type EpochMs, type Snapshot, type SourceEndpoint, type SourceStatus } from '../../core/snapshot.js';
import { isSnapshotSlice, type SnapshotPatch, type SnapshotSlice } from '../../core/source.js';
import type { Signal } from '../../core/signals.js';
import { NO_TRENDS, sampleTrends, type TriggerTrends } from '../../core/triggerTrends.js';
import { DEFAULT_THRESHOLDS, evaluateTriggers, type TriggerState, type TriggerThresholds } from '../../core/triggers.js';

// The panels, their titles and focus order come from the panel list.
export { PANELS, PANEL_TITLES, type PanelId } from './panels.js';

export type ThemeName = 'dark' | 'light' | 'mono';

// Overlay kinds live in panels/overlays/<kind>/ (state, keys and view together).
export type { Overlay, OverlayKind, OverlayOf, MitigationOverlay } from '../../../panels/overlays/kinds.js';

/** `ui.selected.timeline` at this value follows the newest entry. */
export const FOLLOW_NEWEST = Number.MAX_SAFE_INTEGER;

export interface UiState {
  focus: PanelId;
  selected: Record<PanelId, number>;
  filters: Record<PanelId, string>;
  overlay: Overlay | null;
  presentation: boolean;
  /** The focused panel drawn alone over the whole screen (z). */
  zoom: boolean;
  /** Each panel's sort (`<` / `>` pick the column, `o` reverses); absent: the panel's own order. */
  sorts: Partial<Record<PanelId, SortSpec>>;
  /**
   * The triggers firing when each panel's filter was last typed (trigger key -> since): a row
   * whose trigger fires and is not among them (it started firing since) is shown whatever the
   * filter says, so a filter never hides a newly breaching row.
   */
  filterFiring: Partial<Record<PanelId, Record<string, number>>>;
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
  /** How long after a resolve a trigger firing again offers to reopen it (config `reopenWindowMs`; default 30 min). */
  reopenWindowMs?: number;
}

export interface CockpitState {
  session: SessionConfig;
  snapshot: Snapshot;
  triggers: TriggerState[];
  suggestion: SeveritySuggestion;
  decision: SeverityDecision | null;
  ui: UiState;
  /** The open (or last) incident as the timeline panel shows it; null when there is none. */
  incident: IncidentSummary | null;
  /** Pages sent by the escalation matrix (src/control/paging/controller.ts); absent or null: paging not running. */
  paging?: PagingView | null;
  /** Mitigations: backend, role, what is in force and its drift (set by the MitigationController). */
  mitigations?: MitigationsState;
  /**
   * Signals the cockpit itself raised (an operator's `:declare`, a failed integrity check with a
   * severity): judged with the snapshot's own signals as triggers (src/core/signals.ts).
   */
  raisedSignals: Signal[];
  /** Each trigger's figure over the last minutes (presentation mode draws the trends). */
  trends: TriggerTrends;
  /** Writing the journal: a fault, entries waiting in memory (set by the recorder bridge); absent: not known yet. */
  journal?: RecorderHealth | null;
  /** The shared incident: Redis, presence, commander, leases (set by src/runtime/shared.ts); absent: not shared. */
  shared?: SharedView | null;

  /**
   * Declares the slices of the snapshot a source writes (at start, by its scheduler). Throws a
   * SliceError when another source already owns one of them, or the same name claimed others.
   */
  declareSource(source: string, owns: readonly SnapshotSlice[]): void;
  /**
   * One batched update per source tick; returns what it changed (also published to onChanges).
   * `problem`: the reading arrived but says the source's own server is unreachable (its figures
   * are still merged; the source shows as unreachable). Throws a SliceError, changing nothing,
   * when the patch writes outside the source's declared slices, or (a source that declared
   * nothing) into a slice another source owns.
   */
  ingest(source: string, patch: SnapshotPatch, at: EpochMs, problem?: string | null, endpoint?: SourceEndpoint | null): StoreChange[];
  /** A source failed to answer: keep its last data, mark it. Returns what changed. */
  sourceFailed(source: string, error: string, at: EpochMs): StoreChange[];
  /**
   * Calls `listener` with the changes of every ingest and sourceFailed, after the store update
   * (and its subscribers) finished. Returns an unsubscribe function.
   */
  onChanges(listener: (changes: readonly StoreChange[]) => void): () => void;
  decideSeverity(severity: Severity, reason: string, at: EpochMs): void;
  /**
   * Raises a signal (or replaces the one with its id: a check that passes again withdraws it
   * with `active: false`) and judges the triggers again at once; returns what changed (also
   * published to onChanges), as an ingest does.
   */
  raiseSignal(signal: Signal, at: EpochMs): StoreChange[];
  setUi(patch: Partial<UiState> | ((ui: UiState) => Partial<UiState>)): void;
  setIncident(incident: IncidentSummary | null): void;
  setPaging(paging: PagingView | null): void;
  setJournal(journal: RecorderHealth | null): void;
  flash(text: string, level?: 'info' | 'warn' | 'error'): void;
}

/**
 * What one store update changed, as events. `severity-evaluated` comes with every ingest (the
 * matrix is evaluated again each time): the recorder keeps only a severity new to the incident.
 */
export type StoreChange =
  | { kind: 'trigger-fired'; trigger: TriggerState }
  | { kind: 'trigger-cleared'; trigger: TriggerState }
  | { kind: 'severity-evaluated'; suggestion: SeveritySuggestion }
  | { kind: 'source-lost'; source: string; error: string | null }
  | { kind: 'source-restored'; source: string }
  /** The source reads from another server than at its last reading (a Sentinel failover: a new master). */
  | { kind: 'source-switched'; source: string; role: string; to: string; from: string };

/** A source wrote, or claimed, a part of the snapshot that is not its own. */
export class SliceError extends Error {
  override name = 'SliceError';
}

/** One timeline entry as drawn: already durable (fsynced) when it reaches the store. */
export interface TimelineLine {
  seq: number;
  /** ISO 8601 UTC with milliseconds and Z. */
  at: string;
  operator: string;
  kind: string;
  text: string;
  /** Not on disk yet: waiting in memory while the journal cannot be written. */
  unwritten?: boolean;
  /** What the detail view shows beside the line: the entry's details and its place in the chain. */
  details?: Record<string, unknown>;
  hash?: string;
  prevHash?: string;
  simAt?: string;
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
  /**
   * This incident's latest severity decision from its journal (null: none yet). Absent: not
   * known (a summary built by hand); the store's own decision is shown then.
   */
  decided?: DecidedSeverity | null;
  /** Who leads the incident: its commander where the shared incident names one, else who opened it. */
  commander?: string | null;
  /** When it was last resolved (wall clock, ISO UTC); null or absent: not resolved now. The reopen offer counts from it. */
  resolvedAt?: string | null;
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
    zoom: false,
    sorts: {},
    filterFiring: {},
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

/** Sources that went unreachable, or came back, between two lists of source states. */
function sourceTransitions(before: readonly SourceStatus[], after: readonly SourceStatus[]): StoreChange[] {
  const out: StoreChange[] = [];
  for (const src of after) {
    const was = before.find((x) => x.name === src.name);
    if (src.state === 'unreachable' && was?.state !== 'unreachable') out.push({ kind: 'source-lost', source: src.name, error: src.error });
    if (was?.state === 'unreachable' && src.state !== 'unreachable') out.push({ kind: 'source-restored', source: src.name });
    const from = was?.endpoint;
    const to = src.endpoint;
    if (from && to && (from.address !== to.address || from.role !== to.role))
      out.push({ kind: 'source-switched', source: src.name, role: to.role, to: to.address, from: from.address });
  }
  return out;
}

/**
 * The snapshot the triggers judge: the sources' signals and the cockpit's own together (a source's
 * signal wins over one of the same id raised again from the journal after a restart).
 */
function withRaised(snap: Snapshot, raised: readonly Signal[]): Snapshot {
  if (raised.length === 0) return snap;
  const own = raised.filter((r) => !snap.signals.some((s) => s.id === r.id));
  return own.length === 0 ? snap : { ...snap, signals: [...snap.signals, ...own] };
}

export function createCockpitStore(opts: { session?: Partial<SessionConfig>; snapshot?: Snapshot; theme?: ThemeName } = {}): CockpitStore {
  const snapshot = opts.snapshot ?? emptySnapshot();
  // Who owns which slice: fixed at start, never drawn, so kept out of the state.
  const owners = new Map<SnapshotSlice, string>();
  const claims = new Map<string, readonly SnapshotSlice[]>();
  const listeners = new Set<(changes: readonly StoreChange[]) => void>();
  const publish = (changes: StoreChange[]): StoreChange[] => {
    for (const l of [...listeners]) l(changes);
    return changes;
  };
  // A declared source writes only its slices; a slice a source owns is written by it alone. A
  // writer that declared nothing (a test feeding the store a whole snapshot by hand) may write
  // what nobody owns; the store's own `at` and `sources` it sets itself, as for everyone.
  const checkPatch = (source: string, patch: SnapshotPatch): void => {
    const owns = claims.get(source);
    const keys = Object.keys(patch).filter((k) => owns || (k !== 'at' && k !== 'sources'));
    const unknown = keys.filter((k) => !isSnapshotSlice(k));
    if (unknown.length > 0) throw new SliceError(`${source} wrote ${unknown.join(', ')}, which is not a part of the snapshot`);
    if (owns) {
      const outside = keys.filter((k) => owners.get(k as SnapshotSlice) !== source);
      if (outside.length > 0)
        throw new SliceError(`${source} wrote ${outside.join(', ')}, outside what it owns (${owns.join(', ') || 'nothing'})`);
      return;
    }
    const taken = keys.filter((k) => owners.has(k as SnapshotSlice));
    if (taken.length > 0) {
      const by = taken.map((k) => `${k} (${owners.get(k as SnapshotSlice)})`).join(', ');
      throw new SliceError(`${source} wrote ${by}, owned by another source`);
    }
  };
  return createStore<CockpitState>()((set, get) => ({
    session: defaultSession(opts.session),
    snapshot,
    triggers: [],
    suggestion: { severity: null, reason: 'no data yet', page: [], ticket: false, modules: [] },
    decision: null,
    raisedSignals: [],
    trends: NO_TRENDS,
    ui: initialUi(opts.theme),
    incident: null,

    declareSource(source, owns) {
      const known = claims.get(source);
      if (known) {
        if (known.length === owns.length && owns.every((k) => known.includes(k))) return;
        throw new SliceError(`${source} already declared ${known.join(', ') || 'nothing'}, not ${owns.join(', ') || 'nothing'}`);
      }
      for (const slice of owns) {
        if (!isSnapshotSlice(slice)) throw new SliceError(`${source} claims ${String(slice)}, which is not a part of the snapshot`);
        const owner = owners.get(slice);
        if (owner !== undefined) throw new SliceError(`${source} claims ${slice}, which ${owner} already owns`);
      }
      for (const slice of owns) owners.set(slice, source);
      claims.set(source, [...owns]);
    },

    ingest(source, patch, at, problem = null, endpoint = null) {
      checkPatch(source, patch);
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
      // Where it reads now; a reading that names none keeps the last known (so a switch is seen against it).
      const where = endpoint ?? prev?.endpoint ?? null;
      if (where) status.endpoint = where;
      const merged: Snapshot = {
        ...s.snapshot,
        ...patch,
        at: Math.max(s.snapshot.at, at),
        sources: upsertSource(s.snapshot.sources, status),
      };
      const judged = withRaised(merged, s.raisedSignals);
      const { triggers, changes } = evaluateTriggers(s.triggers, judged, s.session.thresholds);
      const suggestion = suggestSeverity(judged, triggers);
      set({ snapshot: merged, triggers, suggestion, trends: sampleTrends(s.trends, triggers, merged.at) });
      return publish([
        ...changes.map((c): StoreChange => ({ kind: c.fired ? 'trigger-fired' : 'trigger-cleared', trigger: c.trigger })),
        { kind: 'severity-evaluated', suggestion },
        ...sourceTransitions(s.snapshot.sources, merged.sources),
      ]);
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
        ...(prev?.endpoint ? { endpoint: prev.endpoint } : {}),
      };
      const sources = upsertSource(s.snapshot.sources, status);
      set({ snapshot: { ...s.snapshot, sources } });
      return publish(sourceTransitions(s.snapshot.sources, sources));
    },

    onChanges(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    raiseSignal(signal, at) {
      const s = get();
      const raisedSignals = [...s.raisedSignals.filter((x) => x.id !== signal.id), signal];
      const judged = withRaised({ ...s.snapshot, at: Math.max(s.snapshot.at, at) }, raisedSignals);
      const { triggers, changes } = evaluateTriggers(s.triggers, judged, s.session.thresholds);
      const suggestion = suggestSeverity(judged, triggers);
      set({ raisedSignals, triggers, suggestion });
      return publish([
        ...changes.map((c): StoreChange => ({ kind: c.fired ? 'trigger-fired' : 'trigger-cleared', trigger: c.trigger })),
        { kind: 'severity-evaluated', suggestion },
      ]);
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

    setJournal(journal) {
      set({ journal });
    },

    flash(text, level = 'info') {
      get().setUi({ flash: { text, level, at: Date.now() } });
    },
  }));
}
