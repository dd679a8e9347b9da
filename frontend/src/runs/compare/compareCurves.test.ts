import { describe, expect, it } from "vitest";
import { compareData, compareMetrics, compareSeries, runSource, type CompareCurveRun, type CompareView } from "./compareCurves";

const epoch = (n: number, loss: number, val: number, t: number | null = null) => ({ epoch: n, metrics: { loss, val_loss: val }, t });

// Run a: 3 epochs, 10 steps each, an epoch every 2 s. Run b: 2 epochs, 4 steps each, 5 s each.
const a: CompareCurveRun = {
  id: "a", name: "small", color: "#7c9cff",
  source: runSource({ epochs: [epoch(1, 1.0, 1.2, 2), epoch(2, 0.5, 0.7, 4), epoch(3, 0.25, 0.6, 6)], batches: [{ epoch: 1, step: 10, steps: 10, t: 2 }] }, []),
};
const b: CompareCurveRun = {
  id: "b", name: "big", color: "#f59e0b",
  source: runSource({ epochs: [epoch(1, 2.0, 2.2, 5), epoch(2, 1.0, 1.5, 10)], batches: [{ epoch: 2, step: 4, steps: 4, t: 10 }] }, []),
};
const view = (v: Partial<CompareView> = {}): CompareView => ({ axis: "epoch", smoothing: 0, split: "both", ...v });

describe("compareData", () => {
  it("puts every run on one x axis, validation then training per run, gaps where a run has no point", () => {
    const [x, aVal, aTrain, bVal, bTrain] = compareData([a, b], "loss", view());
    expect(x).toEqual([1, 2, 3]);
    expect(aVal).toEqual([1.2, 0.7, 0.6]);
    expect(aTrain).toEqual([1.0, 0.5, 0.25]);
    expect(bVal).toEqual([2.2, 1.5, null]);
    expect(bTrain).toEqual([2.0, 1.0, null]);
  });

  it("places each run on the step axis by its own steps per epoch", () => {
    const [x, aVal, , bVal] = compareData([a, b], "loss", view({ axis: "step" }));
    expect(x).toEqual([4, 8, 10, 20, 30]);
    expect(aVal).toEqual([null, null, 1.2, 0.7, 0.6]);
    expect(bVal).toEqual([2.2, 1.5, null, null, null]);
  });

  it("places epochs at their end times on the wall axis", () => {
    const [x, , , bVal] = compareData([a, b], "loss", view({ axis: "wall" }));
    expect(x).toEqual([2, 4, 5, 6, 10]);
    expect(bVal).toEqual([null, null, 2.2, null, 1.5]);
  });

  it("draws only the chosen half", () => {
    const cols = compareData([a, b], "loss", view({ split: "train" }));
    expect(cols).toHaveLength(3);
    expect(cols[1]).toEqual([1.0, 0.5, 0.25]);
    expect(cols[2]).toEqual([2.0, 1.0, null]);
  });

  it("smooths each run along its own points: the other run's gaps do not reset the average", () => {
    const [x, ...cols] = compareData([a, b], "loss", view({ axis: "step", smoothing: 0.5, split: "val" }));
    expect(x).toHaveLength(5);
    expect(cols).toHaveLength(4); // raw a, raw b, smoothed a, smoothed b
    // Debiased EMA, weight 0.5, of a's 1.2, 0.7, 0.6: 1.2; (0.3+0.35)/0.75; (0.325+0.3)/0.875.
    const smoothA = cols[2];
    expect(smoothA.slice(0, 2)).toEqual([null, null]);
    expect(smoothA[2]).toBeCloseTo(1.2);
    expect(smoothA[3]).toBeCloseTo(0.65 / 0.75);
    expect(smoothA[4]).toBeCloseTo(0.625 / 0.875);
    expect(cols[0]).toEqual([null, null, 1.2, 0.7, 0.6]); // the raw values stay as they were
  });
});

describe("compareSeries", () => {
  it("names each run once in the legend: validation solid with points, training dashed", () => {
    const s = compareSeries([a, b], view());
    expect(s.map((x) => x.legend)).toEqual(["small", false, "big", false]);
    expect(s.map((x) => x.color)).toEqual(["#7c9cff", "#7c9cff", "#f59e0b", "#f59e0b"]);
    expect(s[0].dash).toBeUndefined();
    expect(s[1].dash).toEqual([5, 4]);
    expect(new Set(s.map((x) => x.label)).size).toBe(4);
  });

  it("keeps two runs of one name apart", () => {
    const twin = { ...b, id: "c", name: "small" };
    const s = compareSeries([a, twin], view({ split: "val" }));
    expect(s.map((x) => x.label)).toEqual(["a · val", "c · val"]);
    expect(s.map((x) => x.legend)).toEqual(["small", "small"]);
  });

  it("with smoothing, leaves the raw lines faint and unnamed and names the smoothed ones", () => {
    const s = compareSeries([a, b], view({ smoothing: 0.6, split: "train" }));
    expect(s).toHaveLength(4);
    expect(s.slice(0, 2).map((x) => x.legend)).toEqual([false, false]);
    expect(s[0].color).toBe("rgba(124,156,255,0.3)");
    expect(s.slice(2).map((x) => [x.legend, x.probe, x.color])).toEqual([["small", false, "#7c9cff"], ["big", false, "#f59e0b"]]);
    expect(s.every((x) => x.dash?.join() === "5,4")).toBe(true);
  });
});

describe("runSource and compareMetrics", () => {
  it("falls back to the record's epochs when the history has none, and drops batch values", () => {
    const rec = [{ epoch: 1, metrics: { loss: 3 } }];
    expect(runSource({ epochs: [], batches: [] }, rec).epochs).toBe(rec);
    expect(runSource(undefined, rec).epochs).toBe(rec);
    const s = runSource({ epochs: [], batches: [{ epoch: 1, step: 2, steps: 4, t: 1 }] }, rec);
    expect(s.batches[0]).toMatchObject({ steps: 4, x: 0.5, metrics: {} });
  });

  it("lists every run's metrics once, loss first, without the ones that are not curves", () => {
    const c: CompareCurveRun = { ...a, source: runSource(undefined, [{ epoch: 1, metrics: { accuracy: 0.9, loss: 1, lr: 0.1, val_mae: 2 } }]) };
    expect(compareMetrics([a, c])).toEqual(["loss", "accuracy", "mae"]);
  });
});
