// Block definitions in the graph format (Graph.blocks): parsing, ports, and the view of one open
// block. Pure, and free of React Flow, so convert.ts can use it without a cycle.
import type { BlockDefJson, GraphEdgeJson, GraphNodeJson, Shape, ValidateResult } from "../api/types";

export const BLOCK_TYPE = "Block";

export type BlockDefs = Record<string, BlockDefJson>;

/** One step into an open block: the instance node double-clicked and the definition it uses. */
export interface NavFrame {
  instance: string;
  block: string;
}

export class BlockFormatError extends Error {}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

/** Reads `Graph.blocks`, checking what the canvas relies on; positions and params pass as they are. */
export function parseBlocks(raw: unknown): BlockDefs {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) throw new BlockFormatError("'blocks' maps block names to definitions ({nodes, edges, outputs}).");
  const out: BlockDefs = {};
  for (const [name, def] of Object.entries(raw)) {
    if (!isObject(def) || !Array.isArray(def.nodes)) {
      throw new BlockFormatError(`Block '${name}' needs a 'nodes' list.`);
    }
    const seen = new Set<string>();
    const nodes = def.nodes.map((n: unknown, i): GraphNodeJson => {
      if (!isObject(n) || typeof n.id !== "string" || typeof n.type !== "string") {
        throw new BlockFormatError(`Node ${i + 1} of block '${name}' needs a string 'id' and 'type'.`);
      }
      if (seen.has(n.id)) throw new BlockFormatError(`Two nodes of block '${name}' share the id '${n.id}'.`);
      seen.add(n.id);
      if (n.type === BLOCK_TYPE && typeof n.block !== "string") {
        throw new BlockFormatError(`Block node '${n.id}' in block '${name}' needs a 'block' naming its definition.`);
      }
      return structuredClone(n) as unknown as GraphNodeJson;
    });
    const edges = (Array.isArray(def.edges) ? def.edges : []).map((e: unknown, i): GraphEdgeJson => {
      if (!isObject(e) || typeof e.source !== "string" || typeof e.target !== "string") {
        throw new BlockFormatError(`Edge ${i + 1} of block '${name}' needs a 'source' and a 'target'.`);
      }
      return {
        source: e.source,
        target: e.target,
        source_port: typeof e.source_port === "number" ? e.source_port : 0,
        target_port: typeof e.target_port === "number" ? e.target_port : 0,
      };
    });
    const outputs = Array.isArray(def.outputs) ? def.outputs.filter((o): o is string => typeof o === "string") : null;
    out[name] = { nodes, edges, outputs };
  }
  return out;
}

export interface BlockPorts {
  inputs: string[]; // the block's Input node ids, in node order
  outputs: string[]; // its output node ids, in port order
}

/** A block's ports as the backend reads them (graph/blocks.py default_outputs: Inputs are no outputs). */
export function blockPorts(def: BlockDefJson | undefined): BlockPorts {
  if (!def) return { inputs: [], outputs: [] };
  const ids = new Set(def.nodes.map((n) => n.id));
  const inputs = def.nodes.filter((n) => n.type === "Input").map((n) => n.id);
  const declared = def.outputs?.filter((o) => ids.has(o));
  if (declared && declared.length) return { inputs, outputs: declared };
  const read = new Set(def.edges.map((e) => e.source));
  return { inputs, outputs: def.nodes.filter((n) => !read.has(n.id) && n.type !== "Input").map((n) => n.id) };
}

/** The ports of the level on screen (React Flow nodes and edges), as blockPorts reads a definition. */
export function levelPorts(level: {
  nodes: { id: string; data: { type: string } }[]; edges: { source: string }[]; outputs: string[] | null;
}): BlockPorts {
  return blockPorts({
    nodes: level.nodes.map((n) => ({ id: n.id, type: n.data.type, params: {} })),
    edges: level.edges.map((e) => ({ source: e.source, target: "" })),
    outputs: level.outputs,
  });
}

/** Names of the blocks `name` uses, itself included, at any depth (to refuse a block inside itself). */
export function blocksWithin(blocks: BlockDefs, name: string): Set<string> {
  const found = new Set<string>();
  const visit = (b: string) => {
    if (found.has(b)) return;
    found.add(b);
    for (const n of blocks[b]?.nodes ?? []) if (n.type === BLOCK_TYPE && n.block) visit(n.block);
  };
  visit(name);
  return found;
}

/** How many nodes, at every level, use each definition. */
export function instanceCounts(rootNodes: { data: { type: string; block?: string | null } }[], blocks: BlockDefs): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (b: string | null | undefined) => b && counts.set(b, (counts.get(b) ?? 0) + 1);
  for (const n of rootNodes) if (n.data.type === BLOCK_TYPE) add(n.data.block);
  for (const def of Object.values(blocks)) for (const n of def.nodes) if (n.type === BLOCK_TYPE) add(n.block);
  return counts;
}

/** The part of the definitions validation reads (positions and display names do not count). */
export function blocksKey(blocks: BlockDefs | undefined): unknown {
  if (!blocks) return null;
  return Object.entries(blocks)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, d]) => [name, d.nodes.map((n) => [n.id, n.type, n.params, n.block ?? null, n.trainable ?? true]), d.edges, d.outputs ?? null]);
}

/** "mixed0/" for a block opened from the top level, "mixed0/b1/" one deeper; "" at the top. */
export function navPrefix(nav: NavFrame[] | undefined): string {
  return nav && nav.length ? nav.map((f) => f.instance).join("/") + "/" : "";
}

/** The whole graph's analysis as seen from inside an open block: node reports and problems of the
 * block's own nodes under their inner ids (the prefix stripped), deeper ones as "inner/…", those
 * outside as the graph's; the totals stay the whole model's. At the top level it is the analysis. */
export function viewAnalysis(
  a: ValidateResult | null, nav: NavFrame[] | undefined, ports: BlockPorts, inputShapes: (Shape | null)[] = [],
): ValidateResult | null {
  const prefix = navPrefix(nav);
  if (!a || !prefix) return a;
  const nodes: ValidateResult["nodes"] = {};
  // The block's Inputs are dropped when it is inlined: they show the shape wired into their port.
  ports.inputs.forEach((id, k) => {
    const shape = inputShapes[k];
    if (shape) nodes[id] = { output_shapes: [shape], params: 0, trainable: true, problems: [] };
  });
  for (const [id, r] of Object.entries(a.nodes)) {
    if (id.startsWith(prefix)) nodes[id.slice(prefix.length)] = strip(r, prefix);
  }
  // Problems outside the open block stay counted (training is refused for them too), unpinned.
  const problems = a.problems.map((p) =>
    !p.node || p.node.startsWith(prefix) ? strip(p, prefix) : { ...p, node: null, message: `Outside this block, ${p.node}: ${p.message}` },
  );
  return { ...a, nodes, problems, inputs: ports.inputs, outputs: ports.outputs };
}

function strip<T extends { node?: string | null; problems?: { node?: string | null }[] }>(x: T, prefix: string): T {
  const out = { ...x };
  if (out.node && out.node.startsWith(prefix)) out.node = out.node.slice(prefix.length);
  if (out.problems) out.problems = out.problems.map((p) => strip(p, prefix));
  return out;
}
