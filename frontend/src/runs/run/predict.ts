// Pure helpers of the "Try the model" card: which inputs get a drawing pad, a zero batch, a first row.
import type { Shape } from "../../api/types";

export interface DrawGrid {
  rows: number;
  cols: number;
  layout: "chw" | "hw" | "flat";
}

/** Digits-like inputs (1×H×W or H×W with small H, W) get a drawing pad. */
export function drawGrid(dataset: string, shape: Shape | null): DrawGrid | null {
  if (!shape) return dataset === "digits" ? { rows: 8, cols: 8, layout: "chw" } : null;
  if (shape.length === 3 && shape[0] === 1 && shape[1] && shape[2] && shape[1] <= 32 && shape[2] <= 32) return { rows: shape[1], cols: shape[2], layout: "chw" };
  if (shape.length === 2 && shape[0] && shape[1] && shape[0] <= 32 && dataset.includes("digit")) return { rows: shape[0], cols: shape[1], layout: "hw" };
  if (shape.length === 1 && shape[0] === 64 && dataset === "digits") return { rows: 8, cols: 8, layout: "flat" };
  return null;
}

/** The first sample's output row of a (possibly nested) batch of outputs. */
export function firstRow(outputs: unknown): number[] | null {
  let o = outputs;
  while (Array.isArray(o) && Array.isArray(o[0])) o = o[0];
  return Array.isArray(o) && o.every((v) => typeof v === "number") ? (o as number[]) : null;
}

/** A zero tensor of the shape, as nested arrays (a starting point for the JSON input). */
export function zeros(shape: Shape): unknown {
  if (!shape.length) return 0;
  const [n, ...rest] = shape;
  return Array.from({ length: n ?? 1 }, () => zeros(rest));
}
