// A data set's inputs and targets as training matches them to the graph (training/plan.py):
// a data set input named like an Input node's id feeds it, else they pair in order.
import type { DatasetInfo, Shape } from "../api/types";

export type DatasetInput = { name: string; shape: Shape; dtype: string };
export type DatasetTarget = { name: string; kind: "classes" | "values"; numClasses: number | null; shape: number[] };
export type GraphInput = { id: string; shape: Shape | undefined };
export type InputPair = { node: string; input: DatasetInput; fits: boolean };

export function datasetInputs(ds: DatasetInfo): DatasetInput[] {
  if (ds.inputs && ds.inputs.length) return ds.inputs.map((i) => ({ name: i.name, shape: i.shape, dtype: i.dtype ?? "float32" }));
  return [{ name: "x", shape: ds.input_shape, dtype: ds.input_dtype ?? "float32" }];
}

export function datasetTargets(ds: DatasetInfo): DatasetTarget[] {
  if (ds.targets && ds.targets.length) {
    return ds.targets.map((t) => ({ name: t.name, kind: t.kind, numClasses: t.num_classes ?? null, shape: t.shape ?? [] }));
  }
  const shape = (ds.extra?.target_shape as number[] | undefined) ?? [];
  return [{ name: "y", kind: ds.target.kind, numClasses: ds.target.num_classes ?? null, shape }];
}

/** "10 classes", "12 classes per step (8 steps)", "values". */
export function describeTarget(t: DatasetTarget): string {
  if (t.kind === "values") return "values";
  const classes = `${t.numClasses ?? "?"} classes`;
  return t.shape.length === 1 ? `${classes} per step (${t.shape[0]} steps)` : classes;
}

/** Null (a variable length) on either side fits anything, as the server checks. */
export function shapeFits(have: Shape | undefined, want: Shape): boolean {
  return !!have && have.length === want.length && have.every((d, i) => d === null || want[i] === null || d === want[i]);
}

/** Each Input node with the data set input that feeds it; null when the counts differ. */
export function pairInputs(nodes: GraphInput[], inputs: DatasetInput[]): InputPair[] | null {
  if (nodes.length !== inputs.length) return null;
  const names = new Set(inputs.map((i) => i.name));
  const byName = nodes.every((n) => names.has(n.id)) && names.size === nodes.length;
  return nodes.map((n, k) => {
    const input = byName ? inputs.find((i) => i.name === n.id)! : inputs[k];
    return { node: n.id, input, fits: shapeFits(n.shape, input.shape) };
  });
}
