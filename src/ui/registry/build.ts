// The registry: every controller's bindings, built from the services passed in, in one list the
// router, the dispatcher, the help, the footer and the command line all read. A name or a key
// used twice fails here, when the cockpit starts.
import * as command from '../controllers/command.js';
import * as detail from '../controllers/detail.js';
import * as incident from '../controllers/incident.js';
import * as layout from '../controllers/layout.js';
import * as lifecycle from '../controllers/lifecycle.js';
import * as mitigation from '../controllers/mitigation.js';
import * as navigation from '../controllers/navigation.js';
import * as paging from '../controllers/paging.js';
import * as pir from '../controllers/pir.js';
import * as reporting from '../controllers/reporting.js';
import * as timeline from '../controllers/timeline.js';
import type { Binding, CockpitServices } from './types.js';

/**
 * In this order: the Enter menu, the help (within a group) and `:` completion list bindings in
 * registry order.
 */
const CONTROLLERS = [navigation, detail, layout, incident, lifecycle, command, pir, timeline, mitigation, paging, reporting] as const;

export function buildRegistry(services: CockpitServices): Binding[] {
  const bindings = CONTROLLERS.flatMap((c) => c.bindings(services));
  validateRegistry(bindings);
  return bindings;
}

/** Throws when two bindings share an id or alias, or a key is bound twice in the same scope. */
export function validateRegistry(bindings: readonly Binding[]): void {
  const names = new Map<string, string>();
  for (const b of bindings) {
    for (const n of [b.id, ...(b.aliases ?? [])]) {
      const other = names.get(n);
      if (other && other !== b.id) throw new Error(`binding name "${n}" used by ${other} and ${b.id}`);
      names.set(n, b.id);
    }
  }
  const bound = new Map<string, string>();
  for (const b of bindings) {
    const scopes = b.overlay ? [`overlay:${b.overlay}`] : Array.isArray(b.panels) ? b.panels : ['global'];
    for (const k of b.keys) {
      for (const scope of scopes) {
        const slot = `${scope}:${k}`;
        const other = bound.get(slot);
        if (other) throw new Error(`key "${k}" bound to ${other} and ${b.id} in ${scope}`);
        bound.set(slot, b.id);
      }
    }
  }
}
