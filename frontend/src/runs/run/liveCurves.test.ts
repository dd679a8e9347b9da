import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../api/types";
import { applyEvent, emptyRunData } from "../../train/runData";
import { liveData, liveSeries } from "../curves";

const events: RunEvent[] = [
  { type: "batch", epoch: 1, step: 1, steps: 2, seen: 32, metrics: { loss: 2 }, t: 1 },
  { type: "batch", epoch: 1, step: 2, steps: 2, seen: 64, metrics: { loss: 1 }, t: 2 },
  { type: "epoch", epoch: 1, epochs: 2, metrics: { loss: 1.5, val_loss: 1.2 }, eta_s: 3, t: 2.5 },
  { type: "batch", epoch: 2, step: 1, steps: 2, seen: 32, metrics: { loss: 1 }, t: 3 },
  { type: "batch", epoch: 2, step: 2, steps: 2, seen: 64, metrics: { loss: 0.5 }, t: 4 },
  { type: "epoch", epoch: 2, epochs: 2, metrics: { loss: 0.75, val_loss: 0.9 }, eta_s: null, t: 4.5 },
];
const d = events.reduce((acc, e) => applyEvent(acc, e), emptyRunData());

describe("run page curves", () => {
  it("names the series train / validation, the batch one only when asked", () => {
    const named = (perBatch: boolean) => liveSeries("loss", { axis: "epoch", smoothing: 0, perBatch })
      .filter((s) => s.legend !== false && s.show !== false).map((s) => s.legend);
    expect(named(false)).toEqual(["train", "validation"]);
    expect(named(true)).toEqual(["train (per batch)", "train", "validation"]);
  });

  it("without smoothing: the raw columns only", () => {
    const data = liveData(d, "loss", { axis: "step", smoothing: 0, perBatch: true });
    expect(data).toEqual([[1, 2, 3, 4], [2, 1, 1, 0.5], [null, 1.5, null, 0.75], [null, 1.2, null, 0.9]]);
    expect(liveSeries("loss", { axis: "step", smoothing: 0, perBatch: true })).toHaveLength(3);
  });

  it("with smoothing: raw columns stay (faint, still probed) and their EMAs follow", () => {
    const view = { axis: "epoch", smoothing: 0.5, perBatch: true } as const;
    const data = liveData(d, "loss", view);
    const series = liveSeries("loss", view);
    expect(series).toHaveLength(data.length - 1);
    expect(series.map((s) => s.probe !== false)).toEqual([true, true, true, false, false, false]);
    expect(data[1]).toEqual([2, 1, 1, 0.5]);
    // Debiased EMA at 0.5 of 2, 1: (0.5·2·0.5 + 0.5·1) / (1 − 0.25) = 4/3.
    expect(data[4][1]).toBeCloseTo(4 / 3);
    expect(data[5][3]).toBeCloseTo((0.5 * 0.5 * 1.5 + 0.5 * 0.75) / 0.75);
    expect(data[5][0]).toBeNull();
  });
});
