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

const ROW_GAP = 120; // between wrapped rows: room for the wire that runs back to the next row

/** Cuts a left-to-right layout into `rows` bands of equal width, stacked top to bottom (a long
 * chain such as ResNet50's blocks then reads like lines of text instead of one thin strip). */
export function wrapRows(laid: LayerNode[], rows: number): LayerNode[] {
  if (rows <= 1 || !laid.length) return laid;
  const xs = laid.map((n) => n.position.x);
  const ys = laid.map((n) => n.position.y);
  const x0 = Math.min(...xs);
  const band = (Math.max(...xs) - x0 + NODE_W) / rows;
  const rowH = Math.max(...ys) - Math.min(...ys) + NODE_H + ROW_GAP;
  return laid.map((n) => {
    const row = Math.min(rows - 1, Math.floor((n.position.x - x0 + NODE_W / 2) / band));
    return { ...n, position: { x: Math.round(n.position.x - row * band), y: n.position.y + row * rowH } };
  });
}

/** Lays out both ways (and left-to-right wrapped into rows) and keeps the one that reads largest
 * in a view of the given size. */
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
  if (!nodes.length) return { nodes, direction: "LR" };
  const lr = layout(nodes, edges, "LR");
  const tb = layout(nodes, edges, "TB");
  let best = score(tb) > score(lr) * 1.1 ? { nodes: tb, direction: "TB" as Direction } : { nodes: lr, direction: "LR" as Direction };
  const straight = score(best.nodes);
  let bestScore = straight;
  // Wrap only a graph whose one line would draw its cards at under half size (ResNet50's 21
  // blocks): a model of a dozen layers reads best as the one column Keras's plot_model draws.
  const maxRows = straight < 0.5 ? 12 : 1;
  for (let rows = 2; rows <= maxRows; rows++) {
    const wrapped = wrapRows(lr, rows);
    const s = score(wrapped);
    if (s > bestScore * 1.25) { // each further row must pay: fewer rows read more easily
      best = { nodes: wrapped, direction: "LR" };
      bestScore = s;
    }
  }
  return best;
}
