import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emptyState, useGraph } from "../graph/store";
import { useToasts } from "../ui/toast";
import { startWireNotice } from "./wireNotice";

const g = () => useGraph.getState();
const conn = (source: string, target: string) =>
  g().onConnect({ source, target, sourceHandle: "out-0", targetHandle: "in-0" });

let stop: () => void;
beforeEach(() => {
  useGraph.setState(emptyState());
  useToasts.setState({ toasts: [] });
  g().addLayer("Input", { shape: [4] }, { x: 0, y: 0 });
  g().addLayer("Input", { shape: [4] }, { x: 0, y: 100 });
  g().addLayer("Dense", { units: 2 }, { x: 200, y: 0 });
  conn("input_1", "dense_1");
  stop = startWireNotice();
});
afterEach(() => stop());

describe("the replaced-wire notice", () => {
  it("names the wire by display names, and its Undo brings the old wire back", () => {
    g().rename("input_1", "pixels");
    conn("input_2", "dense_1");
    const [t] = useToasts.getState().toasts;
    expect(t.text).toBe("Replaced the wire from 'pixels' into 'dense_1'.");
    expect(t.action?.label).toBe("Undo");
    t.action!.run();
    expect(g().edges.map((e) => `${e.source}->${e.target}`)).toEqual(["input_1->dense_1"]);
  });

  it("says so instead of undoing something else once the graph has changed", () => {
    conn("input_2", "dense_1");
    const [t] = useToasts.getState().toasts;
    g().rename("dense_1", "head");
    t.action!.run();
    expect(g().nodes.find((n) => n.id === "dense_1")?.data.name).toBe("head");
    expect(g().edges.map((e) => e.source)).toEqual(["input_2"]);
    expect(useToasts.getState().toasts.at(-1)?.kind).toBe("error");
  });

  it("is quiet for a wire into a free port and for edits that replace nothing", () => {
    g().addLayer("Dense", { units: 3 }, { x: 400, y: 0 });
    conn("dense_1", "dense_2");
    g().rename("dense_2", "out");
    expect(useToasts.getState().toasts).toHaveLength(0);
  });
});
