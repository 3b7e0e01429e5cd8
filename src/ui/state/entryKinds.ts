// The timeline's entry kinds as the operator reads them: one short word or two, never cut
// (`fired`, not `trigger-f…`). The journal keeps its own names; this is only how they are shown.
const KIND_WORDS: Readonly<Record<string, string>> = {
  'incident-opened': 'opened',
  'responder-joined': 'joined',
  'responder-left': 'left',
  resumed: 'resumed',
  'trigger-fired': 'fired',
  'trigger-cleared': 'cleared',
  'severity-suggested': 'suggested',
  'severity-decided': 'decided',
  'source-lost': 'source lost',
  'source-restored': 'source back',
  'source-switched': 'switched',
  'state-changed': 'state',
  milestone: 'milestone',
  'milestone-corrected': 'corrected',
  note: 'note',
  'procedure-step': 'step',
  'pir-field': 'PIR edit',
  action: 'action',
  page: 'page',
  'integrity-check': 'integrity',
  figures: 'figures',
  commander: 'commander',
  'incident-merged': 'merged',
};

/** The short word for a journal kind; a kind this list does not know is shown as it is. */
export function entryKindWord(kind: string): string {
  return KIND_WORDS[kind] ?? kind;
}

/** The longest word the list holds: the kind column never needs more. */
export const KIND_WORD_WIDTH = Math.max(...Object.values(KIND_WORDS).map((w) => w.length));

/** Kinds the cockpit's triggers wrote (they stand out from what people did). */
export function isTriggerKind(kind: string): boolean {
  return kind === 'trigger-fired' || kind === 'trigger-cleared';
}
