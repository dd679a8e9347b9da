import { describe, expect, it } from "vitest";
import type { DatasetInfo, GraphJson, RunPublic } from "../api/types";
import { canTrainFurther, runRequest, trainFurtherSettings, useTrainSettings, type TrainSettings } from "./TrainPanel";

const graph: GraphJson = {
  format: "netcanvas.graph/1", name: "mlp",
  nodes: [{ id: "in", type: "Input", params: { shape: [64] }, position: { x: 0, y: 0 } },
    { id: "out", type: "Dense", params: { units: 10 }, position: { x: 300, y: 0 } }],
  edges: [{ source: "in", target: "out", source_port: 0, target_port: 0 }], outputs: ["out"],
};

const digits = {
  id: "digits", name: "Digits", kind: "image", input_shape: [1, 8, 8], input_dtype: "float32",
  target: { kind: "classes", num_classes: 10, class_names: null }, sizes: { train: 1000, validation: 0, test: 300 },
  suggested_loss: "sparse_categorical_crossentropy", description: "", source: "builtin", extra: {},
} as DatasetInfo;

const run = (over: Partial<RunPublic>): RunPublic => ({
  id: "r1", name: "digits-mlp", status: "succeeded", dataset: "digits", graph, artifacts: ["model.pt"],
  request: {
    dataset: "digits", loss: "categorical_crossentropy", metrics: ["accuracy"], epochs: 3, batch_size: 64,
    validation_split: 0.1, optimizer: { type: "sgd", learning_rate: 0.05, momentum: 0.9, weight_decay: 0 },
  },
  ...over,
} as RunPublic);

const settings = (): TrainSettings => {
  const { set: _set, ...s } = useTrainSettings.getState();
  return s;
};

describe("Train further", () => {
  it("is offered for runs with a model: succeeded or imported", () => {
    expect(canTrainFurther({ status: "succeeded", artifacts: ["model.pt"] })).toBe(true);
    expect(canTrainFurther({ status: "imported", artifacts: ["model.pt"] })).toBe(true);
    expect(canTrainFurther({ status: "failed", artifacts: ["model.pt"] })).toBe(false);
    expect(canTrainFurther({ status: "running", artifacts: [] })).toBe(false);
    expect(canTrainFurther({ status: "succeeded", artifacts: [] })).toBe(false);
  });

  it("takes a trained run's settings and names the run to start from", () => {
    const p = trainFurtherSettings(run({}), [digits]);
    expect(p).toMatchObject({
      dataset: "digits", loss: "categorical_crossentropy", optimizer: "sgd", learningRate: "0.05", momentum: "0.9",
      epochs: "3", batchSize: "64", validationSplit: "0.1", initFrom: { id: "r1", name: "digits-mlp" },
    });
  });

  it("fills in the optimizer's default learning rate when the run left it to the server", () => {
    const r = run({});
    const p = trainFurtherSettings({ ...r, request: { ...r.request, optimizer: { type: "adam" } } } as RunPublic, [digits]);
    expect(p.learningRate).toBe("0.001");
  });

  it("gives an imported model its data set's suggestions, and keeps the data set when it is unknown", () => {
    const imported = run({ status: "imported", request: { dataset: "digits" } as RunPublic["request"] });
    expect(trainFurtherSettings(imported, [digits])).toEqual({
      dataset: "digits", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"], initFrom: { id: "r1", name: "digits-mlp" },
    });
    expect(trainFurtherSettings(run({ status: "imported", dataset: "imported" }), [digits])).toEqual({ initFrom: { id: "r1", name: "digits-mlp" } });
  });

  it("sends init_from_run with the graph, and nothing of it when training from scratch", () => {
    const s = { ...settings(), initFrom: { id: "r1", name: "digits-mlp" } };
    const req = runRequest(s, graph);
    expect(req.init_from_run).toBe("r1");
    expect(req.graph).toBe(graph);
    expect(req.epochs).toBe(Number(s.epochs));
    expect("init_from_run" in runRequest({ ...s, initFrom: null }, graph)).toBe(false);
  });

  it("asks for init_mode by_name only when matching by name with a run to start from", () => {
    const s = { ...settings(), initFrom: { id: "r1", name: "digits-mlp" } };
    expect("init_mode" in runRequest(s, graph)).toBe(false);
    expect(runRequest({ ...s, initByName: true }, graph).init_mode).toBe("by_name");
    expect("init_mode" in runRequest({ ...s, initFrom: null, initByName: true }, graph)).toBe(false);
  });
});
