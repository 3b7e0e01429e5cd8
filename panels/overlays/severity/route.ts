// Pick a severity (1/2/3, or j/k and Enter), then type the reason; Enter decides, Esc cancels.
import { SEVERITIES } from '../../../src/core/escalation.js';
import { NONE, type OverlayKeys, type Route } from '../../../src/ui/input/keys.js';
import type { SeverityOverlay } from './state.js';

export const severityKeys: OverlayKeys<SeverityOverlay> = {
  typing: (o) => o.step !== 'pick',
  route({ overlay, name, edit }) {
    if (name === 'esc') return { kind: 'ui', ui: { overlay: null } };
    if (overlay.step === 'pick') {
      const i = overlay.severity ? SEVERITIES.indexOf(overlay.severity) : -1;
      const pick = (sev: (typeof SEVERITIES)[number] | undefined): Route =>
        sev ? { kind: 'ui', ui: { overlay: { ...overlay, severity: sev } } } : NONE;
      if (name === '1' || name === '2' || name === '3') {
        return {
          kind: 'ui',
          ui: { overlay: { ...overlay, step: 'reason', severity: `SEV-${name}` as const } },
        };
      }
      if (name === 'up' || name === 'k') return pick(SEVERITIES[Math.max(0, i - 1)]);
      if (name === 'down' || name === 'j') return pick(SEVERITIES[Math.min(SEVERITIES.length - 1, i + 1)]);
      if (name === 'enter' && overlay.severity) return { kind: 'ui', ui: { overlay: { ...overlay, step: 'reason' } } };
      return NONE;
    }
    if (name === 'enter') {
      const reason = overlay.reason.trim();
      if (reason === '' || !overlay.severity) {
        return { kind: 'ui', ui: {}, flash: { text: 'a reason is required to decide the severity', level: 'warn' } };
      }
      return { kind: 'action', id: 'severity', args: { severity: overlay.severity, reason }, ui: { overlay: null } };
    }
    const reason = edit(overlay.reason);
    return reason === null ? NONE : { kind: 'ui', ui: { overlay: { ...overlay, reason } } };
  },
};
