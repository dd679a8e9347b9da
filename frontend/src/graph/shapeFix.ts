// Fitting an Input to a data set's shape without breaking the graph: an MLP (Dense right after the
// Input) on images needs a Flatten between them, not just a new Input shape.
import type { Shape } from "../api/types";
import { makeEdge, normalizePorts, portOf } from "./convert";
import { useGraph } from "./store";

/** Layers that want a flat (rank-1) sample here: Dense on an image would act on its last axis only. */
const FLAT_CONSUMERS = new Set(["Dense"]);

export type ShapeFix = { kind: "set-shape" } | { kind: "insert-flatten" };

/** The fix that keeps the graph valid for Input `inputId` and a data set giving `shape` per sample. */
export function shapeFixFor(inputId: string, shape: Shape): ShapeFix {
  const { nodes, edges } = useGraph.getState();
  if (shape.length < 2) return { kind: "set-shape" };
  const consumers = edges.filter((e) => e.source === inputId).map((e) => nodes.find((n) => n.id === e.target));
  const wantsFlat = consumers.some((n) => n && FLAT_CONSUMERS.has(n.data.type));
  return wantsFlat ? { kind: "insert-flatten" } : { kind: "set-shape" };
}

/** Nodes reachable from `from` along the wires (not `from` itself). */
function downstream(from: string, edges: { source: string; target: string }[]): Set<string> {
  const seen = new Set<string>();
  const todo = [from];
  while (todo.length) {
    const id = todo.pop()!;
    for (const e of edges) {
      if (e.source !== id || seen.has(e.target)) continue;
      seen.add(e.target);
      todo.push(e.target);
    }
  }
  seen.delete(from);
  return seen;
}

/** Gives the Input the data set's shape and puts a Flatten between it and all its consumers (undo
 *  steps: the shape, then the new layer). The Flatten takes the first consumer's place and what
 *  follows moves one step on, so nothing overlaps; it is not selected (the Train panel stays open).
 *  Returns the Flatten's id. */
export function insertFlatten(inputId: string, shape: Shape): string {
  const st = useGraph.getState();
  const input = st.nodes.find((n) => n.id === inputId);
  if (!input) throw new Error(`no node ${inputId}`);
  st.updateParams(inputId, { ...input.data.params, shape: [...shape] });
  const first = st.nodes.find((n) => n.id === st.edges.find((e) => e.source === inputId)?.target);
  const step = first
    ? { x: first.position.x - input.position.x, y: first.position.y - input.position.y }
    : { x: 60, y: 60 };
  const pos = { x: input.position.x + step.x, y: input.position.y + step.y };
  const flat = useGraph.getState().addLayer("Flatten", {}, pos);
  const { edges, nodes } = useGraph.getState();
  const moved = downstream(inputId, edges);
  const out = edges.filter((e) => e.source === inputId);
  const rewired = [
    ...edges.filter((e) => e.source !== inputId),
    makeEdge(inputId, 0, flat, 0),
    ...out.map((e) => makeEdge(flat, 0, e.target, portOf(e.targetHandle))),
  ];
  const placed = nodes.map((n) => n.id === flat ? { ...n, selected: false }
    : moved.has(n.id) ? { ...n, position: { x: n.position.x + step.x, y: n.position.y + step.y } } : n);
  useGraph.setState({ edges: normalizePorts(rewired), nodes: placed });
  return flat;
}

/** Applies the fix `shapeFixFor` chose. */
export function applyShapeFix(inputId: string, shape: Shape): void {
  if (shapeFixFor(inputId, shape).kind === "insert-flatten") {
    insertFlatten(inputId, shape);
    return;
  }
  const input = useGraph.getState().nodes.find((n) => n.id === inputId);
  if (input) useGraph.getState().updateParams(inputId, { ...input.data.params, shape: [...shape] });
}
