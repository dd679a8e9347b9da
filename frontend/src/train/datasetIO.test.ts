import { describe, expect, it } from "vitest";
import type { DatasetInfo } from "../api/types";
import { datasetInputs, datasetTargets, describeTarget, pairInputs } from "./datasetIO";

const base = {
  id: "s", name: "S", kind: "sequence", input_shape: [null, 12], input_dtype: "float32",
  target: { kind: "classes", num_classes: 12 }, sizes: { train: 1, validation: 0, test: 0 }, suggested_loss: "",
} as unknown as DatasetInfo;

const twoInputs = {
  ...base,
  inputs: [{ name: "decoder_input", shape: [9, 12], dtype: "float32" }, { name: "encoder_input", shape: [null, 12], dtype: "float32" }],
  targets: [{ name: "decoder_dense", kind: "classes", num_classes: 12, shape: [9] }],
} as unknown as DatasetInfo;

describe("data set inputs and targets", () => {
  it("a single-input set is one input named x with the listed shape", () => {
    expect(datasetInputs(base)).toEqual([{ name: "x", shape: [null, 12], dtype: "float32" }]);
    expect(describeTarget(datasetTargets(base)[0])).toBe("12 classes");
  });

  it("per-step class targets say so", () => {
    expect(describeTarget(datasetTargets(twoInputs)[0])).toBe("12 classes per step (9 steps)");
  });

  it("pairs Inputs by name whatever order the set stores them in", () => {
    const pairs = pairInputs([{ id: "encoder_input", shape: [null, 12] }, { id: "decoder_input", shape: [9, 12] }], datasetInputs(twoInputs));
    expect(pairs?.map((p) => [p.node, p.input.name, p.fits])).toEqual([
      ["encoder_input", "encoder_input", true], ["decoder_input", "decoder_input", true],
    ]);
  });

  it("pairs in order when the names differ, and flags a shape that does not fit", () => {
    const pairs = pairInputs([{ id: "a", shape: [9, 12] }, { id: "b", shape: [5, 12] }], datasetInputs(twoInputs));
    expect(pairs?.map((p) => [p.node, p.input.name, p.fits])).toEqual([["a", "decoder_input", true], ["b", "encoder_input", true]]);
    const wrong = pairInputs([{ id: "a", shape: [9, 3] }, { id: "b", shape: [5, 12] }], datasetInputs(twoInputs));
    expect(wrong?.[0].fits).toBe(false);
  });

  it("different counts cannot pair", () => {
    expect(pairInputs([{ id: "a", shape: [9, 12] }], datasetInputs(twoInputs))).toBeNull();
  });
});
