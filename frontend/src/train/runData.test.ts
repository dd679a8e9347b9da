import { describe, expect, it } from "vitest";
import type { RunEvent } from "../api/types";
import { applyEvent, bestMetrics, curveMetrics, emptyRunData, seriesFor } from "./runData";

const events: RunEvent[] = [
  { type: "status", status: "running", device: "cpu", error: null },
  { type: "log", level: "info", message: "Device: cpu." },
  { type: "batch", epoch: 1, step: 1, steps: 2, seen: 32, metrics: { loss: 2.3, accuracy: 0.1 }, t: 0 },
  { type: "batch", epoch: 1, step: 2, steps: 2, seen: 64, metrics: { loss: 2.0, accuracy: 0.2 }, t: 0 },
  { type: "epoch", epoch: 1, epochs: 2, metrics: { loss: 2.1, accuracy: 0.15, val_loss: 1.9, val_accuracy: 0.3, lr: 0.001, samples_per_s: 900 }, eta_s: 3, t: 0 },
  { type: "batch", epoch: 2, step: 1, steps: 2, seen: 32, metrics: { loss: 1.5, accuracy: 0.5 }, t: 0 },
  { type: "batch", epoch: 2, step: 2, steps: 2, seen: 64, metrics: { loss: 1.2, accuracy: 0.6 }, t: 0 },
  { type: "epoch", epoch: 2, epochs: 2, metrics: { loss: 1.3, accuracy: 0.55, val_loss: 1.4, val_accuracy: 0.5 }, eta_s: null, t: 0 },
  { type: "result", test_metrics: { loss: 1.35, accuracy: 0.52 }, artifacts: ["model.pt"], confusion_matrix: null, class_names: null, kept_epoch: null },
  { type: "status", status: "succeeded", device: "cpu", error: null },
];

const fold = (evs: RunEvent[]) => evs.reduce((d, e) => applyEvent(d, e), emptyRunData());

describe("run events → curves", () => {
  it("folds history into status, batches, epochs, logs and results", () => {
    const d = fold(events);
    expect(d.status).toBe("succeeded");
    expect(d.device).toBe("cpu");
    expect(d.batches.map((b) => b.x)).toEqual([0.5, 1, 1.5, 2]);
    expect(d.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(d.logs).toEqual([{ level: "info", message: "Device: cpu." }]);
    expect(d.testMetrics).toEqual({ loss: 1.35, accuracy: 0.52 });
    expect(d.artifacts).toEqual(["model.pt"]);
    expect(d.progress).toMatchObject({ epoch: 2, epochs: 2, etaS: 0 });
    expect(d.events).toBe(events.length);
  });

  it("replaying the same history gives the same curves (reload shows the same)", () => {
    expect(seriesFor(fold(events), "loss")).toEqual(seriesFor(fold([...events]), "loss"));
  });

  it("aligns per-batch, per-epoch and validation values on one fractional-epoch axis", () => {
    const [x, batch, train, val] = seriesFor(fold(events), "loss");
    expect(x).toEqual([0.5, 1, 1.5, 2]);
    expect(batch).toEqual([2.3, 2.0, 1.5, 1.2]);
    expect(train).toEqual([null, 2.1, null, 1.3]);
    expect(val).toEqual([null, 1.9, null, 1.4]);
  });

  it("lists curve metrics, loss first, without lr and throughput", () => {
    expect(curveMetrics(fold(events))).toEqual(["loss", "accuracy"]);
  });

  it("a repeated epoch event replaces the earlier one", () => {
    const d = fold([...events.slice(0, 5), { type: "epoch", epoch: 1, epochs: 2, metrics: { loss: 9 }, eta_s: null, t: 0 }]);
    expect(d.epochs).toEqual([{ epoch: 1, metrics: { loss: 9 }, t: 0 }]);
  });

  it("estimates throughput and ETA from live batches", () => {
    let d = emptyRunData();
    d = applyEvent(d, { type: "epoch", epoch: 0, epochs: 3, metrics: {}, eta_s: null, t: 0 });
    d = applyEvent(d, { type: "batch", epoch: 1, step: 1, steps: 10, seen: 100, metrics: { loss: 1 }, t: 0 }, { now: 0, last: null });
    d = applyEvent(d, { type: "batch", epoch: 1, step: 2, steps: 10, seen: 200, metrics: { loss: 1 }, t: 0 }, { now: 1000, last: { t: 0, seen: 100, epoch: 1 } });
    expect(d.progress.samplesPerS).toBeCloseTo(100);
    // 8 steps left in this epoch + 2 epochs × 10 steps = 28 steps of 100 samples, at 100 samples/s.
    expect(d.progress.etaS).toBeCloseTo(28);
  });

  it("best metrics: lowest loss, highest accuracy", () => {
    expect(bestMetrics(fold(events).epochs)).toEqual({ loss: 1.3, accuracy: 0.55, val_loss: 1.4, val_accuracy: 0.5 });
  });
});

describe("x axes", () => {
  // Two epochs of two batches; batches end at 1 s, 2 s, 3.5 s, 4.5 s, epochs (after validation) at 2.2 s and 4.8 s.
  const timed: RunEvent[] = [
    { type: "batch", epoch: 1, step: 1, steps: 2, seen: 32, metrics: { loss: 2.3 }, t: 1 },
    { type: "batch", epoch: 1, step: 2, steps: 2, seen: 64, metrics: { loss: 2.0 }, t: 2 },
    { type: "epoch", epoch: 1, epochs: 2, metrics: { loss: 2.1, val_loss: 1.9 }, eta_s: 3, t: 2.2 },
    { type: "batch", epoch: 2, step: 1, steps: 2, seen: 32, metrics: { loss: 1.5 }, t: 3.5 },
    { type: "batch", epoch: 2, step: 2, steps: 2, seen: 64, metrics: { loss: 1.2 }, t: 4.5 },
    { type: "epoch", epoch: 2, epochs: 2, metrics: { loss: 1.3, val_loss: 1.4 }, eta_s: null, t: 4.8 },
  ];

  it("step: the global batch index, an epoch at its last step", () => {
    const [x, batch, train, val] = seriesFor(fold(timed), "loss", "step");
    expect(x).toEqual([1, 2, 3, 4]);
    expect(batch).toEqual([2.3, 2.0, 1.5, 1.2]);
    expect(train).toEqual([null, 2.1, null, 1.3]);
    expect(val).toEqual([null, 1.9, null, 1.4]);
  });

  it("wall time: seconds since the start, validation after its epoch's last batch", () => {
    const [x, batch, train, val] = seriesFor(fold(timed), "loss", "wall");
    expect(x).toEqual([1, 2, 2.2, 3.5, 4.5, 4.8]);
    expect(batch).toEqual([2.3, 2.0, null, 1.5, 1.2, null]);
    expect(train).toEqual([null, null, 2.1, null, null, 1.3]);
    expect(val).toEqual([null, null, 1.9, null, null, 1.4]);
  });

  it("a run record (epochs without time) has no wall-time points, and epoch numbers as steps", () => {
    const record = { batches: [], epochs: [{ epoch: 1, metrics: { loss: 2 } }, { epoch: 2, metrics: { loss: 1 } }] };
    expect(seriesFor(record, "loss", "wall")[0]).toEqual([]);
    expect(seriesFor(record, "loss", "step")).toEqual([[1, 2], [null, null], [2, 1], [null, null]]);
  });
});

describe("a stopped run", () => {
  it("remembers which completed epoch model.pt holds", () => {
    const ev = { type: "result", test_metrics: {}, artifacts: ["model.pt"], confusion_matrix: null, class_names: null, kept_epoch: 2 } as const;
    const d = applyEvent(emptyRunData(), ev as never);
    expect(d.keptEpoch).toBe(2);
    expect(d.artifacts).toEqual(["model.pt"]);
  });
});
