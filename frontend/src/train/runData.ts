// Folds run events (docs/api.md, Stream) into what the live view draws. Pure and unit-tested.
import type { EpochRecord, FinalRunStatus, Metrics, RunEvent, RunStatus } from "../api/types";
import { batchX, epochX, type XAxis } from "../runs/run/xAxis";

export interface BatchPoint {
  x: number; // fractional epoch: (epoch - 1) + step / steps
  epoch: number;
  step: number;
  steps: number | null;
  t: number | null; // seconds since the run started
  metrics: Metrics;
}

/** An epoch as the stream tells it: the record plus when it ended (absent in a run record). */
export type EpochPoint = EpochRecord & { t?: number | null };

export interface Progress {
  epoch: number;
  epochs: number | null;
  step: number;
  steps: number | null;
  seen: number;
  samplesPerS: number | null;
  etaS: number | null;
}

export interface LogLine {
  level: string;
  message: string;
}

export interface RunData {
  status: RunStatus | null;
  device: string | null;
  error: string | null;
  batches: BatchPoint[];
  epochs: EpochPoint[];
  logs: LogLine[];
  progress: Progress;
  testMetrics: Metrics | null;
  artifacts: string[] | null;
  /** A run stopped by the user: the completed epoch whose weights model.pt holds. */
  keptEpoch: number | null;
  events: number;
}

// Exactly the backend's final statuses (run_states.FINAL): a missing or extra one fails typecheck.
const FINAL_STATUSES: Record<FinalRunStatus, true> = { succeeded: true, failed: true, cancelled: true, interrupted: true, imported: true };
export const FINAL = Object.keys(FINAL_STATUSES) as RunStatus[];

export function emptyRunData(): RunData {
  return {
    status: null,
    device: null,
    error: null,
    batches: [],
    epochs: [],
    logs: [],
    progress: { epoch: 0, epochs: null, step: 0, steps: null, seen: 0, samplesPerS: null, etaS: null },
    testMetrics: null,
    artifacts: null,
    keptEpoch: null,
    events: 0,
  };
}

/** Applies one event. `now` (ms) and `live` let the live view estimate throughput between batches. */
export function applyEvent(d: RunData, ev: RunEvent, clock?: { now: number; last: { t: number; seen: number; epoch: number } | null }): RunData {
  const out: RunData = { ...d, events: d.events + 1 };
  switch (ev.type) {
    case "status":
      out.status = ev.status;
      if (ev.device) out.device = ev.device;
      if (ev.error !== undefined) out.error = ev.error ?? null;
      if (FINAL.includes(ev.status)) out.progress = { ...out.progress, etaS: 0 };
      break;
    case "batch": {
      const steps = ev.steps || null;
      const x = ev.epoch - 1 + (steps ? ev.step / steps : 0);
      out.batches = [...d.batches, { x, epoch: ev.epoch, step: ev.step, steps, t: ev.t ?? null, metrics: ev.metrics }];
      let rate = d.progress.samplesPerS;
      if (clock?.last && clock.last.epoch === ev.epoch && ev.seen > clock.last.seen) {
        const dt = (clock.now - clock.last.t) / 1000;
        if (dt > 0.02) {
          const inst = (ev.seen - clock.last.seen) / dt;
          rate = rate ? rate * 0.7 + inst * 0.3 : inst;
        }
      }
      const epochs = d.progress.epochs;
      let eta = d.progress.etaS;
      if (rate && steps && ev.step > 0) {
        const perStep = ev.seen / ev.step;
        const stepsLeft = steps - ev.step + (epochs ? (epochs - ev.epoch) * steps : 0);
        eta = (stepsLeft * perStep) / rate;
      }
      out.progress = { ...d.progress, epoch: ev.epoch, step: ev.step, steps, seen: ev.seen, samplesPerS: rate, etaS: eta };
      break;
    }
    case "epoch": {
      const rest = d.epochs.filter((e) => e.epoch !== ev.epoch);
      out.epochs = [...rest, { epoch: ev.epoch, metrics: ev.metrics, t: ev.t ?? null }].sort((a, b) => a.epoch - b.epoch);
      out.progress = {
        ...d.progress,
        epoch: ev.epoch,
        epochs: ev.epochs,
        step: d.progress.steps ?? d.progress.step,
        samplesPerS: ev.metrics.samples_per_s ?? d.progress.samplesPerS,
        etaS: ev.eta_s ?? d.progress.etaS,
      };
      break;
    }
    case "log":
      out.logs = [...d.logs, { level: ev.level ?? "info", message: ev.message }].slice(-500);
      break;
    case "result":
      out.testMetrics = ev.test_metrics;
      out.artifacts = ev.artifacts;
      out.keptEpoch = ev.kept_epoch ?? null;
      break;
  }
  return out;
}

const NOT_CURVES = new Set(["lr", "samples_per_s", "seconds"]);

/** Metric names worth a curve, train names only ("loss", "accuracy"…); val_ twins are implied. */
export function curveMetrics(d: Pick<RunData, "batches" | "epochs">): string[] {
  const names = new Set<string>();
  for (const e of d.epochs) for (const k of Object.keys(e.metrics)) names.add(k);
  for (const b of d.batches.slice(-3)) for (const k of Object.keys(b.metrics)) names.add(k);
  const train = [...names].filter((k) => !k.startsWith("val_") && !NOT_CURVES.has(k));
  for (const k of names) if (k.startsWith("val_") && !train.includes(k.slice(4)) && !NOT_CURVES.has(k.slice(4))) train.push(k.slice(4));
  return train.sort((a, b) => (a === "loss" ? -1 : b === "loss" ? 1 : a.localeCompare(b)));
}

/** Aligned columns for one metric on the chosen x axis: x, per-batch train, per-epoch train,
 *  per-epoch validation. Points the axis cannot place (no time on a record) are left out. */
export function seriesFor(d: Pick<RunData, "batches" | "epochs">, metric: string, axis: XAxis = "epoch"): [number[], (number | null)[], (number | null)[], (number | null)[]] {
  const stepsOf = new Map<number, number>();
  let lastSteps: number | null = null;
  for (const b of d.batches) if (b.steps) stepsOf.set(b.epoch, (lastSteps = b.steps));
  const batchAt = d.batches.map((b) => (b.metrics[metric] !== undefined ? batchX(b, axis) : null));
  const epochAt = d.epochs.map((e) => epochX(e, axis, stepsOf.get(e.epoch) ?? lastSteps));
  const xs = new Set<number>();
  for (const x of [...batchAt, ...epochAt]) if (x !== null) xs.add(x);
  const x = [...xs].sort((a, b) => a - b);
  const at = new Map(x.map((v, i) => [v, i]));
  const batch: (number | null)[] = x.map(() => null);
  const train: (number | null)[] = x.map(() => null);
  const val: (number | null)[] = x.map(() => null);
  d.batches.forEach((b, i) => {
    const v = b.metrics[metric];
    const bx = batchAt[i];
    if (bx !== null && v !== undefined && v !== null && Number.isFinite(v)) batch[at.get(bx)!] = v;
  });
  d.epochs.forEach((e, j) => {
    const ex = epochAt[j];
    if (ex === null) return;
    const i = at.get(ex)!;
    const t = e.metrics[metric];
    const v = e.metrics[`val_${metric}`];
    if (t !== undefined && t !== null && Number.isFinite(t)) train[i] = t;
    if (v !== undefined && v !== null && Number.isFinite(v)) val[i] = v;
  });
  return [x, batch, train, val];
}

/** Best value of each metric over epochs: min for losses and errors, max for the rest. */
export function bestMetrics(epochs: EpochRecord[]): Metrics {
  const best: Metrics = {};
  for (const e of epochs) {
    for (const [k, v] of Object.entries(e.metrics)) {
      if (NOT_CURVES.has(k) || v === null || !Number.isFinite(v)) continue;
      const lower = /loss|mae|mse|error/.test(k);
      const b = best[k];
      if (b === undefined || b === null || (lower ? v < b : v > b)) best[k] = v;
    }
  }
  return best;
}

/** TensorBoard's smoothing: an exponential moving average debiased like Adam's moments, so the
 *  first points are not pulled toward 0. Gaps (null) and non-finite values pass through unsmoothed. */
export function smoothEma(values: (number | null)[], weight: number): (number | null)[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return v;
    last = last * w + (1 - w) * v;
    n += 1;
    return w === 0 ? v : last / (1 - Math.pow(w, n));
  });
}
