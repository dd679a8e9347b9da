import { describe, expect, it } from "vitest";
import { makeEdge, type LayerNode } from "./convert";
import { bestLayout, layout, NODE_H, NODE_W, wrapRows } from "./layout";

const chain = (n: number) => {
  const nodes: LayerNode[] = Array.from({ length: n }, (_, i) => ({
    id: `n${i}`, type: "layer", position: { x: 0, y: 0 }, data: { type: "Dense", name: null, params: {} },
  }));
  const edges = nodes.slice(1).map((node, i) => makeEdge(`n${i}`, 0, node.id, 0));
  return { nodes, edges };
};

const extent = (laid: LayerNode[]) => {
  const xs = laid.map((n) => n.position.x);
  const ys = laid.map((n) => n.position.y);
  return { w: Math.max(...xs) - Math.min(...xs), h: Math.max(...ys) - Math.min(...ys) };
};

describe("bestLayout", () => {
  it("wraps a long chain into rows that keep its order, reading larger than one strip", () => {
    const { nodes, edges } = chain(24);
    const laid = bestLayout(nodes, edges).nodes;
    const { w, h } = extent(laid);
    expect(w / h).toBeLessThan(4); // neither one row nor one column
    const rows = new Set(laid.map((n) => n.position.y));
    expect(rows.size).toBeGreaterThan(1);
    // reading order: row by row, left to right within a row
    const order = [...laid].sort((a, b) => a.position.y - b.position.y || a.position.x - b.position.x).map((n) => n.id);
    expect(order).toEqual(nodes.map((n) => n.id));
  });

  it("keeps a short chain on one line", () => {
    const { nodes, edges } = chain(4);
    const laid = bestLayout(nodes, edges).nodes;
    const lines = Math.min(new Set(laid.map((n) => n.position.y)).size, new Set(laid.map((n) => n.position.x)).size);
    expect(lines).toBe(1); // one row or one column
  });

  it("wrapRows with one row changes nothing and never overlaps nodes in a row", () => {
    const { nodes, edges } = chain(10);
    const lr = bestLayout(nodes, edges).nodes;
    expect(wrapRows(lr, 1)).toBe(lr);
    const wrapped = wrapRows(lr, 3);
    const byRow = new Map<number, number[]>();
    for (const n of wrapped) byRow.set(n.position.y, [...(byRow.get(n.position.y) ?? []), n.position.x]);
    for (const xs of byRow.values()) {
      xs.sort((a, b) => a - b);
      xs.slice(1).forEach((x, i) => expect(x - xs[i]).toBeGreaterThanOrEqual(NODE_W));
    }
  });
});

describe("layout of a merge", () => {
  const node = (id: string, type = "Dense", h?: number): LayerNode => ({
    id, type: "layer", position: { x: 0, y: 0 }, data: { type, name: null, params: {} },
    ...(h ? { measured: { width: 210, height: h } } : {}),
  });
  // Three branches into a Concatenate; dagre alone stacks them c, b, a (top to bottom).
  const merge = () => {
    const nodes = [node("in", "Input"), node("a"), node("b", "Dense", 180), node("c"), node("cat", "Concatenate")];
    const edges = [
      makeEdge("in", 0, "a", 0), makeEdge("in", 0, "b", 0), makeEdge("in", 0, "c", 0),
      makeEdge("a", 0, "cat", 0), makeEdge("b", 0, "cat", 1), makeEdge("c", 0, "cat", 2),
    ];
    return { nodes, edges };
  };
  const centreY = (n: LayerNode) => n.position.y + (n.measured?.height ?? 96) / 2;
  const centreX = (n: LayerNode) => n.position.x + (n.measured?.width ?? 210) / 2;

  it("puts a merge's inputs in port order, top to bottom (LR) and left to right (TB)", () => {
    const { nodes, edges } = merge();
    const lr = new Map(layout(nodes, edges, "LR").map((n) => [n.id, n]));
    const ys = ["a", "b", "c"].map((id) => centreY(lr.get(id)!));
    expect(ys).toEqual([...ys].sort((x, y) => x - y));
    const tb = new Map(layout(nodes, edges, "TB").map((n) => [n.id, n]));
    const xs = ["a", "b", "c"].map((id) => centreX(tb.get(id)!));
    expect(xs).toEqual([...xs].sort((x, y) => x - y));
    expect(new Set(xs).size).toBe(3);
  });

  it("gives dagre the measured card sizes: a tall card does not overlap its neighbours, reordered or not", () => {
    const { nodes, edges } = merge();
    expect(stack(layout(nodes, edges, "LR"))).toEqual(["a", "b", "c"]);
    // The tall card first: restacked, not moved onto a short card's place.
    const tallFirst = [...edges.slice(0, 3), makeEdge("b", 0, "cat", 0), makeEdge("a", 0, "cat", 1), makeEdge("c", 0, "cat", 2)];
    expect(stack(layout(nodes, tallFirst, "LR"))).toEqual(["b", "a", "c"]);
  });
  /** The branches top to bottom, checking that no two cards overlap. */
  const stack = (laid: LayerNode[]) => {
    const boxes = laid.filter((n) => ["a", "b", "c"].includes(n.id))
      .map((n) => ({ id: n.id, top: n.position.y, bottom: n.position.y + (n.measured?.height ?? NODE_H) }))
      .sort((p, q) => p.top - q.top);
    for (let i = 1; i < boxes.length; i++) expect(boxes[i].top).toBeGreaterThanOrEqual(boxes[i - 1].bottom);
    return boxes.map((b) => b.id);
  };
});
