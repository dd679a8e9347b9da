import { describe, expect, it } from "vitest";
import { batchX, epochX, fmtClock, fmtX, logSafe, wallRange } from "./xAxis";

describe("x axis transforms", () => {
  const b = { epoch: 3, step: 5, steps: 10, t: 42.5 };
  it("places a batch by step, fractional epoch or wall time", () => {
    expect(batchX(b, "step")).toBe(25);
    expect(batchX(b, "epoch")).toBe(2.5);
    expect(batchX(b, "wall")).toBe(42.5);
  });
  it("leaves out what a point cannot be placed by", () => {
    expect(batchX({ ...b, steps: null }, "step")).toBeNull();
    expect(batchX({ ...b, t: null }, "wall")).toBeNull();
    expect(epochX({ epoch: 2 }, "wall", 10)).toBeNull();
  });
  it("places an epoch at its end", () => {
    expect(epochX({ epoch: 2, t: 9 }, "step", 10)).toBe(20);
    expect(epochX({ epoch: 2, t: 9 }, "epoch", 10)).toBe(2);
    expect(epochX({ epoch: 2, t: 9 }, "wall", 10)).toBe(9);
    expect(epochX({ epoch: 2 }, "step", null)).toBe(2);
  });
});

describe("axis labels", () => {
  it("wall time reads m:ss, and h:mm:ss past an hour", () => {
    expect(fmtClock(0)).toBe("0:00");
    expect(fmtClock(75)).toBe("1:15");
    expect(fmtClock(599.6)).toBe("10:00");
    expect(fmtClock(3725)).toBe("1:02:05");
    expect(fmtX("wall", 30)).toBe("0:30");
  });
  it("frames wall time on whole seconds, two at least", () => {
    expect(wallRange(5.5, 6.4)).toEqual([5, 7]);
    expect(wallRange(8.2, 31.7)).toEqual([8, 32]);
  });
  it("steps and epochs read as numbers", () => {
    expect(fmtX("step", 1200)).toBe("1200");
    expect(fmtX("epoch", 1.5)).toBe("1.50");
  });
});

describe("log-safe values", () => {
  it("turns zero, negative and non-finite values into gaps and keeps the rest", () => {
    expect(logSafe([1, 0, -2, 0.5, null, undefined, Infinity, NaN, 1e-9])).toEqual([1, null, null, 0.5, null, null, null, null, 1e-9]);
  });
});
