import { describe, expect, it } from "vitest";
import { lowerIsBetter, metricRows, settingRows } from "./hparams";

const a = { request: { dataset: "digits", optimizer: { name: "adam", learning_rate: 0.001 }, graph: { nodes: [] } }, test_metrics: { loss: 0.5, accuracy: 0.8 } };
const b = { request: { dataset: "digits", optimizer: { name: "adam", learning_rate: 0.01 }, augment: { horizontal_flip: true } }, test_metrics: { loss: 0.4, accuracy: 0.7 } };

describe("HParams rows", () => {
  it("marks the settings that differ, including ones only one run has", () => {
    const rows = settingRows([a, b]);
    const by = Object.fromEntries(rows.map((r) => [r.key, r]));
    expect(by["optimizer.learning_rate"]).toMatchObject({ values: ["0.001", "0.01"], differs: true });
    expect(by["augment.horizontal_flip"]).toMatchObject({ values: ["—", "true"], differs: true });
    expect(by["dataset"].differs).toBe(false);
    expect(by["graph.nodes"]).toBeUndefined();
  });
  it("marks the best run per metric: lowest loss, highest accuracy", () => {
    const rows = metricRows([a, b]);
    expect(rows.find((r) => r.key === "loss")?.best).toBe(1);
    expect(rows.find((r) => r.key === "accuracy")?.best).toBe(0);
    expect(lowerIsBetter("val_mae")).toBe(true);
    expect(lowerIsBetter("val_accuracy")).toBe(false);
  });
});

describe("rows that are not ranked", () => {
  it("does not mark a best learning rate", () => {
    const rows = metricRows([{ final_metrics: { lr: 0.1 } }, { final_metrics: { lr: 0.01 } }]);
    expect(rows[0].best).toBeNull();
  });
});
