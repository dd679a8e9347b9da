// Transfer learning on a trained model: features at a node (POST /api/runs/{id}/predict with
// "nodes"), "Cut here" and "Replace head" (POST /api/runs/{id}/cut, /replace-head), plus the pure
// helpers the run page's panels use.
import { request } from "../api/client";
import type { components } from "../api/schema";
import type { GraphJson, GraphNodeJson, RunPublic } from "../api/types";

type Schemas = components["schemas"];
export type ReplaceHeadRequest = Partial<Schemas["ReplaceHeadRequest"]> & ({ from_node: string } | { after_node: string });
export type DerivedPublic = Omit<Schemas["DerivedPublic"], "run" | "graph"> & {
  run: RunPublic;
  graph: Omit<Schemas["GraphPublic"], "graph"> & { graph: GraphJson };
};
export interface FeaturesAnswer { outputs: unknown; nodes: string[]; shapes: (number | null)[][] }

const runUrl = (id: string, what: string) => `/api/runs/${encodeURIComponent(id)}/${what}`;

export const transferApi = {
  features: (id: string, inputs: unknown, nodes: string[]) =>
    request<FeaturesAnswer>("POST", runUrl(id, "predict"), { inputs, nodes }),
  cut: (id: string, node: string) => request<DerivedPublic>("POST", runUrl(id, "cut"), { node }),
  replaceHead: (id: string, body: ReplaceHeadRequest) => request<DerivedPublic>("POST", runUrl(id, "replace-head"), body),
};

export interface LayerChoice { id: string; label: string }

/** The nodes whose outputs can be asked for: every layer but the Inputs, with the layers inside
 *  blocks as "<block node>/<inner node>" (nested blocks nest), in graph order. */
export function layerChoices(graph: GraphJson): LayerChoice[] {
  const out: LayerChoice[] = [];
  const walk = (nodes: GraphNodeJson[], prefix: string, depth: number) => {
    for (const n of nodes) {
      if (n.type === "Input") continue;
      const id = prefix + n.id;
      const def = n.type === "Block" && n.block ? graph.blocks?.[n.block] : undefined;
      out.push({ id, label: `${"  ".repeat(depth)}${id} · ${def ? `block ${n.block}` : n.type}` });
      if (def && depth < 8) walk(def.nodes, `${id}/`, depth + 1);
    }
  };
  walk(graph.nodes, "", 0);
  return out;
}

/** The layer a new head usually replaces: the last Dense (the classifier) at the top level; for
 *  a base without one, its last layer (the head goes after it). */
export function defaultHeadNode(graph: GraphJson): string | null {
  const dense = graph.nodes.filter((n) => n.type === "Dense");
  if (dense.length) return dense[dense.length - 1].id;
  const layers = graph.nodes.filter((n) => n.type !== "Input");
  return graph.outputs?.[0] ?? layers[layers.length - 1]?.id ?? null;
}

export interface ValueSummary { count: number; min: number; max: number; mean: number; first: number[]; zeros: number }

/** Statistics of one sample's output (any nesting): how many values, their range and mean, the
 *  share that are exactly 0 (dead ReLUs), and the first few. */
export function summarize(values: unknown, firstN = 12): ValueSummary | null {
  const flat: number[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === "number") flat.push(v);
  };
  walk(values);
  if (!flat.length) return null;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let zeros = 0;
  for (const x of flat) {
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
    if (x === 0) zeros += 1;
  }
  return { count: flat.length, min, max, mean: sum / flat.length, first: flat.slice(0, firstN), zeros };
}

/** A batch of zeros of a sample shape (variable lengths become 1). */
export function zeroBatch(shape: (number | null)[]): unknown {
  const fill = (s: (number | null)[]): unknown => (s.length ? Array.from({ length: s[0] ?? 1 }, () => fill(s.slice(1))) : 0);
  return [fill(shape)];
}
