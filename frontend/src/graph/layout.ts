// Auto-layout with dagre: left-to-right or top-to-bottom.
import dagre from "@dagrejs/dagre";
import type { LayerNode, WireEdge } from "./convert";

export type Direction = "LR" | "TB";

export const NODE_W = 210;
export const NODE_H = 96;

export function layout(nodes: LayerNode[], edges: WireEdge[], direction: Direction): LayerNode[] {
  const g = new dagre.graphlib.Graph();
  // Rank gaps leave room for the shape label on each wire.
  g.setGraph({ rankdir: direction, nodesep: direction === "LR" ? 30 : 48, ranksep: direction === "LR" ? 104 : 64 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) {
    g.setNode(n.id, { width: n.measured?.width ?? NODE_W, height: n.measured?.height ?? NODE_H });
  }
  for (const e of edges) if (g.hasNode(e.source) && g.hasNode(e.target)) g.setEdge(e.source, e.target);
  dagre.layout(g);
  return nodes.map((n) => {
    const p = g.node(n.id);
    const w = n.measured?.width ?? NODE_W;
    const h = n.measured?.height ?? NODE_H;
    return { ...n, position: { x: Math.round(p.x - w / 2), y: Math.round(p.y - h / 2) } };
  });
}

/** Lays out both ways and keeps the one that reads largest in a view of the given size. */
export function bestLayout(
  nodes: LayerNode[], edges: WireEdge[], view = { width: 880, height: 820 },
): { nodes: LayerNode[]; direction: Direction } {
  const score = (laid: LayerNode[]) => {
    const xs = laid.map((n) => n.position.x);
    const ys = laid.map((n) => n.position.y);
    const w = Math.max(...xs) - Math.min(...xs) + NODE_W;
    const h = Math.max(...ys) - Math.min(...ys) + NODE_H;
    return Math.min(view.width / w, view.height / h, 1.1); // zoom to fit stops at 1.1
  };
  const lr = layout(nodes, edges, "LR");
  const tb = layout(nodes, edges, "TB");
  return nodes.length && score(tb) > score(lr) * 1.1 ? { nodes: tb, direction: "TB" } : { nodes: lr, direction: "LR" };
}
