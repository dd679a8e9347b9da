import { describe, expect, it } from "vitest";
import { fieldErrorsOf, fieldForPath } from "./fieldErrors";

describe("a 422 on the fields it names", () => {
  it("maps pydantic's loc to the panel's field", () => {
    const detail = [
      { loc: ["body", "early_stopping", "monitor"], msg: "Input should be a valid string" },
      { loc: ["body", "optimizer", "beta_1"], msg: "Input should be less than 1" },
      { loc: ["body", "augment", "rotation_range"], msg: "Input should be less than or equal to 180" },
      { loc: ["body", "schedule", "step_size"], msg: "Input should be greater than or equal to 1" },
    ];
    expect(fieldErrorsOf(detail)).toEqual({
      esMonitor: "Input should be a valid string",
      beta1: "Input should be less than 1",
      rotationRange: "Input should be less than or equal to 180",
      stepSize: "Input should be greater than or equal to 1",
    });
  });

  it("puts a union's inner parts on their field, and what names no field on the form", () => {
    expect(fieldForPath(["class_weight", "dict[str,float]", "3"])).toBe("classWeightMode");
    expect(fieldForPath(["augment", "brightness_range", 1])).toBe("brightnessLow");
    expect(fieldErrorsOf([{ loc: ["body", "graph", "nodes", 0], msg: "bad node" }])).toEqual({ form: "graph.nodes.0: bad node" });
  });

  it("reads a sentence that starts with its field", () => {
    expect(fieldErrorsOf("augment: augments images, but data set 'iris' holds table data."))
      .toEqual({ augment: "augments images, but data set 'iris' holds table data." });
    expect(fieldErrorsOf("Data set 'nope' is not known.")).toEqual({ form: "Data set 'nope' is not known." });
    // the starting weights' refusal stays whole, by the Train button
    expect(fieldErrorsOf("init_from_run: the weights of run 'r1' do not fit layer 'h'."))
      .toEqual({ form: "init_from_run: the weights of run 'r1' do not fit layer 'h'." });
  });

  it("reads a ProblemsDetail's sentences; problems on graph nodes stay on the form", () => {
    const monitor = "early_stopping.monitor: 'val_f1' is not reported by this run; it reports loss, accuracy";
    expect(fieldErrorsOf({ message: monitor, problems: [{ message: monitor }, { message: "schedule.monitor: 'x' is not reported" }] }))
      .toEqual({ esMonitor: "'val_f1' is not reported by this run; it reports loss, accuracy", scheduleMonitor: "'x' is not reported" });
    const mixed = { message: "m", problems: [{ message: "schedule.monitor: 'x' is not reported" }, { message: "Something else." }] };
    expect(fieldErrorsOf(mixed)).toEqual({ scheduleMonitor: "'x' is not reported", form: "m Something else." });
    const budget = { message: "The model does not fit this server's budget.", problems: [{ node: "d1", message: "Dense d1 has 10 parameters." }] };
    expect(fieldErrorsOf(budget)).toEqual({ form: "The model does not fit this server's budget. Dense d1 has 10 parameters." });
  });
});
