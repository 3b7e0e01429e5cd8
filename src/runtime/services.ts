// Wiring between the services the cockpit's bindings use and the store the panels read.
import type { MitigationController } from '../control/mitigations/controller.js';
import type { CockpitStore } from '../ui/state/store.js';

/**
 * Publishes a mitigation controller's state (backend, role, mitigations in force, drift) into
 * `state.mitigations`, now and on every change, for the Mitigations in force panel. Returns a
 * function that stops publishing.
 */
export function publishMitigations(store: CockpitStore, controller: MitigationController): () => void {
  store.setState({ mitigations: controller.snapshot() });
  const o = controller.o;
  const prev = o.publish;
  o.publish = (state) => {
    prev?.(state);
    store.setState({ mitigations: state });
  };
  return () => {
    o.publish = prev;
  };
}
