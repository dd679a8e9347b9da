import { beforeEach, describe, expect, it } from "vitest";
import type { GraphJson } from "../api/types";
import { portOf, validationKey } from "./convert";
import { emptyState, inputPorts, isDirty, useGraph } from "./store";

const g = () => useGraph.getState();
const conn = (source: string, target: string, sp = 0, tp = 0) =>
  g().onConnect({ source, target, sourceHandle: `out-${sp}`, targetHandle: `in-${tp}` });

beforeEach(() => useGraph.setState(emptyState()));

describe("graph store", () => {
  it("adds layers with Keras-style ids and selects the new one", () => {
    const a = g().addLayer("Input", { shape: [4] }, { x: 0, y: 0 });
    const b = g().addLayer("Dense", { units: 3 }, { x: 200, y: 0 });
    expect([a, b]).toEqual(["input_1", "dense_1"]);
    expect(g().nodes.map((n) => !!n.selected)).toEqual([false, true]);
    expect(g().graph().nodes[1]).toEqual({ id: "dense_1", type: "Dense", params: { units: 3 }, position: { x: 200, y: 0 } });
  });

  it("keeps the analysis when the same graph is loaded again, drops it for another one", () => {
    const graph: GraphJson = {
      format: "netcanvas.graph/1", name: "a", outputs: ["d"],
      nodes: [{ id: "in", type: "Input", params: { shape: [4] }, position: { x: 0, y: 0 } },
        { id: "d", type: "Dense", params: { units: 2 }, position: { x: 200, y: 0 } }],
      edges: [{ source: "in", target: "d", source_port: 0, target_port: 0 }],
    };
    g().load(graph);
    const analysis = { ok: true, total_params: 10, trainable_params: 10, non_trainable_params: 0, weight_bytes: 0, activation_bytes: 0, nodes: {}, problems: [], inputs: ["in"], outputs: ["d"] };
    g().setAnalysis(analysis, null, validationKey(g()));
    g().load(graph);
    expect(g().analysis).toBe(analysis);
    g().load({ ...graph, nodes: [graph.nodes[0], { ...graph.nodes[1], params: { units: 3 } }] });
    expect(g().analysis).toBeNull();
  });

  it("does not share param objects with the caller (palette defaults stay clean)", () => {
    const defaults = { shape: [784] };
    g().addLayer("Input", defaults, { x: 0, y: 0 });
    (g().nodes[0].data.params.shape as number[]).push(1);
    expect(defaults.shape).toEqual([784]);
  });

  it("connects, one wire per input port, replacing the old one", () => {
    g().addLayer("Input", {}, { x: 0, y: 0 });
    g().addLayer("Input", {}, { x: 0, y: 100 });
    g().addLayer("Dense", {}, { x: 200, y: 0 });
    conn("input_1", "dense_1");
    conn("input_2", "dense_1");
    expect(g().graph().edges).toEqual([{ source: "input_2", target: "dense_1", source_port: 0, target_port: 0 }]);
    conn("dense_1", "dense_1");
    expect(g().edges).toHaveLength(1);
  });

  it("orders merge inputs by port and closes gaps when a wire goes", () => {
    for (let i = 0; i < 3; i++) g().addLayer("Dense", {}, { x: 0, y: 0 });
    g().addLayer("Concatenate", {}, { x: 300, y: 0 });
    conn("dense_1", "concatenate_1", 0, 0);
    conn("dense_2", "concatenate_1", 0, 1);
    conn("dense_3", "concatenate_1", 0, 2);
    const middle = g().edges.find((e) => e.source === "dense_2")!;
    g().onEdgesChange([{ type: "remove", id: middle.id }]);
    expect(g().graph().edges.map((e) => [e.source, e.target_port])).toEqual([["dense_1", 0], ["dense_3", 1]]);
  });

  it("deletes the selection with its wires, and undo brings it back", () => {
    g().load(chain());
    g().select(["d"]);
    g().deleteSelected();
    expect(g().nodes.map((n) => n.id)).toEqual(["in", "f"]);
    expect(g().edges).toHaveLength(1);
    g().undo();
    expect(g().nodes.map((n) => n.id)).toEqual(["in", "f", "d"]);
    expect(g().edges).toHaveLength(2);
    g().redo();
    expect(g().nodes).toHaveLength(2);
  });

  it("undoes and redoes param edits and renames; a new edit clears redo", () => {
    g().load(chain());
    g().updateParams("d", { units: 99 });
    g().rename("d", "  classifier ");
    expect(g().nodes[2].data).toMatchObject({ name: "classifier", params: { units: 99 } });
    g().undo();
    expect(g().nodes[2].data.name).toBeNull();
    g().undo();
    expect(g().nodes[2].data.params).toEqual({ units: 10 });
    expect(g().future).toHaveLength(2);
    g().updateParams("d", { units: 5 });
    expect(g().future).toHaveLength(0);
    g().rename("d", "");
    expect(g().nodes[2].data.name).toBeNull();
  });

  it("copies and pastes the selection with fresh ids and its inner wires", () => {
    g().load(chain());
    g().select(["f", "d"]);
    g().copy();
    g().paste();
    const ids = g().nodes.map((n) => n.id);
    expect(ids).toEqual(["in", "f", "d", "flatten_1", "dense_1"]);
    expect(g().nodes.filter((n) => n.selected).map((n) => n.id)).toEqual(["flatten_1", "dense_1"]);
    const pasted = g().nodes[3];
    expect(pasted.position).toEqual({ x: g().nodes[1].position.x + 40, y: g().nodes[1].position.y + 40 });
    expect(g().graph().edges.slice(-1)).toEqual([{ source: "flatten_1", target: "dense_1", source_port: 0, target_port: 0 }]);
    g().paste();
    expect(g().nodes.map((n) => n.id).slice(-2)).toEqual(["flatten_2", "dense_2"]);
  });

  it("duplicates without touching the clipboard", () => {
    g().load(chain());
    g().select(["d"]);
    g().duplicate();
    expect(g().nodes.map((n) => n.id)).toEqual(["in", "f", "d", "dense_1"]);
    expect(g().clipboard).toBeNull();
  });

  it("lays out graphs without positions in the direction that reads largest", () => {
    g().load(chain());
    expect(g().direction).toBe("LR"); // three nodes fit side by side
    const xs = g().nodes.map((n) => n.position.x);
    expect(xs[0]).toBeLessThan(xs[1]);
    expect(xs[1]).toBeLessThan(xs[2]);
    g().autoLayout("TB");
    const ys = g().nodes.map((n) => n.position.y);
    expect(ys[0]).toBeLessThan(ys[1]);
    expect(g().direction).toBe("TB");
    g().undo();
    expect(g().nodes.map((n) => n.position.x)).toEqual(xs);
    // A long chain reads better top to bottom.
    const long = chain();
    for (let i = 0; i < 6; i++) {
      long.nodes.push({ id: `d${i}`, type: "Dense", params: { units: 4 } });
      long.edges.push({ source: i ? `d${i - 1}` : "d", target: `d${i}` });
    }
    g().load(long);
    expect(g().direction).toBe("TB");
  });

  it("selects all and keeps history bounded", () => {
    g().load(chain());
    g().selectAll();
    expect(g().nodes.every((n) => n.selected)).toBe(true);
    for (let i = 0; i < 150; i++) g().updateParams("d", { units: i + 1 });
    expect(g().past.length).toBeLessThanOrEqual(100);
  });

  it("removing nodes through React Flow changes drops their wires and renumbers", () => {
    g().load(chain());
    g().onNodesChange([{ type: "remove", id: "f" }]);
    expect(g().edges).toHaveLength(0);
    expect(g().past.length).toBeGreaterThan(0);
  });

  it("shows one spare input on merge layers", () => {
    expect(inputPorts(1, 1, 0)).toBe(1);
    expect(inputPorts(0, 0, 0)).toBe(0);
    expect(inputPorts(null, 2, 0)).toBe(2);
    expect(inputPorts(null, 2, 2)).toBe(3);
    expect(inputPorts(null, 2, 5)).toBe(6);
    expect(inputPorts(2, 2, 2)).toBe(2);
  });

  it("keeps port numbers on handles after load", () => {
    g().load({ format: "netcanvas.graph/1", name: "m", nodes: [{ id: "a", type: "Input", params: {} }, { id: "b", type: "Input", params: {} }, { id: "c", type: "Add", params: {} }], edges: [{ source: "b", target: "c", target_port: 1 }, { source: "a", target: "c", target_port: 0 }] });
    expect(g().edges.map((e) => [e.source, portOf(e.targetHandle)])).toEqual([["b", 1], ["a", 0]]);
  });
});

function chain(): GraphJson {
  return {
    format: "netcanvas.graph/1",
    name: "chain",
    nodes: [
      { id: "in", type: "Input", params: { shape: [1, 8, 8] } },
      { id: "f", type: "Flatten", params: {} },
      { id: "d", type: "Dense", params: { units: 10 } },
    ],
    edges: [{ source: "in", target: "f" }, { source: "f", target: "d" }],
  };
}

describe("addLayerWired", () => {
  it("adds the layer wired to the loose end as one undo step, replacing a taken input", () => {
    useGraph.setState(emptyState());
    const a = useGraph.getState().addLayer("Dense", {}, { x: 0, y: 0 });
    const b = useGraph.getState().addLayer("Dense", {}, { x: 300, y: 0 });
    useGraph.getState().onConnect({ source: a, target: b, sourceHandle: "out-0", targetHandle: "in-0" });
    const flat = useGraph.getState().addLayerWired("Flatten", {}, { x: 0, y: 200 }, { node: a, port: 0, side: "source" });
    expect(useGraph.getState().edges.map((e) => e.id)).toContain(`e:${a}:0->${flat}:0`);
    const feed = useGraph.getState().addLayerWired("Dropout", {}, { x: 0, y: 400 }, { node: b, port: 0, side: "target" });
    expect(useGraph.getState().edges.filter((e) => e.target === b).map((e) => e.source)).toEqual([feed]);
    useGraph.getState().undo();
    expect(useGraph.getState().nodes.map((n) => n.id)).not.toContain(feed);
    expect(useGraph.getState().edges.filter((e) => e.target === b).map((e) => e.source)).toEqual([a]);
  });
});

describe("unsaved changes (dirty flag)", () => {
  const saved: GraphJson = {
    format: "netcanvas.graph/1", name: "s",
    nodes: [{ id: "in", type: "Input", params: { shape: [4] }, position: { x: 0, y: 0 } }], edges: [],
  };

  it("is clean after a load, dirty after an edit or a rename, clean again once saved", () => {
    g().load(saved);
    expect(isDirty(g())).toBe(false);
    g().addLayer("Dense", { units: 2 }, { x: 200, y: 0 });
    expect(isDirty(g())).toBe(true);
    g().setSaved("g1", 1);
    expect(isDirty(g())).toBe(false);
    g().setName("renamed");
    expect(isDirty(g())).toBe(true);
  });

  it("stays dirty when an edit lands while the save is under way", () => {
    g().load(saved);
    g().addLayer("Dense", { units: 2 }, { x: 200, y: 0 });
    const sent = g().edits;
    g().rename("dense_1", "head"); // made after the request left
    g().setSaved("g1", 1, sent);
    expect(isDirty(g())).toBe(true);
  });

  it("selecting and moving without a drag snapshot do not count; an empty graph has nothing to lose", () => {
    g().load(saved);
    g().select(["in"]);
    g().onNodesChange([{ type: "select", id: "in", selected: false }]);
    expect(isDirty(g())).toBe(false);
    g().selectAll();
    g().deleteSelected();
    expect(g().nodes).toHaveLength(0);
    expect(isDirty(g())).toBe(false);
  });

  it("a graph whose server copy was deleted is unsaved work again", () => {
    g().load(saved, { id: "g1", version: 2 });
    g().setSaved(null, null);
    expect(isDirty(g())).toBe(true);
  });
});

describe("merge input order", () => {
  it("moves an input up or down, one undo step, and stops at the ends", () => {
    for (let i = 0; i < 3; i++) g().addLayer("Input", { shape: [4] }, { x: 0, y: 0 });
    g().addLayer("Concatenate", {}, { x: 200, y: 0 });
    conn("input_1", "concatenate_1", 0, 0);
    conn("input_2", "concatenate_1", 0, 1);
    conn("input_3", "concatenate_1", 0, 2);
    const order = () => g().graph().edges.filter((e) => e.target === "concatenate_1")
      .sort((x, y) => x.target_port! - y.target_port!).map((e) => e.source);
    g().moveInput("concatenate_1", 2, -1);
    expect(order()).toEqual(["input_1", "input_3", "input_2"]);
    g().moveInput("concatenate_1", 0, 1);
    expect(order()).toEqual(["input_3", "input_1", "input_2"]);
    const steps = g().past.length;
    g().moveInput("concatenate_1", 0, -1); // already first
    g().moveInput("concatenate_1", 2, 1); // already last
    expect(g().past.length).toBe(steps);
    g().undo();
    expect(order()).toEqual(["input_1", "input_3", "input_2"]);
  });
});

describe("unsaved changes and undo", () => {
  it("is clean again when undo comes back to the saved state, dirty when redo leaves it", () => {
    g().load({ format: "netcanvas.graph/1", name: "s", nodes: [{ id: "in", type: "Input", params: { shape: [4] } }], edges: [] });
    g().addLayer("Dense", { units: 2 }, { x: 200, y: 0 });
    g().setSaved("g1", 1);
    g().addLayer("Dense", { units: 3 }, { x: 400, y: 0 });
    expect(isDirty(g())).toBe(true);
    g().undo();
    expect(isDirty(g())).toBe(false);
    g().undo(); // before the save: unsaved again
    expect(isDirty(g())).toBe(true);
    g().redo();
    expect(isDirty(g())).toBe(false);
    g().redo();
    expect(isDirty(g())).toBe(true);
    expect(g()).not.toHaveProperty("at"); // the snapshot's id goes into `edits`, not onto the store
  });
});

describe("replacing a wire", () => {
  it("records the wire it replaced and the undo step, which undoStep takes back while it is the latest", () => {
    g().addLayer("Input", { shape: [4] }, { x: 0, y: 0 });
    g().addLayer("Input", { shape: [4] }, { x: 0, y: 100 });
    g().addLayer("Dense", { units: 2 }, { x: 200, y: 0 });
    conn("input_1", "dense_1");
    expect(g().replacedWire).toBeNull(); // a free port: nothing replaced
    conn("input_1", "dense_1");
    expect(g().replacedWire).toBeNull(); // the same wire again
    conn("input_2", "dense_1");
    const r = g().replacedWire!;
    expect([r.source, r.target]).toEqual(["input_1", "dense_1"]);
    expect(g().edges.map((e) => e.source)).toEqual(["input_2"]);
    g().rename("dense_1", "head");
    expect(g().undoStep(r.step)).toBe(false); // another step came after: left alone
    expect(g().edges.map((e) => e.source)).toEqual(["input_2"]);
    g().undo();
    expect(g().undoStep(r.step)).toBe(true);
    expect(g().edges.map((e) => `${e.source}->${e.target}`)).toEqual(["input_1->dense_1"]);
  });
});

describe("a layer added on a taken input's loose wire", () => {
  it("records the wire it replaced; undoing the step brings it back", () => {
    g().addLayer("Input", { shape: [4] }, { x: 0, y: 0 });
    g().addLayer("Dense", { units: 2 }, { x: 200, y: 0 });
    conn("input_1", "dense_1");
    g().addLayerWired("Dropout", { rate: 0.5 }, { x: 100, y: 100 }, { node: "dense_1", port: 0, side: "target" });
    const r = g().replacedWire!;
    expect([r.source, r.target]).toEqual(["input_1", "dense_1"]);
    expect(g().edges.map((e) => `${e.source}->${e.target}`)).toEqual(["dropout_1->dense_1"]);
    expect(g().undoStep(r.step)).toBe(true);
    expect(g().nodes.map((n) => n.id)).toEqual(["input_1", "dense_1"]);
    expect(g().edges.map((e) => `${e.source}->${e.target}`)).toEqual(["input_1->dense_1"]);
  });
});
