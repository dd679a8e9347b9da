import { beforeEach, describe, expect, it } from "vitest";
import type { GraphJson } from "../api/types";
import { applyShapeFix, shapeFixFor } from "./shapeFix";
import { emptyState, useGraph } from "./store";

const mlp: GraphJson = {
  format: "netcanvas.graph/1",
  name: "mlp",
  nodes: [
    { id: "in", type: "Input", params: { shape: [784] }, position: { x: 0, y: 0 } },
    { id: "d1", type: "Dense", params: { units: 8 }, position: { x: 100, y: 0 } },
    { id: "d2", type: "Dense", params: { units: 10 }, position: { x: 200, y: 0 } },
  ],
  edges: [
    { source: "in", target: "d1", source_port: 0, target_port: 0 },
    { source: "d1", target: "d2", source_port: 0, target_port: 0 },
  ],
};

const cnn: GraphJson = {
  ...mlp,
  nodes: [mlp.nodes[0], { id: "d1", type: "Conv2D", params: { filters: 4, kernel_size: 3 }, position: { x: 100, y: 0 } }, mlp.nodes[2]],
};

const wires = () => useGraph.getState().edges.map((e) => `${e.source}->${e.target}`).sort();
const shapeOf = (id: string) => useGraph.getState().nodes.find((n) => n.id === id)?.data.params.shape;

describe("shape fix", () => {
  beforeEach(() => useGraph.setState(emptyState()));

  it("inserts a Flatten between an Input and its Dense when the data set gives images", () => {
    useGraph.getState().load(mlp);
    expect(shapeFixFor("in", [1, 8, 8]).kind).toBe("insert-flatten");
    applyShapeFix("in", [1, 8, 8]);
    expect(shapeOf("in")).toEqual([1, 8, 8]);
    const flat = useGraph.getState().nodes.find((n) => n.data.type === "Flatten");
    expect(flat).toBeDefined();
    expect(wires()).toEqual([`${flat!.id}->d1`, "d1->d2", `in->${flat!.id}`].sort());
  });

  it("only sets the shape when the consumer takes images (Conv2D) or the shape is flat", () => {
    useGraph.getState().load(cnn);
    applyShapeFix("in", [1, 8, 8]);
    expect(shapeOf("in")).toEqual([1, 8, 8]);
    expect(useGraph.getState().nodes.some((n) => n.data.type === "Flatten")).toBe(false);
    useGraph.getState().load(mlp);
    expect(shapeFixFor("in", [64]).kind).toBe("set-shape");
    applyShapeFix("in", [64]);
    expect(shapeOf("in")).toEqual([64]);
    expect(wires()).toEqual(["d1->d2", "in->d1"]);
  });

  it("puts the Flatten where the Dense was and moves what follows one step on, unselected", () => {
    useGraph.getState().load(mlp);
    applyShapeFix("in", [1, 8, 8]);
    const pos = (id: string) => useGraph.getState().nodes.find((n) => n.id === id)!.position;
    const flat = useGraph.getState().nodes.find((n) => n.data.type === "Flatten")!;
    expect(flat.position).toEqual({ x: 100, y: 0 });
    expect(flat.selected).toBe(false);
    expect(pos("in")).toEqual({ x: 0, y: 0 });
    expect(pos("d1")).toEqual({ x: 200, y: 0 });
    expect(pos("d2")).toEqual({ x: 300, y: 0 });
  });

  it("is undone step by step", () => {
    useGraph.getState().load(mlp);
    applyShapeFix("in", [1, 8, 8]);
    useGraph.getState().undo();
    expect(useGraph.getState().nodes.some((n) => n.data.type === "Flatten")).toBe(false);
  });
});
