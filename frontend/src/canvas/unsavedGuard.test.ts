import { beforeEach, describe, expect, it, vi } from "vitest";
import { emptyState, isDirty, useGraph } from "../graph/store";
import { replaceGraph } from "./UnsavedGuard";

const g = () => useGraph.getState();

beforeEach(() => {
  useGraph.setState(emptyState());
  g().addLayer("Input", { shape: [4] }, { x: 0, y: 0 });
  g().addLayer("Dense", { units: 3 }, { x: 200, y: 0 });
});

describe("replaceGraph", () => {
  it("asks before unsaved work is replaced by another graph", () => {
    expect(isDirty(g())).toBe(true);
    const run = vi.fn();
    const other = { ...g().graph(), nodes: g().graph().nodes.slice(0, 1), edges: [] };
    replaceGraph("Opening the run's graph", run, other);
    expect(run).not.toHaveBeenCalled();
  });

  it("goes ahead when the incoming graph is the canvas's own (nothing would be lost)", () => {
    const run = vi.fn();
    replaceGraph("Opening the run's graph", run, JSON.parse(JSON.stringify(g().graph())));
    expect(run).toHaveBeenCalledOnce();
  });
});
