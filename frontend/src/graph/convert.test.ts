import { describe, expect, it } from "vitest";
import type { GraphJson } from "../api/types";
import {
  baseName, fromGraphJson, GraphFormatError, inHandle, makeEdge, nextId, normalizePorts, outHandle, portOf,
  toGraphJson, validationKey, type LayerNode,
} from "./convert";
import { TEMPLATES } from "./templates";

const mnist: GraphJson = {
  format: "netcanvas.graph/1",
  name: "mnist-cnn",
  nodes: [
    { id: "in", type: "Input", params: { shape: [1, 28, 28] }, position: { x: 0, y: 0 } },
    { id: "c1", type: "Conv2D", name: "first conv", params: { filters: 32, kernel_size: 3, activation: "relu" }, position: { x: 300, y: 0 } },
    { id: "f", type: "Flatten", params: {}, position: { x: 600, y: 0 } },
    { id: "out", type: "Dense", params: { units: 10, activation: "softmax" }, position: { x: 900, y: 0 } },
  ],
  edges: [
    { source: "in", target: "c1", source_port: 0, target_port: 0 },
    { source: "c1", target: "f", source_port: 0, target_port: 0 },
    { source: "f", target: "out", source_port: 0, target_port: 0 },
  ],
  outputs: ["out"],
};

describe("graph JSON ↔ React Flow", () => {
  it("round-trips a graph unchanged", () => {
    const state = fromGraphJson(mnist);
    expect(state.needsLayout).toBe(false);
    expect(toGraphJson(state)).toEqual(mnist);
  });

  it("maps nodes and ports to React Flow nodes and handle ids", () => {
    const state = fromGraphJson(mnist);
    expect(state.nodes[1]).toMatchObject({ id: "c1", type: "layer", position: { x: 300, y: 0 }, data: { type: "Conv2D", name: "first conv" } });
    expect(state.edges[0]).toMatchObject({ source: "in", target: "c1", sourceHandle: "out-0", targetHandle: "in-0", type: "wire" });
  });

  it("defaults ports to 0 and marks nodes without positions for layout", () => {
    const state = fromGraphJson({ nodes: [{ id: "a", type: "Input", params: { shape: [4] } }, { id: "b", type: "Dense", params: { units: 2 } }], edges: [{ source: "a", target: "b" }] });
    expect(state.needsLayout).toBe(true);
    expect(state.name).toBe("untitled");
    expect(state.outputs).toBeNull();
    const json = toGraphJson(state);
    expect(json.format).toBe("netcanvas.graph/1");
    expect(json.edges).toEqual([{ source: "a", target: "b", source_port: 0, target_port: 0 }]);
    expect(json.nodes[0]).not.toHaveProperty("name");
    expect(json).not.toHaveProperty("outputs");
  });

  it("keeps merge ports and multi-output source ports", () => {
    const g: GraphJson = {
      format: "netcanvas.graph/1", name: "ports",
      nodes: [
        { id: "x", type: "Input", params: { shape: [null, 8] } },
        { id: "lstm", type: "LSTM", params: { units: 4, return_state: true } },
        { id: "cat", type: "Concatenate", params: {} },
      ],
      edges: [
        { source: "x", target: "lstm" },
        { source: "lstm", target: "cat", source_port: 2, target_port: 1 },
        { source: "lstm", target: "cat", source_port: 1, target_port: 0 },
      ],
    };
    const state = fromGraphJson(g);
    expect(state.edges[1]).toMatchObject({ sourceHandle: "out-2", targetHandle: "in-1" });
    const back = toGraphJson(state).edges;
    expect(back[1]).toEqual({ source: "lstm", target: "cat", source_port: 2, target_port: 1 });
    expect(back[2]).toEqual({ source: "lstm", target: "cat", source_port: 1, target_port: 0 });
  });

  it("reads a graph wrapped in a saved-graph record or given as text", () => {
    expect(fromGraphJson({ id: "g1", version: 3, graph: mnist }).nodes).toHaveLength(4);
    expect(fromGraphJson(JSON.stringify(mnist)).edges).toHaveLength(3);
  });

  it("rejects other formats and broken nodes with a sentence", () => {
    expect(() => fromGraphJson({ ...mnist, format: "netcanvas.graph/9" })).toThrow(GraphFormatError);
    expect(() => fromGraphJson({ nodes: [{ id: 1 }] })).toThrow(/Node 1 needs/);
    expect(() => fromGraphJson({ nodes: [{ id: "a", type: "Dense" }, { id: "a", type: "Dense" }] })).toThrow(/share the id 'a'/);
    expect(() => fromGraphJson(42)).toThrow(GraphFormatError);
  });

  it("drops edges to missing nodes and unknown outputs on export", () => {
    const state = fromGraphJson(mnist);
    const nodes = state.nodes.filter((n) => n.id !== "out");
    const json = toGraphJson({ ...state, nodes });
    expect(json.edges.map((e) => e.target)).toEqual(["c1", "f"]);
    expect(json).not.toHaveProperty("outputs");
  });

  it("rounds positions to a tenth of a pixel", () => {
    const state = fromGraphJson(mnist);
    state.nodes[0].position = { x: 10.123456, y: -3.98765 };
    expect(toGraphJson(state).nodes[0].position).toEqual({ x: 10.1, y: -4 });
  });

  it("round-trips every template", () => {
    for (const t of TEMPLATES) {
      const back = toGraphJson(fromGraphJson(t.graph));
      expect(back.nodes.map((n) => [n.id, n.type, n.params])).toEqual(t.graph.nodes.map((n) => [n.id, n.type, n.params]));
      expect(back.edges).toEqual(t.graph.edges.map((e) => ({ source_port: 0, target_port: 0, ...e })));
    }
  });
});

describe("ports and ids", () => {
  it("parses handle ids", () => {
    expect(portOf(inHandle(3))).toBe(3);
    expect(portOf(outHandle(0))).toBe(0);
    expect(portOf(null)).toBe(0);
  });

  it("renumbers merge inputs without gaps, keeping their order", () => {
    const edges = [makeEdge("a", 0, "cat", 0), makeEdge("b", 0, "cat", 2), makeEdge("c", 0, "cat", 5), makeEdge("a", 0, "d", 0)];
    const out = normalizePorts(edges);
    expect(out.filter((e) => e.target === "cat").map((e) => [e.source, e.targetHandle])).toEqual([["a", "in-0"], ["b", "in-1"], ["c", "in-2"]]);
    expect(out[3]).toBe(edges[3]);
    expect(normalizePorts(out)).toBe(out); // already normal: same array
  });

  it("names new layers the Keras way", () => {
    expect(baseName("Conv2D")).toBe("conv2d");
    expect(baseName("MaxPooling2D")).toBe("max_pooling2d");
    expect(baseName("BatchNormalization")).toBe("batch_normalization");
    expect(baseName("LSTM")).toBe("lstm");
    expect(baseName("Conv2DTranspose")).toBe("conv2d_transpose");
    expect(baseName("GlobalAveragePooling2D")).toBe("global_average_pooling2d");
    expect(nextId("Dense", ["dense_1", "dense_2"])).toBe("dense_3");
    expect(nextId("Input", [])).toBe("input_1");
  });

  it("validation key ignores positions and selection but not params", () => {
    const state = fromGraphJson(mnist);
    const key = validationKey(state);
    const moved: LayerNode[] = state.nodes.map((n) => ({ ...n, position: { x: n.position.x + 5, y: 9 }, selected: true }));
    expect(validationKey({ ...state, nodes: moved })).toBe(key);
    const edited = state.nodes.map((n) => (n.id === "out" ? { ...n, data: { ...n.data, params: { units: 11 } } } : n));
    expect(validationKey({ ...state, nodes: edited })).not.toBe(key);
  });
});

describe("validationKeyCached", () => {
  it("matches validationKey and notices data, edge and id changes", async () => {
    const { validationKeyCached } = await import("./convert");
    const state = fromGraphJson(mnist);
    expect(validationKeyCached(state)).toBe(validationKey(state));
    const moved = { ...state, nodes: state.nodes.map((n) => ({ ...n, position: { x: 1, y: 1 } })) };
    expect(validationKeyCached(moved)).toBe(validationKey(state));
    const edited = { ...moved, nodes: moved.nodes.map((n, i) => (i === 3 ? { ...n, data: { ...n.data, params: { units: 3 } } } : n)) };
    expect(validationKeyCached(edited)).toBe(validationKey(edited));
    expect(validationKeyCached(edited)).not.toBe(validationKey(state));
    const unwired = { ...edited, edges: edited.edges.slice(1) };
    expect(validationKeyCached(unwired)).toBe(validationKey(unwired));
  });
});
