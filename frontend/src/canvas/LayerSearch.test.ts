import { describe, expect, it } from "vitest";
import type { LayerInfo } from "../api/types";
import { matchLayers } from "./LayerSearch";

const layer = (type: string, family: string, max_inputs: number | null, doc = ""): LayerInfo =>
  ({ type, family, doc, min_inputs: max_inputs === 0 ? 0 : 1, max_inputs, input_names: [], output_names: ["output"],
    params_schema: {}, defaults: {} }) as unknown as LayerInfo;

const layers = [layer("Input", "input", 0), layer("Flatten", "reshaping", 1), layer("Conv2D", "convolution", 1, "2D convolution"),
  layer("Concatenate", "merge", null)];

describe("matchLayers", () => {
  it("filters by type, family and description, names that start with the query first", () => {
    expect(matchLayers(layers, "con", null).map((l) => l.type)).toEqual(["Concatenate", "Conv2D"]);
    expect(matchLayers(layers, "reshap", null).map((l) => l.type)).toEqual(["Flatten"]);
    expect(matchLayers(layers, "2d convolution", null).map((l) => l.type)).toEqual(["Conv2D"]);
  });
  it("after a drop from an output, leaves out layers without inputs", () => {
    const wire = { node: "conv2d", port: 0, side: "source" as const };
    expect(matchLayers(layers, "", wire).map((l) => l.type)).not.toContain("Input");
    expect(matchLayers(layers, "", null).map((l) => l.type)).toContain("Input");
  });
});
