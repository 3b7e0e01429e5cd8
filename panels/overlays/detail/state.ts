/**
 * One row read in full: a timeline entry (every detail, who, when, its hash), a trigger or a
 * mitigation in force. The fields are taken when it opens, so it reads what was selected then.
 */
export interface DetailOverlay {
  kind: 'detail';
  title: string;
  fields: Array<{ label: string; value: string }>;
  /** The first line shown (j/k scroll a long entry). */
  offset: number;
}
