import { describe, expect, it } from "vitest";
import { href, parseRoute } from "../ui/route";

describe("data routes", () => {
  it("round-trips #/data and #/data/ID", () => {
    expect(parseRoute("#/data")).toEqual({ page: "data", id: null });
    expect(parseRoute("#/data/up-12ab")).toEqual({ page: "data", id: "up-12ab" });
    expect(href({ page: "data", id: "up 1" })).toBe("#/data/up%201");
    expect(parseRoute(href({ page: "data", id: "up 1" }))).toEqual({ page: "data", id: "up 1" });
    expect(href({ page: "data" })).toBe("#/data");
  });
});
