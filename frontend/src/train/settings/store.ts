// The Train panel's settings as typed (strings for numbers, so a half-typed value can be shown and
// checked), with the defaults of the backend's TrainSettings (training/settings.py).
import { create } from "zustand";

export const LOSSES = [
  "sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
  "mean_squared_error", "mean_absolute_error", "huber",
];
export const OPTIMIZERS = ["adam", "adamw", "sgd", "rmsprop", "adagrad", "adadelta", "adamax", "nadam"];
export const DEFAULT_LR: Record<string, number> = { adam: 0.001, adamw: 0.001, sgd: 0.01, rmsprop: 0.001, adagrad: 0.001, adadelta: 1.0, adamax: 0.001, nadam: 0.001 };
export const METRICS = ["accuracy", "top_k_categorical_accuracy", "mae", "mse", "precision", "recall", "auc", "f1_score"];
/** Metrics Keras computes for one class when given class_id (Precision(class_id=k), Recall(class_id=k)). */
export const CLASS_METRICS = ["precision", "recall"] as const;
export type ClassMetric = { type: (typeof CLASS_METRICS)[number]; class_id: number };
/** The history key of a per-class metric (sent as its Keras name=). */
export const classMetricName = (m: ClassMetric) => `${m.type}_class_${m.class_id}`;
export const SCHEDULES = ["none", "step", "cosine", "reduce_on_plateau"] as const;
export const FILL_MODES = ["nearest", "reflect", "wrap", "constant"] as const;

/** Which optimizer settings apply to which optimizer (what Keras's constructor takes). */
export const OPTIMIZER_FIELDS: Record<string, ("momentum" | "nesterov" | "rho" | "beta1" | "beta2")[]> = {
  sgd: ["momentum", "nesterov"],
  rmsprop: ["rho", "momentum"],
  adadelta: ["rho"],
  adagrad: [],
  adam: ["beta1", "beta2"],
  adamw: ["beta1", "beta2"],
  adamax: ["beta1", "beta2"],
  nadam: ["beta1", "beta2"],
};

export type ClassWeightMode = "none" | "balanced" | "table";

export interface TrainSettings {
  dataset: string;
  // Compile
  loss: string;
  fromLogits: boolean;
  optimizer: string;
  learningRate: string;
  momentum: string;
  nesterov: boolean;
  rho: string;
  beta1: string;
  beta2: string;
  epsilon: string;
  weightDecay: string;
  /** "" = no clipping. */
  clipnorm: string;
  clipvalue: string;
  metrics: string[];
  /** Per-class metrics, after `metrics` in the request. */
  classMetrics: ClassMetric[];
  // Fit
  epochs: string;
  batchSize: string;
  /** "split": carve validationSplit from train; "set": the data set's own validation split. */
  validationMode: "split" | "set";
  validationSplit: string;
  shuffle: boolean;
  classWeightMode: ClassWeightMode;
  /** With classWeightMode "table": class index → weight text ("" = 1). */
  classWeights: Record<string, string>;
  earlyStopping: boolean;
  esMonitor: string;
  esPatience: string;
  esMinDelta: string;
  esRestoreBest: boolean;
  schedule: (typeof SCHEDULES)[number];
  stepSize: string;
  gamma: string;
  schedulePatience: string;
  minLr: string;
  scheduleMonitor: string;
  keepBest: boolean;
  terminateOnNan: boolean;
  augment: boolean;
  horizontalFlip: boolean;
  verticalFlip: boolean;
  rotationRange: string;
  zoomRange: string;
  widthShiftRange: string;
  heightShiftRange: string;
  /** Both "" = no brightness change. */
  brightnessLow: string;
  brightnessHigh: string;
  contrastRange: string;
  fillMode: (typeof FILL_MODES)[number];
  cval: string;
  /** "" = the run's seed. */
  augmentSeed: string;
  device: string;
  seed: string;
  /** "Train further": the run whose model.pt the next run starts from (null: from scratch). */
  initFrom: { id: string; name: string } | null;
  /** With initFrom: load its weights by layer name (init_mode "by_name"); new or resized layers start fresh. */
  initByName: boolean;
  /** Several outputs: an output's own loss ("" = the loss above) and weight ("" = 1), by output id
   *  (Keras's compile(loss={…}, loss_weights={…})). */
  outputLosses: Record<string, string>;
  outputWeights: Record<string, string>;
}

export const DEFAULT_SETTINGS: TrainSettings = {
  dataset: "digits",
  loss: "sparse_categorical_crossentropy",
  fromLogits: false,
  optimizer: "adam",
  learningRate: "0.001",
  momentum: "0",
  nesterov: false,
  rho: "0.9",
  beta1: "0.9",
  beta2: "0.999",
  epsilon: "1e-7",
  weightDecay: "0",
  clipnorm: "",
  clipvalue: "",
  metrics: ["accuracy"],
  classMetrics: [],
  epochs: "10",
  batchSize: "32",
  validationMode: "split",
  validationSplit: "0.2",
  shuffle: true,
  classWeightMode: "none",
  classWeights: {},
  earlyStopping: false,
  esMonitor: "val_loss",
  esPatience: "3",
  esMinDelta: "0",
  esRestoreBest: true,
  schedule: "none",
  stepSize: "10",
  gamma: "0.1",
  schedulePatience: "3",
  minLr: "0",
  scheduleMonitor: "val_loss",
  keepBest: true,
  terminateOnNan: true,
  augment: false,
  horizontalFlip: false,
  verticalFlip: false,
  rotationRange: "0",
  zoomRange: "0",
  widthShiftRange: "0",
  heightShiftRange: "0",
  brightnessLow: "",
  brightnessHigh: "",
  contrastRange: "0",
  fillMode: "nearest",
  cval: "0",
  augmentSeed: "",
  device: "auto",
  seed: "0",
  initFrom: null,
  initByName: false,
  outputLosses: {},
  outputWeights: {},
};

export const useTrainSettings = create<TrainSettings & { set: (p: Partial<TrainSettings>) => void }>()((set) => ({
  ...DEFAULT_SETTINGS,
  set: (p) => set(p),
}));

/** The store's settings without its setter. */
export function currentSettings(): TrainSettings {
  const { set: _set, ...s } = useTrainSettings.getState();
  return s;
}
