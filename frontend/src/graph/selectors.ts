// Derived indexes the node cards read, built once per change of what they derive from (keyed on the
// array's or object's identity), so that each card's selector is a lookup, not a scan: with 1000
// cards subscribed, a scan of the edges per card per store update is 10^6 steps a drag frame.
import type { ValidateResult } from "../api/types";
import { portOf } from "./convert";

export interface WireCounts {
  /** Wires into the node. */
  connected: number;
  /** One past the highest output port a wire leaves from (0: no wire leaves). */
  usedOut: number;
}

const NO_WIRES: WireCounts = Object.freeze({ connected: 0, usedOut: 0 });

type EdgeLike = { source: string; target: string; sourceHandle?: string | null };

// WeakMaps: an edges array or an analysis that is no longer the store's is dropped with it.
const wireIndexes = new WeakMap<readonly EdgeLike[], Map<string, WireCounts>>();
const outputSets = new WeakMap<ValidateResult, Set<string>>();

/** Each node's wire counts, computed once per edges array. */
export function wireIndex(edges: readonly EdgeLike[]): Map<string, WireCounts> {
  let index = wireIndexes.get(edges);
  if (index) return index;
  index = new Map();
  const entry = (id: string) => {
    let w = index!.get(id);
    if (!w) index!.set(id, (w = { connected: 0, usedOut: 0 }));
    return w;
  };
  for (const e of edges) {
    entry(e.target).connected += 1;
    const out = entry(e.source);
    out.usedOut = Math.max(out.usedOut, portOf(e.sourceHandle) + 1);
  }
  wireIndexes.set(edges, index);
  return index;
}

/** The node's wire counts (a shared frozen zero when no wire touches it). */
export function wireCountsOf(edges: readonly EdgeLike[], id: string): WireCounts {
  return wireIndex(edges).get(id) ?? NO_WIRES;
}

/** Whether the node is one of the model's outputs, by a set built once per analysis. */
export function isModelOutput(analysis: ValidateResult | null | undefined, id: string): boolean {
  if (!analysis) return false;
  let set = outputSets.get(analysis);
  if (!set) outputSets.set(analysis, (set = new Set(analysis.outputs)));
  return set.has(id);
}

type NodeLike = { id: string; selected?: boolean; data: unknown };

/** The selected nodes, the same array while only their positions change: a dragged node is a new
 *  object every frame, and an Inspector re-rendering the selection's form each frame costs as much
 *  as the drag itself. `prev` is the caller's last answer (a ref). */
export function stableSelection<N extends NodeLike>(nodes: readonly N[], prev: N[]): N[] {
  const next = nodes.filter((n) => n.selected);
  const same = next.length === prev.length && next.every((n, i) => n.id === prev[i].id && n.data === prev[i].data);
  return same ? prev : next;
}
