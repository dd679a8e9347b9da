// Parallel-coordinates axes: one per searched path plus the objective, each mapping a value to
// [0, 1] from the bottom of the axis: linear, logarithmic (log_uniform) or evenly spaced categories.
import type { Dimension, TrialPublic } from "./types";

export type Axis =
  | { kind: "linear" | "log"; key: string; label: string; min: number; max: number; ticks: number[] }
  | { kind: "category"; key: string; label: string; categories: string[] };

export const categoryOf = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

function span(values: number[], fallback: [number, number]): [number, number] {
  const finite = values.filter(Number.isFinite);
  const [lo, hi] = finite.length ? [Math.min(...finite), Math.max(...finite)] : fallback;
  return lo === hi ? [lo - (Math.abs(lo) || 1) * 0.1, hi + (Math.abs(hi) || 1) * 0.1] : [lo, hi];
}

function linearTicks(min: number, max: number): number[] {
  return [0, 0.25, 0.5, 0.75, 1].map((f) => min + f * (max - min));
}

function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.ceil(Math.log10(min)); e <= Math.floor(Math.log10(max)); e++) ticks.push(10 ** e);
  return ticks.length >= 2 ? ticks : [min, Math.sqrt(min * max), max];
}

/** The axis of one searched path: a choice's values as categories (numbers in order), a range
 *  from its low to its high (widened to what the trials got). */
export function dimensionAxis(path: string, dim: Dimension, trials: TrialPublic[]): Axis {
  const got = trials.map((t) => t.params[path]);
  if (dim.type === "choice") {
    const values = dim.values as unknown[];
    if (values.every((v) => typeof v === "number")) {
      const [min, max] = span(values as number[], [0, 1]);
      return { kind: "linear", key: path, label: path, min, max, ticks: [...new Set(values as number[])].sort((a, b) => a - b) };
    }
    return { kind: "category", key: path, label: path, categories: [...new Set(values.map(categoryOf))] };
  }
  const numbers = got.filter((v): v is number => typeof v === "number");
  const [min, max] = span([dim.low, dim.high, ...numbers], [dim.low, dim.high]);
  if (dim.type === "log_uniform") return { kind: "log", key: path, label: path, min, max, ticks: logTicks(min, max) };
  return { kind: "linear", key: path, label: path, min, max, ticks: linearTicks(min, max) };
}

export function objectiveAxis(label: string, trials: TrialPublic[]): Axis {
  const [min, max] = span(trials.map((t) => t.objective).filter((v): v is number => typeof v === "number"), [0, 1]);
  return { kind: "linear", key: "objective", label, min, max, ticks: linearTicks(min, max) };
}

/** Where a value sits on its axis, 0 (bottom) to 1 (top); null when it cannot be placed. */
export function position(axis: Axis, value: unknown): number | null {
  if (axis.kind === "category") {
    const i = axis.categories.indexOf(categoryOf(value));
    if (i < 0) return null;
    return axis.categories.length === 1 ? 0.5 : i / (axis.categories.length - 1);
  }
  if (typeof value !== "number" || !Number.isFinite(value)) return null;
  if (axis.kind === "log") {
    if (value <= 0) return null;
    return (Math.log(value) - Math.log(axis.min)) / (Math.log(axis.max) - Math.log(axis.min));
  }
  return (value - axis.min) / (axis.max - axis.min);
}

/** A trial's value on an axis: the objective or one of its params. */
export const valueOn = (axis: Axis, t: TrialPublic): unknown => (axis.key === "objective" ? t.objective : t.params[axis.key]);

/** Colour of an objective value, good (teal) to poor (red), by its place between the best and worst. */
export function objectiveColor(objective: number | null | undefined, axis: Axis, mode: "min" | "max"): string {
  const p = objective === null || objective === undefined ? null : position(axis, objective);
  if (p === null) return "#64748b";
  const good = mode === "min" ? 1 - p : p;
  const hue = 0 + good * 170; // 0 red → 170 teal
  return `hsl(${Math.round(hue)}, 70%, 55%)`;
}

/** A value as an axis tick or a table cell shows it: whole numbers as they are, others to 4 digits. */
export function tickLabel(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  const a = Math.abs(v);
  return a >= 1e6 || a < 1e-4 ? v.toExponential(2).replace(/\.?0+e/, "e") : String(Number(v.toPrecision(4)));
}
