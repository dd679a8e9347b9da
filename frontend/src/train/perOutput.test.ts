import { describe, expect, it } from "vitest";
import { outputWeightError, perOutputRequest, runRequest, useTrainSettings } from "./TrainPanel";

const base = () => ({ ...useTrainSettings.getState(), loss: "sparse_categorical_crossentropy" });

describe("per-output losses and weights", () => {
  it("sends only what differs from the loss above, for outputs of the graph", () => {
    const s = { ...base(), outputLosses: { reg: "mean_squared_error", cls: "sparse_categorical_crossentropy", gone: "huber" },
      outputWeights: { reg: "0.5", cls: "1", gone: "3" } };
    expect(perOutputRequest(s, ["cls", "reg"])).toEqual({ losses: { reg: "mean_squared_error" }, loss_weights: { reg: 0.5 } });
  });

  it("a single-output graph sends neither", () => {
    const s = { ...base(), outputLosses: { out: "huber" }, outputWeights: { out: "2" } };
    expect(perOutputRequest(s, ["out"])).toEqual({});
    const req = runRequest(s, { format: "netcanvas.graph/1", name: "g", nodes: [], edges: [] } as never, ["out"]);
    expect(req.losses).toBeUndefined();
    expect(req.loss_weights).toBeUndefined();
  });

  it("a weight that is not a number ≥ 0 is a form error naming the output", () => {
    expect(outputWeightError({ ...base(), outputWeights: { reg: "-1" } }, ["cls", "reg"])).toBe("Loss weight of 'reg' must be a number ≥ 0.");
    expect(outputWeightError({ ...base(), outputWeights: { reg: "" } }, ["cls", "reg"])).toBeNull();
  });
});
