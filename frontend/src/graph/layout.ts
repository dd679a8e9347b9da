// Auto-layout with dagre: left-to-right or top-to-bottom, merge inputs in their port order.
import dagre from "@dagrejs/dagre";
import { portOf, type LayerNode, type WireEdge } from "./convert";

export type Direction = "LR" | "TB";

export const NODE_W = 210;
export const NODE_H = 96;

const sizeOf = (n: LayerNode) => ({ w: n.measured?.width ?? NODE_W, h: n.measured?.height ?? NODE_H });

/** Each merge node's inputs that stand side by side in one rank, put in port order along it (input 0
 * on top, or on the left): dagre orders a rank to cut crossings, not by port, so a Concatenate's
 * parts could read in the wrong order. The inputs are restacked in the span they took, so cards of
 * different sizes do not overlap; a span shared with other cards of the rank is left as dagre drew it. */
export function orderMergeInputs(nodes: LayerNode[], edges: WireEdge[], direction: Direction): LayerNode[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const lr = direction === "LR";
  // Along the rank (cross) and across the ranks (main), per node: start and length.
  const box = new Map(nodes.map((n) => {
    const { w, h } = sizeOf(n);
    return [n.id, lr ? { main: n.position.x + w / 2, start: n.position.y, len: h } : { main: n.position.y + h / 2, start: n.position.x, len: w }];
  }));
  const into = new Map<string, WireEdge[]>();
  for (const e of edges) if (byId.has(e.source) && byId.has(e.target)) into.set(e.target, [...(into.get(e.target) ?? []), e]);
  for (const list of into.values()) {
    const sources = [...new Set([...list].sort((a, b) => portOf(a.targetHandle) - portOf(b.targetHandle)).map((e) => e.source))];
    if (sources.length < 2) continue;
    const rank = Math.round(box.get(sources[0])!.main);
    if (sources.some((id) => Math.round(box.get(id)!.main) !== rank)) continue; // inputs from different depths
    const from = Math.min(...sources.map((id) => box.get(id)!.start));
    const to = Math.max(...sources.map((id) => box.get(id)!.start + box.get(id)!.len));
    const others = nodes.some((n) => {
      const b = box.get(n.id)!;
      return !sources.includes(n.id) && Math.round(b.main) === rank && b.start < to && b.start + b.len > from;
    });
    if (others) continue;
    const gap = (to - from - sources.reduce((sum, id) => sum + box.get(id)!.len, 0)) / (sources.length - 1);
    let at = from;
    for (const id of sources) {
      const b = box.get(id)!;
      b.start = at;
      at += b.len + gap;
    }
  }
  return nodes.map((n) => {
    const b = box.get(n.id)!;
    const at = Math.round(b.start);
    if ((lr ? n.position.y : n.position.x) === at) return n;
    return { ...n, position: lr ? { x: n.position.x, y: at } : { x: at, y: n.position.y } };
  });
}

export function layout(nodes: LayerNode[], edges: WireEdge[], direction: Direction): LayerNode[] {
  const g = new dagre.graphlib.Graph();
  // Rank gaps leave room for the shape label on each wire.
  g.setGraph({ rankdir: direction, nodesep: direction === "LR" ? 30 : 48, ranksep: direction === "LR" ? 104 : 64 });
  g.setDefaultEdgeLabel(() => ({}));
  // The cards' drawn sizes (once React Flow has measured them), so no wire is routed behind a tall card.
  for (const n of nodes) {
    const { w, h } = sizeOf(n);
    g.setNode(n.id, { width: w, height: h });
  }
  for (const e of edges) if (g.hasNode(e.source) && g.hasNode(e.target)) g.setEdge(e.source, e.target);
  dagre.layout(g);
  const laid = nodes.map((n) => {
    const p = g.node(n.id);
    const { w, h } = sizeOf(n);
    return { ...n, position: { x: Math.round(p.x - w / 2), y: Math.round(p.y - h / 2) } };
  });
  return orderMergeInputs(laid, edges, direction);
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
