/**
 * A dangerous binding waiting for y/n; `args` are passed to it when confirmed. `back`: the
 * overlay it was asked from (e.g. the PIR editor), shown again once answered. (`Back` is the
 * overlay union, given by panels/overlays/kinds.ts.)
 */
export interface ConfirmOverlay<Back> {
  kind: 'confirm';
  actionId: string;
  prompt: string;
  args?: Record<string, string>;
  back?: Back;
}
