import { describe, expect, it } from "vitest";
import { imagePixels, inputCount, sampleBatch, trueLabel, valuesLine } from "./samples";

describe("data-set samples for Try the model", () => {
  it("sends one sample as a batch of one, in the graph layout", () => {
    const images = { inputs: [[[[0, 1], [1, 0]]], [[[1, 1], [0, 0]]]] }; // two 1×2×2 images
    expect(inputCount(images, 3)).toBe(1);
    expect(sampleBatch(images, 1, 3)).toEqual([[[[1, 1], [0, 0]]]]);
    const rows = { inputs: [[5.1, 3.5], [4.9, 3.0]] };
    expect(sampleBatch(rows, 0, 1)).toEqual([[5.1, 3.5]]);
  });

  it("sends a batch per input for a set with several inputs", () => {
    const pair = { inputs: [[[1, 2], [3, 4]], [[5, 6, 7], [8, 9, 10]]] }; // inputs of (2,) and (3,), 2 samples
    expect(inputCount(pair, 1)).toBe(2);
    expect(sampleBatch(pair, 1, 1)).toEqual([[[3, 4]], [[8, 9, 10]]]);
  });

  it("names the true label: a class name, or the target values", () => {
    expect(trueLabel({ labels: ["setosa", "versicolor"], values: null }, 1)).toBe("versicolor");
    expect(trueLabel({ labels: null, values: [0.123456, 2] }, 0)).toBe("0.1235");
    expect(trueLabel({ labels: null, values: [[1, 2.5]] }, 0)).toBe("1, 2.5");
  });

  it("shortens rows, sequences and token ids to their first values", () => {
    expect(valuesLine([5.1, 3.5, 1.4, 0.2])).toBe("5.1, 3.5, 1.4, 0.2");
    expect(valuesLine([[1], [2], [3]], 2)).toBe("1, 2, …");
  });

  it("draws grey and colour images, stretching values outside 0..1", () => {
    const grey = imagePixels([[[0, 1], [0.5, 0]]])!;
    expect([grey.width, grey.height]).toEqual([2, 1 + 1]);
    expect(Array.from(grey.rgba.slice(0, 8))).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
    const rgb = imagePixels([[[1]], [[0]], [[0.5]]])!;
    expect(Array.from(rgb.rgba)).toEqual([255, 0, 128, 255]);
    const scaled = imagePixels([[-1, 1]])!; // (H, W) with standardised values
    expect(Array.from(scaled.rgba)).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
    expect(imagePixels([1, 2, 3])).toBeNull();
  });
});
