import { describe, expect, it } from "vitest";
import { balanceRows } from "./balance";

describe("balanceRows", () => {
  it("keeps class order, counts each split and scales bars to the largest class", () => {
    const rows = balanceRows({ train: { b: 2, a: 6 }, test: { a: 2, c: 1 } }, ["a", "b"]);
    expect(rows.map((r) => r.name)).toEqual(["a", "b", "c"]);
    expect(rows[0]).toMatchObject({ total: 8, counts: { train: 6, test: 2 }, fractions: { train: 0.75, test: 0.25 } });
    expect(rows[1].counts).toEqual({ train: 2, test: 0 });
    expect(rows[2].fractions.test).toBeCloseTo(1 / 8);
  });

  it("copes with empty balances", () => {
    expect(balanceRows({}, null)).toEqual([]);
  });
});
