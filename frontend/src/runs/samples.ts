// Data-set samples for "Try the model" (GET /api/datasets/{id}/samples): one sample as a predict
// batch, its true label, a thumbnail's pixels, a short line for rows, sequences and token ids.
import type { DatasetSamples } from "../api/types";

type Nested = number | Nested[];

function depth(x: unknown): number {
  let d = 0;
  while (Array.isArray(x)) {
    d += 1;
    x = x[0];
  }
  return d;
}

/** How many inputs the samples carry: `inputs` is one batch (rank of a sample + 1 deep), or a batch
 *  per input (one level more). */
export function inputCount(s: Pick<DatasetSamples, "inputs">, sampleRank: number): number {
  return depth(s.inputs) > sampleRank + 1 ? s.inputs.length : 1;
}

/** Sample i as the body of POST /api/runs/{id}/predict: a batch of one (a batch per input for several). */
export function sampleBatch(s: Pick<DatasetSamples, "inputs">, i: number, sampleRank: number): unknown {
  if (inputCount(s, sampleRank) > 1) return (s.inputs as unknown[][]).map((batch) => [batch[i]]);
  return [s.inputs[i]];
}

/** The true label of sample i: its class name, or its target value(s). */
export function trueLabel(s: Pick<DatasetSamples, "labels" | "values">, i: number): string {
  if (s.labels) {
    const l = s.labels[i]; // a class per time step: one name per step
    return Array.isArray(l) ? l.join(" ") : (l ?? "");
  }
  const v = s.values?.[i] as Nested | undefined;
  if (v === undefined) return "";
  return Array.isArray(v) ? v.flat(Infinity as 1).map((n) => fmt(n as number)).join(", ") : fmt(v);
}

const fmt = (n: number) => String(Number(n.toPrecision(4)));

/** A short line of a row, sequence or token ids: the first values, then an ellipsis. */
export function valuesLine(sample: unknown, max = 6): string {
  const flat = (Array.isArray(sample) ? (sample as Nested[]).flat(Infinity as 1) : [sample]) as number[];
  const head = flat.slice(0, max).map(fmt).join(", ");
  return flat.length > max ? `${head}, …` : head;
}

/** RGBA pixels of a (C, H, W) or (H, W) image, values in 0..1 (stretched to fit when they are not). */
export function imagePixels(sample: unknown): { width: number; height: number; rgba: Uint8ClampedArray<ArrayBuffer> } | null {
  const d = depth(sample);
  const chw = (d === 3 ? sample : d === 2 ? [sample] : null) as number[][][] | null;
  if (!chw || !chw[0]?.length || !chw[0][0]?.length) return null;
  const c = chw.length;
  const h = chw[0].length;
  const w = chw[0][0].length;
  let lo = Infinity;
  let hi = -Infinity;
  for (const plane of chw) for (const row of plane) for (const v of row) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const [a, scale] = lo < 0 || hi > 1 ? [lo, hi > lo ? 1 / (hi - lo) : 1] : [0, 1];
  const rgba = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 4;
      for (let k = 0; k < 3; k++) rgba[o + k] = Math.round((chw[c === 3 ? k : 0][y][x] - a) * scale * 255);
      rgba[o + 3] = 255;
    }
  }
  return { width: w, height: h, rgba };
}
