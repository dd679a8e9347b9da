import { describe, expect, it } from "vitest";
import { DEFAULT_PREFS, loadPrefs, parsePrefs, PREFS_KEY, savePrefs } from "./chartPrefs";

function memoryStorage() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m };
}

describe("chart prefs", () => {
  it("round-trips through storage", () => {
    const s = memoryStorage();
    const p = { smoothing: 0.6, yScale: "log", xAxis: "wall", perBatch: false } as const;
    savePrefs(p, s);
    expect(JSON.parse(s.m.get(PREFS_KEY)!)).toEqual(p);
    expect(loadPrefs(s)).toEqual(p);
  });
  it("defaults when nothing is stored or storage is unavailable", () => {
    expect(loadPrefs(memoryStorage())).toEqual(DEFAULT_PREFS);
    expect(loadPrefs(null)).toEqual(DEFAULT_PREFS);
  });
  it("falls back field by field on damaged or out-of-range values", () => {
    expect(parsePrefs("not json")).toEqual(DEFAULT_PREFS);
    expect(parsePrefs("[1,2]")).toEqual(DEFAULT_PREFS);
    expect(parsePrefs(JSON.stringify({ smoothing: 5, yScale: "cubic", xAxis: "wall", perBatch: "yes" })))
      .toEqual({ ...DEFAULT_PREFS, smoothing: 0.99, xAxis: "wall" });
    expect(parsePrefs(JSON.stringify({ smoothing: -1 })).smoothing).toBe(0);
  });
  it("a storage that throws on write does not break the page", () => {
    const s = { getItem: () => null, setItem: () => { throw new Error("quota"); } };
    expect(() => savePrefs(DEFAULT_PREFS, s)).not.toThrow();
  });
});
