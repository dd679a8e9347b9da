import { describe, expect, it } from "vitest";
import { href, parseRoute } from "../ui/route";
import { dimensionAxis, objectiveAxis, objectiveColor, position, tickLabel } from "./axes";
import { sweepErrorsOf } from "./errors";
import { nodeParamPaths, parseValues, spaceOf, SpaceRowError, type SpaceRow } from "./space";
import { sortTrials, toggleSort, trialColumns } from "./trials";
import { trialsDone, type TrialPublic } from "./types";

const trial = (index: number, params: Record<string, unknown>, objective: number | null, extra: Partial<TrialPublic> = {}): TrialPublic => ({
  index, name: `s · trial ${index}`, status: objective === null ? "pending" : "succeeded", params, objective, best: false,
  final_metrics: objective === null ? null : { loss: objective + 0.1, val_loss: objective, lr: 0.01, seconds: 3 }, ...extra,
});

describe("sweep routes", () => {
  it("parses and writes the list and one sweep", () => {
    expect(parseRoute("#/sweeps")).toEqual({ page: "sweeps" });
    expect(parseRoute("#/sweeps/ab%20c")).toEqual({ page: "sweep", id: "ab c" });
    expect(href({ page: "sweep", id: "ab c" })).toBe("#/sweeps/ab%20c");
    expect(href({ page: "sweeps" })).toBe("#/sweeps");
    expect(parseRoute("#/runs/x")).toEqual({ page: "run", id: "x" }); // the others are unchanged
  });
});

describe("trials table", () => {
  const trials = [trial(1, { lr: 0.01, "h.units": 32 }, 0.5), trial(2, { lr: 0.001, "h.units": 8 }, 0.3), trial(3, { lr: 0.1, "h.units": 16 }, null)];
  const cols = trialColumns(["lr", "h.units"], trials, "val_loss");

  it("has a column per searched path, the objective, final metrics and status", () => {
    expect(cols.map((c) => c.key)).toEqual(["index", "param:lr", "param:h.units", "objective", "final:loss", "final:val_loss", "status"]);
  });
  it("sorts by a param either way, and keeps trials without a value last", () => {
    expect(sortTrials(trials, cols, { key: "param:h.units", order: "asc" }).map((t) => t.index)).toEqual([2, 3, 1]);
    expect(sortTrials(trials, cols, { key: "objective", order: "asc" }).map((t) => t.index)).toEqual([2, 1, 3]);
    expect(sortTrials(trials, cols, { key: "objective", order: "desc" }).map((t) => t.index)).toEqual([1, 2, 3]);
  });
  it("flips the same column; a maximised objective sorts best first", () => {
    expect(toggleSort({ key: "objective", order: "asc" }, "objective")).toEqual({ key: "objective", order: "desc" });
    expect(toggleSort({ key: "index", order: "asc" }, "objective", "max")).toEqual({ key: "objective", order: "desc" });
  });
  it("counts ended trials as done", () => {
    expect(trialsDone({ planned: 5, counts: { succeeded: 2, failed: 1, running: 1, pending: 1 } })).toBe(3);
  });
});

describe("parallel-coordinates axes", () => {
  const trials = [trial(1, { lr: 1e-4, act: "relu" }, 0.2), trial(2, { lr: 1e-2, act: "tanh" }, 0.6)];

  it("places a log_uniform value by its logarithm", () => {
    const axis = dimensionAxis("lr", { type: "log_uniform", low: 1e-4, high: 1e-2 }, trials);
    expect(axis.kind).toBe("log");
    expect(position(axis, 1e-3)).toBeCloseTo(0.5);
    expect(position(axis, 1e-4)).toBeCloseTo(0);
  });
  it("spreads a choice of strings as categories, numbers on a line", () => {
    const cat = dimensionAxis("act", { type: "choice", values: ["relu", "tanh", "gelu"] }, trials);
    expect(cat.kind).toBe("category");
    expect([position(cat, "relu"), position(cat, "tanh"), position(cat, "gelu"), position(cat, "elu")]).toEqual([0, 0.5, 1, null]);
    const nums = dimensionAxis("u", { type: "choice", values: [8, 32, 16] }, trials);
    expect(nums.kind === "linear" && nums.ticks).toEqual([8, 16, 32]);
    expect(position(nums, 16)).toBeCloseTo(1 / 3);
  });
  it("colours the best objective teal and the worst red, by mode", () => {
    const axis = objectiveAxis("val_loss", trials);
    expect(objectiveColor(0.2, axis, "min")).toBe("hsl(170, 70%, 55%)");
    expect(objectiveColor(0.6, axis, "min")).toBe("hsl(0, 70%, 55%)");
    expect(objectiveColor(0.6, axis, "max")).toBe("hsl(170, 70%, 55%)");
    expect(objectiveColor(null, axis, "min")).toBe("#64748b");
  });
});

describe("space editor", () => {
  const row = (p: Partial<SpaceRow>): SpaceRow => ({ path: "x", type: "choice", values: "", low: "", high: "", ...p });

  it("reads values, numbers and booleans as such", () => {
    expect(parseValues("8, 16 ,relu, true,")).toEqual([8, 16, "relu", true]);
  });
  it("builds the space of the rows", () => {
    expect(spaceOf([row({ path: "optimizer.learning_rate", type: "log_uniform", low: "1e-4", high: "0.1" }), row({ path: "h.units", values: "8,16" })]))
      .toEqual({ "optimizer.learning_rate": { type: "log_uniform", low: 1e-4, high: 0.1 }, "h.units": { type: "choice", values: [8, 16] } });
  });
  it("names the row and field that is wrong", () => {
    const fails = (rows: SpaceRow[]) => { try { spaceOf(rows); } catch (e) { return e as SpaceRowError; } throw new Error("accepted"); };
    expect(fails([row({ values: "" })])).toMatchObject({ row: 0, field: "values" });
    expect(fails([row({ values: "1" }), row({ path: "y", type: "int_uniform", low: "1.5", high: "4" })])).toMatchObject({ row: 1, field: "low" });
    expect(fails([row({ type: "log_uniform", low: "0", high: "1" })])).toMatchObject({ row: 0, field: "low" });
    expect(fails([row({ type: "uniform", low: "2", high: "1" })])).toMatchObject({ row: 0, field: "high" });
    expect(fails([row({ values: "1" }), row({ values: "2" })]).message).toMatch(/searched twice/);
  });
  it("offers each layer's scalar params, not an Input's shape", () => {
    const graph = { nodes: [{ id: "in", type: "Input", params: { shape: [4] } }, { id: "h", type: "Dense", params: { units: 8 } }] };
    expect(nodeParamPaths(graph, () => ({ activation: "linear", kernel: [1] }))).toEqual(["h.activation", "h.units"]);
  });
});

describe("sweep 422s on the dialog's fields", () => {
  const rows: SpaceRow[] = [{ path: "h.units", type: "choice", values: "8", low: "", high: "" }];
  it("puts a validation error on its field and a space error on its row", () => {
    expect(sweepErrorsOf([{ loc: ["body", "parallelism"], msg: "must be ≥ 1" }, { loc: ["body", "space", "h.units", "choice", "values"], msg: "too short" }], rows))
      .toEqual({ parallelism: "must be ≥ 1", "row:0": "too short" });
  });
  it("reads a ProblemsDetail by the path it names; a trial's run check is the base's", () => {
    expect(sweepErrorsOf({ message: "space 'h.units': Dense node 'h' has no param 'unit'", problems: [] }, rows)).toHaveProperty("row:0");
    expect(sweepErrorsOf({ message: "trial 1 (h.units=8): bad", problems: [{ message: "Dense expects…" }] }, rows))
      .toEqual({ base: "trial 1 (h.units=8): bad Dense expects…" });
    expect(sweepErrorsOf({ message: "something else" }, rows)).toEqual({ form: "something else" });
  });
});

describe("value labels", () => {
  it("shows whole numbers whole and others to four digits", () => {
    expect([tickLabel(16), tickLabel(0.001), tickLabel(0.0034567), tickLabel(1e-5), tickLabel(2.5e-5)]).toEqual(["16", "0.001", "0.003457", "1e-5", "2.5e-5"]);
  });
});
