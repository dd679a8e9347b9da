import { beforeEach, describe, expect, it } from "vitest";
import type { ValidateResult } from "../api/types";
import { batchOf, nodeCost, totalCost } from "../canvas/costTotals";
import { makeEdge, portOf, type WireEdge } from "./convert";
import { isModelOutput, stableSelection, wireCountsOf, wireIndex } from "./selectors";
import { emptyState, useGraph } from "./store";

const g = () => useGraph.getState();

// What the cards computed before, by scanning every edge: the index must agree with it.
const scanConnected = (edges: WireEdge[], id: string) => edges.filter((e) => e.target === id).length;
const scanUsedOut = (edges: WireEdge[], id: string) =>
  edges.reduce((n, e) => (e.source === id ? Math.max(n, portOf(e.sourceHandle) + 1) : n), 0);

beforeEach(() => useGraph.setState(emptyState()));

describe("wire index", () => {
  const edges = [makeEdge("a", 0, "m", 0), makeEdge("b", 2, "m", 1), makeEdge("a", 1, "c", 0), makeEdge("m", 0, "c", 1)];

  it("gives each node the counts a scan of the edges gives", () => {
    for (const id of ["a", "b", "c", "m", "lonely"]) {
      expect(wireCountsOf(edges, id)).toEqual({ connected: scanConnected(edges, id), usedOut: scanUsedOut(edges, id) });
    }
    expect(wireCountsOf(edges, "m")).toEqual({ connected: 2, usedOut: 1 });
    expect(wireCountsOf(edges, "b")).toEqual({ connected: 0, usedOut: 3 });
  });

  it("is built once per edges array and again for a new one", () => {
    const first = wireIndex(edges);
    expect(wireIndex(edges)).toBe(first);
    const more = [...edges, makeEdge("c", 0, "d", 0)];
    expect(wireIndex(more)).not.toBe(first);
    expect(wireCountsOf(more, "d").connected).toBe(1);
    expect(wireCountsOf(edges, "d").connected).toBe(0);
  });

  it("survives a drag in the store: moving nodes keeps the index, wiring replaces it", () => {
    g().addLayer("Input", { shape: [4] }, { x: 0, y: 0 });
    g().addLayer("Dense", { units: 3 }, { x: 200, y: 0 });
    g().onConnect({ source: "input_1", target: "dense_1", sourceHandle: "out-0", targetHandle: "in-0" });
    const before = wireIndex(g().edges);
    for (let i = 1; i <= 5; i++) {
      g().onNodesChange([{ type: "position", id: "dense_1", position: { x: 200 + i, y: i }, dragging: true }]);
    }
    expect(g().nodes.find((n) => n.id === "dense_1")?.position).toEqual({ x: 205, y: 5 });
    expect(wireIndex(g().edges)).toBe(before); // no card rebuilt or rescanned anything
    expect(wireCountsOf(g().edges, "dense_1").connected).toBe(1);
    g().addLayer("Dense", { units: 2 }, { x: 400, y: 0 });
    g().onConnect({ source: "input_1", target: "dense_2", sourceHandle: "out-0", targetHandle: "in-0" });
    expect(wireIndex(g().edges)).not.toBe(before);
    expect(wireCountsOf(g().edges, "dense_2").connected).toBe(1);
    expect(wireCountsOf(g().edges, "input_1").usedOut).toBe(1);
  });
});

const report = (over: Partial<ValidateResult> = {}): ValidateResult => ({
  ok: true, total_params: 208, trainable_params: 208, non_trainable_params: 0,
  weight_bytes: 832, activation_bytes: 112, macs: 192,
  nodes: {
    in: { output_shapes: [[12]], params: 0, trainable: true, weight_bytes: 0, activation_bytes: 48, macs: 0, problems: [] },
    d: { output_shapes: [[16]], params: 208, trainable: true, weight_bytes: 832, activation_bytes: 64, macs: 192, problems: [] },
  },
  problems: [], inputs: ["in"], outputs: ["d"], ...over,
});

describe("model outputs", () => {
  it("answers from the analysis's outputs, none without an analysis", () => {
    const a = report();
    expect(isModelOutput(a, "d")).toBe(true);
    expect(isModelOutput(a, "in")).toBe(false);
    expect(isModelOutput(null, "d")).toBe(false);
    expect(isModelOutput(report({ outputs: ["in"] }), "in")).toBe(true);
  });
});

describe("summary costs", () => {
  it("reads the Train panel's batch size, null while it is not a whole number in range", () => {
    expect(batchOf("32")).toBe(32);
    expect(batchOf(" 8 ")).toBe(8);
    for (const bad of ["", "0", "1.5", "-4", "abc", "70000"]) expect(batchOf(bad)).toBeNull();
  });

  it("scales activations by the batch, not weights or MACs", () => {
    const a = report();
    expect(nodeCost(a.nodes.d, 32)).toEqual({ params: 208, weightBytes: 832, activationBytes: 64 * 32, macs: 192 });
    expect(totalCost(a, 32)).toEqual({ params: 208, weightBytes: 832, activationBytes: 112 * 32, macs: 192 });
    expect(nodeCost(undefined, 32)).toEqual({ params: null, weightBytes: null, activationBytes: null, macs: null });
    const unknown = { ...a.nodes.d, activation_bytes: null, macs: null };
    expect(nodeCost(unknown, 4)).toEqual({ params: 208, weightBytes: 832, activationBytes: null, macs: null });
  });
});

describe("stableSelection", () => {
  const data: Record<string, unknown> = { type: "Dense" };
  it("keeps the last answer while only positions change", () => {
    const a = [{ id: "a", selected: true, data, position: { x: 0, y: 0 } }, { id: "b", data, position: { x: 1, y: 1 } }];
    const first = stableSelection(a, []);
    expect(first.map((n) => n.id)).toEqual(["a"]);
    const moved = [{ ...a[0], position: { x: 5, y: 5 } }, a[1]];
    expect(stableSelection(moved, first)).toBe(first);
  });
  it("answers anew when the selection or a selected node's data changes", () => {
    const a = [{ id: "a", selected: true, data }];
    const first = stableSelection(a, []);
    expect(stableSelection([{ id: "a", selected: true, data: { type: "Dense", units: 3 } }], first)).not.toBe(first);
    expect(stableSelection([{ id: "a", selected: false, data }], first)).toEqual([]);
  });
});
