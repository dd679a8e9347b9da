// The graph format (design.md, version 1) ↔ React Flow nodes and edges. Pure functions.
import type { Edge, Node } from "@xyflow/react";
import type { BlockDefJson, GraphEdgeJson, GraphJson, GraphNodeJson } from "../api/types";
import { BlockFormatError, blocksKey, parseBlocks, type BlockDefs, type NavFrame } from "./blockFormat";

export const GRAPH_FORMAT = "netcanvas.graph/1";

export type LayerNodeData = {
  type: string;
  name: string | null;
  params: Record<string, unknown>;
  trainable?: boolean; // absent: trainable; false: frozen (graph/freeze.ts)
  block?: string; // type "Block": the definition it uses (graph/blocks.ts)
};
export type LayerNode = Node<LayerNodeData, "layer">;
export type WireEdge = Edge<Record<string, never>, "wire">;

export interface GraphState {
  name: string;
  nodes: LayerNode[];
  edges: WireEdge[];
  outputs: string[] | null;
  // Block definitions; while a block is open (nav not empty), nodes/edges/outputs are the open
  // definition's, `root` holds the top level, and blocks[open] is written back on the way out.
  blocks?: BlockDefs;
  nav?: NavFrame[];
  root?: Level | null;
}

export type Level = Pick<GraphState, "nodes" | "edges" | "outputs">;

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
  if (state.nav?.length && state.root) return toGraphJson(atTop(state));
  const ids = new Set(state.nodes.map((n) => n.id));
  const nodes: GraphNodeJson[] = state.nodes.map((n) => {
    const out: GraphNodeJson = { id: n.id, type: n.data.type, params: { ...n.data.params } };
    if (n.data.name) out.name = n.data.name;
    if (n.data.trainable === false) out.trainable = false;
    if (n.data.block) out.block = n.data.block;
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
  if (state.blocks && Object.keys(state.blocks).length) graph.blocks = structuredClone(state.blocks); // the caller may edit it
  return graph;
}

/** One level (the top or an open block's definition) in the definition format. */
export function levelToDef(level: Level): BlockDefJson {
  const g = toGraphJson({ name: "", nodes: level.nodes, edges: level.edges, outputs: level.outputs });
  return { nodes: g.nodes, edges: g.edges, outputs: g.outputs ?? null };
}

/** The state with the open block written back into its definition, seen from the top level. */
export function atTop(state: GraphState): GraphState {
  if (!state.nav?.length || !state.root) return state;
  const open = state.nav[state.nav.length - 1].block;
  return { name: state.name, ...state.root, blocks: { ...state.blocks, [open]: levelToDef(state) } };
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
      data: {
        type: n.type, name: n.name ?? null, params: { ...(n.params ?? {}) }, ...(n.trainable === false ? { trainable: false } : {}),
        ...(typeof n.block === "string" ? { block: n.block } : {}),
      },
    };
  });
  const edges: WireEdge[] = (g.edges ?? []).map((e, i) => {
    if (!e || typeof e.source !== "string" || typeof e.target !== "string") {
      throw new GraphFormatError(`Edge ${i + 1} needs a 'source' and a 'target'.`);
    }
    return makeEdge(e.source, e.source_port ?? 0, e.target, e.target_port ?? 0);
  });
  let blocks: BlockDefs;
  try {
    blocks = parseBlocks(g.blocks);
  } catch (err) {
    throw err instanceof BlockFormatError ? new GraphFormatError(err.message) : err;
  }
  return {
    name: typeof g.name === "string" ? g.name : "untitled",
    nodes,
    edges,
    outputs: Array.isArray(g.outputs) ? [...g.outputs] : null,
    blocks,
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
  return JSON.stringify([g.nodes.map((n) => [n.id, n.type, n.params, n.trainable ?? true, n.block ?? null]), g.edges, g.outputs ?? null, blocksKey(g.blocks)]);
}

let memo: {
  datas: LayerNodeData[]; ids: string[]; edges: WireEdge[]; outputs: string[] | null; blocks?: BlockDefs; root?: Level | null; key: string;
} | null = null;

/** validationKey, remembered while node data, ids, edges and outputs are the same objects (a drag
 * moves nodes but keeps their data), so checking freshness on every store change stays cheap. */
export function validationKeyCached(state: GraphState): string {
  const m = memo;
  if (
    m && m.edges === state.edges && m.outputs === state.outputs && m.datas.length === state.nodes.length &&
    m.blocks === state.blocks && m.root === state.root &&
    state.nodes.every((n, i) => n.data === m.datas[i] && n.id === m.ids[i])
  ) {
    return m.key;
  }
  const key = validationKey(state);
  memo = {
    datas: state.nodes.map((n) => n.data), ids: state.nodes.map((n) => n.id), edges: state.edges, outputs: state.outputs,
    blocks: state.blocks, root: state.root, key,
  };
  return key;
}
