import { beforeEach, describe, expect, it } from "vitest";
import type { GraphJson } from "../api/types";
import { fromGraphJson, toGraphJson, validationKey } from "./convert";
import {
  anyFrozen, downstreamOf, freezeCounts, graphHasFrozen, freezeUpstream, setSelectedTrainable, setTrainable, toggleSelectedTrainable,
  trainableMark, unfreezeDownstream, upstreamOf,
} from "./freeze";
import { emptyState, useGraph } from "./store";

const g = () => useGraph.getState();
const frozenIds = () => g().nodes.filter((n) => n.data.trainable === false).map((n) => n.id);

// A small "pretrained base + head": in → c1 → c2 → (p, side) → add → f → head.
const base: GraphJson = {
  format: "netcanvas.graph/1",
  name: "base",
  nodes: [
    { id: "in", type: "Input", params: { shape: [3, 16, 16] }, position: { x: 0, y: 0 } },
    { id: "c1", type: "Conv2D", params: { filters: 4, kernel_size: 3, padding: "same" }, position: { x: 100, y: 0 } },
    { id: "c2", type: "Conv2D", params: { filters: 4, kernel_size: 3, padding: "same" }, position: { x: 200, y: 0 } },
    { id: "bn", type: "BatchNormalization", params: {}, position: { x: 300, y: 0 } },
    { id: "side", type: "Conv2D", params: { filters: 4, kernel_size: 1 }, position: { x: 300, y: 100 } },
    { id: "add", type: "Add", params: {}, position: { x: 400, y: 0 } },
    { id: "f", type: "Flatten", params: {}, position: { x: 500, y: 0 } },
    { id: "head", type: "Dense", params: { units: 2 }, position: { x: 600, y: 0 } },
  ],
  edges: [
    { source: "in", target: "c1", source_port: 0, target_port: 0 },
    { source: "c1", target: "c2", source_port: 0, target_port: 0 },
    { source: "c2", target: "bn", source_port: 0, target_port: 0 },
    { source: "c1", target: "side", source_port: 0, target_port: 0 },
    { source: "bn", target: "add", source_port: 0, target_port: 0 },
    { source: "side", target: "add", source_port: 0, target_port: 1 },
    { source: "add", target: "f", source_port: 0, target_port: 0 },
    { source: "f", target: "head", source_port: 0, target_port: 0 },
  ],
  outputs: ["head"],
};

beforeEach(() => useGraph.setState(emptyState()));

describe("trainable in the graph format", () => {
  it("writes trainable only when false, so graphs without frozen nodes stay byte-identical", () => {
    const text = JSON.stringify(base);
    expect(JSON.stringify(toGraphJson(fromGraphJson(text)))).toBe(text);
    const frozen: GraphJson = { ...base, nodes: base.nodes.map((n) => (n.id === "c1" ? { ...n, trainable: false } : n)) };
    const back = toGraphJson(fromGraphJson(JSON.stringify(frozen)));
    expect(back).toEqual(frozen);
    expect(back.nodes.map((n) => "trainable" in n)).toEqual([false, true, false, false, false, false, false, false]);
    expect(fromGraphJson(frozen).nodes[1].data.trainable).toBe(false);
  });

  it("reads an explicit trainable: true as the default (not written back)", () => {
    const explicit = { ...base, nodes: base.nodes.map((n) => ({ ...n, trainable: true })) };
    expect(toGraphJson(fromGraphJson(explicit))).toEqual(base);
  });

  it("changes the validation key, so the counts are asked for again", () => {
    g().load(base);
    const before = validationKey(g());
    setTrainable("c1", false);
    expect(validationKey(g())).not.toBe(before);
    setTrainable("c1", true);
    expect(validationKey(g())).toBe(before);
  });
});

describe("which nodes an action reaches", () => {
  const edges = base.edges;
  it("upstream: the node and all that feeds it, through both arms of a merge", () => {
    expect([...upstreamOf("add", edges)].sort()).toEqual(["add", "bn", "c1", "c2", "in", "side"]);
    expect([...upstreamOf("in", edges)]).toEqual(["in"]);
  });
  it("downstream: the node and all it feeds", () => {
    expect([...downstreamOf("c2", edges)].sort()).toEqual(["add", "bn", "c2", "f", "head"]);
  });
});

describe("freeze actions on the store", () => {
  it("freezes everything above a node (Input layers left alone), in one undo step", () => {
    g().load(base);
    const steps = g().past.length;
    freezeUpstream("f");
    expect(frozenIds()).toEqual(["c1", "c2", "bn", "side", "add", "f"]);
    expect(g().past.length).toBe(steps + 1);
    expect(toGraphJson(g()).nodes.find((n) => n.id === "head")).not.toHaveProperty("trainable");
    g().undo();
    expect(frozenIds()).toEqual([]);
    g().redo();
    expect(frozenIds()).toHaveLength(6);
  });

  it("unfreezes from a node downwards: fine-tuning the top of the base", () => {
    g().load(base);
    freezeUpstream("f");
    unfreezeDownstream("bn");
    expect(frozenIds()).toEqual(["c1", "c2", "side"]);
    // an unfrozen node reads as one never frozen
    expect(toGraphJson(g()).nodes.find((n) => n.id === "bn")).toEqual(base.nodes[3]);
  });

  it("an action that changes nothing records no undo step", () => {
    g().load(base);
    const steps = g().past.length;
    unfreezeDownstream("in");
    freezeUpstream("in"); // only the Input: nothing to freeze
    setSelectedTrainable(false); // nothing selected
    expect(g().past.length).toBe(steps);
    expect(frozenIds()).toEqual([]);
  });

  it("freezes and unfreezes the selection; the shortcut toggles it", () => {
    g().load(base);
    g().select(["in", "c1", "c2"]);
    setSelectedTrainable(false);
    expect(frozenIds()).toEqual(["c1", "c2"]);
    expect(freezeCounts(g().nodes.filter((n) => n.selected))).toEqual({ frozen: 2, freezable: 2 });
    toggleSelectedTrainable(); // all of it frozen: unfreezes
    expect(frozenIds()).toEqual([]);
    g().select(["c1"]);
    toggleSelectedTrainable();
    g().select(["c1", "c2"]);
    toggleSelectedTrainable(); // partly frozen: freezes the rest
    expect(frozenIds()).toEqual(["c1", "c2"]);
    setSelectedTrainable(true);
    expect(anyFrozen(g().nodes)).toBe(false);
  });

  it("keeps untouched nodes as the same objects (their cards do not redraw)", () => {
    g().load(base);
    const head = g().nodes.find((n) => n.id === "head");
    freezeUpstream("c2");
    expect(g().nodes.find((n) => n.id === "head")).toBe(head);
  });

  it("copy and paste keep the flag", () => {
    g().load(base);
    freezeUpstream("c2");
    g().select(["c1", "c2"]);
    g().copy();
    g().paste();
    const pasted = g().nodes.filter((n) => n.selected);
    expect(pasted.map((n) => [n.data.type, n.data.trainable])).toEqual([["Conv2D", false], ["Conv2D", false]]);
  });
});

describe("summary marks", () => {
  it("reads Y, N or - as Keras's summary(show_trainable=True)", () => {
    expect(trainableMark({ type: "Dense", name: null, params: {} }, 10)).toBe("Y");
    expect(trainableMark({ type: "Dense", name: null, params: {}, trainable: false }, 10)).toBe("N");
    expect(trainableMark({ type: "Flatten", name: null, params: {}, trainable: false }, 0)).toBe("-");
  });
});

describe("anything frozen in the whole graph (the status bar's switch to 'will train')", () => {
  const inner: GraphJson["nodes"] = [
    { id: "x", type: "Input", params: { shape: [4] } },
    { id: "d", type: "Dense", params: { units: 4 }, trainable: false },
  ];
  const level = fromGraphJson(base);
  it("looks at the level on screen, the top level behind an open block, and block definitions", () => {
    expect(graphHasFrozen(level)).toBe(false);
    expect(graphHasFrozen({ ...level, blocks: { tower: { nodes: inner, edges: [] } } })).toBe(true);
    const frozenTop = fromGraphJson({ ...base, nodes: base.nodes.map((n) => (n.id === "c1" ? { ...n, trainable: false } : n)) });
    expect(graphHasFrozen({ ...level, root: frozenTop })).toBe(true);
  });
  it("reads the open block from the screen, not its stored (stale) definition", () => {
    const blocks = { tower: { nodes: inner, edges: [] } };
    expect(graphHasFrozen({ ...level, blocks, nav: [{ instance: "t1", block: "tower" }], root: level })).toBe(false);
  });
});
