import { describe, expect, it } from "vitest";
import { type ArchitectureInfo, choiceProblem, defaultChoice, templateUrl } from "./architectures";

const inception: ArchitectureInfo = {
  name: "inception_v3", title: "Inception-v3", keras: "keras.applications.InceptionV3", description: "",
  default_input_size: 299, min_input_size: 75, max_input_size: 1024, default_classes: 1000, max_classes: 100000,
  variants: [],
};

describe("architecture choices", () => {
  it("starts without the top at Keras's default size", () => {
    expect(defaultChoice(inception)).toEqual({ includeTop: false, inputSize: 299, classes: 1000 });
    expect(choiceProblem(inception, defaultChoice(inception))).toBeNull();
  });

  it("names the server's bounds", () => {
    const c = defaultChoice(inception);
    expect(choiceProblem(inception, { ...c, inputSize: 74 })).toMatch(/at least 75×75/);
    expect(choiceProblem(inception, { ...c, inputSize: 1025 })).toMatch(/at most 1024/);
    expect(choiceProblem(inception, { ...c, inputSize: NaN })).toMatch(/whole number/);
    expect(choiceProblem(inception, { ...c, includeTop: true, classes: 0 })).toMatch(/1 to 100000/);
    // classes do not matter without the top
    expect(choiceProblem(inception, { ...c, classes: 0 })).toBeNull();
  });

  it("asks for classes only with the top", () => {
    expect(templateUrl("vgg16", { includeTop: false, inputSize: 64, classes: 3 }))
      .toBe("/api/templates/vgg16?include_top=false&input_size=64");
    expect(templateUrl("vgg16", { includeTop: true, inputSize: 64, classes: 3 }))
      .toBe("/api/templates/vgg16?include_top=true&input_size=64&classes=3");
  });
});
