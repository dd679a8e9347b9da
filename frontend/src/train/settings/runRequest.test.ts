import { describe, expect, it } from "vitest";
import type { DatasetInfo, GraphJson, RunPublic } from "../../api/types";
import { checkSettings } from "./checks";
import { trainFurtherSettings } from "./fromRun";
import { monitorOptions } from "./monitors";
import { runRequest } from "./runRequest";
import { DEFAULT_SETTINGS, type TrainSettings } from "./store";

const graph: GraphJson = {
  format: "netcanvas.graph/1", name: "cnn",
  nodes: [{ id: "in", type: "Input", params: { shape: [1, 8, 8] }, position: { x: 0, y: 0 } }],
  edges: [], outputs: ["in"],
};

const info = (over: Partial<DatasetInfo> = {}): DatasetInfo => ({
  id: "digits", name: "Digits", kind: "image", input_shape: [1, 8, 8], input_dtype: "float32",
  target: { kind: "classes", num_classes: 10, class_names: null }, sizes: { train: 1000, validation: 200, test: 300 },
  suggested_loss: "sparse_categorical_crossentropy", description: "", source: "builtin", extra: {}, ...over,
} as DatasetInfo);

const settings = (over: Partial<TrainSettings> = {}): TrainSettings => ({ ...DEFAULT_SETTINGS, ...over });

describe("runRequest: compile", () => {
  it("sends loss, from_logits, metrics and sgd's own settings, not adam's betas", () => {
    const req = runRequest(settings({
      loss: "categorical_crossentropy", fromLogits: true, metrics: ["accuracy", "precision", "auc"],
      optimizer: "sgd", learningRate: "0.05", momentum: "0.9", nesterov: true, epsilon: "1e-6", weightDecay: "0.01",
      clipnorm: "1.5", clipvalue: "",
    }), graph);
    expect(req.loss).toBe("categorical_crossentropy");
    expect(req.from_logits).toBe(true);
    expect(req.metrics).toEqual(["accuracy", "precision", "auc"]);
    expect(req.optimizer).toEqual({
      type: "sgd", learning_rate: 0.05, momentum: 0.9, nesterov: true, epsilon: 1e-6, weight_decay: 0.01, clipnorm: 1.5,
    });
  });

  it("sends rho for rmsprop and adadelta, betas for the adam family, an empty learning rate as null", () => {
    expect(runRequest(settings({ optimizer: "rmsprop", rho: "0.8", momentum: "0.5" }), graph).optimizer)
      .toMatchObject({ type: "rmsprop", rho: 0.8, momentum: 0.5 });
    const ada = runRequest(settings({ optimizer: "adadelta", learningRate: "" }), graph).optimizer!;
    expect(ada).toMatchObject({ type: "adadelta", learning_rate: null, rho: 0.9 });
    expect("momentum" in ada || "beta_1" in ada).toBe(false);
    const adam = runRequest(settings({ optimizer: "adamw", beta1: "0.8", beta2: "0.99", clipvalue: "0.5" }), graph).optimizer!;
    expect(adam).toMatchObject({ type: "adamw", beta_1: 0.8, beta_2: 0.99, clipvalue: 0.5 });
    expect("rho" in adam || "nesterov" in adam || "clipnorm" in adam).toBe(false);
  });
});

describe("per-class metrics", () => {
  it("go after the named metrics as Precision/Recall(class_id=k), named for their history key", () => {
    const req = runRequest(settings({ metrics: ["accuracy"], classMetrics: [{ type: "precision", class_id: 3 }, { type: "recall", class_id: 0 }] }), graph);
    expect(req.metrics).toEqual(["accuracy", { type: "precision", class_id: 3, name: "precision_class_3" },
      { type: "recall", class_id: 0, name: "recall_class_0" }]);
  });

  it("can be watched by early stopping; f1_score (a key per class) cannot", () => {
    const opts = monitorOptions(["accuracy", "f1_score"], ["out"], [{ type: "recall", class_id: 2 }]);
    expect(opts).toEqual(["val_loss", "val_accuracy", "val_recall_class_2", "loss", "accuracy", "recall_class_2"]);
    expect(monitorOptions(["mae"], ["a", "b"])).toEqual(["val_loss", "val_a_loss", "val_a_mae", "val_b_loss", "val_b_mae", "loss", "a_loss", "a_mae", "b_loss", "b_mae"]);
  });
});

describe("train further brings every setting back", () => {
  it("reads a run's request into the panel, so the same request comes out", () => {
    const s = settings({ optimizer: "sgd", learningRate: "0.05", momentum: "0.9", nesterov: true, clipnorm: "2",
      classMetrics: [{ type: "precision", class_id: 1 }], validationMode: "set", shuffle: false, classWeightMode: "table",
      classWeights: { "1": "3" }, earlyStopping: true, esMonitor: "val_accuracy", esPatience: "2", schedule: "cosine", minLr: "0.001",
      augment: true, verticalFlip: true, zoomRange: "0.8, 1.1", brightnessLow: "0.5", brightnessHigh: "1.5" });
    const req = runRequest(s, graph, [], info());
    const run = { id: "r1", name: "r", status: "succeeded", dataset: "digits", graph, request: req } as unknown as RunPublic;
    const back = { ...DEFAULT_SETTINGS, ...trainFurtherSettings(run, [info()]), initFrom: null };
    expect(runRequest(back, graph, [], info())).toEqual(req);
  });
});

describe("runRequest: fit", () => {
  it("sends epochs, batch size, a validation split, shuffle, keep_best, terminate_on_nan, seed and device", () => {
    const req = runRequest(settings({ epochs: "7", batchSize: "16", validationSplit: "0.25", shuffle: false, keepBest: false,
      terminateOnNan: false, seed: "", device: "cpu" }), graph, [], info());
    expect(req).toMatchObject({ epochs: 7, batch_size: 16, validation_split: 0.25, shuffle: false, keep_best: false,
      terminate_on_nan: false, seed: null, device: "cpu" });
    expect("use_validation_set" in req).toBe(false);
  });

  it("uses the data set's own validation set only when it has one", () => {
    const own = runRequest(settings({ validationMode: "set" }), graph, [], info());
    expect(own.use_validation_set).toBe(true);
    expect("validation_split" in own).toBe(false);
    const none = runRequest(settings({ validationMode: "set", validationSplit: "0.1" }), graph, [], info({ sizes: { train: 1000, validation: 0, test: 0 } }));
    expect(none.use_validation_set).toBeUndefined();
    expect(none.validation_split).toBe(0.1);
  });

  it("sends class_weight as null, 'balanced', or the table's set weights by class index", () => {
    expect(runRequest(settings(), graph).class_weight).toBeNull();
    expect(runRequest(settings({ classWeightMode: "balanced" }), graph).class_weight).toBe("balanced");
    expect(runRequest(settings({ classWeightMode: "table", classWeights: { "0": "2", "3": "0.5", "4": " " } }), graph).class_weight)
      .toEqual({ "0": 2, "3": 0.5 });
    expect(runRequest(settings({ classWeightMode: "table", classWeights: {} }), graph).class_weight).toBeNull();
  });

  it("sends early stopping when on, with its monitor, patience, min_delta and restore_best_weights", () => {
    expect(runRequest(settings(), graph).early_stopping).toBeNull();
    const req = runRequest(settings({ earlyStopping: true, esMonitor: "val_accuracy", esPatience: "2", esMinDelta: "0.01", esRestoreBest: false }), graph);
    expect(req.early_stopping).toEqual({ monitor: "val_accuracy", patience: 2, min_delta: 0.01, restore_best_weights: false });
  });

  it("sends each schedule with the fields its type uses", () => {
    expect(runRequest(settings(), graph).schedule).toEqual({ type: "none" });
    expect(runRequest(settings({ schedule: "step", stepSize: "4", gamma: "0.5" }), graph).schedule).toEqual({ type: "step", step_size: 4, gamma: 0.5 });
    expect(runRequest(settings({ schedule: "cosine", minLr: "0.0001" }), graph).schedule).toEqual({ type: "cosine", min_lr: 0.0001 });
    expect(runRequest(settings({ schedule: "reduce_on_plateau", gamma: "0.2", schedulePatience: "1", minLr: "0", scheduleMonitor: "val_accuracy" }), graph).schedule)
      .toEqual({ type: "reduce_on_plateau", gamma: 0.2, patience: 1, min_lr: 0, monitor: "val_accuracy" });
  });

  it("sends augmentation by ImageDataGenerator's names, only on for an image set", () => {
    const on = settings({ augment: true, horizontalFlip: true, rotationRange: "10", zoomRange: "0.9, 1.2", widthShiftRange: "0.1",
      heightShiftRange: "2", brightnessLow: "0.8", brightnessHigh: "1.2", contrastRange: "0.3", fillMode: "constant", cval: "0.5", augmentSeed: "7" });
    expect(runRequest(on, graph, [], info()).augment).toEqual({
      horizontal_flip: true, vertical_flip: false, rotation_range: 10, zoom_range: [0.9, 1.2], width_shift_range: 0.1,
      height_shift_range: 2, brightness_range: [0.8, 1.2], contrast_range: 0.3, fill_mode: "constant", cval: 0.5, seed: 7,
    });
    expect(runRequest(settings({ augment: true, zoomRange: "0.2" }), graph, [], info()).augment)
      .toMatchObject({ zoom_range: 0.2, brightness_range: null, seed: null, cval: 0 });
    expect(runRequest(on, graph, [], info({ kind: "table" })).augment).toBeNull();
    expect(runRequest(settings(), graph, [], info()).augment).toBeNull();
  });
});

describe("checks before launch", () => {
  it("names the field and its bound", () => {
    const c = checkSettings(settings({ optimizer: "adam", beta1: "1", earlyStopping: true, esPatience: "1.5", augment: true,
      rotationRange: "200", zoomRange: "1.2, 0.8", brightnessLow: "1.2", brightnessHigh: "0.9", clipnorm: "0" }));
    expect(c.beta1.error).toBe("beta_1 must be less than 1.");
    expect(c.esPatience.error).toBe("Patience must be a whole number.");
    expect(c.rotationRange.error).toBe("Rotation range must be at most 180.");
    expect(c.zoomRange.error).toBe("Zoom range's lower bound must not exceed its upper one.");
    expect(c.brightnessHigh.error).toBe("Brightness upper bound must be at least its lower bound.");
    expect(c.clipnorm.error).toBe("Clip norm must be greater than 0.");
  });

  it("does not check fields that do not apply", () => {
    const c = checkSettings(settings({ optimizer: "sgd", beta1: "7", esPatience: "x", rotationRange: "-1", validationMode: "set", validationSplit: "2" }));
    expect(Object.values(c).map((x) => x.error).filter(Boolean)).toEqual([]);
  });
});
