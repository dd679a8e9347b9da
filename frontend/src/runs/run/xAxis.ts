// Where a point of a run's history sits on the chart's x axis, and how the axis labels read.
// Pure: the chart, its tests and the comparison view share one definition of "step" and "wall time".

/** "step": the global batch index (TensorBoard's step); "epoch": fractional epochs; "wall": seconds since start. */
export type XAxis = "step" | "epoch" | "wall";

export const X_AXES: readonly XAxis[] = ["step", "epoch", "wall"];

export const X_LABEL: Record<XAxis, string> = { step: "step", epoch: "epoch", wall: "wall time" };

export interface BatchAt {
  epoch: number; // 1-based
  step: number; // 1-based within the epoch
  steps: number | null;
  t: number | null; // seconds since the run started
}

export interface EpochAt {
  epoch: number;
  t?: number | null;
}

/** A batch's x; null when the axis needs what the point lacks (no time, no step count). */
export function batchX(b: BatchAt, axis: XAxis): number | null {
  if (axis === "epoch") return b.epoch - 1 + (b.steps ? b.step / b.steps : 0);
  if (axis === "step") return b.steps ? (b.epoch - 1) * b.steps + b.step : null;
  return b.t ?? null;
}

/** An epoch's x: its end. On the step axis that is epoch × steps per epoch (the epoch number itself
 *  when no batch told the step count, as for a record without batches). */
export function epochX(e: EpochAt, axis: XAxis, stepsPerEpoch: number | null): number | null {
  if (axis === "epoch") return e.epoch;
  if (axis === "step") return e.epoch * (stepsPerEpoch ?? 1);
  return e.t ?? null;
}

/** Seconds as a clock: 75 → "1:15", 3725 → "1:02:05". */
export function fmtClock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** Tick spacings uPlot may pick from: whole steps, whole epochs, round clock times. */
export const X_INCRS: Record<XAxis, number[]> = {
  step: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000],
  epoch: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
  wall: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400],
};

export function fmtX(axis: XAxis, v: number): string {
  if (axis === "wall") return fmtClock(v);
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/** Wall time framed on whole seconds, at least two of them, so a short run still reads as clock ticks. */
export function wallRange(min: number, max: number): [number, number] {
  const lo = Math.max(0, Math.floor(min));
  return [lo, Math.max(Math.ceil(max), lo + 2)];
}

/** A log axis cannot show 0 or negative values (log 0 = -∞ breaks the scale): they become gaps. */
export function logSafe(values: readonly (number | null | undefined)[]): (number | null)[] {
  return values.map((v) => (v === null || v === undefined || !Number.isFinite(v) || v <= 0 ? null : v));
}
