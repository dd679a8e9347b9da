// The graph format (design.md, version 1) ↔ React Flow nodes and edges. Pure functions.
import type { Edge, Node } from "@xyflow/react";
import type { GraphEdgeJson, GraphJson, GraphNodeJson } from "../api/types";

export const GRAPH_FORMAT = "netcanvas.graph/1";

export type LayerNodeData = {
  type: string;
  name: string | null;
  params: Record<string, unknown>;
};
export type LayerNode = Node<LayerNodeData, "layer">;
export type WireEdge = Edge<Record<string, never>, "wire">;

export interface GraphState {
  name: string;
  nodes: LayerNode[];
  edges: WireEdge[];
  outputs: string[] | null;
}

// Handle ids encode ports: "in-0", "in-1" on the target side, "out-0" … on the source side.
export const inHandle = (port: number) => `in-${port}`;
export const outHandle = (port: number) => `out-${port}`;

export function portOf(handle: string | null | undefined): number {
  if (!handle) return 0;
  const m = /-(\d+)$/.exec(handle);
  return m ? Number(m[1]) : 0;
}

export function edgeId(source: string, sourcePort: number, target: string, targetPort: number): string {
  return `e:${source}:${sourcePort}->${target}:${targetPort}`;
}

export function makeEdge(source: string, sourcePort: number, target: string, targetPort: number): WireEdge {
  return {
    id: edgeId(source, sourcePort, target, targetPort),
    type: "wire",
    source,
    target,
    sourceHandle: outHandle(sourcePort),
    targetHandle: inHandle(targetPort),
  };
}

/** Renumbers each node's incoming ports to 0..n-1, keeping their order (the server wants no gaps). */
export function normalizePorts<E extends WireEdge>(edges: E[]): E[] {
  const byTarget = new Map<string, E[]>();
  for (const e of edges) {
    const list = byTarget.get(e.target) ?? [];
    list.push(e);
    byTarget.set(e.target, list);
  }
  const renumbered = new Map<E, number>();
  for (const list of byTarget.values()) {
    const sorted = [...list].sort((a, b) => portOf(a.targetHandle) - portOf(b.targetHandle));
    sorted.forEach((e, i) => renumbered.set(e, i));
  }
  let changed = false;
  const out = edges.map((e) => {
    const port = renumbered.get(e)!;
    if (port === portOf(e.targetHandle) && e.targetHandle) return e;
    changed = true;
    const sp = portOf(e.sourceHandle);
    return { ...e, id: edgeId(e.source, sp, e.target, port), targetHandle: inHandle(port) };
  });
  return changed ? out : edges;
}

const round = (v: number) => Math.round(v * 10) / 10;

export function toGraphJson(state: GraphState): GraphJson {
  const ids = new Set(state.nodes.map((n) => n.id));
  const nodes: GraphNodeJson[] = state.nodes.map((n) => {
    const out: GraphNodeJson = { id: n.id, type: n.data.type, params: { ...n.data.params } };
    if (n.data.name) out.name = n.data.name;
    out.position = { x: round(n.position.x), y: round(n.position.y) };
    return out;
  });
  const edges: GraphEdgeJson[] = state.edges
    .filter((e) => ids.has(e.source) && ids.has(e.target))
    .map((e) => ({
      source: e.source,
      target: e.target,
      source_port: portOf(e.sourceHandle),
      target_port: portOf(e.targetHandle),
    }));
  const graph: GraphJson = { format: GRAPH_FORMAT, name: state.name || "untitled", nodes, edges };
  const outputs = state.outputs?.filter((o) => ids.has(o));
  if (outputs && outputs.length) graph.outputs = outputs;
  return graph;
}

export class GraphFormatError extends Error {}

/** Parses a graph (an object or JSON text). `needsLayout` says some node came without a position. */
export function fromGraphJson(input: unknown): GraphState & { needsLayout: boolean } {
  const json = typeof input === "string" ? (JSON.parse(input) as unknown) : input;
  if (!json || typeof json !== "object") throw new GraphFormatError("A graph file holds a JSON object.");
  const g = json as Partial<GraphJson> & { graph?: unknown };
  // A saved-graph record ({id, version, graph}) or a run ({graph, request}) holds the graph inside.
  if (!("nodes" in g) && g.graph && typeof g.graph === "object") return fromGraphJson(g.graph);
  if (g.format !== undefined && g.format !== GRAPH_FORMAT) {
    throw new GraphFormatError(`Unknown graph format '${String(g.format)}' (this version reads ${GRAPH_FORMAT}).`);
  }
  if (!Array.isArray(g.nodes)) throw new GraphFormatError("A graph needs a 'nodes' list.");
  let needsLayout = false;
  const seen = new Set<string>();
  const nodes: LayerNode[] = g.nodes.map((n, i) => {
    if (!n || typeof n.id !== "string" || typeof n.type !== "string") {
      throw new GraphFormatError(`Node ${i + 1} needs a string 'id' and 'type'.`);
    }
    if (seen.has(n.id)) throw new GraphFormatError(`Two nodes share the id '${n.id}'.`);
    seen.add(n.id);
    const pos = n.position;
    if (!pos || typeof pos.x !== "number" || typeof pos.y !== "number") needsLayout = true;
    return {
      id: n.id,
      type: "layer",
      position: pos && typeof pos.x === "number" ? { x: pos.x, y: pos.y } : { x: 0, y: 0 },
      data: { type: n.type, name: n.name ?? null, params: { ...(n.params ?? {}) } },
    };
  });
  const edges: WireEdge[] = (g.edges ?? []).map((e, i) => {
    if (!e || typeof e.source !== "string" || typeof e.target !== "string") {
      throw new GraphFormatError(`Edge ${i + 1} needs a 'source' and a 'target'.`);
    }
    return makeEdge(e.source, e.source_port ?? 0, e.target, e.target_port ?? 0);
  });
  return {
    name: typeof g.name === "string" ? g.name : "untitled",
    nodes,
    edges,
    outputs: Array.isArray(g.outputs) ? [...g.outputs] : null,
    needsLayout,
  };
}

/** Keras-style id for a new layer: Conv2D → conv2d_1, MaxPooling2D → max_pooling2d_1. */
export function baseName(type: string): string {
  // Keras's to_snake_case.
  return type
    .replace(/(.)([A-Z][a-z]+)/g, "$1_$2")
    .replace(/([a-z])([A-Z])/g, "$1_$2")
    .toLowerCase();
}

export function nextId(type: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  const base = baseName(type);
  for (let i = 1; ; i++) {
    const id = `${base}_${i}`;
    if (!used.has(id)) return id;
  }
}

/** The key that changes exactly when validation could answer differently (positions do not count). */
export function validationKey(state: GraphState): string {
  const g = toGraphJson(state);
  return JSON.stringify([g.nodes.map((n) => [n.id, n.type, n.params]), g.edges, g.outputs ?? null]);
}

let memo: { datas: LayerNodeData[]; ids: string[]; edges: WireEdge[]; outputs: string[] | null; key: string } | null = null;

/** validationKey, remembered while node data, ids, edges and outputs are the same objects (a drag
 * moves nodes but keeps their data), so checking freshness on every store change stays cheap. */
export function validationKeyCached(state: GraphState): string {
  const m = memo;
  if (
    m && m.edges === state.edges && m.outputs === state.outputs && m.datas.length === state.nodes.length &&
    state.nodes.every((n, i) => n.data === m.datas[i] && n.id === m.ids[i])
  ) {
    return m.key;
  }
  const key = validationKey(state);
  memo = { datas: state.nodes.map((n) => n.data), ids: state.nodes.map((n) => n.id), edges: state.edges, outputs: state.outputs, key };
  return key;
}
