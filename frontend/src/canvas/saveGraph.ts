// Saving the graph on the server (a new graph, or a new version of the saved one): the Save button
// and the unsaved-work dialog's "Save first" share it.
import { api } from "../api/client";
import { useGraph } from "../graph/store";
import { toast } from "../ui/toast";

/** Saves the graph; true when it was saved (a failure is shown as a toast). */
export async function saveGraph(): Promise<boolean> {
  const g = useGraph.getState();
  const sent = g.edits; // edits made while the request is out keep the graph dirty
  try {
    const saved = g.graphId ? await api.updateGraph(g.graphId, g.graph()) : await api.createGraph(g.graph());
    useGraph.getState().setSaved(saved.id, saved.version, sent);
    toast(`Saved “${saved.name}” — version ${saved.version}`, "good");
    return true;
  } catch (err) {
    toast(`Could not save: ${(err as Error).message}`, "error");
    return false;
  }
}
