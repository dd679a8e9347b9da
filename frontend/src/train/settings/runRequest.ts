// The POST /api/runs body from the Train panel's settings: Keras's compile and fit arguments by
// their Keras names, only the ones that apply (another optimizer's betas are not sent).
import type { DatasetInfo, GraphJson, RunRequest } from "../../api/types";
import { checkSettings, parseZoom, usesOwnValidation } from "./checks";
import { classMetricName, OPTIMIZER_FIELDS, type TrainSettings } from "./store";

type Optimizer = NonNullable<RunRequest["optimizer"]>;
type Augment = NonNullable<RunRequest["augment"]>;
type Schedule = NonNullable<RunRequest["schedule"]>;

/** losses / loss_weights of the request: only outputs of the graph, only what differs from the default. */
export function perOutputRequest(s: TrainSettings, outputs: string[]): Pick<RunRequest, "losses" | "loss_weights"> {
  if (outputs.length < 2) return {};
  const losses: Record<string, string> = {};
  const weights: Record<string, number> = {};
  for (const o of outputs) {
    const l = s.outputLosses[o];
    if (l && l !== s.loss) losses[o] = l;
    const w = (s.outputWeights[o] ?? "").trim();
    if (w !== "" && Number(w) !== 1) weights[o] = Number(w);
  }
  return {
    ...(Object.keys(losses).length ? { losses: losses as RunRequest["losses"] } : {}),
    ...(Object.keys(weights).length ? { loss_weights: weights } : {}),
  };
}

export function optimizerRequest(s: TrainSettings): Optimizer {
  const c = checkSettings(s);
  const applies = OPTIMIZER_FIELDS[s.optimizer] ?? [];
  return {
    type: s.optimizer as Optimizer["type"],
    learning_rate: c.learningRate.value,
    ...(applies.includes("momentum") ? { momentum: c.momentum.value ?? 0 } : {}),
    ...(applies.includes("nesterov") ? { nesterov: s.nesterov } : {}),
    ...(applies.includes("rho") ? { rho: c.rho.value! } : {}),
    ...(applies.includes("beta1") ? { beta_1: c.beta1.value!, beta_2: c.beta2.value! } : {}),
    epsilon: c.epsilon.value!,
    weight_decay: c.weightDecay.value ?? 0,
    ...(c.clipnorm.value != null ? { clipnorm: c.clipnorm.value } : {}),
    ...(c.clipvalue.value != null ? { clipvalue: c.clipvalue.value } : {}),
  };
}

/** The schedule with the fields its type uses (the server fills the rest with its defaults). */
export function scheduleRequest(s: TrainSettings): Schedule {
  const c = checkSettings(s);
  switch (s.schedule) {
    case "step": return { type: "step", step_size: c.stepSize.value!, gamma: c.gamma.value! } as Schedule;
    case "cosine": return { type: "cosine", min_lr: c.minLr.value! } as Schedule;
    case "reduce_on_plateau":
      return { type: "reduce_on_plateau", gamma: c.gamma.value!, patience: c.schedulePatience.value!,
        min_lr: c.minLr.value!, monitor: s.scheduleMonitor } as Schedule;
    default: return { type: "none" } as Schedule;
  }
}

export function classWeightRequest(s: TrainSettings): RunRequest["class_weight"] {
  if (s.classWeightMode === "balanced") return "balanced";
  if (s.classWeightMode !== "table") return null;
  const table = Object.fromEntries(Object.entries(s.classWeights)
    .filter(([, t]) => t.trim() !== "").map(([k, t]) => [k, Number(t)]));
  return Object.keys(table).length ? table : null;
}

export function augmentRequest(s: TrainSettings): Augment {
  const c = checkSettings(s);
  const bright = s.brightnessLow.trim() !== "" || s.brightnessHigh.trim() !== "";
  return {
    horizontal_flip: s.horizontalFlip,
    vertical_flip: s.verticalFlip,
    rotation_range: c.rotationRange.value ?? 0,
    zoom_range: parseZoom(s.zoomRange).value ?? 0,
    width_shift_range: c.widthShiftRange.value ?? 0,
    height_shift_range: c.heightShiftRange.value ?? 0,
    brightness_range: bright ? [c.brightnessLow.value!, c.brightnessHigh.value!] : null,
    contrast_range: c.contrastRange.value ?? 0,
    fill_mode: s.fillMode,
    cval: s.fillMode === "constant" ? c.cval.value ?? 0 : 0,
    seed: c.augmentSeed.value,
  };
}

/** The POST /api/runs body for the settings and the graph on the canvas (settings already checked).
 *  With the data set: augmentation only for image sets, its own validation set only when it has one. */
export function runRequest(s: TrainSettings, g: GraphJson, outputs: string[] = [], ds?: DatasetInfo): RunRequest {
  const c = checkSettings(s, ds);
  const ownValidation = usesOwnValidation(s, ds);
  const augment = s.augment && (!ds || ds.kind === "image");
  return {
    ...perOutputRequest(s, outputs),
    graph: g,
    name: g.name,
    dataset: s.dataset,
    loss: s.loss as NonNullable<RunRequest["loss"]>,
    from_logits: s.fromLogits,
    optimizer: optimizerRequest(s),
    metrics: [
      ...s.metrics,
      ...s.classMetrics.map((m) => ({ type: m.type, class_id: m.class_id, name: classMetricName(m) })),
    ] as NonNullable<RunRequest["metrics"]>,
    epochs: c.epochs.value!,
    batch_size: c.batchSize.value!,
    ...(ownValidation ? { use_validation_set: true } : { validation_split: c.validationSplit.value! }),
    shuffle: s.shuffle,
    class_weight: classWeightRequest(s),
    early_stopping: s.earlyStopping
      ? { monitor: s.esMonitor, patience: c.esPatience.value!, min_delta: c.esMinDelta.value!, restore_best_weights: s.esRestoreBest }
      : null,
    schedule: scheduleRequest(s),
    keep_best: s.keepBest,
    terminate_on_nan: s.terminateOnNan,
    augment: augment ? augmentRequest(s) : null,
    device: s.device as NonNullable<RunRequest["device"]>,
    seed: c.seed.value,
    ...(s.initFrom ? { init_from_run: s.initFrom.id } : {}),
    ...(s.initFrom && s.initByName ? { init_mode: "by_name" as const } : {}),
  };
}
