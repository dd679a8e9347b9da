import { describe, expect, it } from "vitest";
import { smoothEma } from "./runData";

describe("smoothEma", () => {
  it("is TensorBoard's debiased EMA", () => {
    const out = smoothEma([1, 3, null, 5], 0.5);
    // by hand: ema 0.5 -> 0.5/(1-0.5) = 1; ema 0.25+1.5 = 1.75 -> 1.75/(1-0.25); a gap is skipped
    expect(out[0]).toBeCloseTo(1);
    expect(out[1]).toBeCloseTo(1.75 / 0.75);
    expect(out[2]).toBeNull();
    expect(out[3]).toBeCloseTo((1.75 * 0.5 + 2.5) / 0.875);
  });
  it("leaves values alone at weight 0", () => {
    expect(smoothEma([2, 4, 8], 0)).toEqual([2, 4, 8]);
  });
});
