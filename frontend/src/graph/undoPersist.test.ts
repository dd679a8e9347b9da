import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { GraphJson } from "../api/types";
import { toGraphJson } from "./convert";
import { emptyState, isDirty, useGraph } from "./store";
import { persistText, restoreUndoHistory, startUndoPersist, UNDO_KEEP, UNDO_KEY } from "./undoPersist";

/** A Storage in memory (vitest runs without a DOM). */
class MemoryStorage implements Storage {
  private items = new Map<string, string>();
  get length() { return this.items.size; }
  clear() { this.items.clear(); }
  getItem(k: string) { return this.items.get(k) ?? null; }
  key(i: number) { return [...this.items.keys()][i] ?? null; }
  removeItem(k: string) { this.items.delete(k); }
  setItem(k: string, v: string) { this.items.set(k, v); }
}

const g = () => useGraph.getState();
const start: GraphJson = {
  format: "netcanvas.graph/1", name: "p",
  nodes: [{ id: "in", type: "Input", params: { shape: [4] }, position: { x: 0, y: 0 } }], edges: [],
};

/** What a reload does: a fresh store, the autosaved graph loaded, then the history put back. */
function reload(storage: Storage, autosaved: GraphJson) {
  useGraph.setState(emptyState());
  g().load(autosaved);
  useGraph.setState({ past: [], future: [] });
  return restoreUndoHistory(storage);
}

let storage: MemoryStorage;
let stop: () => void;
beforeEach(() => {
  vi.useFakeTimers();
  vi.stubGlobal("window", { addEventListener: () => {}, removeEventListener: () => {} });
  storage = new MemoryStorage();
  useGraph.setState(emptyState());
  g().load(start);
  stop = startUndoPersist(storage);
});
afterEach(() => {
  stop();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("undo history across reloads", () => {
  it("brings back undo and redo steps, and the unsaved flag, for the same graph", () => {
    g().addLayer("Dense", { units: 2 }, { x: 200, y: 0 });
    g().addLayer("Dense", { units: 3 }, { x: 400, y: 0 });
    g().undo();
    vi.advanceTimersByTime(600);
    const autosaved = toGraphJson(g());
    expect(reload(storage, autosaved)).toBe(true);
    expect(isDirty(g())).toBe(true);
    expect(g().past.length).toBeGreaterThanOrEqual(2); // the load, then the first Dense
    g().redo();
    expect(g().nodes.map((n) => n.id)).toEqual(["in", "dense_1", "dense_2"]);
    g().undo();
    g().undo();
    expect(g().nodes.map((n) => n.id)).toEqual(["in"]);
  });

  it("keeps nothing of another graph's history (the autosave answers a different graph)", () => {
    g().addLayer("Dense", { units: 2 }, { x: 200, y: 0 });
    vi.advanceTimersByTime(600);
    expect(reload(storage, start)).toBe(false);
    expect(g().past).toEqual([]);
    expect(isDirty(g())).toBe(false);
  });

  it("keeps at most the newest steps, without React Flow's measurements", () => {
    for (let i = 0; i < UNDO_KEEP + 10; i++) g().rename("in", `n${i}`);
    useGraph.setState({ nodes: g().nodes.map((n) => ({ ...n, measured: { width: 200, height: 80 }, selected: true })) });
    g().rename("in", "last");
    const text = persistText(g());
    const saved = JSON.parse(text) as { past: { nodes: Record<string, unknown>[] }[] };
    expect(saved.past).toHaveLength(UNDO_KEEP);
    expect(Object.keys(saved.past.at(-1)!.nodes[0]).sort()).toEqual(["data", "id", "position", "type"]);
    vi.advanceTimersByTime(600);
    expect(storage.getItem(UNDO_KEY)).toBe(text);
  });
});
