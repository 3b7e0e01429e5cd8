// The one table of overlay kinds: each kind's keys and view, from its folder. The input router
// is given it (src/ui/input/router.ts never imports panels/), the overlay host draws from it, and
// the store's overlay type is the same kinds' states (kinds.ts). A kind missing here does not
// compile.
import { actionsKeys } from './actions/route.js';
import { ActionsView } from './actions/View.js';
import { commandKeys } from './command/route.js';
import { CommandView } from './command/View.js';
import { confirmKeys } from './confirm/route.js';
import { ConfirmView } from './confirm/View.js';
import { detailKeys } from './detail/route.js';
import { DetailView } from './detail/View.js';
import { filterKeys } from './filter/route.js';
import { FilterView } from './filter/View.js';
import { helpKeys } from './help/route.js';
import { HelpView } from './help/View.js';
import { messageKeys } from './message/route.js';
import { MessageView } from './message/View.js';
import { mitigationKeys } from './mitigation/route.js';
import { MitigationOverlayView } from './mitigation/View.js';
import { noteKeys } from './note/route.js';
import { NoteView } from './note/View.js';
import { pirKeys } from './pir/route.js';
import { PirEditorView } from './pir/View.js';
import { promptKeys } from './prompt/route.js';
import { PromptView } from './prompt/View.js';
import { quitConfirmKeys } from './quit-confirm/route.js';
import { QuitConfirmView } from './quit-confirm/View.js';
import { severityKeys } from './severity/route.js';
import { SeverityView } from './severity/View.js';
import type { OverlayTable } from './types.js';

export const OVERLAYS: OverlayTable = {
  help: { ...helpKeys, View: HelpView },
  'quit-confirm': { ...quitConfirmKeys, View: QuitConfirmView },
  command: { ...commandKeys, View: CommandView },
  filter: { ...filterKeys, View: FilterView },
  severity: { ...severityKeys, View: SeverityView },
  note: { ...noteKeys, View: NoteView },
  actions: { ...actionsKeys, View: ActionsView },
  message: { ...messageKeys, View: MessageView },
  confirm: { ...confirmKeys, View: ConfirmView },
  prompt: { ...promptKeys, View: PromptView },
  pir: { ...pirKeys, View: PirEditorView, staysUnder: true },
  mitigation: { ...mitigationKeys, View: MitigationOverlayView },
  detail: { ...detailKeys, View: DetailView },
};
