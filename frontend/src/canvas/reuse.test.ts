import { describe, expect, it } from "vitest";
import type { GraphJson } from "../api/types";
import { fromGraphJson, normalizePorts, toGraphJson, validationKey } from "../graph/convert";
import { reuseCheck, runGraphKey } from "./reuse";

const graph = (): GraphJson => ({
  format: "netcanvas.graph/1", name: "mlp",
  nodes: [
    { id: "in", type: "Input", params: { shape: [64] } },
    { id: "fc1", type: "Dense", params: { units: 16, activation: "relu" } },
    { id: "b", type: "Block", params: {}, block: "tower" },
    { id: "out", type: "Dense", params: { units: 10, activation: "softmax" } },
  ],
  edges: [{ source: "in", target: "fc1" }, { source: "fc1", target: "b" }, { source: "b", target: "out" }],
  blocks: {
    tower: {
      nodes: [{ id: "x", type: "Input", params: { shape: [16] } }, { id: "d", type: "Dense", params: { units: 8 } }],
      edges: [{ source: "x", target: "d" }], outputs: null,
    },
  },
});

// The key the canvas has after loading `g` and editing it with `edit`.
function canvasKey(g: GraphJson, edit?: (j: GraphJson) => void): string {
  const p = fromGraphJson(g);
  const state = { name: p.name, nodes: p.nodes, edges: normalizePorts(p.edges), outputs: p.outputs, blocks: p.blocks ?? {} };
  if (!edit) return validationKey(state);
  const j = toGraphJson(state);
  edit(j);
  return runGraphKey(j);
}

describe("reuseCheck", () => {
  it("offers the actions without a note for the run's own graph, moved about", () => {
    const g = graph();
    const moved = canvasKey(g, (j) => { j.nodes[1].position = { x: 500, y: 20 }; j.name = "renamed"; });
    expect(reuseCheck("r", g, runGraphKey(g), canvasKey(g), "out")).toEqual({ blocked: null, note: null });
    expect(reuseCheck("r", g, runGraphKey(g), moved, "fc1")).toEqual({ blocked: null, note: null });
  });

  it("finds a layer inside a block by its flattened id", () => {
    const g = graph();
    expect(reuseCheck("r", g, runGraphKey(g), canvasKey(g), "b/d").blocked).toBeNull();
    expect(reuseCheck("r", g, runGraphKey(g), canvasKey(g), "d").blocked).toContain("'d'");
  });

  it("notes that an edited canvas is not what the new model starts from", () => {
    const g = graph();
    const edited = canvasKey(g, (j) => { j.nodes[1].params.units = 32; });
    const frozen = canvasKey(g, (j) => { j.nodes[1].trainable = false; });
    for (const key of [edited, frozen]) {
      const c = reuseCheck("digits-mlp", g, runGraphKey(g), key, "fc1");
      expect(c.blocked).toBeNull();
      expect(c.note).toMatch(/differs from run digits-mlp's graph.*as trained/);
    }
  });

  it("blocks a node the run's graph does not have, saying why", () => {
    const g = graph();
    const c = reuseCheck("digits-mlp", g, runGraphKey(g), canvasKey(g), "dense_7");
    expect(c.blocked).toMatch(/digits-mlp's graph has no layer 'dense_7'/);
    expect(c.note).toBeNull();
  });
});
