// A 422 from POST /api/runs, put on the Train panel's fields it names: pydantic's detail list (loc
// ["body", "early_stopping", "monitor"]) or the server's sentences, which start with the field
// ("early_stopping.monitor: 'val_f1' is not reported …", training/request_checks.py).
import type { TrainSettings } from "./store";

export type FieldKey = keyof TrainSettings;
/** Field → its message; `form` holds what names no field (shown by the Train button). */
export type FieldErrors = Partial<Record<FieldKey | "form", string>>;

const REQUEST_FIELDS: Record<string, FieldKey> = {
  dataset: "dataset",
  loss: "loss",
  losses: "outputLosses",
  loss_weights: "outputWeights",
  from_logits: "fromLogits",
  optimizer: "optimizer",
  "optimizer.type": "optimizer",
  "optimizer.learning_rate": "learningRate",
  "optimizer.momentum": "momentum",
  "optimizer.nesterov": "nesterov",
  "optimizer.rho": "rho",
  "optimizer.beta_1": "beta1",
  "optimizer.beta_2": "beta2",
  "optimizer.epsilon": "epsilon",
  "optimizer.weight_decay": "weightDecay",
  "optimizer.clipnorm": "clipnorm",
  "optimizer.clipvalue": "clipvalue",
  metrics: "metrics",
  epochs: "epochs",
  batch_size: "batchSize",
  validation_split: "validationSplit",
  use_validation_set: "validationMode",
  shuffle: "shuffle",
  class_weight: "classWeightMode",
  early_stopping: "esMonitor",
  "early_stopping.monitor": "esMonitor",
  "early_stopping.patience": "esPatience",
  "early_stopping.min_delta": "esMinDelta",
  "early_stopping.restore_best_weights": "esRestoreBest",
  schedule: "schedule",
  "schedule.type": "schedule",
  "schedule.step_size": "stepSize",
  "schedule.gamma": "gamma",
  "schedule.patience": "schedulePatience",
  "schedule.min_lr": "minLr",
  "schedule.monitor": "scheduleMonitor",
  keep_best: "keepBest",
  terminate_on_nan: "terminateOnNan",
  augment: "augment",
  "augment.horizontal_flip": "horizontalFlip",
  "augment.vertical_flip": "verticalFlip",
  "augment.rotation_range": "rotationRange",
  "augment.zoom_range": "zoomRange",
  "augment.width_shift_range": "widthShiftRange",
  "augment.height_shift_range": "heightShiftRange",
  "augment.brightness_range": "brightnessLow",
  "augment.contrast_range": "contrastRange",
  "augment.fill_mode": "fillMode",
  "augment.cval": "cval",
  "augment.seed": "augmentSeed",
  device: "device",
  seed: "seed",
};

// init_from_run / init_mode name no field: their sentence (the starting weights do not fit) shows by
// the Train button, next to the banner of the run to start from.

/** The panel field for a request path (["early_stopping", "monitor"]): its longest known prefix, so
 *  a union's inner parts (class_weight → dict[str,float] → "3") still land on their field. */
export function fieldForPath(path: (string | number)[]): FieldKey | null {
  for (let n = path.length; n > 0; n--) {
    const key = path.slice(0, n).join(".");
    if (key in REQUEST_FIELDS) return REQUEST_FIELDS[key];
  }
  return null;
}

/** A server sentence's field: the request path it starts with, before a colon. */
function fieldOfSentence(message: string): { field: FieldKey | null; text: string } {
  const m = /^([a-z_]+(?:\.[a-z_0-9]+)*): (.*)$/s.exec(message);
  const field = m ? fieldForPath(m[1].split(".")) : null;
  return field ? { field, text: m![2] } : { field: null, text: message };
}

function add(errors: FieldErrors, key: FieldKey | "form", text: string) {
  errors[key] = errors[key] ? `${errors[key]} ${text}` : text;
}

/** The errors of a 422's `detail` by panel field. */
export function fieldErrorsOf(detail: unknown): FieldErrors {
  const errors: FieldErrors = {};
  if (typeof detail === "string") {
    const { field, text } = fieldOfSentence(detail);
    add(errors, field ?? "form", field ? text : detail);
  } else if (Array.isArray(detail)) {
    for (const d of detail as { loc?: (string | number)[]; msg?: string }[]) {
      const loc = d.loc ?? [];
      const path = loc[0] === "body" ? loc.slice(1) : loc;
      const field = fieldForPath(path);
      const msg = d.msg ?? "is not valid";
      add(errors, field ?? "form", field ? msg : `${path.join(".")}: ${msg}`);
    }
  } else if (detail && typeof detail === "object" && "message" in detail) {
    const d = detail as { message: string; problems?: { message: string; node?: string | null }[] };
    // a problem on a graph node is the canvas's to show; the others may name a field
    const read = (d.problems ?? []).map((p) => (p.node ? { field: null, text: p.message } : fieldOfSentence(p.message)));
    for (const p of read) if (p.field) add(errors, p.field, p.text);
    const unplaced = (d.problems ?? []).filter((_, i) => !read[i].field);
    if (unplaced.length || !read.length) add(errors, "form", describeProblems({ message: d.message, problems: unplaced }));
  }
  return errors;
}

function describeProblems(d: { message: string; problems?: { message: string }[] }): string {
  const rest = (d.problems ?? []).map((p) => p.message).filter((m) => m !== d.message);
  return rest.length ? `${d.message} ${rest.join(" ")}` : d.message;
}
