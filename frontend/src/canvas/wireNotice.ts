// The notice for a replaced wire (a new wire into a taken input port replaces the old one, see the
// store's onConnect): says which wire went, with an Undo that takes back exactly that step.
import { useGraph } from "../graph/store";
import { toast } from "../ui/toast";

/** Shows the notice for every replaced wire from now on; returns the unsubscribe. */
export function startWireNotice(): () => void {
  return useGraph.subscribe((s, prev) => {
    const r = s.replacedWire;
    if (!r || r === prev.replacedWire) return;
    const label = (id: string) => s.nodes.find((n) => n.id === id)?.data.name ?? id;
    toast(`Replaced the wire from '${label(r.source)}' into '${label(r.target)}'.`, "info", {
      label: "Undo",
      run: () => {
        if (!useGraph.getState().undoStep(r.step)) toast("The graph has changed since: use Undo in the toolbar (Ctrl+Z).", "error");
      },
    });
  });
}
