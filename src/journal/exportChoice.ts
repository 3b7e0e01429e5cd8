// Which incident `pir export` without an id means (src/core/lifecycle.ts exportChoice): the one
// resolved last, or a question when another incident opened since. Reads the state directory.
import { exportChoice, lastResolvedAt, type ExportCandidate, type ExportChoice } from '../core/lifecycle.js';
import { incidentIds, loadIncident } from './store.js';

/** Every incident here as the export rule reads it (merged ones left out: they live on in another). */
export function exportCandidates(dir: string): ExportCandidate[] {
  const out: ExportCandidate[] = [];
  for (const id of incidentIds(dir)) {
    const loaded = loadIncident(dir, id);
    if (!loaded || loaded.view.mergedInto) continue;
    const v = loaded.view;
    out.push({ id, state: v.state, openedAt: v.openedAt ?? v.entries[0]?.at ?? null, resolvedAt: lastResolvedAt(v) });
  }
  return out;
}

export function exportChoiceIn(dir: string): ExportChoice {
  return exportChoice(exportCandidates(dir));
}
