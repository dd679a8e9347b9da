import { describe, expect, it } from "vitest";
import { fmtBytes, fmtCost } from "./format";

describe("fmtCost", () => {
  it("writes params, weight memory and MACs compactly, leaving out zeros", () => {
    expect(fmtCost({ params: 1_200_000, weight_bytes: 4_800_000, macs: 9_400_000 })).toBe("1.2M params · 4.8 MB · 9.4M MACs");
    expect(fmtCost({ params: 0, weight_bytes: 0, macs: 0 })).toBe("");
  });
  it("uses decimal units as the budgets do", () => {
    expect(fmtBytes(999)).toBe("999 B");
    expect(fmtBytes(12_000)).toBe("12 kB");
    expect(fmtBytes(4_000_000_000)).toBe("4.0 GB");
  });
});
