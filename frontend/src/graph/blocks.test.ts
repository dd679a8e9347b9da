import { beforeEach, describe, expect, it } from "vitest";
import type { GraphJson, ValidateResult } from "../api/types";
import { groupSelection, leaveTo, openBlockNode, placeBlockCopy, revealNode, ungroupNode, unlinkNode } from "./blockActions";
import { blockPorts, viewAnalysis } from "./blockFormat";
import { BlockError, defaultBlockName, groupAsBlock, ungroup } from "./blocks";
import { fromGraphJson, GraphFormatError, toGraphJson, validationKey } from "./convert";
import { emptyState, useGraph } from "./store";

const inception = (): GraphJson => ({
  format: "netcanvas.graph/1",
  name: "inception",
  nodes: [
    { id: "in", type: "Input", params: { shape: [192, 28, 28] }, position: { x: 0, y: 200 } },
    { id: "a", type: "Conv2D", params: { filters: 64, kernel_size: 1 }, position: { x: 300, y: 0 } },
    { id: "b", type: "Conv2D", params: { filters: 128, kernel_size: 3, padding: "same" }, position: { x: 300, y: 200 } },
    { id: "p", type: "MaxPooling2D", params: { pool_size: 3, strides: 1, padding: "same" }, position: { x: 300, y: 400 } },
    { id: "cat", type: "Concatenate", params: {}, position: { x: 600, y: 200 } },
    { id: "f", type: "Flatten", params: {}, position: { x: 900, y: 200 } },
  ],
  edges: [
    { source: "in", target: "a", source_port: 0, target_port: 0 },
    { source: "in", target: "b", source_port: 0, target_port: 0 },
    { source: "in", target: "p", source_port: 0, target_port: 0 },
    { source: "a", target: "cat", source_port: 0, target_port: 0 },
    { source: "b", target: "cat", source_port: 0, target_port: 1 },
    { source: "p", target: "cat", source_port: 0, target_port: 2 },
    { source: "cat", target: "f", source_port: 0, target_port: 0 },
  ],
  outputs: ["f"],
});

const g = () => useGraph.getState();
const sortEdges = (j: GraphJson) =>
  j.edges.map((e) => `${e.source}:${e.source_port}->${e.target}:${e.target_port}`).sort();

beforeEach(() => useGraph.setState(emptyState()));

describe("group as block", () => {
  it("turns the selection into one block node: wires in become Inputs, wires out leave from its outputs", () => {
    const level = fromGraphJson(inception());
    const res = groupAsBlock(level, {}, ["a", "b", "p", "cat"], "inception_a");
    expect(res.instance).toBe("inception_a");
    const def = res.blocks.inception_a;
    // One Input for the one source port wired in; it takes the shape of what is wired to the block.
    expect(def.nodes.map((n) => [n.id, n.type])).toEqual([
      ["input_1", "Input"], ["a", "Conv2D"], ["b", "Conv2D"], ["p", "MaxPooling2D"], ["cat", "Concatenate"],
    ]);
    expect(def.nodes[0].params).toEqual({});
    expect(def.outputs).toEqual(["cat"]);
    expect(blockPorts(def)).toEqual({ inputs: ["input_1"], outputs: ["cat"] });
    expect(sortEdges({ ...inception(), edges: def.edges })).toEqual([
      "a:0->cat:0", "b:0->cat:1", "input_1:0->a:0", "input_1:0->b:0", "input_1:0->p:0", "p:0->cat:2",
    ]);
    const top = toGraphJson({ name: "x", ...res.level, blocks: res.blocks });
    expect(top.nodes.map((n) => [n.id, n.type, n.block])).toEqual([
      ["in", "Input", undefined], ["f", "Flatten", undefined], ["inception_a", "Block", "inception_a"],
    ]);
    expect(sortEdges(top)).toEqual(["in:0->inception_a:0", "inception_a:0->f:0"]);
    expect(res.level.nodes.find((n) => n.id === "inception_a")?.selected).toBe(true);
  });

  it("makes one input port per distinct source port, in the order of what they feed, and several outputs", () => {
    const j: GraphJson = {
      format: "netcanvas.graph/1", name: "two", outputs: null,
      nodes: [
        { id: "x", type: "Input", params: { shape: [4] }, position: { x: 0, y: 0 } },
        { id: "y", type: "Input", params: { shape: [4] }, position: { x: 0, y: 100 } },
        { id: "add", type: "Add", params: {}, position: { x: 200, y: 0 } },
        { id: "d1", type: "Dense", params: { units: 2 }, position: { x: 400, y: 0 } },
        { id: "d2", type: "Dense", params: { units: 3 }, position: { x: 400, y: 100 } },
        { id: "head", type: "Dense", params: { units: 1 }, position: { x: 600, y: 0 } },
      ],
      edges: [
        { source: "y", target: "add", source_port: 0, target_port: 0 },
        { source: "x", target: "add", source_port: 0, target_port: 1 },
        { source: "add", target: "d1", source_port: 0, target_port: 0 },
        { source: "add", target: "d2", source_port: 0, target_port: 0 },
        { source: "d1", target: "head", source_port: 0, target_port: 0 },
      ],
    };
    const res = groupAsBlock(fromGraphJson(j), {}, ["add", "d1", "d2"], "blk");
    const def = res.blocks.blk;
    // y feeds Add's first port, so y's wire is the block's first input.
    expect(sortEdges({ ...j, edges: def.edges })).toContain("input_1:0->add:0");
    expect(sortEdges({ ...j, edges: def.edges })).toContain("input_2:0->add:1");
    // d1 is read outside; d2 is read by nothing, so with outputs unset it stays a model output.
    expect(def.outputs).toEqual(["d1", "d2"]);
    const top = toGraphJson({ name: "t", ...res.level, blocks: res.blocks });
    expect(sortEdges(top)).toEqual(["blk:0->head:0", "x:0->blk:1", "y:0->blk:0"]);
  });

  it("refuses an Input in the selection, a taken or bad name, and an empty selection, saying what to do", () => {
    const level = fromGraphJson(inception());
    expect(() => groupAsBlock(level, {}, ["in", "a"], "b1")).toThrow(/“in” is an Input layer.*Leave in out/);
    expect(() => groupAsBlock(level, { b1: { nodes: [], edges: [] } }, ["a"], "b1")).toThrow(/exists already/);
    expect(() => groupAsBlock(level, {}, ["a"], "a/b")).toThrow(BlockError);
    expect(() => groupAsBlock(level, {}, [], "b1")).toThrow(/Select the layers/);
    expect(defaultBlockName({ block1: { nodes: [], edges: [] } })).toBe("block2");
  });

  it("ungroup inlines the block back to the graph it came from", () => {
    const before = fromGraphJson(inception());
    const res = groupAsBlock(before, {}, ["a", "b", "p", "cat"], "inception_a");
    const after = ungroup(res.level, res.blocks, "inception_a");
    const j = toGraphJson({ name: "inception", ...after });
    expect(j.nodes.map((n) => n.id).sort()).toEqual(["a", "b", "cat", "f", "in", "p"]);
    expect(sortEdges(j)).toEqual(sortEdges(inception()));
    expect(j.outputs).toEqual(["f"]);
  });

  it("ungroup renames inner nodes whose ids are taken and keeps an unwired Input", () => {
    const res = groupAsBlock(fromGraphJson(inception()), {}, ["a", "b", "p", "cat"], "inc");
    // A second copy placed beside the first: inlining it cannot reuse a, b, p, cat.
    const level = {
      ...res.level,
      nodes: [...res.level.nodes, { ...res.level.nodes[2], id: "inc_1", selected: false }],
    };
    const after = ungroup(ungroup(level, res.blocks, "inc"), res.blocks, "inc_1");
    const ids = after.nodes.map((n) => n.id);
    expect(ids).toEqual(["in", "f", "a", "b", "p", "cat", "input_1", "conv2d_1", "conv2d_2", "max_pooling2d_1", "concatenate_1"]);
    // inc_1 had no wire in: its Input stays, feeding the renamed towers.
    expect(after.nodes.find((n) => n.id === "input_1")?.data).toMatchObject({ type: "Input", params: {} });
    expect(after.edges.filter((e) => e.source === "input_1").map((e) => e.target).sort()).toEqual(["conv2d_1", "conv2d_2", "max_pooling2d_1"]);
    expect(after.edges.filter((e) => e.target === "concatenate_1")).toHaveLength(3);
  });
});

describe("blocks in the store", () => {
  it("round-trips blocks and block nodes through the JSON unchanged", () => {
    const res = groupAsBlock(fromGraphJson(inception()), {}, ["a", "b", "p", "cat"], "inception_a");
    const json = toGraphJson({ name: "inception", ...res.level, blocks: res.blocks });
    g().load(json);
    expect(g().graph()).toEqual(json);
    expect(toGraphJson(fromGraphJson(JSON.stringify(json)))).toEqual(json);
    // An old graph without blocks writes none.
    g().load(inception());
    expect(g().graph()).not.toHaveProperty("blocks");
  });

  it("lays out an imported block's nodes when it is opened and keeps the layout after", () => {
    g().load({
      format: "netcanvas.graph/1", name: "imported",
      nodes: [{ id: "x", type: "Input", params: { shape: [8] } }, { id: "b", type: "Block", block: "mlp", params: {} }],
      edges: [{ source: "x", target: "b" }],
      blocks: { mlp: { nodes: [{ id: "in", type: "Input", params: {} }, { id: "d1", type: "Dense", params: { units: 4 } }, { id: "d2", type: "Dense", params: { units: 2 } }],
        edges: [{ source: "in", target: "d1" }, { source: "d1", target: "d2" }] } },
    });
    openBlockNode("b");
    const xs = g().nodes.map((n) => n.position.x);
    expect(new Set(xs).size).toBe(3); // laid out left to right, not stacked at 0, 0
    leaveTo(0);
    expect(g().graph().blocks!.mlp.nodes.map((n) => n.position?.x)).toEqual(xs);
  });

  it("rejects a definition the canvas cannot read, naming the block", () => {
    expect(() => fromGraphJson({ ...inception(), blocks: { inc: { edges: [] } } })).toThrow(GraphFormatError);
    expect(() => fromGraphJson({ ...inception(), blocks: { inc: { nodes: [{ id: "x", type: "Input" }, { id: "x", type: "Dense" }] } } }))
      .toThrow(/block 'inc' share the id 'x'/);
  });

  it("groups the selection, undo brings the layers back, redo the block", () => {
    g().load(inception());
    g().select(["a", "b", "p", "cat"]);
    expect(groupSelection("inception_a")).toBe("inception_a");
    expect(g().nodes.map((n) => n.id)).toEqual(["in", "f", "inception_a"]);
    g().undo();
    expect(g().nodes.map((n) => n.id)).toEqual(["in", "a", "b", "p", "cat", "f"]);
    expect(g().graph()).not.toHaveProperty("blocks");
    g().redo();
    expect(Object.keys(g().graph().blocks ?? {})).toEqual(["inception_a"]);
  });

  it("copies stay linked: an edit inside one opened copy changes every copy's definition", () => {
    g().load(inception());
    g().select(["a", "b", "p", "cat"]);
    groupSelection("inception_a");
    g().duplicate();
    const copy = g().nodes.find((n) => n.selected)!;
    expect(copy.id).toBe("inception_a_1");
    expect(copy.data.block).toBe("inception_a");
    placeBlockCopy("inception_a");
    expect(g().nodes.filter((n) => n.data.block === "inception_a")).toHaveLength(3);

    openBlockNode("inception_a_1");
    expect(g().nav).toEqual([{ instance: "inception_a_1", block: "inception_a" }]);
    expect(g().nodes.map((n) => n.id)).toEqual(["input_1", "a", "b", "p", "cat"]);
    const key = validationKey(g());
    g().updateParams("a", { filters: 32, kernel_size: 1 });
    // While open, the graph sent to the server already holds the edit, at the top level.
    expect(validationKey(g())).not.toBe(key);
    const live = g().graph();
    expect(live.nodes.map((n) => n.id)).toEqual(["in", "f", "inception_a", "inception_a_1", "inception_a_2"]);
    expect(live.blocks!.inception_a.nodes[1].params).toEqual({ filters: 32, kernel_size: 1 });

    leaveTo(0);
    expect(g().nav).toEqual([]);
    expect(g().nodes.find((n) => n.selected)?.id).toBe("inception_a_1");
    expect(g().graph()).toEqual(live);
    // Undo of the inner edit goes back into the block, where it was made.
    g().undo();
    expect(g().nav).toHaveLength(1);
    expect(g().graph().blocks!.inception_a.nodes[1].params).toEqual({ filters: 64, kernel_size: 1 });
  });

  it("unlink gives one copy its own definition; editing it leaves the others", () => {
    g().load(inception());
    g().select(["a", "b", "p", "cat"]);
    groupSelection("inception_a");
    placeBlockCopy("inception_a");
    expect(unlinkNode("inception_a_1")).toBe("inception_a_2");
    openBlockNode("inception_a_1");
    g().updateParams("b", { filters: 8, kernel_size: 3, padding: "same" });
    leaveTo(0);
    const blocks = g().graph().blocks!;
    expect(blocks.inception_a.nodes[2].params.filters).toBe(128);
    expect(blocks.inception_a_2.nodes[2].params.filters).toBe(8);
    expect(g().nodes.find((n) => n.id === "inception_a_1")?.data.block).toBe("inception_a_2");
  });

  it("nests: a block inside an open block; a block cannot be placed inside itself", () => {
    g().load(inception());
    g().select(["a", "b", "p", "cat"]);
    groupSelection("outer");
    openBlockNode("outer");
    g().select(["a"]);
    groupSelection("inner");
    expect(() => placeBlockCopy("outer")).toThrow(/cannot hold itself/);
    openBlockNode("inner");
    expect(g().nav.map((f) => f.instance)).toEqual(["outer", "inner"]);
    g().updateParams("a", { filters: 5, kernel_size: 1 });
    leaveTo(1);
    expect(g().nodes.some((n) => n.id === "inner")).toBe(true);
    leaveTo(0);
    const j = g().graph();
    expect(j.blocks!.inner.nodes.find((n) => n.id === "a")?.params.filters).toBe(5);
    expect(j.blocks!.outer.nodes.find((n) => n.id === "inner")).toMatchObject({ type: "Block", block: "inner" });
    // A problem's path opens the blocks on the way to its node.
    revealNode("outer/inner/a");
    expect(g().nav.map((f) => f.instance)).toEqual(["outer", "inner"]);
    expect(g().nodes.find((n) => n.selected)?.id).toBe("a");
    revealNode("outer/b");
    expect(g().nav.map((f) => f.instance)).toEqual(["outer"]);
    expect(g().nodes.find((n) => n.selected)?.id).toBe("b");
    leaveTo(0);
    ungroupNode("outer");
    expect(g().nodes.map((n) => n.id)).toEqual(expect.arrayContaining(["inner", "b", "p", "cat"]));
  });

  it("shows the analysis of the open block's nodes under their inner ids", () => {
    g().load(inception());
    g().select(["a", "b", "p", "cat"]);
    groupSelection("inc");
    const report = (shape: number[]) => ({ output_shapes: [shape], params: 0, trainable: true, problems: [] });
    const analysis: ValidateResult = {
      ok: false, total_params: 10, trainable_params: 10, non_trainable_params: 0, weight_bytes: 0, activation_bytes: 0, inputs: ["in"], outputs: ["f"],
      nodes: { in: report([192, 28, 28]), inc: report([384, 28, 28]), "inc/a": report([64, 28, 28]), "inc/cat": report([384, 28, 28]) },
      problems: [{ node: "inc/b", field: "filters", message: "bad" }, { node: "f", message: "outside" }],
    };
    g().setAnalysis(analysis, null, validationKey(g()));
    expect(g().analysis).toBe(analysis);
    openBlockNode("inc");
    expect(Object.keys(g().analysis!.nodes)).toEqual(["input_1", "a", "cat"]);
    // The block's Input shows what is wired into its port outside.
    expect(g().analysis!.nodes.input_1.output_shapes).toEqual([[192, 28, 28]]);
    expect(g().analysis!.problems).toEqual([
      { node: "b", field: "filters", message: "bad" }, { node: null, message: "Outside this block, f: outside" },
    ]);
    expect(g().analysis!.outputs).toEqual(["cat"]);
    expect(g().analysis!.total_params).toBe(10);
    leaveTo(0);
    expect(g().analysis).toBe(analysis);
    expect(viewAnalysis(null, [{ instance: "x", block: "y" }], { inputs: [], outputs: [] })).toBeNull();
  });

  it("traces an inner block's Input shape out through the block around it", () => {
    g().load(inception());
    g().select(["a", "b", "p", "cat"]);
    groupSelection("outer");
    openBlockNode("outer");
    g().select(["a"]);
    groupSelection("inner");
    leaveTo(0);
    const report = (shape: number[]) => ({ output_shapes: [shape], params: 0, trainable: true, problems: [] });
    g().setAnalysis({
      ok: true, total_params: 0, trainable_params: 0, non_trainable_params: 0, weight_bytes: 0, activation_bytes: 0, inputs: ["in"], outputs: ["f"],
      nodes: { in: report([192, 28, 28]), outer: report([1]), "outer/inner": report([64, 28, 28]), "outer/inner/a": report([64, 28, 28]) },
      problems: [],
    });
    openBlockNode("outer");
    openBlockNode("inner");
    // inner's Input ← outer's Input 1 ← in
    expect(g().analysis!.nodes.input_1.output_shapes).toEqual([[192, 28, 28]]);
    expect(g().analysis!.nodes.a.output_shapes).toEqual([[64, 28, 28]]);
  });
});
