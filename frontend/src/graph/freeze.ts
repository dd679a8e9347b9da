// Freezing (a node's `trainable: false`, design.md): which nodes an action touches, and the actions
// on the graph store. Frozen nodes get no gradient; the server counts their weights non-trainable.
import type { GraphState, LayerNode, LayerNodeData, WireEdge } from "./convert";
import { useGraph } from "./store";

export const isFrozen = (data: LayerNodeData): boolean => data.trainable === false;

// An Input has no weights: freezing it would only put a lock where nothing can train.
const freezable = (n: LayerNode): boolean => n.data.type !== "Input";

/** `id` and every node reachable from it along the wires, forwards or backwards. */
function reach(id: string, edges: { source: string; target: string }[], forward: boolean): Set<string> {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    const [from, to] = forward ? [e.source, e.target] : [e.target, e.source];
    const list = next.get(from);
    if (list) list.push(to);
    else next.set(from, [to]);
  }
  const seen = new Set([id]);
  const stack = [id];
  while (stack.length) {
    for (const t of next.get(stack.pop()!) ?? []) {
      if (!seen.has(t)) {
        seen.add(t);
        stack.push(t);
      }
    }
  }
  return seen;
}

/** The node and everything that feeds it: the transfer-learning recipe's "base" below a head. */
export const upstreamOf = (id: string, edges: { source: string; target: string }[]) => reach(id, edges, false);
/** The node and everything it feeds: what fine-tuning unfreezes from a block upwards. */
export const downstreamOf = (id: string, edges: { source: string; target: string }[]) => reach(id, edges, true);

/** Nodes with `trainable` set on those in `ids` (Input layers left alone). Unchanged nodes keep their
 * objects, and an action that changes nothing returns the same array, so it records no undo step. */
export function withTrainable(nodes: LayerNode[], ids: Set<string>, trainable: boolean): LayerNode[] {
  let changed = false;
  const out = nodes.map((n) => {
    if (!ids.has(n.id) || !freezable(n) || isFrozen(n.data) === !trainable) return n;
    changed = true;
    const data: LayerNodeData = { ...n.data };
    // Trainable is the default and is not written: an unfrozen node reads as it did before freezing.
    if (trainable) delete data.trainable;
    else data.trainable = false;
    return { ...n, data };
  });
  return changed ? out : nodes;
}

/** What "Freeze selected" would do: freeze unless every freezable node selected is frozen already. */
export function selectionWouldFreeze(nodes: LayerNode[]): boolean {
  const picked = nodes.filter((n) => n.selected && freezable(n));
  return !picked.length || picked.some((n) => !isFrozen(n.data));
}

function apply(next: (nodes: LayerNode[], edges: WireEdge[]) => LayerNode[]): void {
  const s = useGraph.getState();
  const nodes = next(s.nodes, s.edges);
  if (nodes === s.nodes) return;
  s.snapshot(); // one undo step for the whole action
  useGraph.setState({ nodes });
}

const selectedIds = (nodes: LayerNode[]) => new Set(nodes.filter((n) => n.selected).map((n) => n.id));

/** Sets trainable on every selected node: "Freeze selected" / "Unfreeze selected". */
export function setSelectedTrainable(trainable: boolean): void {
  apply((nodes) => withTrainable(nodes, selectedIds(nodes), trainable));
}

/** The keyboard shortcut: freezes the selection, or unfreezes it when all of it is frozen. */
export function toggleSelectedTrainable(): void {
  setSelectedTrainable(!selectionWouldFreeze(useGraph.getState().nodes));
}

export function setTrainable(id: string, trainable: boolean): void {
  apply((nodes) => withTrainable(nodes, new Set([id]), trainable));
}

/** "Freeze everything above this node": the node and every node that feeds it. */
export function freezeUpstream(id: string): void {
  apply((nodes, edges) => withTrainable(nodes, upstreamOf(id, edges), false));
}

/** "Unfreeze from here": the node and every node it feeds (fine-tuning the top of a base). */
export function unfreezeDownstream(id: string): void {
  apply((nodes, edges) => withTrainable(nodes, downstreamOf(id, edges), true));
}

export interface FreezeCounts {
  frozen: number; // frozen nodes
  freezable: number; // nodes that could be frozen (all but Input layers)
}

export function freezeCounts(nodes: LayerNode[]): FreezeCounts {
  let frozen = 0;
  let total = 0;
  for (const n of nodes) {
    if (!freezable(n)) continue;
    total++;
    if (isFrozen(n.data)) frozen++;
  }
  return { frozen, freezable: total };
}

export const anyFrozen = (nodes: LayerNode[]): boolean => nodes.some((n) => isFrozen(n.data));

/** Whether anything in the whole graph is frozen: the level on screen, the top level while a block
 * is open, and the block definitions (the open one is the level on screen, its stored copy stale). */
export function graphHasFrozen(state: GraphState): boolean {
  if (anyFrozen(state.nodes) || (state.root && anyFrozen(state.root.nodes))) return true;
  const open = state.nav?.length ? state.nav[state.nav.length - 1].block : null;
  return Object.entries(state.blocks ?? {}).some(([name, def]) => name !== open && def.nodes.some((n) => n.trainable === false));
}

/** Keras's summary(show_trainable=True) mark: Y or N for a layer with weights, "-" without. */
export function trainableMark(data: LayerNodeData, params: number | null): string {
  if (!params) return "-";
  return isFrozen(data) ? "N" : "Y";
}
