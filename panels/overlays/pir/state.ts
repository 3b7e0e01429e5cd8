/** The post-incident review editor; `index` is the highlighted row (see src/ui/controllers/pirEditor.ts). */
export interface PirOverlay {
  kind: 'pir';
  index: number;
}
