// Numeric checks of the Train panel before launch, with the backend's bounds (training/settings.py,
// augment_settings.py): each a sentence naming the field, shown on it.
import type { DatasetInfo } from "../../api/types";
import { OPTIMIZER_FIELDS, type TrainSettings } from "./store";

export type Check = { value: number | null; error: string | null };
type NumOpts = { int?: boolean; min?: number; max?: number; gt?: number; lt?: number; optional?: boolean };

export function num(text: string, label: string, opts: NumOpts): Check {
  const t = text.trim();
  if (t === "") return opts.optional ? { value: null, error: null } : { value: null, error: `${label} is required.` };
  const v = Number(t);
  if (!Number.isFinite(v)) return { value: null, error: `${label} must be a number.` };
  if (opts.int && !Number.isInteger(v)) return { value: null, error: `${label} must be a whole number.` };
  if (opts.min !== undefined && v < opts.min) return { value: null, error: `${label} must be at least ${opts.min}.` };
  if (opts.max !== undefined && v > opts.max) return { value: null, error: `${label} must be at most ${opts.max}.` };
  if (opts.gt !== undefined && v <= opts.gt) return { value: null, error: `${label} must be greater than ${opts.gt}.` };
  if (opts.lt !== undefined && v >= opts.lt) return { value: null, error: `${label} must be less than ${opts.lt}.` };
  return { value: v, error: null };
}

/** Keras's zoom_range: one number z ≥ 0 ([1 - z, 1 + z]) or "lower, upper". */
export function parseZoom(text: string): { value: number | [number, number] | null; error: string | null } {
  const parts = text.split(",").map((p) => p.trim());
  if (parts.length === 1) {
    const c = num(parts[0], "Zoom range", { min: 0 });
    return { value: c.value, error: c.error };
  }
  const [lo, hi] = parts.map(Number);
  if (parts.length !== 2 || !Number.isFinite(lo) || !Number.isFinite(hi) || parts.some((p) => p === "")) {
    return { value: null, error: "Zoom range must be a number or two numbers 'lower, upper'." };
  }
  if (lo > hi) return { value: null, error: "Zoom range's lower bound must not exceed its upper one." };
  return { value: [lo, hi], error: null };
}

const ok: Check = { value: null, error: null };

/** Whether the data set brings a validation split of its own (use_validation_set can be chosen). */
export const hasOwnValidation = (d: DatasetInfo | undefined) => !!d && d.sizes.validation > 0;

/** Whether the run validates on the data set's own split (chosen, and the set has one; without the
 *  data set known, as chosen). */
export const usesOwnValidation = (s: TrainSettings, ds?: DatasetInfo) => s.validationMode === "set" && (!ds || hasOwnValidation(ds));

/** Every checked field of the settings; fields that do not apply now (another optimizer's, early
 *  stopping when off) pass. */
export function checkSettings(s: TrainSettings, ds?: DatasetInfo) {
  const opt = OPTIMIZER_FIELDS[s.optimizer] ?? [];
  const sched = s.schedule;
  const aug = s.augment;
  const bright = s.brightnessLow.trim() !== "" || s.brightnessHigh.trim() !== "";
  return {
    learningRate: num(s.learningRate, "Learning rate", { gt: 0, optional: true }),
    momentum: opt.includes("momentum") ? num(s.momentum, "Momentum", { min: 0, lt: 1 }) : ok,
    rho: opt.includes("rho") ? num(s.rho, "rho", { gt: 0, lt: 1 }) : ok,
    beta1: opt.includes("beta1") ? num(s.beta1, "beta_1", { gt: 0, lt: 1 }) : ok,
    beta2: opt.includes("beta2") ? num(s.beta2, "beta_2", { gt: 0, lt: 1 }) : ok,
    epsilon: num(s.epsilon, "Epsilon", { gt: 0 }),
    weightDecay: num(s.weightDecay, "Weight decay", { min: 0 }),
    clipnorm: num(s.clipnorm, "Clip norm", { gt: 0, optional: true }),
    clipvalue: num(s.clipvalue, "Clip value", { gt: 0, optional: true }),
    epochs: num(s.epochs, "Epochs", { int: true, min: 1, max: 10000 }),
    batchSize: num(s.batchSize, "Batch size", { int: true, min: 1, max: 65536 }),
    validationSplit: !usesOwnValidation(s, ds) ? num(s.validationSplit, "Validation split", { min: 0, lt: 1 }) : ok,
    seed: num(s.seed, "Seed", { int: true, min: 0, optional: true }),
    esPatience: s.earlyStopping ? num(s.esPatience, "Patience", { int: true, min: 0 }) : ok,
    esMinDelta: s.earlyStopping ? num(s.esMinDelta, "Min delta", { min: 0 }) : ok,
    stepSize: sched === "step" ? num(s.stepSize, "Step size", { int: true, min: 1 }) : ok,
    gamma: sched === "step" || sched === "reduce_on_plateau" ? num(s.gamma, "Factor", { gt: 0, max: 1 }) : ok,
    schedulePatience: sched === "reduce_on_plateau" ? num(s.schedulePatience, "Patience", { int: true, min: 0 }) : ok,
    minLr: sched === "reduce_on_plateau" || sched === "cosine" ? num(s.minLr, "Min learning rate", { min: 0 }) : ok,
    rotationRange: aug ? num(s.rotationRange, "Rotation range", { min: 0, max: 180 }) : ok,
    zoomRange: aug ? { value: null, error: parseZoom(s.zoomRange).error } : ok,
    widthShiftRange: aug ? num(s.widthShiftRange, "Width shift range", { min: 0 }) : ok,
    heightShiftRange: aug ? num(s.heightShiftRange, "Height shift range", { min: 0 }) : ok,
    brightnessLow: aug && bright ? num(s.brightnessLow, "Brightness lower bound", { min: 0 }) : ok,
    brightnessHigh: aug && bright ? brightnessHigh(s) : ok,
    contrastRange: aug ? num(s.contrastRange, "Contrast range", { min: 0, max: 1 }) : ok,
    cval: aug && s.fillMode === "constant" ? num(s.cval, "Fill value", {}) : ok,
    augmentSeed: aug ? num(s.augmentSeed, "Augmentation seed", { int: true, min: 0, optional: true }) : ok,
  };
}

export type CheckedField = keyof ReturnType<typeof checkSettings>;

function brightnessHigh(s: TrainSettings): Check {
  const hi = num(s.brightnessHigh, "Brightness upper bound", { min: 0 });
  const lo = Number(s.brightnessLow);
  if (hi.error || !Number.isFinite(lo) || hi.value! >= lo) return hi;
  return { value: null, error: "Brightness upper bound must be at least its lower bound." };
}

/** Class weights of the table that are set must be numbers ≥ 0; the first problem, or null. */
export function classWeightError(s: TrainSettings): string | null {
  if (s.classWeightMode !== "table") return null;
  for (const [k, t] of Object.entries(s.classWeights)) {
    if (t.trim() === "") continue;
    const v = Number(t);
    if (!Number.isFinite(v) || v < 0) return `Weight of class ${k} must be a number ≥ 0.`;
  }
  return null;
}

/** Per-output weights that are set must be numbers ≥ 0; the first problem, or null. */
export function outputWeightError(s: TrainSettings, outputs: string[]): string | null {
  for (const o of outputs) {
    const t = (s.outputWeights[o] ?? "").trim();
    if (t === "") continue;
    const v = Number(t);
    if (!Number.isFinite(v) || v < 0) return `Loss weight of '${o}' must be a number ≥ 0.`;
  }
  return null;
}
