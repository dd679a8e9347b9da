import { describe, expect, it } from "vitest";
import { makeEdge, type LayerNode } from "./convert";
import { bestLayout, NODE_W, wrapRows } from "./layout";

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
