// Train panel settings that come from elsewhere: a chosen data set's suggestions, a run to train further.
import type { DatasetInfo, RunPublic } from "../../api/types";
import { DEFAULT_LR, DEFAULT_SETTINGS, type ClassMetric, type TrainSettings } from "./store";

/** Choosing a data set: its id, its suggested loss and a metric that fits its target (also used by
 *  the data page's "Use on canvas"). */
export function settingsForDataset(id: string, d: DatasetInfo | undefined): Partial<TrainSettings> {
  return {
    dataset: id,
    ...(d?.suggested_loss ? { loss: d.suggested_loss } : {}),
    ...(d && d.target.kind === "values" ? { metrics: ["mae"] } : d ? { metrics: ["accuracy"] } : {}),
  };
}

/** Runs whose model.pt can seed a new run: trained here (finished, or stopped after an epoch), or imported. */
export function canTrainFurther(run: { status: string; artifacts?: string[] | null }): boolean {
  // a stopped run keeps a completed epoch's weights (or nothing, when stopped in its first epoch)
  return ["succeeded", "imported", "cancelled"].includes(run.status) && (run.artifacts ?? []).includes("model.pt");
}

const str = (v: number | null | undefined, fallback: string) => (v == null ? fallback : String(v));

type Request = NonNullable<RunPublic["request"]>;

/** A run's metrics as the panel holds them: names, and precision/recall of one class; other
 *  options (thresholds, AUC's curve) are not in the panel, so such a metric comes back by its name. */
function metricSettings(metrics: NonNullable<Request["metrics"]>): Pick<TrainSettings, "metrics" | "classMetrics"> {
  const names: string[] = [];
  const classMetrics: ClassMetric[] = [];
  for (const m of metrics) {
    if (typeof m === "string") names.push(m);
    else if ((m.type === "precision" || m.type === "recall") && m.class_id != null) classMetrics.push({ type: m.type, class_id: m.class_id });
    else names.push(m.type);
  }
  return { metrics: [...new Set(names)], classMetrics };
}

/** The fit settings of a run's request beyond the basics (what it left out keeps the panel's value). */
function fitSettings(r: Request): Partial<TrainSettings> {
  const es = r.early_stopping;
  const sch = r.schedule;
  const aug = r.augment;
  const cw = r.class_weight;
  return {
    ...(r.use_validation_set ? { validationMode: "set" as const } : {}),
    ...(r.shuffle != null ? { shuffle: r.shuffle } : {}),
    ...(cw === "balanced" ? { classWeightMode: "balanced" as const }
      : cw ? { classWeightMode: "table" as const, classWeights: Object.fromEntries(Object.entries(cw).map(([k, v]) => [k, String(v)])) } : {}),
    ...(es ? { earlyStopping: true, esMonitor: es.monitor ?? "val_loss", esPatience: str(es.patience, "3"),
      esMinDelta: str(es.min_delta, "0"), esRestoreBest: es.restore_best_weights ?? true } : {}),
    ...(sch && sch.type && sch.type !== "none" ? { schedule: sch.type, stepSize: str(sch.step_size, "10"), gamma: str(sch.gamma, "0.1"),
      schedulePatience: str(sch.patience, "3"), minLr: str(sch.min_lr, "0"), scheduleMonitor: sch.monitor ?? "val_loss" } : {}),
    ...(aug ? {
      augment: true, horizontalFlip: !!aug.horizontal_flip, verticalFlip: !!aug.vertical_flip,
      rotationRange: str(aug.rotation_range, "0"),
      zoomRange: Array.isArray(aug.zoom_range) ? aug.zoom_range.join(", ") : str(aug.zoom_range, "0"),
      widthShiftRange: str(aug.width_shift_range, "0"), heightShiftRange: str(aug.height_shift_range, "0"),
      brightnessLow: aug.brightness_range ? String(aug.brightness_range[0]) : "",
      brightnessHigh: aug.brightness_range ? String(aug.brightness_range[1]) : "",
      contrastRange: str(aug.contrast_range, "0"), fillMode: aug.fill_mode ?? "nearest", cval: str(aug.cval, "0"),
      augmentSeed: str(aug.seed, ""),
    } : {}),
  };
}

/** The train panel's settings for "Train further" from a run: start from its weights, on its data
 *  set when that is known, with the settings it trained with (an imported model has none of its
 *  own: the data set's suggested loss and metric). */
export function trainFurtherSettings(run: RunPublic, datasets: DatasetInfo[] | null): Partial<TrainSettings> {
  const initFrom = { id: run.id, name: run.name };
  const d = datasets?.find((x) => x.id === run.dataset);
  const base = d ? settingsForDataset(d.id, d) : {};
  const r = run.request;
  if ((run.status !== "succeeded" && run.status !== "cancelled") || !r) return { ...base, initFrom };
  const opt = r.optimizer;
  const D = DEFAULT_SETTINGS;
  return {
    ...base,
    ...(r.loss ? { loss: r.loss } : {}),
    ...(r.from_logits != null ? { fromLogits: r.from_logits } : {}),
    ...(r.metrics?.length ? metricSettings(r.metrics) : {}),
    ...(opt ? { optimizer: opt.type, learningRate: String(opt.learning_rate ?? DEFAULT_LR[opt.type] ?? 0.001),
      momentum: String(opt.momentum ?? 0), weightDecay: String(opt.weight_decay ?? 0),
      ...(opt.nesterov != null ? { nesterov: opt.nesterov } : {}),
      rho: str(opt.rho, D.rho), beta1: str(opt.beta_1, D.beta1), beta2: str(opt.beta_2, D.beta2),
      epsilon: str(opt.epsilon, D.epsilon), clipnorm: str(opt.clipnorm, ""), clipvalue: str(opt.clipvalue, "") } : {}),
    ...(r.epochs ? { epochs: String(r.epochs) } : {}),
    ...(r.batch_size ? { batchSize: String(r.batch_size) } : {}),
    ...(r.validation_split != null ? { validationSplit: String(r.validation_split) } : {}),
    ...fitSettings(r),
    initFrom,
  };
}
