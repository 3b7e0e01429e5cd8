// Procedure coverage: every step of runbook sections 2 to 9 maps to something the cockpit shows,
// does or records, or is a manual step the runbook pane names; every ref must really exist (a
// panel, a daily-checklist check id, a binding in the registry, a timeline entry kind).
import { describe, expect, it } from 'vitest';
import { OWNER_NOTICE_MITIGATIONS } from '../../src/control/mitigations/ownerNotices.js';
import { READ_FAILOVER_MITIGATIONS } from '../../src/control/mitigations/readFailover.js';
import { findBinding } from '../../src/ui/registry/dispatcher.js';
import type { Binding } from '../../src/ui/registry/types.js';
import { testRegistry } from '../ui/fixtures.js';
import { PANELS } from '../../src/ui/state/store.js';
import { CHECK_IDS } from '../../src/core/checklist.js';
import { COVERED_SECTIONS, manualPart, PROCEDURE_MAP, procedureRefs, type ProcedureRef } from '../../src/core/procedureMap.js';
import { RUNBOOK } from '../../src/core/runbook.js';
import { ENTRY_KINDS } from '../../src/core/timeline.js';

// The registry as the cockpit builds it, every controller's bindings.
const merged: Binding[] = testRegistry();

function refProblem(ref: ProcedureRef): string | null {
  switch (ref.kind) {
    case 'shows':
      if ('panel' in ref) return (PANELS as readonly string[]).includes(ref.panel) ? null : `no panel ${ref.panel}`;
      return (CHECK_IDS as readonly string[]).includes(ref.check) ? null : `no checklist check ${ref.check}`;
    case 'does':
      if (findBinding(merged, ref.action)) return null;
      return `no action ${ref.action} in the registry`;
    case 'records':
      return (ENTRY_KINDS as readonly string[]).includes(ref.entryKind) ? null : `no timeline entry kind ${ref.entryKind}`;
    case 'manual':
      return ref.what.trim() === '' ? 'a manual step needs its words' : null;
  }
}

describe('runbook procedure coverage', () => {
  const sections = RUNBOOK.filter((s) => (COVERED_SECTIONS as readonly number[]).includes(s.id));

  it('covers sections 2 to 9', () => {
    expect(sections.map((s) => s.id)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
  });

  for (const section of sections) {
    for (const step of section.steps) {
      it(`§${section.id}.${step.n} ${step.text.slice(0, 60)} maps to something that exists`, () => {
        const refs = procedureRefs(section.id, step.n);
        expect(refs.length, `§${section.id}.${step.n} maps to nothing`).toBeGreaterThan(0);
        const problems = refs.map(refProblem).filter((p): p is string => p !== null);
        expect(problems, `§${section.id}.${step.n}`).toEqual([]);
        // A step only a person can do must still be something: the runbook pane names it.
        if (refs.every((r) => r.kind === 'manual')) expect(manualPart(section.id, step.n)).not.toBeNull();
      });
    }
  }

  it('maps no step the runbook does not have', () => {
    const real = new Set(RUNBOOK.flatMap((s) => s.steps.map((st) => `${s.id}.${st.n}`)));
    expect(Object.keys(PROCEDURE_MAP).filter((k) => !real.has(k))).toEqual([]);
  });

  it('fails a step that maps to nothing or to a ref that does not exist', () => {
    expect(procedureRefs(4, 99)).toEqual([]);
    expect(refProblem({ kind: 'does', action: 'no-such-action' })).toMatch(/no action/);
    expect(refProblem({ kind: 'shows', panel: 'nowhere' })).toMatch(/no panel/);
    expect(refProblem({ kind: 'shows', check: 'nope' })).toMatch(/no checklist check/);
    expect(refProblem({ kind: 'records', entryKind: 'nope' })).toMatch(/no timeline entry kind/);
  });

  it('the owner-notice and read-failover mitigations are bindings in the registry', () => {
    for (const m of [...OWNER_NOTICE_MITIGATIONS, ...READ_FAILOVER_MITIGATIONS]) expect(findBinding(merged, m.id), m.id).toBeDefined();
    const does = Object.values(PROCEDURE_MAP)
      .flat()
      .flatMap((r) => (r.kind === 'does' ? [r.action] : []));
    expect(does).toEqual(expect.arrayContaining(['notify-owners', 'fail-over-reads']));
  });
});
