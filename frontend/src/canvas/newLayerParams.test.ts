import { describe, expect, it } from "vitest";
import type { DatasetInfo } from "../api/types";
import { newLayerParams } from "./newLayerParams";

const digits = {
  id: "digits", name: "Digits", kind: "image", input_shape: [1, 8, 8], input_dtype: "float32",
} as unknown as DatasetInfo;
const pair = {
  ...digits, id: "pair", input_shape: [4],
  inputs: [{ name: "tokens", shape: [null], dtype: "int64" }, { name: "extra", shape: [3], dtype: "float32" }],
} as unknown as DatasetInfo;
const defaults = { shape: [784], dtype: "float32" };

describe("a new layer's params", () => {
  it("gives an Input the chosen data set's sample shape", () => {
    expect(newLayerParams("Input", defaults, digits, 0)).toEqual({ shape: [1, 8, 8], dtype: "float32" });
  });

  it("gives each Input of a multi-input data set its own input, then the defaults", () => {
    expect(newLayerParams("Input", defaults, pair, 0)).toEqual({ shape: [null], dtype: "int64" });
    expect(newLayerParams("Input", defaults, pair, 1)).toEqual({ shape: [3], dtype: "float32" });
    expect(newLayerParams("Input", defaults, pair, 2)).toBe(defaults);
  });

  it("leaves other layers, and an Input before the data sets are known, at the defaults", () => {
    expect(newLayerParams("Dense", { units: 32 }, digits, 0)).toEqual({ units: 32 });
    expect(newLayerParams("Input", defaults, undefined, 0)).toBe(defaults);
  });
});
