// "Cut here" / "Replace head from here…" on the canvas: the server works from the run's graph as
// trained, so the canvas can only offer them for a node that graph has, and must say when the
// canvas has been edited since (the result ignores those edits).
import type { GraphJson } from "../api/types";
import { fromGraphJson, normalizePorts, validationKey } from "../graph/convert";
import { layerChoices } from "../runs/transfer";

/** The canvas's validationKey that the run's graph would have once loaded (as store.load does). */
export function runGraphKey(graph: GraphJson): string {
  const p = fromGraphJson(graph);
  return validationKey({ name: p.name, nodes: p.nodes, edges: normalizePorts(p.edges), outputs: p.outputs, blocks: p.blocks ?? {} });
}

export interface ReuseCheck {
  /** Why the actions are off; null when they can run. */
  blocked: string | null;
  /** Shown beside enabled actions when the canvas differs from the run's graph. */
  note: string | null;
}

/** Whether node `nodeId` (flattened: "<block instance>/<inner id>" inside a block) of the canvas
 *  can be cut at or have its head replaced from the run `runName`'s graph. */
export function reuseCheck(runName: string, runGraph: GraphJson, runKey: string, canvasKey: string, nodeId: string): ReuseCheck {
  if (!layerChoices(runGraph).some((c) => c.id === nodeId)) {
    return {
      blocked: `Run ${runName}'s graph has no layer '${nodeId}' (it was added on the canvas after that run): select a layer the run trained, or train this graph first.`,
      note: null,
    };
  }
  return {
    blocked: null,
    note: runKey === canvasKey ? null : `The canvas differs from run ${runName}'s graph: the new model starts from that graph as trained, without the canvas's edits.`,
  };
}
