import { describe, expect, it } from "vitest";
import type { RunSummary } from "../../api/types";
import { parseRoute } from "../../ui/route";
import { metricColumns, sortByValue } from "./columns";
import { addTags, allTags, removeTag } from "./tags";
import { DEFAULT_VIEW, describeFilters, isFiltered, parseView, runsQuery, toggleSort, viewHash } from "./view";

describe("runs view in the hash", () => {
  it("round-trips filters and sort, leaving defaults out", () => {
    const view = { ...DEFAULT_VIEW, q: "mlp 16", tag: "baseline", status: "succeeded", sort: "best_val_accuracy", order: "desc" as const };
    const hash = viewHash(view);
    expect(hash).toBe("#/runs?q=mlp+16&tag=baseline&status=succeeded&sort=best_val_accuracy&order=desc");
    expect(parseView(hash)).toEqual(view);
    expect(viewHash(DEFAULT_VIEW)).toBe("#/runs");
    expect(parseView("#/runs")).toEqual(DEFAULT_VIEW);
  });

  it("keeps the route a runs route with a query, and other routes as they were", () => {
    expect(parseRoute("#/runs?q=foo&sort=name")).toEqual({ page: "runs" });
    expect(parseRoute("#/runs/abc")).toEqual({ page: "run", id: "abc" });
    expect(parseRoute("#/compare/a,b")).toEqual({ page: "compare", ids: ["a", "b"] });
  });

  it("falls back to the defaults for a malformed sort or order", () => {
    const view = parseView("#/runs?sort=drop%20table&order=sideways&q=%20x%20");
    expect(view.sort).toBe("created_at");
    expect(view.order).toBe("desc");
    expect(view.q).toBe("x");
  });
});

describe("runs query", () => {
  it("sends only the filters given and the server's sort", () => {
    expect(runsQuery(DEFAULT_VIEW)).toEqual({ limit: 1000 });
    expect(runsQuery({ ...DEFAULT_VIEW, dataset: "digits", sort: "test_accuracy", order: "asc" }))
      .toEqual({ limit: 1000, dataset: "digits", sort: "test_accuracy", order: "asc" });
  });

  it("does not send duration, which the browser sorts", () => {
    expect(runsQuery({ ...DEFAULT_VIEW, sort: "duration", order: "asc" })).toEqual({ limit: 1000 });
  });

  it("says which filters are on", () => {
    expect(isFiltered(DEFAULT_VIEW)).toBe(false);
    expect(isFiltered({ ...DEFAULT_VIEW, sort: "name" })).toBe(false);
    const view = { ...DEFAULT_VIEW, q: "foo", tag: "x", status: "failed" };
    expect(isFiltered(view)).toBe(true);
    expect(describeFilters(view)).toBe("“foo”, tag “x”, status failed");
  });
});

describe("sort headers", () => {
  it("starts losses ascending and scores descending, then flips", () => {
    const byLoss = toggleSort(DEFAULT_VIEW, "val_loss");
    expect(byLoss).toMatchObject({ sort: "val_loss", order: "asc" });
    expect(toggleSort(byLoss, "val_loss").order).toBe("desc");
    expect(toggleSort(DEFAULT_VIEW, "best_val_accuracy").order).toBe("desc");
    expect(toggleSort(DEFAULT_VIEW, "name").order).toBe("asc");
    expect(toggleSort(DEFAULT_VIEW, "created_at").order).toBe("asc");  // already newest first: flips
  });

  it("sorts by a browser-side value with missing values last both ways", () => {
    const rows = [{ v: 2 }, { v: null }, { v: 5 }, { v: 1 }];
    expect(sortByValue(rows, (r) => r.v, "asc").map((r) => r.v)).toEqual([1, 2, 5, null]);
    expect(sortByValue(rows, (r) => r.v, "desc").map((r) => r.v)).toEqual([5, 2, 1, null]);
  });
});

describe("tags", () => {
  it("adds comma-separated tags, trimmed and once", () => {
    expect(addTags(["a"], " b, a ,c,, ")).toEqual({ tags: ["a", "b", "c"], error: null });
  });

  it("refuses an empty entry, a long tag and too many tags, saying why", () => {
    expect(addTags([], " , ").error).toMatch(/Type a tag/);
    expect(addTags([], "x".repeat(41)).error).toMatch(/longer than 40/);
    const many = Array.from({ length: 32 }, (_, i) => `t${i}`);
    expect(addTags(many, "one more").error).toMatch(/at most 32/);
  });

  it("removes one tag and lists every tag once", () => {
    expect(removeTag(["a", "b"], "a")).toEqual(["b"]);
    expect(allTags([{ tags: ["b", "A"] }, { tags: ["a", "b"] }, {}])).toEqual(["A", "a", "b"]);
  });
});

describe("metric columns", () => {
  const run = (best: Record<string, number>, test: Record<string, number> | null, final: Record<string, number>) =>
    ({ best_metrics: best, test_metrics: test, final_metrics: final }) as unknown as RunSummary;

  it("picks best validation score, test score and last loss for classifiers", () => {
    const runs = [run({ val_accuracy: 0.9, accuracy: 0.95 }, { accuracy: 0.88 }, { loss: 0.2, val_loss: 0.3 }), run({ val_accuracy: 0.8 }, null, { val_loss: 0.5 })];
    const cols = metricColumns(runs);
    expect(cols.map((c) => c.key)).toEqual(["best_val_accuracy", "test_accuracy", "val_loss"]);
    expect(cols.map((c) => c.value(runs[1]))).toEqual([0.8, null, 0.5]);
  });

  it("falls back to training metrics and shows none for runs without any", () => {
    expect(metricColumns([run({ mae: 1.5 }, null, { loss: 2 })]).map((c) => c.key)).toEqual(["best_mae", "loss"]);
    expect(metricColumns([])).toEqual([]);
  });
});
