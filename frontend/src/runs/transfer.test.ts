import { describe, expect, it } from "vitest";
import type { GraphJson } from "../api/types";
import { defaultHeadNode, layerChoices, summarize, zeroBatch } from "./transfer";

const graph: GraphJson = {
  format: "netcanvas.graph/1", name: "g",
  nodes: [
    { id: "in", type: "Input", params: { shape: [4] } },
    { id: "t1", type: "Block", block: "tower", params: {} },
    { id: "fc1", type: "Dense", params: { units: 8 } },
    { id: "out", type: "Dense", params: { units: 3 } },
  ],
  edges: [],
  blocks: { tower: { nodes: [{ id: "x", type: "Input", params: {} }, { id: "d1", type: "Dense", params: { units: 2 } }], edges: [] } },
};

describe("transfer helpers", () => {
  it("lists every layer but the Inputs, those inside blocks as instance/inner", () => {
    expect(layerChoices(graph).map((c) => c.id)).toEqual(["t1", "t1/d1", "fc1", "out"]);
    expect(layerChoices(graph)[0].label).toContain("block tower");
  });
  it("offers the last Dense as the head to replace, else the base's last layer", () => {
    expect(defaultHeadNode(graph)).toBe("out");
    const base = { ...graph, nodes: graph.nodes.slice(0, 2) };
    expect(defaultHeadNode(base)).toBe("t1");
  });
  it("summarizes nested values", () => {
    const s = summarize([[[0, 2], [4, -2]]]);
    expect(s).toEqual({ count: 4, min: -2, max: 4, mean: 1, first: [0, 2, 4, -2], zeros: 1 });
    expect(summarize([])).toBeNull();
  });
  it("makes a zero batch of a shape", () => {
    expect(zeroBatch([2, null])).toEqual([[[0], [0]]]);
  });
});
